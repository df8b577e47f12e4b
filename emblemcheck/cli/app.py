"""The Typer application every command registers on.

Every :class:`EmblemcheckError` is caught in one place (:class:`_Group`),
printed as one line on stderr, and turned into the error's exit code; Ctrl-C
that reaches it ends the command with :attr:`ExitCode.INTERRUPTED`; any other
exception is a fault of emblemcheck itself: one ``error:`` line and
:attr:`ExitCode.INTERNAL` (never 1, which a CI job reads as "something found"),
with the traceback only under ``--debug``.
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import os
import sys
import traceback
import warnings
from typing import Annotated

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from .. import i18n
from ..errors import EmblemcheckError, Notice
from ..exitcodes import ExitCode
from ..i18n import _
from ..text import printable

#: Where the global ``--debug`` flag is kept in the click context (``ctx.meta`` is shared by every subcommand).
DEBUG = "emblemcheck.debug"


class _Group(TyperGroup):
    """A command group that reports library errors in one line, without a traceback, in the chosen language."""

    def main(self, args=None, *rest, **kwargs):
        # Before parsing: `--help` may come before `--lang` is parsed, or from EMBLEMCHECK_LANG alone.
        i18n.set_language(_language_asked(args) or i18n.from_environment())
        return super().main(args, *rest, **kwargs)

    def format_commands(self, ctx, formatter) -> None:
        """The commands with the first sentence of their help, translated before it is shortened."""
        from typer._click.utils import make_default_short_help

        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _cmd in commands)
            rows = [(name, make_default_short_help(i18n.help_text(inspect.cleandoc(cmd.help or "")), limit))
                    for name, cmd in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx):  # a Context of the click that typer vendors
        try:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("always", Notice)
                    warnings.showwarning = _note
                    return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # here, not at the interpreter's exit, so a closed pipe is caught below
        except BrokenPipeError:
            _drop_stdout()
            ctx.exit(ExitCode.OUTPUT_CLOSED)
        except EmblemcheckError as exc:
            typer.echo(_("error: {message}").format(message=exc), err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # typer says 130 too, but older releases exit 1 ("Aborted!"): FOUND's code
            ctx.exit(ExitCode.INTERRUPTED)
        except (TyperException, typer.Exit, typer.Abort):  # usage errors and exits: Typer's own handling
            raise
        except Exception as exc:  # noqa: BLE001 - the one place a bug becomes a documented exit code
            if ctx.meta.get(DEBUG):
                typer.echo(traceback.format_exc().rstrip(), err=True)
            detail = printable(str(exc)) or _("no message")
            typer.echo(_("error: internal error ({kind}: {detail}); run again with --debug for the traceback "
                         "and report it").format(kind=type(exc).__name__, detail=detail), err=True)
            ctx.exit(ExitCode.INTERNAL)


def _drop_stdout() -> None:
    """Point stdout at /dev/null: the reader is gone, and the interpreter's flush at exit must not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """The library's :class:`Notice` warnings as one ``note:`` line each on stderr; other warnings as usual."""
    if issubclass(category, Notice):
        typer.echo(_("note: {message}").format(message=printable(str(message))), err=True)
    else:
        typer.echo(warnings.formatwarning(message, category, filename, lineno, line).rstrip(), err=True)


def make_typer(**kwargs) -> typer.Typer:
    """A Typer app (or sub-app) with the shared error handling and help options."""
    return typer.Typer(cls=_Group, no_args_is_help=True, rich_markup_mode=None, add_completion=False,
                       pretty_exceptions_enable=False,
                       context_settings={"help_option_names": ["-h", "--help"]}, **kwargs)


app = make_typer(help=(
    "Check images for Government of Canada corporate symbols and agency heraldic emblems "
    "before you post them.\n\n"
    "Exit codes: 0 nothing found at or above --fail-on; 1 something found; 2 usage error; "
    "3 an input could not be read; 4 internal error (a bug: run again with --debug); 130 interrupted; "
    "141 the output was closed early."
))


class Lang(str, enum.Enum):
    en = "en"
    fr = "fr"


def _language_asked(args) -> str | None:
    """The value of ``--lang`` among the top-level arguments (before the command), if given."""
    args = list(sys.argv[1:] if args is None else args)
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return i18n.parse_language(args[index + 1])
        if arg.startswith("--lang="):
            return i18n.parse_language(arg.partition("=")[2])
        if not arg.startswith("-"):  # the command: its own arguments are not ours
            return None
    return None


def _set_language(value: Lang | None) -> Lang | None:
    i18n.set_language(value.value if value else i18n.from_environment())
    return value


i18n.install_help_translation()


@app.callback()
def _options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error, print the traceback as well as the one error line.")] = False,
    lang: Annotated[Lang | None, typer.Option(
        "--lang", envvar="EMBLEMCHECK_LANG", is_eager=True, callback=_set_language, show_default=False,
        help="Language of messages, reports and pages: en or fr (else EMBLEMCHECK_LANG, then the locale "
             "variables LANGUAGE, LC_ALL, LC_MESSAGES and LANG; English by default).")] = None,
) -> None:
    ctx.meta[DEBUG] = debug
