"""Start-up: the command line loads OpenCV, numpy and the engine only for the commands that detect."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("cv2", "numpy", "sqlite_utils", "emblemcheck.engine", "emblemcheck.scan.scanner", "rich.progress")


def _loaded_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_importing_the_cli_does_not_import_opencv_numpy_or_the_engine():
    assert _loaded_after("import emblemcheck.cli") == []


def test_catalogue_list_reads_the_catalogue_without_them(home):
    code = ("import emblemcheck.cli\nfrom emblemcheck.catalogue.store import listings\n"
            f"assert listings({str(home.catalogue_db)!r})")
    assert _loaded_after(code) == []


def test_the_public_api_is_still_there_on_first_use():
    assert _loaded_after("import emblemcheck\nassert emblemcheck.Scanner and emblemcheck.build_catalogue") != []
    assert _loaded_after("from emblemcheck import FileResult, Restriction") == []
