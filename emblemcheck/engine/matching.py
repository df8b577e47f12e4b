"""Whole-image fingerprint matching: is this picture a copy of a catalogue rendering?

Pure core: fingerprints in, matches out. A copy (resized, recompressed,
re-encoded) of a rendering lands within a few bits of it; anything else
(cropped, padded, embedded in a photo) is the detection engine's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..models import Rendering
from .fingerprints import Fingerprints

#: PDQ match threshold, 31 of 256 bits: the value Meta's ThreatExchange PDQ
#: documentation recommends for near-duplicate matching.
PDQ_THRESHOLD = 31

#: PDQ hashes of flat, low-detail pictures are unreliable; ThreatExchange
#: suggests discarding hashes with quality below 50.
PDQ_MIN_QUALITY = 50

#: dHash threshold, 4 of 64 bits, confirmed by pHash <= 20. Mirror-symmetric
#: emblems (flags, shields) put half of PDQ's and pHash's DCT coefficients at
#: the median, so those bits flip with resizing noise; dHash compares
#: neighbouring pixels and stays put. Measured on the drawn National Flag as
#: JPEG (quality 75-95) 150-1000 px wide: dHash <= 1, pHash 12-20, PDQ up to 58.
DHASH_THRESHOLD = 4
PHASH_CONFIRM = 20


@dataclass(frozen=True)
class FingerprintMatch:
    """The best rendering a whole picture is a copy of."""

    rendering_id: str
    emblem_id: str
    method: str  # "pdq" | "dhash"
    distance: int
    threshold: int

    @property
    def score(self) -> float:
        """1.0 for an exact copy, 0.5 at the threshold (linear in between)."""
        return round(max(0.0, 1.0 - self.distance / (2.0 * self.threshold)), 4)


def _bits(hex_hashes: Iterable[str]) -> np.ndarray:
    return np.unpackbits(np.array([np.frombuffer(bytes.fromhex(h), np.uint8) for h in hex_hashes]), axis=1)


class FingerprintIndex:
    """All renderings' fingerprints as bit matrices, queried in one vectorised pass."""

    def __init__(self, renderings: Iterable[Rendering]):
        self.renderings = tuple(renderings)
        rows = [r for r in self.renderings]
        self._pdq = _bits(r.pdq for r in rows) if rows else np.zeros((0, 256), np.uint8)
        self._pdq_ok = np.array([r.pdq_quality >= PDQ_MIN_QUALITY for r in rows], bool)
        self._phash = _bits(r.phash for r in rows) if rows else np.zeros((0, 64), np.uint8)
        self._dhash = _bits(r.dhash for r in rows) if rows else np.zeros((0, 64), np.uint8)

    def query(self, prints: Fingerprints) -> FingerprintMatch | None:
        """The closest rendering within threshold, or ``None``.

        One picture is one region, so only the single best emblem is returned
        (the two signatures and the wordmark are near each other in hash space).
        """
        if not self.renderings:
            return None
        best: FingerprintMatch | None = None
        if prints.pdq_quality >= PDQ_MIN_QUALITY:
            distances = np.where(self._pdq_ok, self._pdq_distances(prints), 256)
            best = self._best(distances, "pdq", PDQ_THRESHOLD)
        if best is None:
            distances = (_bits([str(prints.dhash)]) != self._dhash).sum(axis=1)
            confirmed = (_bits([str(prints.phash)]) != self._phash).sum(axis=1) <= PHASH_CONFIRM
            best = self._best(np.where(confirmed, distances, 64), "dhash", DHASH_THRESHOLD)
        return best

    def closest(self, prints: Fingerprints) -> FingerprintMatch | None:
        """The rendering nearest by PDQ even beyond the threshold (a near miss); ``None`` when
        PDQ quality is too low to mean anything or the nearest is twice the threshold away (score 0)."""
        if not self.renderings or prints.pdq_quality < PDQ_MIN_QUALITY:
            return None
        distances = np.where(self._pdq_ok, self._pdq_distances(prints), 256)
        match = self._best(distances, "pdq", PDQ_THRESHOLD, limit=2 * PDQ_THRESHOLD - 1)
        return match

    def _pdq_distances(self, prints: Fingerprints) -> np.ndarray:
        # Min over the query's 8 dihedral hashes: mirrored or rotated copies match too.
        query = _bits(str(h) for h in prints.pdq_dihedral)
        return (query[:, None, :] != self._pdq[None, :, :]).sum(axis=2).min(axis=0)

    def _best(self, distances: np.ndarray, method: str, threshold: int,
              limit: int | None = None) -> FingerprintMatch | None:
        i = int(np.argmin(distances))
        if distances[i] > (threshold if limit is None else limit):
            return None
        rendering = self.renderings[i]
        return FingerprintMatch(rendering.id, rendering.emblem_id, method, int(distances[i]), threshold)
