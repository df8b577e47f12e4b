"""Optical character recognition of title zones, offline.

The engine is RapidOCR on ONNX Runtime (``rapidocr-onnxruntime``), whose wheel
ships its PP-OCR detection and recognition models: nothing is downloaded.
It was chosen over Tesseract (a Debian package, not installable by pip) and
``rapidocr`` 3 (the same models, more dependencies) because it is the one
pip alone installs and that runs offline here; it reads the benchmark's
titles (see benchmarks/suite_signatures.py) at about 0.3-1 s per zone on a
busy 2-core machine. Its recogniser drops French accents and sometimes
spaces; titles.py matches letters only, so that costs nothing.

The model is loaded on first use and kept for the process (a scan worker loads
it once, and only if a picture has a flag symbol). A missing engine is
:func:`missing_engine` (one line for ``catalogue build`` and the scan's start)
and :class:`OcrUnavailable` when reading is asked for anyway.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import TYPE_CHECKING, Any

from ..errors import EmblemcheckError
from ..models import Box
from .titles import TextLine

if TYPE_CHECKING:  # numpy is imported where a read needs it: `--help` and `catalogue list` start without it
    import numpy as np

MODULE = "rapidocr_onnxruntime"
#: Text lines OCR is less sure of than this are dropped (RapidOCR's own default is 0.5).
MIN_CONFIDENCE = 0.5

_engine: Any = None
_lock = threading.Lock()


class OcrUnavailable(EmblemcheckError):
    """The OCR engine is not installed or cannot start."""


def missing_engine() -> str:
    """Why signatures' titles cannot be read ("" when the engine is installed); does not import it."""
    try:
        found = importlib.util.find_spec(MODULE) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return ""
    return (f"the OCR engine ({MODULE}) is not installed, so signatures' titles cannot be read: "
            f"flag symbols are reported by their artwork only; install it with pip install {MODULE}")


def _load() -> Any:
    global _engine
    with _lock:
        if _engine is None:
            try:
                module = importlib.import_module(MODULE)
                # Limit "max": the detector only ever shrinks a zone (its default, "min" 736, blows a
                # 700 x 70 title strip up to 7000 x 736 and takes ten times as long).
                _engine = module.RapidOCR(det_limit_type="max", det_limit_side_len=1280)
            except Exception as exc:  # any failure to import or start the model means the same to the user
                raise OcrUnavailable(f"the OCR engine cannot start ({type(exc).__name__}: {exc})") from None
        return _engine


class OcrTimeout(EmblemcheckError):
    """OCR of one region took longer than its time limit."""


#: Longest a read of one title zone may take, in seconds. A guess with a wide margin: the slowest
#: zone of the signatures benchmark took 1.2 s (a 1600 px signature on the 2-core machine at load 3);
#: a read that hangs is abandoned after this and the symbol reported with the reason.
TIMEOUT = 20.0


def read_lines(rgb: np.ndarray, timeout: float = TIMEOUT) -> list[TextLine]:
    """The text lines in an RGB ``uint8`` array, boxes in its pixels; raises :class:`OcrUnavailable`,
    or :class:`OcrTimeout` after ``timeout`` seconds (the read goes on in a daemon thread, unused)."""
    engine = _load()
    # OpenCV's order is what RapidOCR expects of an array: BGR.
    found = _within(lambda: engine(rgb[..., ::-1].copy(), use_cls=False)[0], timeout)
    lines = []
    for corners, text, confidence in found or []:
        if float(confidence) < MIN_CONFIDENCE:
            continue
        xs = [p[0] for p in corners]
        ys = [p[1] for p in corners]
        box: Box = (int(min(xs)), int(min(ys)), int(max(xs) - min(xs)), int(max(ys) - min(ys)))
        lines.append(TextLine(str(text), box, float(confidence)))
    return lines


def _within(call: Any, timeout: float) -> Any:
    """``call()``'s value, or :class:`OcrTimeout` when it takes longer than ``timeout`` seconds; its own
    exception if it raises. A thread per call: one that hangs must not hold up the next region."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # handed to the caller's thread as it is
            failure.append(exc)

    worker = threading.Thread(target=run, name="emblemcheck-ocr", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise OcrTimeout(f"OCR took longer than {timeout:g} s")
    if failure:
        raise failure[0]
    return result[0]


def alphabet() -> tuple[str, ...]:
    """The recognition model's characters, by the index of its output (0 is CTC's blank, the last a space)."""
    return tuple(_load().text_rec.postprocess_op.character)


def line_frames(rgb: np.ndarray, timeout: float = TIMEOUT) -> np.ndarray:
    """The recognition model's per-frame character probabilities (T x C, rows summing to 1) for one text
    line in an RGB ``uint8`` array, with RapidOCR's own resizing and normalisation (its
    ``TextRecognizer.resize_norm_img``) and no padding to other lines' width; raises as :func:`read_lines`."""
    import numpy as np

    recogniser = _load().text_rec
    image = rgb[..., ::-1]  # BGR, as RapidOCR's own crops are
    height, width = image.shape[:2]
    channels, model_height, model_width = recogniser.rec_image_shape
    batch = recogniser.resize_norm_img(image, max(model_width / model_height, width / max(1, height)))
    return _within(lambda: recogniser.session(batch[np.newaxis].astype(np.float32))[0][0], timeout)
