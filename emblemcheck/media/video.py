"""Video frames, decoded by FFmpeg through PyAV (whose wheel ships FFmpeg).

A clip's lower third can show the signature for fifteen seconds, so a video
is scanned at sample times rather than frame by frame:

* One frame every :data:`SAMPLE_EVERY` seconds, at most :data:`MAX_SAMPLES`
  frames: a longer video is sampled evenly over its length (a two-hour film
  every 3 minutes, a ten-hour stream every 15). A sample near the last one
  is reached by decoding on, a far one by a seek to the keyframe before its
  time; either way at most :data:`MAX_DECODED_PER_SAMPLE` frames are decoded
  per sample, however long the video. 40 samples of a two-minute 1080p video
  scanned in 17 s on one core of the (shared) 2-core test machine, 2.4 s of
  it decoding: inside the 60-second per-file limit of a folder scan.
* A video without a known duration is read from its start, one frame every
  :data:`SAMPLE_EVERY` seconds, up to the same bounds.
* A frame bigger than the pixel limit, a container without a video stream,
  one with no frame that can be decoded (truncated, corrupt) is an
  :class:`ImageError` with its reason. A video whose frames end before its
  declared duration is scanned as far as they go, and the scanner notes how
  many sample times had no frame.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import av
import numpy as np

from ..errors import ImageError, ImageTooLarge
from .decode import MAX_PIXELS, WORK_PIXELS, LoadedImage, working_size

#: Seconds between samples in a short video: a title or lower third is on
#: screen for several seconds, so a 2-second step sees every one.
SAMPLE_EVERY = 2.0

#: Most frames sampled per video (see the module docstring for the cost).
MAX_SAMPLES = 40

#: Most frames decoded to reach one sample from the keyframe before it: ten
#: seconds of 30 fps video, the longest group of pictures encoders make.
MAX_DECODED_PER_SAMPLE = 300

#: A sample time at most this far past the last decoded frame is reached by
#: decoding on rather than seeking: cheaper than going back to a keyframe
#: (encoders put one every 2-10 s, some only one per clip).
SEEK_AFTER = 10.0

def iter_video(data: bytes, name: str = "video", *, work_pixels: int | None = WORK_PIXELS,
               max_pixels: int = MAX_PIXELS) -> Iterator[tuple[int, int, float, LoadedImage]]:
    """Sampled frames as ``(index, count, seconds, image)``, one in memory at a time."""
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except av.EOFError:
        raise ImageError(f"{name}: video has no frames (the file ends before its first frame)") from None
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise ImageError(f"{name}: unreadable video, truncated or corrupt ({_detail(exc)})") from None
    try:
        if not container.streams.video:
            raise ImageError(f"{name}: no video stream (an audio file or an empty container)")
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > max_pixels:
            raise ImageTooLarge(f"{name}: video frames are {width}x{height}, over the pixel limit of {max_pixels:,}")
        yield from _samples(container, stream, name, work_pixels)
    except av.FFmpegError as exc:
        raise ImageError(f"{name}: unreadable video, truncated or corrupt ({_detail(exc)})") from None
    finally:
        container.close()


def sample_times(duration: float) -> list[float]:
    """The times to sample in a video of ``duration`` seconds: every SAMPLE_EVERY, at most MAX_SAMPLES."""
    step = max(SAMPLE_EVERY, duration / MAX_SAMPLES)
    return [i * step for i in range(max(1, min(MAX_SAMPLES, math.ceil(duration / step))))]


def _samples(container, stream, name: str, work_pixels: int | None) -> Iterator[tuple[int, int, float, LoadedImage]]:
    duration = _duration(container, stream)
    found = 0
    if duration is None:  # the count is only known as the frames come: so far, this one included
        for index, frame in enumerate(_from_start(container, stream)):
            found += 1
            yield index, index + 1, _seconds(frame), _loaded(frame, work_pixels)
    else:
        times = sample_times(duration)
        for index, frame in enumerate(_at_times(container, stream, times)):
            if frame is None:
                break  # the frames end before the declared duration (a truncated file): the scanner notes it
            found += 1
            yield index, len(times), _seconds(frame), _loaded(frame, work_pixels)
    if not found:
        raise ImageError(f"{name}: video has no frames that can be decoded")


def _duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _at_times(container, stream, times: list[float]):
    """The first frame at or after each time, ``None`` once the frames end.

    A time less than :data:`SEEK_AFTER` seconds past the last frame decoded
    is reached by decoding on; a later one by a seek to the keyframe before
    it. Either way at most :data:`MAX_DECODED_PER_SAMPLE` frames per time.
    """
    frames, position = None, None
    for seconds in times:
        if frames is None or position is None or seconds - position > SEEK_AFTER:
            container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
            frames = container.decode(stream)
        frame = _decode_to(frames, seconds)
        yield frame
        if frame is None:
            return
        position = frame.time


def _decode_to(frames, seconds: float):
    """Decode on from ``frames`` to the first frame at or after ``seconds`` (``None`` if the data ends)."""
    try:
        for decoded, frame in enumerate(frames):
            if frame.time is None or frame.time >= seconds - 1e-3 or decoded >= MAX_DECODED_PER_SAMPLE:
                return frame
    except av.EOFError:
        pass  # the data ends before this time
    return None


def _from_start(container, stream):
    """Frames SAMPLE_EVERY seconds apart, reading from the start (a video with no known duration)."""
    due, taken = 0.0, 0
    try:
        for decoded, frame in enumerate(container.decode(stream)):
            time = _seconds(frame)
            if time >= due - 1e-3:
                yield frame
                taken += 1
                due = time + SAMPLE_EVERY
            if taken >= MAX_SAMPLES or decoded >= MAX_SAMPLES * MAX_DECODED_PER_SAMPLE:
                return
    except av.EOFError:
        return  # the data ends: what was decoded is what there is


def _seconds(frame) -> float:
    return round(float(frame.time or 0.0), 3)


def _loaded(frame, work_pixels: int | None) -> LoadedImage:
    """A decoded frame as RGB at working size; its geometry is the frame's."""
    width, height = working_size(frame.width, frame.height, work_pixels)
    rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    return LoadedImage(rgb=np.ascontiguousarray(rgb), width=frame.width, height=frame.height, format="VIDEO")


def _detail(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc)
