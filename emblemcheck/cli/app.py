"""The Typer application every command registers on.

Every :class:`EmblemcheckError` is caught in one place (:class:`_Group`),
printed as one line on stderr, and turned into the error's exit code; Ctrl-C
that reaches it ends the command with :attr:`ExitCode.INTERRUPTED`.
"""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from ..errors import EmblemcheckError
from ..exitcodes import ExitCode


class _Group(TyperGroup):
    """A command group that reports library errors in one line, without a traceback."""

    def invoke(self, ctx):  # a Context of the click that typer vendors
        try:
            return super().invoke(ctx)
        except EmblemcheckError as exc:
            typer.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:  # typer says 130 too, but older releases exit 1 ("Aborted!"): FOUND's code
            ctx.exit(ExitCode.INTERRUPTED)


def make_typer(**kwargs) -> typer.Typer:
    """A Typer app (or sub-app) with the shared error handling and help options."""
    return typer.Typer(cls=_Group, no_args_is_help=True, rich_markup_mode=None, add_completion=False,
                       context_settings={"help_option_names": ["-h", "--help"]}, **kwargs)


app = make_typer(help=(
    "Check images for Government of Canada corporate symbols and agency heraldic emblems "
    "before you post them.\n\n"
    "Exit codes: 0 nothing found at or above --fail-on; 1 something found; 2 usage error; "
    "3 an input could not be read; 130 interrupted."
))
