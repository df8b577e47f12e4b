"""The picture behind a finding: the scanned image with the matched outline and
label, beside the catalogue rendering, with the matched points joined.

Pure core (:func:`draw_explanation`: arrays in, an RGB array out) and one edge
function (:func:`explain_image`) that loads the catalogue and the picture:
in a PDF, a video or an office document, the page, sampled frame or embedded
picture the finding is in (the first one with a finding, or the one asked for).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..engine.detection import Detection
from ..errors import UsageError
from ..home import Home
from ..i18n import _
from ..media.decode import LoadedImage, read_file
from ..media.frames import Frame, iter_frames
from ..models import Finding
from ..scan.scanner import Scanner, open_scanner
from .context import object_name, place

#: Each half of the picture is scaled to fit a panel of this size, keeping its
#: proportions: a wide signature stays readable without making the file huge.
PANEL_WIDTH, PANEL_HEIGHT = 900, 600
#: Most match lines drawn: more hide the picture.
MAX_LINES = 60
_GREEN, _RED, _YELLOW = (0, 170, 60), (220, 30, 40), (250, 200, 0)  # RGB


@dataclass(frozen=True)
class Explanation:
    """What ``explain`` found and the picture that shows it."""

    picture: np.ndarray  # RGB uint8
    findings: tuple[Detection, ...]  # geometry in the original image's pixels
    #: Where in its file the picture drawn is ("page 2", "0:16", "slide 2, ppt/media/image2.png"); "" in a still.
    where: str = ""
    #: What object each finding's rendering stood for ("an embroidered flash"), "" for flat artwork.
    matched_as: tuple[str, ...] = ()


def explain_image(path: Path | str, home: Home, emblem_id: str | None = None, *, page: int | None = None,
                  at: float | None = None) -> Explanation:
    """Locate catalogued emblems in the image at ``path`` and draw the evidence for the best one.

    The scanner's own detections, with their matched points; a whole-image
    copy is drawn as an outline around the whole picture. In a file of
    several pictures, the first page, sampled video frame or embedded
    picture with a finding is drawn, or page (slide) ``page``, or the
    sampled frame nearest ``at`` seconds.
    """
    scanner = open_scanner(home)
    if emblem_id is not None:
        scanner.catalogue.emblem(emblem_id)  # raises UnknownEmblem with a hint
    first: Frame | None = None
    for frame in _chosen(iter_frames(read_file(path), str(path)), page, at):
        first = first or frame
        found = _found(scanner, frame.image, emblem_id)
        if found:
            return _drawn(scanner, frame, found)
    if first is None:
        raise UsageError(f"{path}: " + (f"no page {page}" if page is not None else "no picture to explain"))
    return Explanation(draw_nothing(first.image.rgb), (), _where(first))


def _chosen(frames: Iterator[Frame], page: int | None, at: float | None) -> Iterator[Frame]:
    """The frames to look at: all in order, those of page ``page``, or the sampled one nearest ``at`` seconds."""
    if page is not None:
        return (f for f in frames if f.page == page)
    if at is not None:
        nearest = min((f for f in frames if f.seconds is not None), key=lambda f: abs((f.seconds or 0) - at),
                      default=None)
        return iter([nearest] if nearest else [])
    return frames


def _found(scanner: Scanner, image: LoadedImage, emblem_id: str | None) -> list[Detection]:
    found = scanner.detections(image, None if emblem_id is None else [emblem_id])
    if not found:
        copy = scanner.copy_of(image)
        found = [_whole_image(copy)] if copy is not None and emblem_id in (None, copy.emblem_id) else []
    return found


def _drawn(scanner: Scanner, frame: Frame, found: list[Detection]) -> Explanation:
    best = found[0]
    materials = [scanner.catalogue.materials.get(d.rendering_id, "") for d in found]
    objects = tuple(object_name(m) for m in materials)
    label = f"{best.emblem_id} ({scanner.catalogue.emblem(best.emblem_id).restriction}) score {best.score:.2f}"
    if objects[0]:  # drawn in OpenCV's Hershey font, which has no accents: the English name
        label += f" as {object_name(materials[0], translated=False)}"
    where = _where(frame)
    label = f"{where}: {label}" if where else label
    reference = scanner.catalogue.rendering_image(best.rendering_id)  # the material's rendering, if one matched
    return Explanation(draw_explanation(frame.image.rgb, best, reference, label, scale=frame.image.scale),
                       tuple(found), where, objects)


def _where(frame: Frame) -> str:
    """Where ``frame`` is in its file, as reports say it (:func:`reports.context.place`)."""
    where = place(page=frame.page, member=frame.member, seconds=frame.seconds)
    if where or frame.count <= 1:
        return where
    return _("frame {index} of {count}").format(index=frame.index + 1, count=frame.count)


def _whole_image(finding: Finding) -> Detection:
    """A whole-image fingerprint match as a detection whose outline is the whole picture."""
    x, y, w, h = finding.box
    outline = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
    return Detection(finding.emblem_id, finding.rendering_id, finding.box, outline, finding.score, 0,
                     finding.method)  # type: ignore[arg-type]


def draw_explanation(picture: np.ndarray, detection: Detection, reference: np.ndarray, label: str,
                     scale: float = 1.0) -> np.ndarray:
    """The picture (left) with outline and label, the reference (right), matched points joined.

    ``scale`` is the picture's pixels per pixel of the detection's geometry
    (the working copy's scale when the geometry is in the original's pixels).
    """
    left, lscale = _fit(picture)
    lscale *= scale
    right, rscale = _fit(reference)
    canvas = np.full((max(left.shape[0], right.shape[0]) + 40, left.shape[1] + right.shape[1] + 20, 3), 255, np.uint8)
    canvas[40:40 + left.shape[0], :left.shape[1]] = left
    offset = left.shape[1] + 20
    canvas[40:40 + right.shape[0], offset:offset + right.shape[1]] = right
    outline = (np.array(detection.outline) * lscale + [0, 40]).astype(np.int32)
    cv2.polylines(canvas, [outline.reshape(-1, 1, 2)], True, _RED, 3, cv2.LINE_AA)
    step = max(1, len(detection.matches) // MAX_LINES)
    for sx, sy, qx, qy in detection.matches[::step]:
        a = (int(qx * lscale), int(qy * lscale) + 40)
        b = (int(sx * rscale) + offset, int(sy * rscale) + 40)
        cv2.line(canvas, a, b, _GREEN, 1, cv2.LINE_AA)
        cv2.circle(canvas, a, 3, _YELLOW, -1, cv2.LINE_AA)
        cv2.circle(canvas, b, 3, _YELLOW, -1, cv2.LINE_AA)
    evidence = f"{detection.inliers} matched points, " if detection.inliers else ""
    cv2.putText(canvas, f"{label}, {evidence}{detection.method}", (8, 28),
                cv2.FONT_HERSHEY_SIMPLEX, 0.7, _RED, 2, cv2.LINE_AA)
    return canvas


def draw_nothing(picture: np.ndarray) -> np.ndarray:
    """The picture under a banner saying nothing was found."""
    panel, _ = _fit(picture)
    canvas = np.full((panel.shape[0] + 40, max(panel.shape[1], 420), 3), 255, np.uint8)
    canvas[40:, :panel.shape[1]] = panel
    cv2.putText(canvas, "no catalogued emblem found", (8, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, _GREEN, 2, cv2.LINE_AA)
    return canvas


def _fit(image: np.ndarray) -> tuple[np.ndarray, float]:
    """``image`` scaled to fit the panel, and the scale used."""
    scale = min(PANEL_WIDTH / image.shape[1], PANEL_HEIGHT / image.shape[0])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation), scale
