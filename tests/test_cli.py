"""The command line as a whole: the report formats it offers and when it shows a progress bar."""

from __future__ import annotations

import io

import pytest
from typer.testing import CliRunner

from emblemcheck.cli import app
from emblemcheck.cli.progress import wanted
from emblemcheck.reports import FORMATS

runner = CliRunner()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_format_choices_are_the_registry_in_order():
    assert list(FORMATS) == ["text", "json", "jsonl", "csv", "sarif", "html"]
    result = runner.invoke(app, ["scan", "--help"])
    assert result.exit_code == 0, result.output
    assert "-f, --format <text|json|jsonl|csv|sarif|html>" in result.output


@pytest.mark.parametrize("fmt, to_stdout, shown", [
    ("text", True, True), ("html", True, True),
    ("json", True, False), ("jsonl", True, False), ("csv", True, False), ("sarif", True, False),
    ("json", False, True), ("sarif", False, True),
])
def test_progress_bar_stays_off_while_a_machine_readable_report_goes_to_stdout(fmt, to_stdout, shown):
    assert wanted(quiet=False, report=FORMATS[fmt], to_stdout=to_stdout, stream=_Terminal()) is shown


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_progress_bar_when_quiet_or_not_a_terminal(fmt):
    assert wanted(quiet=True, report=FORMATS[fmt], to_stdout=False, stream=_Terminal()) is False
    assert wanted(quiet=False, report=FORMATS[fmt], to_stdout=False, stream=io.StringIO()) is False
