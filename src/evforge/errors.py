"""Errors raised on bad input.

Every input problem is reported as an :class:`InputError`: one line per problem, naming the
field path (``motors[0].peak_power``), the value given and what was expected. The CLI prints
those lines and exits with status 2, without a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EvforgeError", "InputError", "Problem"]


class EvforgeError(Exception):
    """Base class of the errors evforge raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in an input: where it is and what is wrong.

    Attributes
    ----------
    path : str
        The field path, e.g. ``"battery.usable_energy"``, or ``"<file>"`` for the file itself.
    message : str
        What was given and what was expected, without the path.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InputError(EvforgeError, ValueError):
    """An input file or value failed validation.

    Parameters
    ----------
    source : str
        Which input (a file name, or a description such as ``"vehicle spec"``).
    problems : sequence of Problem
        At least one problem.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.source = source
        self.problems = tuple(problems)
        super().__init__(self.lines()[0] if len(self.problems) == 1 else "\n".join(self.lines()))

    def __reduce__(self) -> tuple[type[InputError], tuple[str, tuple[Problem, ...]]]:
        # Rebuilt from its source and problems (pickled back from a worker process).
        return (type(self), (self.source, self.problems))

    def lines(self) -> list[str]:
        """One line per problem: ``"<source>: <path>: <message>"``."""
        return [f"{self.source}: {p}" if self.source else str(p) for p in self.problems]

    @classmethod
    def merge(cls, errors: Sequence[InputError]) -> InputError:
        """One error carrying the problems of several inputs (paths prefixed by source)."""
        if len(errors) == 1:
            return errors[0]
        problems = [Problem(f"{e.source}: {p.path}", p.message) for e in errors for p in e.problems]
        return cls("", problems)
