"""The README's tables of the bundled cars are the tool's output (scripts/readme_figures.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_figures_are_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "readme_figures", ROOT / "scripts" / "readme_figures.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_figures"] = module
    spec.loader.exec_module(module)
    old = (ROOT / "README.md").read_text(encoding="utf-8")
    new = module.render(old, module._sheets())
    assert module.differing_blocks(old, new) == [], "run: python scripts/readme_figures.py"
