"""Start-up: the command line loads OpenCV, numpy and the engine only for the commands that detect."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("cv2", "numpy", "sqlite_utils", "emblemcheck.engine", "emblemcheck.scan.scanner", "rich.progress")
#: What neither --help nor a listing needs: pydantic (typer 0.29 imports it to coerce every option),
#: the pool's multiprocessing, the report writers, the baseline's reader.
NOT_FOR_LISTING = HEAVY + ("pydantic", "multiprocessing", "emblemcheck.scan.pool", "emblemcheck.reports.html",
                           "emblemcheck.reports.context", "emblemcheck.scan.baseline")


def _loaded_after(code: str, watched: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.splitlines()[-1])


def _after_command(*argv: str, home) -> list[str]:
    code = (f"sys.argv = ['emblemcheck', *{list(argv)!r}]\nfrom emblemcheck.cli import main\n"
            "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code")
    return _loaded_after(code, NOT_FOR_LISTING, env=dict(os.environ, EMBLEMCHECK_HOME=str(home.root)))


def test_importing_the_cli_does_not_import_opencv_numpy_or_the_engine():
    assert _loaded_after("import emblemcheck.cli") == []


def test_catalogue_list_reads_the_catalogue_without_them(home):
    code = ("import emblemcheck.cli\nfrom emblemcheck.catalogue.store import listings\n"
            f"assert listings({str(home.catalogue_db)!r})")
    assert _loaded_after(code) == []


def test_the_public_api_is_still_there_on_first_use():
    assert _loaded_after("import emblemcheck\nassert emblemcheck.Scanner and emblemcheck.build_catalogue") != []
    assert _loaded_after("from emblemcheck import FileResult, Restriction") == []


def test_help_and_the_listings_import_only_what_they_show(home):
    assert _after_command("--help", home=home) == []
    assert _after_command("scan", "--help", home=home) == []
    assert _after_command("catalogue", "list", home=home) == []
    assert _after_command("catalogue", "show", "gc-signature-en", "--format", "json", home=home) == []
