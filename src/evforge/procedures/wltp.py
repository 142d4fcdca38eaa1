"""WLTP pure-electric range and consumption (UN GTR 15; EU 2017/1151 Annex XXI; UN R154).

Implemented: the cycle class from the power-to-mass ratio (GTR 15 Annex 1 §2), the test mass
(§3.2: mass in running order + 25 kg + 15 % of the maximum payload for M1), the interpolation
family (an individual car's values between its L and H cars by cycle energy demand:
:func:`interpolation_family`), and the
two range procedures, from which the manufacturer chooses (Annex 8 §3.4.4):

- the shortened test procedure (STP, §3.4.4.2): dynamic segments DS1 and DS2, each a WLTC
  followed by a WLTC city cycle (Low + Medium), with a constant-speed segment CSS_M between
  them and a constant-speed segment CSS_E to break-off, both at 100 km/h for class 3
  (:mod:`evforge.procedures.segments`);
- the consecutive-cycle procedure (CCP, §3.4.4.1): repeated WLTCs to break-off.

PER = UBE / K-weighted DC consumption of the WLTCs (Annex 8 §4.4.2), city range from the
city cycles (the Low + Medium parts), AC consumption from the recharge energy. ``auto`` runs
the STP for class 3 cars that can complete its dynamic segments, else the CCP. For a car
that does not lose efficiency as it discharges the two give the same PER. Verification
status: ``docs/regulations-verified.md`` §2 (STP structure and 100 km/h: medium confidence).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from evforge.cycles import load_cycle
from evforge.errors import EvforgeError
from evforge.physics.road_load import coastdown_force
from evforge.procedures.batch import Method, RangeBatch
from evforge.procedures.common import run_depletion_batch, wall_per_dc
from evforge.procedures.segments import (
    Segment,
    k_weighted_rows,
    run_with_mid_segment_batch,
    sub_cycle,
)
from evforge.vehicle import Vehicle

__all__ = [
    "cycle_class",
    "cycle_classes",
    "cycle_energy_demand_j",
    "interpolation_family",
    "run",
    "run_batch",
    "test_mass_kg",
]

DRIVER_KG: Final = 75.0  # mass in running order includes a 75 kg driver (2017/1151 Art. 2)
TEST_MASS_ADDITION_KG: Final = 25.0  # GTR 15 §3.2.25 (test mass)
PAYLOAD_SHARE_M1: Final = 0.15  # share of the maximum vehicle load for M1 (GTR 15 §3.2.25)
#: Maximum vehicle load when a spec does not give it (assumption: typical 450 kg for BEVs).
DEFAULT_MAX_PAYLOAD_KG: Final = 450.0
PMR_CLASS_1: Final = 22.0  # W/kg, GTR 15 Annex 1 §2
PMR_CLASS_2: Final = 34.0
CLASS_3B_MIN_VMAX_KMH: Final = 120.0  # class 3a below (GTR 15 Annex 1 §3.3)
#: Speed of the STP's constant-speed segments for class 3 [m/s] (Annex 8 §3.4.4.2; recall,
#: regulations-verified §2.3). It moves no result: PER = UBE / EC_DC of the WLTCs.
STP_CSS_SPEED_MPS: Final = 100 / 3.6
CITY_PHASES: Final = ("low", "medium")
STP_METHOD: Final = Method.WLTP_STP
CCP_METHOD: Final = Method.WLTP_CCP


def test_mass_kg(vehicle: Vehicle) -> float:
    """TM = MRO + 25 kg + 15 % of the maximum vehicle load; the spec's test mass if no curb.

    The maximum vehicle load is TPMLM - MRO - 25 kg (GTR 15 §3.2; regulations-verified §2.2)
    when the spec gives the technically permissible maximum laden mass (``mass.max_laden``),
    else :data:`DEFAULT_MAX_PAYLOAD_KG`. MRO = curb without driver + 75 kg.
    """
    if vehicle.curb_mass_kg is None:
        return vehicle.mass_kg
    mro = vehicle.curb_mass_kg + DRIVER_KG
    load = DEFAULT_MAX_PAYLOAD_KG
    if vehicle.max_laden_mass_kg is not None:
        load = max(vehicle.max_laden_mass_kg - mro - TEST_MASS_ADDITION_KG, 0.0)
    return mro + TEST_MASS_ADDITION_KG + PAYLOAD_SHARE_M1 * load


def cycle_classes(vehicles: Sequence[Vehicle]) -> list[str]:
    """WLTC class of every car, from PMR = rated power / mass in running order [W/kg] and,
    for class 3, the maximum speed (the top speed of :func:`evforge.performance.
    top_speed_batch`, electronic limit included, as the declared v_max is)."""
    from evforge.performance import top_speed_batch

    names: list[str | None] = []
    for vehicle in vehicles:
        mro = (vehicle.curb_mass_kg or vehicle.mass_kg - DRIVER_KG) + DRIVER_KG
        pmr = vehicle.peak_power_w / mro
        names.append(
            "wltc_class1" if pmr <= PMR_CLASS_1 else "wltc_class2" if pmr <= PMR_CLASS_2 else None
        )
    third = [j for j, name in enumerate(names) if name is None]
    if third:
        vmax, _ = top_speed_batch([vehicles[j] for j in third])
        for j, v in zip(third, vmax.tolist(), strict=True):
            names[j] = "wltc_class3b" if v * 3.6 >= CLASS_3B_MIN_VMAX_KMH else "wltc_class3a"
    return [str(name) for name in names]


def cycle_class(vehicle: Vehicle) -> str:
    """WLTC class from PMR = rated power / mass in running order [W/kg] and top speed."""
    return cycle_classes([vehicle])[0]


def _consecutive_cycles(cars: Sequence[Vehicle], name: str) -> dict[str, Any]:
    """UBE, EC_DC (WLTC), EC_DC (city) [J, J/m] and cycle count from the CCP, per car."""
    test = run_depletion_batch(cars, load_cycle(name))
    ube = test.usable_energy_j
    # Weighting (Annex 8 §4.4.2): K_1 = ΔE_1 / UBE, the other complete cycles share 1 - K_1.
    ec_dc = np.full(len(cars), np.nan)
    for c in np.unique(test.complete):
        pick = np.flatnonzero(test.complete == c)
        if c > 0:
            ec_dc[pick] = k_weighted_rows(
                test.cycle_energy_j[pick, :c], test.cycle_distance_m[pick, :c], ube[pick]
            )
    city = [p for p in CITY_PHASES if p in test.phase_energy_j]
    ec_city = sum(test.phase_energy_j[p] for p in city) / sum(
        test.phase_distance_m[p] for p in city
    )
    return {
        "ube": ube,
        "ec_dc": ec_dc,
        "ec_city": ec_city,
        "cycles": test.complete.astype(np.float64),
        "ran": np.array([e is None for e in test.error]),
        "error": test.error,
    }


def _shortened(cars: Sequence[Vehicle], name: str) -> dict[str, Any]:
    """The same values from the STP, per car; ``ran`` False where a car cannot complete
    its segments."""
    wltc = load_cycle(name)
    city = sub_cycle(wltc, CITY_PHASES, f"{name} city")
    ds1 = [Segment("wltc1", "wltc", wltc), Segment("city1", "city", city)]
    ds2 = [Segment("wltc2", "wltc", wltc), Segment("city2", "city", city)]
    test = run_with_mid_segment_batch(cars, ds1, ds2, STP_CSS_SPEED_MPS)
    ube = test.usable_energy_j
    ec_dc = test.consumption("wltc")
    # The four city cycles in driving order: the Low + Medium part of each WLTC, then the
    # city cycle that follows it.
    energy = []
    distance = []
    for i, seg in enumerate(test.segments):
        if seg.kind in ("wltc", "city"):
            energy.append(sum(test.phase_energy_j[i][p] for p in CITY_PHASES))
            distance.append(sum(test.phase_distance_m[i][p] for p in CITY_PHASES))
    ec_city = k_weighted_rows(np.stack(energy, axis=1), np.stack(distance, axis=1), ube)
    return {
        "ube": ube,
        "ec_dc": ec_dc,
        "ec_city": ec_city,
        "cycles": np.full(len(cars), 2.0),
        "ran": test.ran,
        "error": test.error,
    }


def run_batch(vehicles: Sequence[Vehicle], method: str = "auto") -> RangeBatch:
    """WLTP PER, city range and DC/AC consumption for every car of a batch.

    ``method``: ``"stp"``, ``"ccp"`` or ``"auto"`` (STP for a class 3 car that can complete
    it, else CCP). Cars of each WLTC class run as one batch per method.
    """
    n = len(vehicles)
    cars = [v.with_mass(test_mass_kg(v)) for v in vehicles]
    names = cycle_classes(vehicles)
    keys = ("ube", "ec_dc", "ec_city", "cycles")
    values = {key: np.full(n, np.nan) for key in keys}
    methods: list[Method | None] = [None] * n
    errors: list[str | None] = [None] * n

    def take(part: dict[str, Any], rows: npt.NDArray[np.int64], rated: Method) -> None:
        """The cars ``rows`` from one method's results: their errors, and their values
        where they ran."""
        for i, j in enumerate(rows.tolist()):
            errors[j] = part["error"][i]
            if part["ran"][i]:
                methods[j] = rated
                for key in keys:
                    values[key][j] = part[key][i]

    for name in dict.fromkeys(names):
        group = np.array([j for j in range(n) if names[j] == name], dtype=np.int64)
        todo = group
        if method != "ccp" and name.startswith("wltc_class3"):
            stp = _shortened([cars[j] for j in group], name)
            take(stp, group, Method.WLTP_STP)
            todo = np.array(
                [j for i, j in enumerate(group) if not stp["ran"][i] and stp["error"][i] is None],
                dtype=np.int64,
            )
        if method == "stp":
            for j in todo:
                errors[j] = f"{vehicles[j].name} cannot complete the WLTP shortened test procedure"
            continue
        if todo.size:
            take(_consecutive_cycles([cars[j] for j in todo], name), todo, Method.WLTP_CCP)
    ube = values["ube"]
    per_km = ube / values["ec_dc"] / 1e3
    e_ac = ube * np.array([wall_per_dc(car) for car in cars])
    rated = np.array([e is None for e in errors])
    columns = {
        "test_mass_kg": np.array([car.mass_kg for car in cars]),
        "usable_energy_kwh": ube / 3.6e6,
        "range_km": per_km,
        "range_city_km": ube / values["ec_city"] / 1e3,
        "consumption_dc_kwh_per_100km": values["ec_dc"] / 3.6e6 * 1e5,
        "consumption_ac_kwh_per_100km": e_ac / 3.6e6 / per_km * 100,
        "complete_cycles": values["cycles"],
    }
    columns = {key: np.where(rated, v, np.nan) for key, v in columns.items()}
    return RangeBatch(
        columns, methods, errors, labels={"cycle": names}, integers=("complete_cycles",)
    )


def run(vehicle: Vehicle, method: str = "auto") -> dict[str, Any]:
    """WLTP PER, city range and DC/AC consumption for one car (:func:`run_batch`).

    ``method``: ``"stp"``, ``"ccp"`` or ``"auto"`` (STP for a class 3 car that can complete
    it, else CCP).
    """
    return run_batch([vehicle], method).record(0)


def cycle_energy_demand_j(vehicle: Vehicle, cycle_name: str | None = None) -> float:
    """Cycle energy demand E [J] of a car at its WLTP test mass (GTR 15 Annex 7 §3.2.3.2.2;
    recall, regulations-verified §2): the work of the road-load and inertia force over the
    cycle, counting only the steps where that force is positive.

    F = f0 + f1 v + f2 v² + m_eff a on the mean speed of each step (the kernel's convention);
    E = Σ max(F, 0) v Δt.
    """
    car = vehicle.with_mass(test_mass_kg(vehicle))
    cycle = load_cycle(cycle_name or cycle_class(vehicle))
    v0, v1 = cycle.speed_mps[:-1], cycle.speed_mps[1:]
    dt = np.diff(cycle.time_s)
    v = 0.5 * (v0 + v1)
    force = coastdown_force(v, car.rolling_n, car.linear_n_per_mps, car.aero_n_per_mps2)
    force = np.where(v > 0, force, 0.0) + car.inertial_mass_kg * (v1 - v0) / dt
    return float(np.sum(np.maximum(force, 0.0) * v * dt))


def interpolation_family(low: Vehicle, high: Vehicle, individual: Vehicle) -> dict[str, Any]:
    """WLTP values of an individual car of an interpolation family from its L and H cars.

    K_ind = (E_ind - E_L) / (E_H - E_L) from the cycle energy demands
    (:func:`cycle_energy_demand_j`, on the class of the L car), then PER, city range and
    consumption interpolated linearly between the L and H results (GTR 15 Annex 8 §4.5,
    interpolation method for PEVs; recall, regulations-verified §2). The individual car is
    also run directly, for comparison (``*_direct``).
    """
    name = cycle_class(low)
    e_l = cycle_energy_demand_j(low, name)
    e_h = cycle_energy_demand_j(high, name)
    if e_h <= e_l:
        raise EvforgeError(
            f"{high.name} has a cycle energy demand of {e_h / 1e3:.0f} kJ, not above the L car's "
            f"{e_l / 1e3:.0f} kJ; expected the H car to be the one with the higher demand"
        )
    k = (cycle_energy_demand_j(individual, name) - e_l) / (e_h - e_l)
    r_l, r_h, direct = run(low), run(high), run(individual)
    out: dict[str, Any] = {"interpolation_coefficient": k, "cycle": name}
    for key in (
        "range_km",
        "range_city_km",
        "consumption_dc_kwh_per_100km",
        "consumption_ac_kwh_per_100km",
    ):
        out[key] = r_l[key] + k * (r_h[key] - r_l[key])
        out[f"{key}_direct"] = direct[key]
    return out
