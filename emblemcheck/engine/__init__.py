"""The detection engine: pure functions and values, no files, no SQLite, no CLI.

Arrays in, detections out. ``fingerprints`` and ``matching`` find whole-image
copies; ``features`` describes pictures with SIFT; ``index`` pools the
catalogue's descriptors (``build`` / ``query``); ``fitting`` places a
reference with a homography or a similarity; ``verification`` checks that
the placed region looks like the reference; ``merge`` keeps one emblem per
region; ``regions`` finds small emblems on a plain ground; ``channels`` names
the picture channels searched (luminance, the blue-yellow tint); ``tiles``
lays out the overlapping tiles of a big or long picture; and
``detector.Detector`` composes them. A new detection channel is a new
``Channel`` value in ``channels``.
"""
