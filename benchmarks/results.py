"""benchmarks/RESULTS.md holds one section per benchmark; each script rewrites only its own."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(name: str, text: str, path: Path = RESULTS) -> None:
    """Put ``text`` between the ``<!-- name:begin -->`` and ``<!-- name:end -->`` markers, appending them if absent."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{text.rstrip()}\n{end}"
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    path.write_text(current)
