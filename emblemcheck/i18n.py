"""English and French: the language in force and the gettext catalogue of every message.

The French catalogue is ``emblemcheck/locale/fr/LC_MESSAGES/emblemcheck.po``
(edited by people) and its compiled ``.mo`` beside it (made by Babel and
committed), read at run time by the standard library's :mod:`gettext`, so
Babel is needed only to extract and compile (README, Development).

The language is ``--lang``, else ``EMBLEMCHECK_LANG``, else the first of the
POSIX locale variables that is set (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
``LANG``), else English. Machine formats (JSON, JSONL, SARIF, CSV headers)
never go through it: their keys are stable English.

Messages in code are ``_("...")`` (translated when called) or ``N_("...")``
(only marked, for module-level values translated later with ``_``). The CLI's
help texts (docstrings, ``help=``) are not marked: :func:`extract_cli_help`
reads them from the Typer app for Babel, and :func:`install_help_translation`
translates them as ``--help`` writes them, so the language can be chosen by
an option parsed after the help texts were defined.
"""

from __future__ import annotations

import gettext as _gettext
import inspect
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, cast, get_args

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DOMAIN = "emblemcheck"
LOCALE_DIR = Path(__file__).parent / "locale"
#: Read in this order; the first that is set decides, as gettext does (LANGUAGE may list several).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_current: Language | None = None
_catalogues: dict[str, _gettext.NullTranslations] = {}


def parse_language(value: str) -> Language | None:
    """``"fr"``, ``"fr_CA.UTF-8"`` or ``"fr-CA"`` as a language emblemcheck speaks, else ``None``."""
    code = re.split(r"[_.@-]", value.strip(), maxsplit=1)[0].lower()
    return cast(Language, code) if code in LANGUAGES else None


def from_environment(environ: Mapping[str, str] | None = None) -> Language:
    """The language ``EMBLEMCHECK_LANG`` or the locale variables ask for; English when none is set or known."""
    environ = os.environ if environ is None else environ
    chosen = parse_language(environ.get("EMBLEMCHECK_LANG", ""))
    if chosen:
        return chosen
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            # LANGUAGE is a priority list ("fr_CA:en"); the others name one locale ("C" or "POSIX": English).
            return next((lang for part in value.split(":") if (lang := parse_language(part))), "en")
    return "en"


def set_language(language: str) -> None:
    """Use ``language`` (``en`` or ``fr``) for every message from now on."""
    global _current
    chosen = parse_language(language)
    if chosen is None:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    _current = chosen


def language() -> Language:
    """The language in force: the one set, else the environment's."""
    return _current if _current is not None else from_environment()


@contextmanager
def using(language_: str) -> Iterator[None]:
    """Messages in ``language_`` inside the block (tests, one request), the previous language after."""
    global _current
    previous = _current
    set_language(language_)
    try:
        yield
    finally:
        _current = previous


def catalogue(language_: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``language_`` (English: messages as written)."""
    if language_ not in _catalogues:
        _catalogues[language_] = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language_], fallback=True)
    return _catalogues[language_]


def _(message: str) -> str:
    """``message`` in the language in force."""
    lang = language()
    return message if lang == "en" else catalogue(lang).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools know
    """Mark ``message`` for the catalogue without translating it now (module-level values)."""
    return message


def french() -> bool:
    """Whether messages are in French (for the catalogue's own French fields)."""
    return language() == "fr"


# --------------------------------------------------------------------- the CLI's help texts

#: What Click itself writes around the help texts; translated with them.
CLICK_MESSAGES = ("Usage: ", "Options", "Commands", "Arguments", "Show this message and exit.",
                  "default", "required", "env var")
_EXTRA = re.compile(r"^(?P<help>.*?)(?P<sep>\s*)\[(?P<extra>[^\[\]]*)\]$", re.DOTALL)


def help_text(text: str) -> str:
    """A help text in the language in force; a trailing ``[default: x; required]`` is translated part by part."""
    if language() == "en" or not text:
        return text
    translated = _(text)
    if translated != text:
        return translated
    match = _EXTRA.match(text)
    if not match:
        return text
    extras = "; ".join(_extra(part) for part in match["extra"].split("; "))
    head = _(match["help"]) if match["help"] else ""
    return f"{head}{match['sep']}[{extras}]"


def _extra(part: str) -> str:
    name, colon, value = part.partition(":")
    return f"{_(name)}{colon}{value}" if name in CLICK_MESSAGES else part


def install_help_translation() -> None:
    """Translate what ``--help`` writes, as it writes it: usage, headings, texts and option lists.

    Typer evaluates help texts when the commands are defined, before
    ``--lang`` is parsed, so they are translated in Click's help formatter
    (the one Typer vendors), once for the process.
    """
    from typer._click import formatting

    formatter = formatting.HelpFormatter
    if getattr(formatter, "_emblemcheck_translated", False):
        return
    write_usage, write_heading = formatter.write_usage, formatter.write_heading
    write_text, write_dl = formatter.write_text, formatter.write_dl

    def usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, help_text("Usage: ") if prefix is None else prefix)

    def heading(self, name: str) -> None:
        write_heading(self, help_text(name))

    def text(self, value: str) -> None:
        write_text(self, help_text(value))

    def dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        write_dl(self, [(first, help_text(second)) for first, second in rows], col_max, col_spacing)

    for name, method in (("write_usage", usage), ("write_heading", heading), ("write_text", text),
                         ("write_dl", dl), ("_emblemcheck_translated", True)):
        setattr(formatter, name, method)


def cli_help_texts() -> Iterator[str]:
    """Every help text of the CLI as ``--help`` shows it: commands' docstrings, options' and arguments' help."""
    import typer

    from .cli import app

    def walk(command) -> Iterator[str]:
        if command.help:
            yield inspect.cleandoc(command.help).partition("\f")[0]
        for param in command.params:
            if getattr(param, "help", None):
                yield param.help
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    yield from CLICK_MESSAGES
    yield from walk(typer.main.get_command(app))


def extract_cli_help(fileobj, keywords, comment_tags, options):
    """A Babel extraction method: the CLI's help texts, read from the Typer app (see babel.cfg)."""
    seen: set[str] = set()
    for text in cli_help_texts():
        if text not in seen:
            seen.add(text)
            yield 1, "_", text, ["help text of the command line"]
