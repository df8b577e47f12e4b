"""The Typer application every command registers on.

Every :class:`EmblemcheckError` is caught in one place (:class:`_Group`),
printed as one line on stderr, and turned into the error's exit code; Ctrl-C
that reaches it ends the command with :attr:`ExitCode.INTERRUPTED`; any other
exception is a fault of emblemcheck itself: one ``error:`` line and
:attr:`ExitCode.INTERNAL` (never 1, which a CI job reads as "something found"),
with the traceback only under ``--debug``.
"""

from __future__ import annotations

import traceback
import warnings
from typing import Annotated

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from ..errors import EmblemcheckError, Notice
from ..exitcodes import ExitCode
from ..text import printable

#: Where the global ``--debug`` flag is kept in the click context (``ctx.meta`` is shared by every subcommand).
DEBUG = "emblemcheck.debug"


class _Group(TyperGroup):
    """A command group that reports library errors in one line, without a traceback."""

    def invoke(self, ctx):  # a Context of the click that typer vendors
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", Notice)
                warnings.showwarning = _note
                return super().invoke(ctx)
        except EmblemcheckError as exc:
            typer.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # typer says 130 too, but older releases exit 1 ("Aborted!"): FOUND's code
            ctx.exit(ExitCode.INTERRUPTED)
        except (TyperException, typer.Exit, typer.Abort):  # usage errors and exits: Typer's own handling
            raise
        except Exception as exc:  # noqa: BLE001 - the one place a bug becomes a documented exit code
            if ctx.meta.get(DEBUG):
                typer.echo(traceback.format_exc().rstrip(), err=True)
            detail = printable(str(exc)) or "no message"
            typer.echo(f"error: internal error ({type(exc).__name__}: {detail}); "
                       "run again with --debug for the traceback and report it", err=True)
            ctx.exit(ExitCode.INTERNAL)


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """The library's :class:`Notice` warnings as one ``note:`` line each on stderr; other warnings as usual."""
    if issubclass(category, Notice):
        typer.echo(f"note: {printable(str(message))}", err=True)
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
    "3 an input could not be read; 4 internal error (a bug: run again with --debug); 130 interrupted."
))


@app.callback()
def _options(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error, print the traceback as well as the one error line.")] = False,
) -> None:
    ctx.meta[DEBUG] = debug
