"""Pack versions (Semantic Versioning 2.0.0) and the qspace version range a pack declares."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Final

# semver.org's grammar: MAJOR.MINOR.PATCH, numbers without leading zeros, optional
# -prerelease and +build identifiers (dot-separated [0-9A-Za-z-]).
_NUMBER = r"(?:0|[1-9]\d{0,8})"
_IDENTIFIERS = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
SEMVER: Final = re.compile(
    rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_IDENTIFIERS})?(?:\+{_IDENTIFIERS})?"
)
_CLAUSE = re.compile(r"\s*(>=|<=|==|!=|>|<)\s*(\d{1,9}(?:\.\d{1,9}){0,2})\s*")
_OPERATORS: Final[dict[str, Callable[[object, object], bool]]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}

Release = tuple[int, int, int]


def qspace_version() -> str:
    """The installed qspace version, or "0.0.0" when running from a checkout never installed."""
    try:
        return version("qspace")
    except PackageNotFoundError:
        return "0.0.0"


def release_of(text: str) -> Release:
    """The numeric MAJOR.MINOR.PATCH at the start of a version ("0.1.0.dev1" -> (0, 1, 0))."""
    match = re.match(r"\d+(?:\.\d+)*", text.strip())
    parts = [int(part) for part in match.group(0).split(".")] if match else []
    parts = (parts + [0, 0, 0])[:3]
    return (parts[0], parts[1], parts[2])


def parse_range(text: str) -> list[tuple[str, Release]]:
    """Parse a range such as ">=0.1,<1" into (operator, release) clauses.

    Raises ValueError naming the clause that is not `OP VERSION` with OP one of >= <= > < == !=.
    Missing parts count as 0: "<1" means "< 1.0.0".
    """
    clauses = []
    for raw in text.split(","):
        match = _CLAUSE.fullmatch(raw)
        if match is None:
            raise ValueError(
                f"{raw.strip()!r} is not a version clause such as '>=0.1' "
                "(operators: >= <= > < == !=, joined with commas)"
            )
        clauses.append((match.group(1), release_of(match.group(2))))
    return clauses


def range_allows(text: str, current: str) -> bool:
    """Tell whether version `current` satisfies every clause of the range `text`.

    Raises ValueError when the range does not parse (see parse_range).
    """
    release = release_of(current)
    return all(_OPERATORS[op](release, bound) for op, bound in parse_range(text))
