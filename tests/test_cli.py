"""The command line as a whole: every command's help, exit codes as documented, the report formats, the progress bar."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from emblemcheck.cli import app
from emblemcheck.cli.app import make_typer
from emblemcheck.cli.progress import wanted
from emblemcheck.exitcodes import ExitCode
from emblemcheck.reports import FORMATS

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


EXIT_ZERO = f"--exit-zero turns {ExitCode.FOUND:d} and {ExitCode.UNREADABLE:d} into {ExitCode.CLEAN:d}."


def _commands(command, path: tuple[str, ...] = ()):
    """Every command of the app with the words that run it, groups and their subcommands included."""
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _words(text: str) -> str:
    return " ".join(text.replace("\b", "").split())


def test_the_command_tree_is_found():
    assert {" ".join(path) for path, _ in COMMANDS} >= {
        "", "scan", "baseline", "browse", "explain", "catalogue", "catalogue build", "catalogue list",
        "catalogue show", "catalogue add", "catalogue remove", "catalogue import", "catalogue export"}


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) or "emblemcheck" for p, _ in COMMANDS])
def test_every_command_has_help_from_its_docstring_with_an_example(path, command):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    shown = _words(result.output)
    paragraphs = command.help.split("\n\n")
    assert _words(paragraphs[0]) in shown, result.output
    if not isinstance(command, TyperGroup):
        examples = [p for p in paragraphs if p.lstrip("\b \n").startswith("Example")]
        assert examples, f"`{' '.join(path)}` has no example in its docstring"
        assert _words(examples[0]) in shown, result.output


def _exit_codes_paragraph(help_text: str) -> str:
    (paragraph,) = [p for p in help_text.split("\n\n") if p.strip().startswith("Exit codes:")]
    return " ".join(paragraph.split())


@pytest.mark.parametrize("command", [[], ["scan"]])
def test_help_names_every_exit_code(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    codes = re.findall(r"(?:: |; )(\d+) ", _exit_codes_paragraph(result.output))
    assert [int(c) for c in codes] == [int(c) for c in ExitCode], result.output


def test_scan_help_says_what_exit_zero_does():
    assert EXIT_ZERO in _exit_codes_paragraph(runner.invoke(app, ["scan", "--help"]).output)


def test_readme_table_has_every_exit_code():
    section = (REPO / "README.md").read_text("utf-8").split("### Exit codes", 1)[1].split("\n#", 1)[0]
    assert [int(c) for c in re.findall(r"^\| (\d+) \|", section, re.M)] == [int(c) for c in ExitCode]
    assert EXIT_ZERO.replace("--exit-zero", "`--exit-zero`") in section


def test_exit_zero_turns_an_unreadable_input_into_0(built_home, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    args = ["scan", str(broken), "--home", str(built_home.root)]
    assert runner.invoke(app, args).exit_code == ExitCode.UNREADABLE
    result = runner.invoke(app, [*args, "--exit-zero"])
    assert result.exit_code == ExitCode.CLEAN, result.output
    assert "ERROR" in result.output


def test_usage_errors_exit_2():
    result = runner.invoke(app, ["scan", "--format", "yaml", "x.png"])
    assert result.exit_code == ExitCode.USAGE, result.output


def test_ctrl_c_in_any_command_exits_interrupted():
    commands = make_typer()

    @commands.command()
    def stop() -> None:
        raise KeyboardInterrupt

    @commands.command()
    def go() -> None:
        pass

    result = runner.invoke(commands, ["stop"])
    assert result.exit_code == ExitCode.INTERRUPTED, result.output


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


def test_a_reader_that_goes_away_ends_the_command_with_141_and_no_error(built_home):
    """`emblemcheck catalogue list | head -1`: the pipe's other end closes before the listing is written."""
    env = dict(os.environ, EMBLEMCHECK_HOME=str(built_home.root))
    command = [sys.executable, "-c", "from emblemcheck.cli import main; main()", "catalogue", "list"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        child.stdout.close()  # before the child has even imported typer: its first write fails
        stderr = child.stderr.read().decode()
    assert child.returncode == ExitCode.OUTPUT_CLOSED, stderr
    assert stderr == ""
