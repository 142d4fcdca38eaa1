"""A design study file: a base spec, what to vary, how to sample it, what to report.

The file (YAML) is shared by ``evforge sweep`` (and later ``optimize`` and ``sensitivity``)::

    base: ../examples/kia_ev6_long_range_awd_2023.yaml   # relative to this file, or inline
    base_changes: {road_load: null}                       # optional: spec changes to the base
    vary:                                                 # spec field paths
      battery.usable_energy: {low: 50 kWh, high: 110 kWh}
      body.drag_coefficient: {low: 0.20, high: 0.30}
      battery.chemistry: {choices: [LFP, NMC]}
    sampling: {method: sobol, n: 1024, seed: 1}            # grid | random | lhs | sobol
    outputs: [range_wltp_km, zero_to_100_kmh_s]

``low``/``high`` take a bare number in the field's documented unit or a string with units,
read exactly as the spec field reads it. ``grid`` takes ``points`` (per variable, default 5)
instead of ``n``. Designs are numbered 0..n-1 in sampling order; the sample is a pure
function of the file (method, n, seed), so a resumed or distributed run draws the same
designs.

Sampling uses SciPy's quasi-Monte Carlo module (``scipy.stats.qmc``: scrambled Sobol',
Latin hypercube) and NumPy's generator for plain random sampling. A continuous variable maps
[0, 1) linearly onto [low, high]; a ``choices`` variable takes choice ``floor(u · k)``.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from evforge.errors import InputError, Problem
from evforge.evaluation import OUTPUTS, Procedure

if TYPE_CHECKING:
    import pandas as pd

    from evforge.spec.schema import VehicleSpec

__all__ = ["METHODS", "Study", "Variable", "load_study", "parse_study"]

METHODS: Final = ("grid", "random", "lhs", "sobol")
_MAX_DESIGNS: Final = 100_000_000
_KEYS: Final = ("base", "base_changes", "vary", "sampling", "outputs")
#: Output columns a study may ask for, and the procedure that gives each.
OUTPUT_PROCEDURE: Final = {col: p for p, cols in OUTPUTS.items() for col in cols}


@dataclass(frozen=True, slots=True)
class Variable:
    """One varied spec field: a continuous range (in the field's documented unit) or choices."""

    path: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()

    def value(self, u: float) -> Any:
        """The value at the unit-interval coordinate ``u``."""
        if self.choices:
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        assert self.low is not None
        assert self.high is not None
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Study:
    """A parsed study file (:func:`load_study`)."""

    source: str
    base: VehicleSpec
    variables: tuple[Variable, ...]
    method: str
    n: int
    seed: int
    points: int
    outputs: tuple[str, ...]

    @property
    def procedures(self) -> list[Procedure]:
        """The procedures the outputs need."""
        return list(dict.fromkeys(OUTPUT_PROCEDURE[o] for o in self.outputs))

    @property
    def size(self) -> int:
        """Number of designs."""
        if self.method == "grid":
            return math.prod(len(v.choices) if v.choices else self.points for v in self.variables)
        return self.n

    def designs(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """Designs ``start..stop-1`` as a table: ``design_id`` and one column per varied path.

        The same rows whatever slice is asked for (a resumed or distributed run draws
        the same designs as one run).
        """
        import numpy as np
        import pandas as pd

        stop = self.size if stop is None else min(stop, self.size)
        u = self._unit_points(start, stop)
        data: dict[str, Any] = {"design_id": np.arange(start, stop, dtype=np.int64)}
        for j, var in enumerate(self.variables):
            data[var.path] = [var.value(float(x)) for x in u[:, j]]
        return pd.DataFrame(data)

    def _unit_points(self, start: int, stop: int) -> Any:
        import numpy as np
        from scipy.stats import qmc

        d = len(self.variables)
        count = max(stop - start, 0)
        if self.method == "grid":
            axes = []
            for v in self.variables:
                k = len(v.choices) if v.choices else self.points
                if v.choices:
                    axes.append([(i + 0.5) / k for i in range(k)])
                else:
                    axes.append([0.0] if k == 1 else [i / (k - 1) for i in range(k)])
            rows = itertools.islice(itertools.product(*axes), start, stop)
            return np.array(list(rows), dtype=float).reshape(count, d)
        if self.method == "random":
            # Each design's point from its own stream: independent of the slicing.
            return np.array(
                [np.random.default_rng([self.seed, i]).random(d) for i in range(start, stop)]
            ).reshape(count, d)
        if self.method == "sobol":
            engine = qmc.Sobol(d, scramble=True, seed=self.seed)
            if start:
                engine.fast_forward(start)
            with warnings.catch_warnings():
                # SciPy warns when a draw is not a power of 2; a part of the study's sequence
                # is drawn here (n a power of 2 keeps the whole sample balanced).
                warnings.simplefilter("ignore", UserWarning)
                return engine.random(count)
        # lhs: the whole design (strata depend on n), then the slice
        return qmc.LatinHypercube(d, seed=self.seed).random(self.n)[start:stop]


def load_study(path: str | Path) -> Study:
    """Read and validate a study file; ``base`` is resolved relative to the file."""
    from evforge.spec.loader import read_yaml

    path = Path(path)
    return parse_study(read_yaml(path), source=str(path), folder=path.parent)


def study_outputs() -> list[str]:
    """Every output name a study may ask for."""
    return list(OUTPUT_PROCEDURE)


def parse_study(
    data: object,
    *,
    source: str = "study",
    folder: Path | None = None,
    extra_keys: Sequence[str] = (),
    extra_outputs: Sequence[str] = (),
) -> Study:
    """Validate study data (a mapping as in the module notes).

    Raises
    ------
    InputError
        One problem per bad entry, naming it (``vary.body.drag_coefficient.low``...).
    """
    from evforge.spec.variant import variant_spec

    if not isinstance(data, Mapping):
        raise InputError(source, [Problem("<file>", "expected a mapping with base, vary, ...")])
    problems: list[Problem] = []
    for key in data:
        if key not in _KEYS and key not in extra_keys:
            problems.append(
                Problem(str(key), f"is not a study key; expected one of {', '.join(_KEYS)}")
            )
    base = _base(data.get("base"), data.get("base_changes"), source, folder, problems)
    variables = _variables(data.get("vary"), problems)
    method, n, seed, points = _sampling(data.get("sampling"), problems)
    given = data.get("outputs")
    outputs = _outputs(given, problems) if given is not None or not extra_outputs else []
    outputs = list(dict.fromkeys([*outputs, *extra_outputs]))
    if problems:
        raise InputError(source, problems)
    assert base is not None
    # Every variable's range ends must make a valid spec (units, plausible ranges, and
    # the coast-down rule of evforge.variant).
    for var in variables:
        ends = var.choices or (var.low, var.high)
        for end in ends:
            try:
                variant_spec(base, {var.path: end})
            except InputError as exc:
                problems += [Problem(f"vary.{var.path}", line) for line in exc.lines()]
                break
    if problems:
        raise InputError(source, problems)
    study = Study(source, base, tuple(variables), method, n, seed, points, tuple(outputs))
    if study.size > _MAX_DESIGNS:
        raise InputError(
            source, [Problem("sampling", f"gives {study.size} designs; at most {_MAX_DESIGNS}")]
        )
    return study


def _base(
    base: object, changes: object, source: str, folder: Path | None, problems: list[Problem]
) -> VehicleSpec | None:
    from evforge.spec.loader import load_spec, parse_spec
    from evforge.spec.variant import variant_spec

    try:
        if isinstance(base, str):
            path = Path(base)
            if not path.is_absolute() and folder is not None:
                path = folder / path
            spec = load_spec(path)
        elif isinstance(base, Mapping):
            spec = parse_spec(base, source=f"{source}: base")
        else:
            problems.append(Problem("base", "is missing; expected a spec file path or a spec"))
            return None
        if changes is not None:
            if not isinstance(changes, Mapping):
                problems.append(Problem("base_changes", "expected a mapping of field paths"))
                return None
            spec = variant_spec(spec, {str(k): v for k, v in changes.items()}, name=spec.name)
        return spec
    except InputError as exc:
        problems += [Problem("base", line) for line in exc.lines()]
        return None


def _variables(vary: object, problems: list[Problem]) -> list[Variable]:
    from evforge.spec.schema import field_units
    from evforge.units import QuantityError, parse_quantity

    if not isinstance(vary, Mapping) or not vary:
        problems.append(Problem("vary", "expected a mapping of spec field paths to ranges"))
        return []
    units = field_units()
    out = []
    for path, rule in vary.items():
        where = f"vary.{path}"
        if not isinstance(rule, Mapping):
            problems.append(Problem(where, "expected {low: ..., high: ...} or {choices: [...]}"))
            continue
        if "choices" in rule:
            choices = rule["choices"]
            if set(rule) != {"choices"} or not isinstance(choices, list) or not choices:
                problems.append(
                    Problem(where, "expected {choices: [a, b, ...]} (a non-empty list)")
                )
                continue
            out.append(Variable(str(path), choices=tuple(choices)))
            continue
        if set(rule) != {"low", "high"}:
            problems.append(
                Problem(where, f"got keys {sorted(rule)}; expected low and high, or choices")
            )
            continue
        unit = units.get(re.sub(r"\[\d+\]", "[]", str(path)), "1")
        try:
            low = parse_quantity(rule["low"], unit, kind="value", example=f"a number in {unit}")
            high = parse_quantity(rule["high"], unit, kind="value", example=f"a number in {unit}")
        except QuantityError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            problems.append(Problem(where, f"got low {low:g}, high {high:g}; expected low < high"))
            continue
        out.append(Variable(str(path), low=low, high=high))
    return out


def _sampling(sampling: object, problems: list[Problem]) -> tuple[str, int, int, int]:
    if sampling is None:
        sampling = {"method": "sobol", "n": 256, "seed": 0}
    if not isinstance(sampling, Mapping):
        problems.append(Problem("sampling", "expected {method: ..., n: ..., seed: ...}"))
        return "sobol", 0, 0, 0
    method = str(sampling.get("method", "sobol")).lower()
    if method not in METHODS:
        problems.append(
            Problem("sampling.method", f"got {method!r}; expected one of {', '.join(METHODS)}")
        )
    n = sampling.get("n", 0 if method == "grid" else 256)
    seed = sampling.get("seed", 0)
    points = sampling.get("points", 5)
    for key, value, lo in (
        ("n", n, 0 if method == "grid" else 1),
        ("seed", seed, 0),
        ("points", points, 1),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < lo:
            problems.append(
                Problem(f"sampling.{key}", f"got {value!r}; expected an integer >= {lo}")
            )
    bad = [k for k in sampling if k not in ("method", "n", "seed", "points")]
    if bad:
        problems.append(
            Problem(f"sampling.{bad[0]}", "is not a sampling key; expected method, n, seed, points")
        )
    return (
        method,
        int(n) if isinstance(n, int) else 0,
        int(seed) if isinstance(seed, int) else 0,
        int(points) if isinstance(points, int) else 1,
    )


def _outputs(outputs: object, problems: list[Problem]) -> list[str]:
    if outputs is None:
        return ["range_wltp_km"]
    if not isinstance(outputs, Sequence) or isinstance(outputs, str) or not outputs:
        problems.append(Problem("outputs", "expected a list of output names"))
        return []
    out = []
    for name in outputs:
        if name not in OUTPUT_PROCEDURE:
            problems.append(
                Problem("outputs", f"got {name!r}; expected some of {', '.join(OUTPUT_PROCEDURE)}")
            )
        else:
            out.append(str(name))
    return out
