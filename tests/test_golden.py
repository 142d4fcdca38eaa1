"""Golden outputs: today's CLI JSON for the bundled cars, frozen before the batch rewrite.

These are regression pins, not outside figures: the files in ``tests/golden/`` are the
model's own output at the commit that wrote them. A change of physics must regenerate them
on purpose (``EVFORGE_UPDATE_GOLDEN=1 pytest tests/test_golden.py``) and say why in its
commit; a refactoring (the design table, batched procedures, a faster kernel) must leave them
unchanged. Numbers are compared to 2e-6 relative: the JSON carries 6 significant digits, so a
last-digit rounding flip is allowed and nothing more.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from evforge.cli import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
CARS = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
COMMANDS = {
    "range_all": ["range", *CARS, "--procedure", "all", "--json"],
    "range_cold": ["range", *CARS, "--procedure", "wltp", "--ambient", "-7C", "--json"],
    "perf": ["perf", *CARS, "--json"],
    "charge": ["charge", *CARS, "--json"],
    "charge_cold": ["charge", *CARS, "--ambient", "-10C", "--no-precondition", "--json"],
    "simulate": ["simulate", *CARS, "-c", "wltc", "-c", "udds", "-c", "us06", "--json"],
    "real_world": ["range", *CARS, "--procedure", "real-world", "--json"],
}


def _strip_paths(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_paths(v) for v in value]
    if isinstance(value, str) and str(ROOT) in value:
        return value.replace(str(ROOT), "<repo>")
    return value


def _close(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict), where
        assert sorted(a) == sorted(b), where
        for k in a:
            _close(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list), where
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        assert math.isclose(a, b, rel_tol=2e-6, abs_tol=1e-9), (where, a, b)
    else:
        assert a == b, (where, a, b)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_json_is_unchanged(name: str) -> None:
    result = CliRunner().invoke(app, COMMANDS[name])
    assert result.exit_code == 0, result.output
    got = _strip_paths(json.loads(result.stdout))
    path = GOLDEN / f"{name}.json"
    if os.environ.get("EVFORGE_UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    _close(got, expected, name)
