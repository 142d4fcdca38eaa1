"""Results of a simulation: energy breakdown, consumption, and the per-step trace.

Units: the breakdown is in kWh, distances in km, consumption in kWh/100 km and Wh/mi.
"DC" consumption is the energy drawn from the battery's store (its open-circuit energy, so
it includes the battery's internal losses and is what usable energy divides into range);
"AC" consumption is the energy taken from the wall to put that energy back, through the
charger model (:mod:`evforge.physics.charger`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from evforge.output import atomic_write
from evforge.sim.kernel import TRACE_FIELDS
from evforge.units import J_PER_KWH, M_PER_MI

__all__ = ["BatchResult", "EnergyBreakdown", "SimResult"]


@dataclass(frozen=True, slots=True)
class EnergyBreakdown:
    """Where the energy of one run went [kWh].

    Two balances hold for every run (to rounding):

    * ``battery = traction - regen_recovered + drivetrain_loss + battery_loss + auxiliary``
    * ``traction - regen_recovered - friction_brake = aero + rolling + grade + kinetic``

    ``regen_recovered`` is the braking energy taken back through the motors, at the wheels;
    ``regen_to_battery`` is the electrical energy the motors returned. With coast-down
    coefficients, ``rolling`` is the f0 + f1·v part and ``aero`` the f2·v² part.
    """

    aero: float
    rolling: float
    grade: float
    kinetic: float
    traction: float
    regen_recovered: float
    regen_to_battery: float
    friction_brake: float
    gear_loss: float
    motor_loss: float
    drivetrain_loss: float
    battery_loss: float
    auxiliary: float
    battery: float
    battery_terminal: float
    wall: float

    def as_dict(self) -> dict[str, float]:
        """The breakdown as a plain dict (kWh)."""
        return asdict(self)


@dataclass(frozen=True)
class SimResult:
    """One vehicle over one cycle.

    Attributes
    ----------
    battery_empty : bool
        Whether the pack ran empty (state of charge 0 on its usable window) during the run.
        From then on it delivers nothing: the car coasts and brakes by friction, falls behind
        the trace (counted in ``trace_miss_s``) and its auxiliaries are off (docs/model.md).
    empty_time_s : float or None
        Time from the start of the run at which the pack ran empty [s] (the end of the step
        in which it did); None if it did not.
    empty_distance_km : float or None
        Distance driven when the pack ran empty [km]; None if it did not.
    """

    vehicle: str
    cycle: str
    distance_km: float
    duration_s: float
    trace_miss_s: float
    energy_kwh: EnergyBreakdown
    trace: pd.DataFrame | None = None
    ambient_c: float | None = None
    empty_time_s: float | None = None
    empty_distance_km: float | None = None

    @property
    def battery_empty(self) -> bool:
        """Whether the pack ran empty during the run."""
        return self.empty_time_s is not None

    @property
    def consumption_dc_kwh_per_100km(self) -> float:
        """Battery (DC) consumption [kWh/100 km]."""
        return self.energy_kwh.battery / self.distance_km * 100.0

    @property
    def consumption_ac_kwh_per_100km(self) -> float:
        """Wall (AC) consumption [kWh/100 km]."""
        return self.energy_kwh.wall / self.distance_km * 100.0

    @property
    def consumption_dc_wh_per_mi(self) -> float:
        """Battery (DC) consumption [Wh/mi]."""
        return self.energy_kwh.battery * 1e3 / (self.distance_km * 1e3 / M_PER_MI)

    @property
    def consumption_ac_wh_per_mi(self) -> float:
        """Wall (AC) consumption [Wh/mi]."""
        return self.energy_kwh.wall * 1e3 / (self.distance_km * 1e3 / M_PER_MI)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (the ``evforge simulate --json`` object)."""
        return {
            "vehicle": self.vehicle,
            "cycle": self.cycle,
            "distance_km": self.distance_km,
            "duration_s": self.duration_s,
            "consumption_dc_kwh_per_100km": self.consumption_dc_kwh_per_100km,
            "consumption_ac_kwh_per_100km": self.consumption_ac_kwh_per_100km,
            "consumption_dc_wh_per_mi": self.consumption_dc_wh_per_mi,
            "consumption_ac_wh_per_mi": self.consumption_ac_wh_per_mi,
            "trace_miss_s": self.trace_miss_s,
            "battery_empty": self.battery_empty,
            "empty_time_s": self.empty_time_s,
            "empty_distance_km": self.empty_distance_km,
            **({} if self.ambient_c is None else {"ambient_c": self.ambient_c}),
            "energy_kwh": self.energy_kwh.as_dict(),
        }

    def to_parquet(self, path: str | Path) -> None:
        """Write the per-step trace to Parquet (requires a run with ``trace=True``)."""
        if self.trace is None:
            raise ValueError("no trace was recorded; simulate with trace=True")
        trace = self.trace
        atomic_write(Path(path), lambda p: trace.to_parquet(p, index=False))


class BatchResult(Sequence[SimResult]):
    """Results of a batch (one per vehicle, in order) on one cycle."""

    def __init__(self, results: Sequence[SimResult]) -> None:
        self._results = list(results)

    def __len__(self) -> int:
        return len(self._results)

    def __iter__(self) -> Iterator[SimResult]:
        return iter(self._results)

    def __getitem__(self, index: int) -> SimResult:  # type: ignore[override]
        return self._results[index]

    def to_pandas(self) -> pd.DataFrame:
        """One row per vehicle: distance, consumption, trace miss and the breakdown (kWh)."""
        rows = []
        for r in self._results:
            s = r.summary()
            energy = s.pop("energy_kwh")
            rows.append({**s, **{f"{k}_kwh": v for k, v in energy.items()}})
        return pd.DataFrame(rows)

    def traces(self) -> pd.DataFrame:
        """All recorded traces stacked, with ``vehicle`` and ``cycle`` columns."""
        frames = []
        for r in self._results:
            if r.trace is None:
                raise ValueError("no trace was recorded; simulate with trace=True")
            frames.append(r.trace.assign(vehicle=r.vehicle, cycle=r.cycle))
        return pd.concat(frames, ignore_index=True)

    def to_parquet(self, path: str | Path) -> None:
        """Write all traces (long format, ``vehicle`` column) to one Parquet file."""
        traces = self.traces()
        atomic_write(Path(path), lambda p: traces.to_parquet(p, index=False))


def trace_frame(time_s: npt.NDArray[np.float64], rows: npt.NDArray[np.float64]) -> pd.DataFrame:
    """A trace DataFrame from the kernel's per-step rows."""
    frame = pd.DataFrame(rows, columns=list(TRACE_FIELDS))
    frame.insert(0, "time_s", time_s)
    frame["trace_miss"] = frame["trace_miss"].astype(bool)
    return frame


def kwh(energy_j: float) -> float:
    """J to kWh."""
    return float(energy_j) / J_PER_KWH
