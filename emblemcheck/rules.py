"""The rules emblemcheck enforces, with their sources (data/guidelines.toml)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, replace

from .i18n import french
from .resources import data_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib


@dataclass(frozen=True)
class Rule:
    """A rule or guideline an emblem falls under, quoted with its source."""

    id: str
    title: str
    publisher: str
    quote: str
    quoted_from: str
    status: str
    published: str = ""
    rescinded: str = ""
    document: str = ""
    #: Where the quoted document itself can be found, when the quote comes from elsewhere.
    found_in: str = ""
    #: The same in French (emblemcheck's own translation); ``quote_fr`` only where a sourced French
    #: text exists, or for the project's own summaries: a verbatim English quote is never translated.
    title_fr: str = ""
    publisher_fr: str = ""
    quote_fr: str = ""
    quoted_from_fr: str = ""
    status_fr: str = ""
    found_in_fr: str = ""

    @property
    def source(self) -> str:
        """Where the quote comes from and, when known, where the document itself is: one sentence."""
        return f"{self.quoted_from}. {self.found_in}" if self.found_in else self.quoted_from

    def localised(self) -> Rule:
        """The rule in the language in force: in French, its French fields where it has them.

        The quote stays in English unless a French text is known (``quote_fr``).
        """
        if not french():
            return self
        return replace(self, **{name: getattr(self, f"{name}_fr") or getattr(self, name)
                                for name in ("title", "publisher", "quote", "quoted_from", "status", "found_in")})


@functools.cache
def rules() -> dict[str, Rule]:
    """All rules by id."""
    with open(data_dir() / "guidelines.toml", "rb") as handle:
        raw = tomllib.load(handle)["rules"]
    return {rule_id: Rule(id=rule_id, **fields) for rule_id, fields in raw.items()}


def rule(rule_id: str) -> Rule | None:
    """The rule with ``rule_id``, or ``None`` for an emblem without one."""
    return rules().get(rule_id)
