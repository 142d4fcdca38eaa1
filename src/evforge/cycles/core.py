"""Drive-cycle tables and their loader.

The 16 bundled tables (package data in ``evforge/cycles/data``) were compiled and checked
against published figures; their sources, conversions and checks are in
``data/PROVENANCE.md`` and the phase boundaries in ``data/phases.json``. Custom cycles are
CSV files with a header ``time_s,speed_kmh`` and an optional third column ``grade``
(rise over run, e.g. 0.02 for 2 %), validated like spec files.

Limits of a custom cycle (every bundled cycle is well inside them):

* the file: a regular file of at most 50,000,000 bytes, UTF-8 text (a byte-order mark, as
  Excel writes, is fine), with 2 to 1,000,000 data rows;
* ``time_s``: from 0 to 604,800 s (7 days), strictly increasing, in steps of 0.01 to 60 s.
  The simulator integrates each step at constant acceleration and updates the battery once
  per step, so a step of minutes or hours would make the energy figures meaningless, and
  steps below 0.01 s (100 Hz) are sampling noise rather than a drive cycle;
* ``speed_kmh``: 0 to 400 km/h; ``grade``: -0.6 to 0.6 (60 %).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from evforge.errors import InputError, Problem
from evforge.units import KMH_PER_MPS, TextError, decode_text, read_input_file

__all__ = ["Cycle", "CycleStats", "cycle_names", "load_cycle"]

_DATA = "evforge.cycles.data"
#: Bundled cycles: name -> (file, one-line description).
_BUNDLED: Final = {
    "wltc_class3b": "WLTC class 3b (UN GTR 15 Annex 1), cars with PMR > 34 W/kg, v_max >= 120 km/h",
    "wltc_class3a": "WLTC class 3a (UN GTR 15 Annex 1), PMR > 34 W/kg, v_max < 120 km/h",
    "wltc_class2": "WLTC class 2 (UN GTR 15 Annex 1), 22 < PMR <= 34 W/kg",
    "wltc_class1": "WLTC class 1 (UN GTR 15 Annex 1), PMR <= 22 W/kg",
    "cltc_p": "CLTC-P (GB/T 38146.1-2019), China light-duty passenger car cycle",
    "udds": "EPA UDDS / FTP-72 (40 CFR 86 App. I(a)), city",
    "hwfet": "EPA HWFET (40 CFR 600 App. I), highway",
    "us06": "EPA US06 (40 CFR 86 App. I(g)), aggressive driving",
    "sc03": "EPA SC03 (40 CFR 86 App. I(h)), air-conditioning test cycle",
    "ftp75": "EPA FTP-75 (UDDS + hot-start bag 3, no soak)",
    "nedc": "NEDC (UN R83 Annex 4a / R101), legacy EU",
    "jc08": "JC08 (Japan), provisional: distance 0.14 % below the published figure",
    "artemis_urban": "Common Artemis Driving Cycle, urban",
    "artemis_rural": "Common Artemis Driving Cycle, rural road",
    "artemis_motorway_130": "Common Artemis Driving Cycle, motorway (130 km/h variant)",
    "artemis_motorway_150": "Common Artemis Driving Cycle, motorway (150 km/h variant)",
}
_ALIASES: Final = {
    "wltc": "wltc_class3b",
    "wltc3b": "wltc_class3b",
    "wltc_3b": "wltc_class3b",
    "wltc3a": "wltc_class3a",
    "wltc_3a": "wltc_class3a",
    "cltc": "cltc_p",
    "ftp": "ftp75",
    "ftp_75": "ftp75",
    "ftp72": "udds",
    "hwy": "hwfet",
}
_MAX_SPEED_KMH: Final = 400.0
_MAX_GRADE: Final = 0.6  # 60 % (31°), steeper than any public road
_MAX_ROWS: Final = 1_000_000
_MAX_FILE_BYTES: Final = 50_000_000  # 1,000,000 rows of up to 50 characters
_MIN_STEP_S: Final = 0.01
_MAX_STEP_S: Final = 60.0
_MAX_TIME_S: Final = 7 * 24 * 3600.0  # 604,800 s


@dataclass(frozen=True, slots=True)
class CycleStats:
    """Summary statistics of a speed trace.

    Distance is the trapezoidal integral of the trace; the mean includes stops.
    """

    duration_s: float
    distance_m: float
    max_speed_mps: float
    mean_speed_mps: float


@dataclass(frozen=True, eq=False)
class Cycle:
    """A speed trace: times [s], target speeds [m/s] and road grade [-] at each time.

    Attributes
    ----------
    name : str
        Cycle name.
    time_s, speed_mps, grade : ndarray
        Equal-length float64 arrays; time strictly increasing from its first value.
    description : str
        One line on what the cycle is.
    phases : tuple of (name, start_s, end_s)
        Phase boundaries, where known.
    """

    name: str
    time_s: npt.NDArray[np.float64]
    speed_mps: npt.NDArray[np.float64]
    grade: npt.NDArray[np.float64]
    description: str = ""
    phases: tuple[tuple[str, float, float], ...] = field(default=())

    def stats(self) -> CycleStats:
        """Duration, distance, maximum and mean speed."""
        duration = float(self.time_s[-1] - self.time_s[0])
        distance = float(np.trapezoid(self.speed_mps, self.time_s))
        return CycleStats(
            duration_s=duration,
            distance_m=distance,
            max_speed_mps=float(self.speed_mps.max()),
            mean_speed_mps=distance / duration,
        )


def cycle_names() -> list[str]:
    """Names of the bundled cycles."""
    return list(_BUNDLED)


def load_cycle(name_or_path: str | Path) -> Cycle:
    """Load a bundled cycle by name (case-insensitive, a few aliases) or a CSV file by path.

    Raises
    ------
    InputError
        If the name is unknown and no such file exists, or the file is invalid.
    """
    text = str(name_or_path)
    key = text.strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    if key in _BUNDLED:
        return _bundled(key)
    path = Path(text)
    if path.suffix.lower() == ".csv" or path.exists():
        return read_cycle_csv(path)
    raise InputError(
        "cycle",
        [
            Problem(
                text,
                "is neither a bundled cycle nor a CSV file; expected one of: "
                + ", ".join(_BUNDLED),
            )
        ],
    )


@cache
def _phases() -> dict[str, Any]:
    raw = resources.files(_DATA).joinpath("phases.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


@cache
def _bundled(name: str) -> Cycle:
    text = resources.files(_DATA).joinpath(f"{name}.csv").read_text(encoding="utf-8")
    cycle = _parse_csv(text, source=f"bundled cycle {name}", name=name)
    entry = _phases().get(name, {})
    phases = tuple(
        (str(p["phase"]), float(p["start_s"]), float(p["end_s"])) for p in entry.get("phases", [])
    )
    return Cycle(name, cycle.time_s, cycle.speed_mps, cycle.grade, _BUNDLED[name], phases)


def read_cycle_csv(path: str | Path) -> Cycle:
    """Read a custom cycle CSV (``time_s,speed_kmh[,grade]``) and validate every row.

    The limits are in the module docstring.

    Raises
    ------
    InputError
        If the file is not a regular file, is too large, is not UTF-8 text or fails a check.
    """
    path = Path(path)
    raw = read_input_file(path, limit=_MAX_FILE_BYTES)  # a regular file, or InputError
    try:
        text = decode_text(raw, noun="a cycle CSV")
    except TextError as exc:
        raise InputError(
            str(path), [Problem(f"line {exc.line}, column {exc.column}", exc.message)]
        ) from None
    return _parse_csv(text, source=str(path), name=path.stem)


def _parse_csv(text: str, *, source: str, name: str) -> Cycle:
    def fail(where: str, message: str) -> InputError:
        return InputError(source, [Problem(where, message)])

    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []  # the file line of each row (blank lines are skipped)
    try:
        for row in reader:
            if row and any(c.strip() for c in row):
                rows.append(row)
                lines.append(reader.line_num)
                if len(rows) > _MAX_ROWS + 1:
                    raise fail(
                        "<file>",
                        f"has more than {_MAX_ROWS} data rows; expected at most {_MAX_ROWS}",
                    )
    except csv.Error as exc:
        raise fail(f"line {reader.line_num}", f"is not valid CSV ({exc})") from None
    if not rows:
        raise fail("<file>", "is empty; expected a header 'time_s,speed_kmh[,grade]' and rows")
    header = [c.strip() for c in rows[0]]
    if header not in (["time_s", "speed_kmh"], ["time_s", "speed_kmh", "grade"]):
        raise fail("header", f"got {','.join(header)!r}; expected 'time_s,speed_kmh[,grade]'")
    body = rows[1:]
    lines = lines[1:]
    if len(body) < 2:
        raise fail("<file>", f"has {len(body)} data rows; expected at least 2")
    ncol = len(header)
    values = np.empty((len(body), 3))
    values[:, 2] = 0.0
    for i, row in enumerate(body):
        line = lines[i]
        if len(row) != ncol:
            raise fail(f"line {line}", f"has {len(row)} columns; expected {ncol} like the header")
        for j, cell in enumerate(row):
            try:
                x = float(cell)
            except ValueError:
                x = None
            # float() also reads "1_000" and non-ASCII digits; a CSV number is plain ASCII.
            if x is None or "_" in cell or not cell.isascii():
                raise fail(f"line {line}, {header[j]}", f"got {cell!r}; expected a number")
            if not math.isfinite(x):
                raise fail(f"line {line}, {header[j]}", f"got {cell!r}; expected a finite number")
            values[i, j] = x
    t, v_kmh, grade = values[:, 0], values[:, 1], values[:, 2]
    if (bad := np.flatnonzero((t < 0) | (t > _MAX_TIME_S))).size:
        i = int(bad[0])
        raise fail(
            f"line {lines[i]}, time_s",
            f"got {t[i]:g} s; expected times from 0 to {_MAX_TIME_S:.0f} s (7 days)",
        )
    steps = np.diff(t)
    if (bad := np.flatnonzero(steps <= 0)).size:
        i = int(bad[0]) + 1
        raise fail(
            f"line {lines[i]}, time_s",
            f"got {t[i]:g} after {t[i - 1]:g}; expected strictly increasing times",
        )
    # 1 µs of slack for decimal times: 0.07 - 0.06 is 0.0099999... in binary.
    slack = 1e-6
    if (bad := np.flatnonzero((steps < _MIN_STEP_S - slack) | (steps > _MAX_STEP_S + slack))).size:
        i = int(bad[0]) + 1
        step = f"{steps[i - 1]:.6g}"
        if float(step) in (_MIN_STEP_S, _MAX_STEP_S):  # just outside: show the digits that are
            step = f"{steps[i - 1]:.12g}"
        raise fail(
            f"line {lines[i]}, time_s",
            f"step of {step} s after {t[i - 1]:.10g} s; expected steps from "
            f"{_MIN_STEP_S:g} to {_MAX_STEP_S:g} s (the simulator integrates each step at "
            "constant acceleration)",
        )
    if (bad := np.flatnonzero((v_kmh < 0) | (v_kmh > _MAX_SPEED_KMH))).size:
        i = int(bad[0])
        raise fail(
            f"line {lines[i]}, speed_kmh",
            f"got {v_kmh[i]:g}; expected a speed from 0 to {_MAX_SPEED_KMH:g} km/h",
        )
    if (bad := np.flatnonzero(np.abs(grade) > _MAX_GRADE)).size:
        i = int(bad[0])
        raise fail(
            f"line {lines[i]}, grade",
            f"got {grade[i]:g}; expected rise/run between -{_MAX_GRADE} and {_MAX_GRADE} "
            "(0.02 = 2 %)",
        )
    if not np.any(v_kmh > 0):
        raise fail("<file>", "never moves (all speeds are 0); expected a cycle with motion")
    return Cycle(name, t.copy(), v_kmh / KMH_PER_MPS, grade.copy(), f"custom cycle {source}")
