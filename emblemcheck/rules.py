"""The rules emblemcheck enforces, with their sources (data/guidelines.toml)."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

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

    @property
    def source(self) -> str:
        """Where the quote comes from and, when known, where the document itself is: one sentence."""
        return f"{self.quoted_from}. {self.found_in}" if self.found_in else self.quoted_from


@functools.cache
def rules() -> dict[str, Rule]:
    """All rules by id."""
    with open(data_dir() / "guidelines.toml", "rb") as handle:
        raw = tomllib.load(handle)["rules"]
    return {rule_id: Rule(id=rule_id, **fields) for rule_id, fields in raw.items()}


def rule(rule_id: str) -> Rule | None:
    """The rule with ``rule_id``, or ``None`` for an emblem without one."""
    return rules().get(rule_id)
