"""The limits a scan runs under, in a module of their own: ``scan --help`` shows them without
importing the pool (and multiprocessing) that enforces them."""

from __future__ import annotations

#: Seconds one file may take before its worker is killed and the file reported.
#: The slowest legitimate case measured is a 100-megapixel JPEG (about 6 s).
DEFAULT_TIMEOUT = 60.0
