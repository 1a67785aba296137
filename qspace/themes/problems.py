"""What the theme toolchain reports: problems found in a pack, and the errors that carry them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a pack: the file (relative to the pack root), a 1-based line, why.

    `line` is 0 when the problem is about the file as a whole (its type, size or absence).
    """

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class ThemeError(Exception):
    """Base class of the theme toolchain's errors."""


class ThemeInvalid(ThemeError):
    """A pack (or a set of variable values) failed validation; `problems` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        first = str(self.problems[0]) if self.problems else "invalid theme"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))


class ThemeNotFound(ThemeError):
    """No pack with the requested id is available."""


class ThemeConflict(ThemeError):
    """The request would replace or remove a pack it must not touch (a bundled one)."""


class ThemeRenderError(ThemeError):
    """A template override failed to render: a sandbox violation, a template error or a budget.

    Callers fall back to the application's own module template.
    """
