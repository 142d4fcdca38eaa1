"""Every Python example in the README and docs runs, and its physics is what the text says.

The examples are extracted from the Markdown files (```python blocks) and executed from the
repository root. Module docstrings with ``>>>`` examples (the public API's) run as doctests.
"""

from __future__ import annotations

import doctest
import importlib
import itertools
import os
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _blocks() -> list[tuple[str, str]]:
    out = []
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, code in enumerate(_BLOCK.findall(md.read_text(encoding="utf-8"))):
            out.append((f"{md.relative_to(ROOT)}#{i + 1}", code))
    return out


BLOCKS = _blocks()


def _run(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "<example>", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


def test_there_are_examples() -> None:
    names = [name for name, _ in BLOCKS]
    assert any(n.startswith("README.md") for n in names)
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("name", "code"), BLOCKS, ids=[n for n, _ in BLOCKS])
def test_example_runs(name: str, code: str) -> None:
    assert "dataclasses.replace" not in code, "variants must come from evforge.variant"
    _run(code)


def test_readme_variants_follow_the_mass() -> None:
    """The README's batch of mass variants: rolling energy and inertia grow with the mass,
    rolling energy in proportion to the test mass (C_rr m g over the same distance)."""
    code = next(c for n, c in BLOCKS if n.startswith("README.md") and "evforge.variant" in c)
    ns = _run(code)
    variants, batch = ns["variants"], ns["batch"]
    rolling = [r.energy_kwh.rolling for r in batch]
    assert all(b > a for a, b in itertools.pairwise(rolling))
    inertia = [v.inertial_mass_kg for v in variants]
    assert all(b - a == pytest.approx(100.0) for a, b in itertools.pairwise(inertia))
    # The constant term is C_rr m g: in proportion to each variant's test mass.
    per_kg = [v.rolling_n / v.mass_kg for v in variants]
    assert max(per_kg) == pytest.approx(min(per_kg), rel=1e-12)
    # The speed term c_v m g + b_d grows by c_v g per kg.
    slope = (variants[-1].linear_n_per_mps - variants[0].linear_n_per_mps) / (
        variants[-1].mass_kg - variants[0].mass_kg
    )
    assert slope > 0.0


@pytest.mark.parametrize("module", ["evforge.sheet", "evforge.spec.variant", "evforge.output"])
def test_module_doctests(module: str) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    finally:
        os.chdir(cwd)
    assert result.failed == 0


def test_every_public_name_is_in_the_api_reference() -> None:
    import evforge

    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [
        n
        for n in evforge.__all__
        if n != "__version__" and f"evforge.{n}" not in page and f"heading: evforge.{n}" not in page
    ]
    assert missing == []
