"""The ``>>>`` examples in every module of ``src/evforge`` run and print what they show.

Each docstring with examples is one test. They run from the repository root, as the
examples' ``examples/...`` paths assume, whatever directory pytest was started from.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import evforge

ROOT = Path(__file__).resolve().parents[1]
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _doctests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found: list[doctest.DocTest] = []
    names = ["evforge"] + [
        m.name for m in pkgutil.walk_packages(evforge.__path__, prefix="evforge.")
    ]
    for name in names:
        module = importlib.import_module(name)
        found.extend(t for t in finder.find(module) if t.examples)
    return sorted(found, key=lambda t: t.name)


DOCTESTS = _doctests()


def test_there_are_doctests() -> None:
    # A rename or an import change that hid the examples would otherwise pass silently.
    assert len(DOCTESTS) >= 6


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_doctest(test: doctest.DocTest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    report: list[str] = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
