"""Inverse design: the value of one spec field that gives a target result.

``solve(base, field, output, target)`` finds x with ``evaluate(base with field = x)[output] =
target`` by Brent's method (``scipy.optimize.brentq``) on the bracket [low, high]: the
field's plausible range in schema v1, or one the caller gives. Each evaluation builds the
design from the spec (:func:`evforge.variant_spec`), so everything that depends on the field
follows it. A target outside what the bracket reaches is not solved: the result says so, with
the best reachable value.

Examples
--------
>>> import evforge
>>> from evforge.explore.solve import solve
>>> base = evforge.variant_spec("examples/chevrolet_bolt_ev_2017.yaml", {"road_load": None})
>>> s = solve(base, "battery.usable_energy", "range_wltp_km", 500.0, between=(40.0, 90.0))
>>> s.feasible, abs(s.achieved / 500.0 - 1.0) < 1e-3
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evforge.errors import InputError, Problem

if TYPE_CHECKING:
    from evforge.spec.schema import VehicleSpec

__all__ = ["Solution", "solve"]

#: Relative tolerance on the target.
RTOL = 1e-3


@dataclass(frozen=True, slots=True)
class Solution:
    """What :func:`solve` found. ``value`` is in the field's documented unit."""

    field: str
    output: str
    target: float
    value: float | None
    achieved: float | None
    evaluations: int
    feasible: bool
    message: str
    spec: VehicleSpec | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "output": self.output,
            "value": self.value,
            "target": self.target,
            "achieved": self.achieved,
            "evaluations": self.evaluations,
            "feasible": self.feasible,
            "message": self.message,
        }


def solve(
    base: VehicleSpec,
    field: str,
    output: str,
    target: float,
    *,
    between: tuple[float, float] | None = None,
    max_evaluations: int = 30,
) -> Solution:
    """Find the value of ``field`` for which ``output`` equals ``target`` (module notes).

    Raises
    ------
    InputError
        If the field is not a numeric spec field, the output is unknown, or the bracket is
        not inside the field's plausible range.
    """
    import pandas as pd
    from scipy.optimize import brentq

    from evforge.evaluation import OUTPUTS, evaluate
    from evforge.spec.schema import field_bounds
    from evforge.spec.variant import variant_spec

    outputs = {c: p for p, cols in OUTPUTS.items() for c in cols if c != "epa_label_route"}
    if output not in outputs:
        raise InputError(
            "--target", [Problem(output, f"is not an output; expected one of {', '.join(outputs)}")]
        )
    bounds = field_bounds(field)
    if bounds is None:
        raise InputError("--vary", [Problem(field, "is not a numeric spec field path")])
    low, high = between if between is not None else bounds
    if not (bounds[0] <= low < high <= bounds[1]):
        raise InputError(
            "--between",
            [
                Problem(
                    f"{low:g} {high:g}", f"expected {bounds[0]:g} <= low < high <= {bounds[1]:g}"
                )
            ],
        )
    if not math.isfinite(target):
        raise InputError("--target", [Problem(str(target), "expected a finite number")])
    variant_spec(base, {field: low})  # the field is allowed on this base (coast-down rule)
    count = 0
    seen: dict[float, float | None] = {}

    def result(x: float) -> float | None:
        """The output at x; None where it is not reached (e.g. 100 km/h never reached)."""
        nonlocal count
        if x in seen:
            return seen[x]
        count += 1
        if count > max_evaluations:
            raise _Budget
        spec = variant_spec(base, {field: x}, name=base.name)
        frame = evaluate(_table(spec), procedures=[outputs[output]])
        value: Any = frame.loc[0, output]
        seen[x] = None if pd.isna(value) else float(value)
        return seen[x]

    def f(x: float) -> float:
        value = result(x)
        assert value is not None
        if abs(value - target) <= 0.1 * RTOL * abs(target):
            raise _Found(x)
        return value - target

    try:
        # Ends where the output exists: step in from an end that gives none.
        ends: list[float | None] = []
        for a, b in ((low, high), (high, low)):
            for step in (0.0, 0.01, 0.03, 0.1, 0.3):
                x = a + step * (b - a)
                if result(x) is not None:
                    ends.append(x)
                    break
            else:
                ends.append(None)
        lo_x, hi_x = ends
        if lo_x is None or hi_x is None or lo_x >= hi_x:
            return Solution(
                field,
                output,
                target,
                None,
                None,
                count,
                False,
                f"{output} is not reached for {field} in [{low:g}, {high:g}]",
                None,
            )
        f_low, f_high = f(lo_x), f(hi_x)
        if f_low * f_high > 0:
            best = lo_x if abs(f_low) < abs(f_high) else hi_x
            reach = sorted((f_low + target, f_high + target))
            return Solution(
                field,
                output,
                target,
                best,
                seen[best],
                count,
                False,
                f"{output} = {target:g} is out of reach for {field} in [{lo_x:g}, {hi_x:g}]: "
                f"it spans {reach[0]:.4g} to {reach[1]:.4g}; the closest is "
                f"{seen[best]:.4g} at {field} = {best:g}",
                None,
            )
        x = float(brentq(f, lo_x, hi_x, xtol=1e-9 * (hi_x - lo_x), maxiter=max_evaluations))
    except _Found as found:
        x = found.x
    except _Budget:
        valid = {k: v for k, v in seen.items() if v is not None}
        best = min(valid, key=lambda k: abs(valid[k] - target))
        return Solution(
            field,
            output,
            target,
            best,
            valid[best],
            max_evaluations,
            False,
            f"not converged in {max_evaluations} evaluations",
            None,
        )
    achieved = result(x)
    assert achieved is not None
    feasible = abs(achieved - target) <= RTOL * abs(target)
    spec = variant_spec(base, {field: x}, name=base.name)
    message = "solved" if feasible else f"closest {achieved:.6g} (tolerance {RTOL:g})"
    return Solution(field, output, target, x, achieved, count, feasible, message, spec)


class _Found(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, x: float) -> None:
        self.x = x


class _Budget(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The evaluation budget is spent."""


def _table(spec: VehicleSpec) -> Any:
    from evforge.design import DesignTable

    return DesignTable((spec,), ("solve",))
