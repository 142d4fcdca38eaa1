"""EPA label range and consumption (40 CFR 600 subparts B-D; SAE J1634).

Implemented: the multi-cycle test (MCT) of 40 CFR 600.116-12(a)(2) (UDDS, HFEDS, UDDS,
mid-test constant-speed cycle, UDDS, HFEDS, UDDS, end-of-test constant-speed cycle to
depletion; :mod:`evforge.procedures.segments`), and the single-cycle tests (repeated UDDS,
repeated HWFET to depletion) that 600.116-12(a)(1) allows when a car cannot complete the MCT
on one charge; then the label by the default 0.7 factor. The vehicle-specific 5-cycle route
(600.114-12, needing US06, SC03 and the cold FTP) is not implemented here. Verification
status of each rule: ``docs/regulations-verified.md`` §1.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from evforge.cycles import load_cycle
from evforge.errors import EvforgeError
from evforge.procedures.batch import Method, RangeBatch, first_error
from evforge.procedures.common import run_depletion_batch, wall_per_dc
from evforge.procedures.segments import Segment, run_with_mid_segment_batch
from evforge.units import M_PER_MI
from evforge.vehicle import Vehicle

__all__ = [
    "label",
    "multi_cycle_test",
    "multi_cycle_test_batch",
    "run",
    "run_batch",
    "single_cycle_tests",
    "single_cycle_tests_batch",
]

#: Energy equivalence of one gallon of gasoline for MPGe [kWh/gal]: 115,000 Btu / 3,412
#: Btu/kWh (EPA/NHTSA 2011 label rule, 76 FR 39478; regulations-verified §1.1).
KWH_PER_GALLON_EQUIVALENT: Final = 33.705
#: Default ("derived") 5-cycle adjustment of BEV 2-cycle range and MPGe: EPA practice under
#: 40 CFR 600.210-12 (regulations-verified §1.2).
DEFAULT_ADJUSTMENT: Final = 0.7
#: City/highway weights (40 CFR 600.206-12(a)(3)(i) for MPGe, harmonic; 10 CFR 474 App. A
#: for kWh/mi, arithmetic; range as 0.55/0.45 of city/highway, 600.311-12).
CITY_WEIGHT: Final = 0.55
HIGHWAY_WEIGHT: Final = 0.45
#: Test weight: loaded vehicle weight = curb + 300 lb (40 CFR 86.1803-01).
LOADED_VEHICLE_PAYLOAD_KG: Final = 300 * 0.45359237
#: Speed of the MCT's constant-speed cycles [m/s]: 65 mph (J1634 §8; recall, not verified:
#: regulations-verified §1.4). It moves no result: range = UBE / EC_DC of the UDDS/HFEDS.
MCT_CSC_SPEED_MPS: Final = 65 * 0.44704
MCT_METHOD: Final = Method.EPA_MCT
SCT_METHOD: Final = Method.EPA_SCT


_LB_KG: Final = 0.45359237


def inertia_class_lb(loaded_vehicle_weight_lb: float) -> float:
    """Equivalent test weight [lb] of a loaded vehicle weight: its inertia class.

    40 CFR 1066.805, Table 1: classes every 125 lb up to 4,000 lb, every 250 lb up to
    5,500 lb and every 500 lb above, each class taking the weights within half a step of
    it (so 3,938-4,125 lb -> 4,000 lb, 5,751-6,250 lb -> 6,000 lb). Checked against the
    Test Car List: every BEV ETW of MY2015-2024 lies on this grid.
    """
    w = loaded_vehicle_weight_lb
    classes = _inertia_classes(math.ceil((max(w, 6000.0) + 1000.0) / 1000.0))
    # Nearest class; a weight exactly half-way goes to the lower class (Table 1 ranges):
    # of the two classes around w, the lower unless the upper is nearer by more than 1e-9.
    i = bisect.bisect_left(classes, w)
    if i == 0:
        return classes[0]
    lower, upper = classes[i - 1], classes[i]
    near = min(abs(lower - w), abs(upper - w))
    return lower if abs(lower - w) <= near + 1e-9 else upper


@functools.lru_cache(maxsize=64)
def _inertia_classes(top_thousand_lb: int) -> tuple[float, ...]:
    """The classes of 40 CFR 1066.805 Table 1 below ``top_thousand_lb`` x 1,000 lb."""
    return (
        *(1000.0 + 125.0 * i for i in range(24)),  # 1,000-3,875 lb
        *(4000.0 + 250.0 * i for i in range(6)),  # 4,000-5,250 lb
        *(5500.0 + 500.0 * i for i in range(2 * top_thousand_lb - 11)),  # 5,500 lb, ...
    )


def test_mass_kg(vehicle: Vehicle) -> float:
    """EPA test weight: the spec's test mass (e.g. the ETW of a Test Car List row), else the
    inertia class (:func:`inertia_class_lb`) of the loaded vehicle weight, curb + 300 lb
    (40 CFR 86.1803-01)."""
    if vehicle.test_mass_kg is not None or vehicle.curb_mass_kg is None:
        return vehicle.mass_kg
    lvw_lb = (vehicle.curb_mass_kg + LOADED_VEHICLE_PAYLOAD_KG) / _LB_KG
    return inertia_class_lb(lvw_lb) * _LB_KG


def multi_cycle_test_batch(
    cars: Sequence[Vehicle],
) -> tuple[dict[str, Any], Any, Any, list[str | None]]:
    """The MCT of every car (at its test weight): DC consumption per cycle [kWh/mi] and UBE
    [kWh] as arrays, whether each car completed it (else the SCT applies), and errors.

    EC_DC,city is K-weighted over the four UDDS, EC_DC,hwy over the two HFEDS
    (J1634 §8 by the GTR 15 scheme; regulations-verified §1.6, low confidence in K).
    """
    udds, hfeds = load_cycle("udds"), load_cycle("hwfet")
    first = [Segment("udds1", "udds", udds), Segment("hfeds1", "hfeds", hfeds)]
    first.append(Segment("udds2", "udds", udds))
    second = [Segment("udds3", "udds", udds), Segment("hfeds2", "hfeds", hfeds)]
    second.append(Segment("udds4", "udds", udds))
    test = run_with_mid_segment_batch(cars, first, second, MCT_CSC_SPEED_MPS)
    dc_per_mi = {
        key: test.consumption(kind) * M_PER_MI / 3.6e6
        for key, kind in (("city", "udds"), ("highway", "hfeds"))
    }
    return dc_per_mi, test.usable_energy_j / 3.6e6, test.ran, list(test.error)


def multi_cycle_test(vehicle: Vehicle) -> tuple[dict[str, float], float] | None:
    """DC consumption per cycle [kWh/mi] and UBE [kWh] from the MCT, or None if the car
    cannot complete the MCT's dynamic cycles on one charge (then the SCT applies)."""
    dc, ube, ran, errors = multi_cycle_test_batch([vehicle])
    if errors[0] is not None:
        raise EvforgeError(errors[0])
    if not ran[0]:
        return None
    return {k: float(v[0]) for k, v in dc.items()}, float(ube[0])


def single_cycle_tests_batch(
    cars: Sequence[Vehicle],
) -> tuple[dict[str, Any], Any, list[str | None]]:
    """The two single-cycle tests of every car: DC kWh/mi per cycle, UBE [kWh], errors."""
    dc_per_mi = {}
    ube_each = []
    errors: list[list[str | None]] = []
    for key, cycle in (("city", "udds"), ("highway", "hwfet")):
        test = run_depletion_batch(cars, load_cycle(cycle))
        # DC consumption over the complete cycles, then range from UBE (J1634 SCT).
        miles = np.nansum(test.cycle_distance_m, axis=1) / M_PER_MI
        dc_per_mi[key] = np.nansum(test.cycle_energy_j, axis=1) / 3.6e6 / miles
        ube_each.append(test.usable_energy_j / 3.6e6)
        errors.append(test.error)
    # Each single-cycle test measures its own UBE; they differ only by the last step past
    # empty (0.001 % for the bundled Bolt). One UBE, their mean, is reported.
    return dc_per_mi, sum(ube_each) / len(ube_each), first_error(*errors)


def single_cycle_tests(vehicle: Vehicle) -> tuple[dict[str, float], float]:
    """DC consumption per cycle [kWh/mi] and UBE [kWh] from the two single-cycle tests."""
    dc, ube, errors = single_cycle_tests_batch([vehicle])
    if errors[0] is not None:
        raise EvforgeError(errors[0])
    return {k: float(v[0]) for k, v in dc.items()}, float(ube[0])


def label(dc_per_mi: dict[str, Any], ube: Any, ac_per_dc: Any) -> dict[str, Any]:
    """The 2-cycle and 0.7-factor label values from the DC consumptions [kWh/mi], UBE [kWh]
    and the mains-to-DC ratio (floats, or arrays of one value per car)."""
    f = DEFAULT_ADJUSTMENT
    ac_unadj = {k: v * ac_per_dc for k, v in dc_per_mi.items()}
    mpge_unadj = {k: KWH_PER_GALLON_EQUIVALENT / v for k, v in ac_unadj.items()}
    range_unadj = {k: ube / v for k, v in dc_per_mi.items()}
    mpge = {k: f * v for k, v in mpge_unadj.items()}
    rng = {k: f * v for k, v in range_unadj.items()}
    ac_label = {k: v / f for k, v in ac_unadj.items()}
    ac_comb = CITY_WEIGHT * ac_label["city"] + HIGHWAY_WEIGHT * ac_label["highway"]
    dc_comb = CITY_WEIGHT * dc_per_mi["city"] / f + HIGHWAY_WEIGHT * dc_per_mi["highway"] / f
    range_mi = CITY_WEIGHT * rng["city"] + HIGHWAY_WEIGHT * rng["highway"]
    km_per_mi = M_PER_MI / 1e3
    return {
        "usable_energy_kwh": ube,
        "range_mi": range_mi,
        "range_km": range_mi * km_per_mi,
        "range_city_mi": rng["city"],
        "range_highway_mi": rng["highway"],
        "consumption_ac_kwh_per_100km": ac_comb * 100 / km_per_mi,
        "consumption_dc_kwh_per_100km": dc_comb * 100 / km_per_mi,
        "consumption_ac_kwh_per_100mi": ac_comb * 100,
        "mpge_city": mpge["city"],
        "mpge_highway": mpge["highway"],
        "mpge_combined": 1.0 / (CITY_WEIGHT / mpge["city"] + HIGHWAY_WEIGHT / mpge["highway"]),
        "unadjusted_mpge_city": mpge_unadj["city"],
        "unadjusted_mpge_highway": mpge_unadj["highway"],
        "unadjusted_range_city_mi": range_unadj["city"],
        "unadjusted_range_highway_mi": range_unadj["highway"],
        "unadjusted_dc_kwh_per_100mi_city": dc_per_mi["city"] * 100,
        "unadjusted_dc_kwh_per_100mi_highway": dc_per_mi["highway"] * 100,
        "adjustment_factor": f + 0.0 * ube,
    }


def test_cars(vehicles: Sequence[Vehicle]) -> list[Vehicle]:
    """The cars at their EPA test weight (:func:`test_mass_kg`)."""
    return [v.with_mass(test_mass_kg(v)) for v in vehicles]


def run_batch(
    vehicles: Sequence[Vehicle],
    method: str = "auto",
    *,
    cars: Sequence[Vehicle] | None = None,
) -> RangeBatch:
    """EPA 2-cycle and label values for every car of a batch.

    ``method``: ``"mct"``, ``"sct"`` or ``"auto"`` (the MCT, or the SCT for a car that
    cannot complete the MCT, as 600.116-12(a)(1) allows). ``cars``: the vehicles at their
    test weight (:func:`test_cars`), when the caller has them already.
    """
    cars = test_cars(vehicles) if cars is None else list(cars)
    count = len(cars)
    dc = {"city": np.full(count, np.nan), "highway": np.full(count, np.nan)}
    ube = np.full(count, np.nan)
    methods: list[Method | None] = [None] * count
    errors: list[str | None] = [None] * count
    todo = np.arange(count)
    if method != "sct":
        mct_dc, mct_ube, ran, errors = multi_cycle_test_batch(cars)
        for key in dc:
            dc[key] = np.where(ran, mct_dc[key], np.nan)
        ube = np.where(ran, mct_ube, np.nan)
        methods = [Method.EPA_MCT if r else None for r in ran]
        todo = np.array([j for j in range(count) if not ran[j] and errors[j] is None], dtype=int)
    if method == "mct":
        for j in todo.tolist():
            errors[j] = f"{vehicles[j].name} cannot complete the EPA multi-cycle test"
        todo = np.zeros(0, dtype=int)
    if todo.size:
        sct_dc, sct_ube, sct_errors = single_cycle_tests_batch([cars[j] for j in todo.tolist()])
        for i, j in enumerate(todo.tolist()):
            errors[j] = sct_errors[i]
            if sct_errors[i] is None:
                methods[j] = Method.EPA_SCT
                ube[j] = sct_ube[i]
                for key in dc:
                    dc[key][j] = sct_dc[key][i]
    ac_per_dc = np.array([wall_per_dc(car) for car in cars])
    columns = {"test_mass_kg": np.array([car.mass_kg for car in cars]), **label(dc, ube, ac_per_dc)}
    rated = np.array([e is None for e in errors])
    columns = {key: np.where(rated, v, np.nan) for key, v in columns.items()}
    return RangeBatch(columns, methods, errors)


def run(vehicle: Vehicle, method: str = "auto") -> dict[str, Any]:
    """EPA 2-cycle and label values for one car (:func:`run_batch`).

    ``method``: ``"mct"``, ``"sct"`` or ``"auto"`` (the MCT, or the SCT for a car that
    cannot complete the MCT, as 600.116-12(a)(1) allows).
    """
    return run_batch([vehicle], method).record(0)
