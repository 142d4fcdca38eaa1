"""Multi-objective optimisation of a design study with pymoo's NSGA-II.

An optimisation file is a study file (base, base_changes, vary; see
:mod:`evforge.explore.study`) with::

    objectives: {range_wltp_km: max, zero_to_100_kmh_s: min}
    constraints: ["top_speed_kmh >= 180", "charge_10_80_min <= 30"]
    algorithm: {population: 40, generations: 25, seed: 1}

:func:`nsga2` is the engine over any model of the unit hypercube (so it is tested on analytic
problems with known fronts); :func:`optimize_study` evaluates each generation's designs through
:func:`evforge.evaluate` (one call per generation). A design that cannot run is infeasible.
NSGA-II: Deb, Pratap, Agarwal & Meyarivan, IEEE Trans. Evol. Comput. 6(2), 2002; pymoo: Blank &
Deb, IEEE Access 8, 2020.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from evforge.errors import InputError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from evforge.explore.study import Study

__all__ = ["Optimisation", "load_optimisation", "nsga2", "optimize_study"]

_CONSTRAINT: Final = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*([-+0-9.eE]+)\s*$")
#: Objective value given to a design that cannot run (never on the front).
_FAILED: Final = 1e12


@dataclass(frozen=True)
class Optimisation:
    """A parsed optimisation file."""

    study: Study
    objectives: tuple[tuple[str, str], ...]  # (output, "min" | "max")
    constraints: tuple[tuple[str, str, float], ...]  # (output, "<=" | ">=", bound)
    population: int
    generations: int
    seed: int


def load_optimisation(path: str | Path) -> Optimisation:
    """Read and validate an optimisation file (module notes)."""
    from evforge.explore.study import parse_study, study_outputs
    from evforge.spec.loader import read_yaml

    path = Path(path)
    data = read_yaml(path)
    source = str(path)
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise InputError(source, [Problem("<file>", "expected a mapping")])
    known = study_outputs()
    objectives: list[tuple[str, str]] = []
    raw = data.get("objectives")
    if not isinstance(raw, Mapping) or not raw:
        problems.append(Problem("objectives", "expected {output: min|max, ...}"))
    else:
        for name, sense in raw.items():
            if name not in known:
                problems.append(Problem(f"objectives.{name}", "is not an output"))
            elif str(sense).lower() not in ("min", "max"):
                problems.append(
                    Problem(f"objectives.{name}", f"got {sense!r}; expected min or max")
                )
            else:
                objectives.append((str(name), str(sense).lower()))
    constraints: list[tuple[str, str, float]] = []
    for i, text in enumerate(data.get("constraints") or []):
        match = _CONSTRAINT.match(str(text))
        if match is None or match.group(1) not in known:
            problems.append(
                Problem(f"constraints[{i}]", f"got {text!r}; expected 'OUTPUT <= VALUE' or '>='")
            )
            continue
        constraints.append((match.group(1), match.group(2), float(match.group(3))))
    algo = data.get("algorithm") or {}
    settings = {"population": 40, "generations": 20, "seed": 0}
    if not isinstance(algo, Mapping):
        problems.append(Problem("algorithm", "expected {population, generations, seed}"))
        algo = {}
    for key, value in algo.items():
        if key not in settings:
            problems.append(Problem(f"algorithm.{key}", "expected population, generations, seed"))
        elif (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < (0 if key == "seed" else 2)
        ):
            problems.append(Problem(f"algorithm.{key}", f"got {value!r}; expected an integer"))
        else:
            settings[key] = value
    if problems:
        raise InputError(source, problems)
    extra = [o for o, _ in objectives] + [c for c, _, _ in constraints]
    study_data = {
        k: v for k, v in data.items() if k not in ("objectives", "constraints", "algorithm")
    }
    study = parse_study(study_data, source=source, folder=path.parent, extra_outputs=extra)
    return Optimisation(
        study,
        tuple(objectives),
        tuple(constraints),
        settings["population"],
        settings["generations"],
        settings["seed"],
    )


def nsga2(
    dimensions: int,
    model: Callable[[Any], tuple[Any, Any]],
    *,
    objectives: int,
    constraints: int = 0,
    population: int = 40,
    generations: int = 20,
    seed: int = 0,
) -> tuple[Any, Any, Any]:
    """NSGA-II over [0, 1)^dimensions.

    ``model(u)`` takes an (N, d) array and returns (F, G): objectives to *minimise* (N, m)
    and constraints (N, k), feasible where G <= 0 (k may be 0: an (N, 0) array).
    Returns the non-dominated unit points, their F and G.
    """
    import numpy as np
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.optimize import minimize

    class _Problem(PymooProblem):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(
                n_var=dimensions,
                n_obj=objectives,
                n_ieq_constr=constraints,
                xl=0.0,
                xu=np.nextafter(1.0, 0.0),
            )

        def _evaluate(self, x: Any, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
            f, g = model(x)
            out["F"] = f
            if constraints:
                out["G"] = g

    result = minimize(
        _Problem(), NSGA2(pop_size=population), ("n_gen", generations), seed=seed, verbose=False
    )
    x = np.atleast_2d(result.X) if result.X is not None else np.zeros((0, dimensions))
    f = np.atleast_2d(result.F) if result.F is not None else np.zeros((0, objectives))
    g = np.atleast_2d(result.G) if constraints and result.G is not None else np.zeros((len(x), 0))
    return x, f, g


def optimize_study(
    opt: Optimisation, progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """Run the optimisation; the Pareto front as a table (design values, then objectives and
    constraint outputs), sorted by the first objective."""
    import numpy as np
    import pandas as pd

    from evforge.design import DesignTable
    from evforge.evaluation import evaluate

    study = opt.study
    evaluations = [0]

    def rows_of(u: Any) -> list[dict[str, Any]]:
        return [
            {v.path: v.value(float(x)) for v, x in zip(study.variables, p, strict=True)} for p in u
        ]

    def model(u: Any) -> tuple[Any, Any]:
        table = DesignTable.from_records(rows_of(u), base=study.base, source="optimisation")
        frame = evaluate(table, procedures=study.procedures)
        evaluations[0] += len(frame)
        if progress is not None:
            progress(evaluations[0])
        failed = frame["error"].notna().to_numpy()
        f = np.empty((len(frame), len(opt.objectives)))
        for j, (name, sense) in enumerate(opt.objectives):
            values = frame[name].to_numpy(dtype=float, na_value=np.nan)
            f[:, j] = -values if sense == "max" else values
        g = np.empty((len(frame), len(opt.constraints)))
        for j, (name, op, bound) in enumerate(opt.constraints):
            values = frame[name].to_numpy(dtype=float, na_value=np.nan)
            g[:, j] = values - bound if op == "<=" else bound - values
        bad = failed | ~np.isfinite(f).all(axis=1) | ~np.isfinite(g).all(axis=1)
        f[bad] = _FAILED
        g[bad] = _FAILED
        return f, g

    u, f, _g = nsga2(
        len(study.variables),
        model,
        objectives=len(opt.objectives),
        constraints=len(opt.constraints),
        population=opt.population,
        generations=opt.generations,
        seed=opt.seed,
    )
    front = pd.DataFrame(rows_of(u))
    for j, (name, sense) in enumerate(opt.objectives):
        front[name] = -f[:, j] if sense == "max" else f[:, j]
    keep = (f < _FAILED).all(axis=1)
    result: pd.DataFrame = front[keep].sort_values(opt.objectives[0][0]).reset_index(drop=True)
    result.insert(0, "point", range(len(result)))
    result.attrs["evaluations"] = evaluations[0]
    return result
