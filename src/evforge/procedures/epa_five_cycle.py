"""EPA vehicle-specific 5-cycle adjustment for a BEV (40 CFR 600.114-08/-12; SAE J1634).

The five tests, each simulated from full charge at its own ambient with :mod:`evforge.climate`:

* FTP at 75 °F (23.9 °C), climate control off: bag 1 (UDDS 0-505 s), bag 2 (505-1369 s), a
  10-minute key-off soak, bag 3 (UDDS 0-505 s again) (40 CFR 86.135; 600.114 "Bag Y FE75");
* cold FTP at 20 °F (-6.7 °C), car soaked, heater on at 72 °F (assumption: the automatic
  72 °F setting EPA uses for A/C tests, 40 CFR 86.1772-99; not verified for the cold FTP of
  BEVs): the same three bags, the cabin cooling during the 10-minute soak and re-warming in
  bag 3;
* HFET at 75 °F; US06 at 75 °F split into its city (0-130 s, 495-596 s) and highway
  (130-495 s) bags;
* SC03 at 95 °F (35 °C), 100 grains of water per pound of dry air, 850 W/m² solar load, A/C
  on, after a 10-minute soak in the sun (40 CFR 86.160-00(a), read in the GPO 2004 text).

The consumptions (DC kWh/mi) go into the 600.114-08 city and highway equations with energy
per mile in place of gallons per mile, as J1634 and MathWorks' worked example do for BEVs;
the 5-cycle factor is the 55/45-harmonic combined 5-cycle MPGe over the 2-cycle MPGe. The
charger's AC/DC ratio multiplies every term alike and cancels.

Verification (docs/regulations-verified.md §1.8): the structure, the terms and their
definitions were read in the primary text (40 CFR 600.114-08 as printed by GPO, July 2007;
600.114-12 in the eCFR mirror), but the equations themselves are images there; the
coefficients below were read in NREL's FASTSim-Java ``FiveCycleTestSuite`` (a secondary
transcription), and are marked [secondary].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from evforge.climate.model import cabin_after_soak_c, vehicle_at_ambient
from evforge.climate.params import Ambient
from evforge.cycles import Cycle, load_cycle
from evforge.errors import EvforgeError
from evforge.procedures import epa
from evforge.procedures.batch import first_error
from evforge.sim.ambient import run_at_ambient_batch
from evforge.units import M_PER_MI
from evforge.vehicle import Vehicle

__all__ = [
    "FiveCycleTests",
    "five_cycle_consumption",
    "run",
    "run_batch",
    "run_tests",
    "run_tests_batch",
]

#: Test temperatures (40 CFR 86.135 FTP 68-86 °F, nominal 75 °F; cold FTP 20 °F, 86.230;
#: SC03 95 °F, 86.160-00(a)).
FTP_C: Final = (75.0 - 32.0) / 1.8
COLD_C: Final = (20.0 - 32.0) / 1.8
SC03_C: Final = (95.0 - 32.0) / 1.8
#: SC03 solar load [W/m²] and humidity (100 grains/lb = 100/7000 kg/kg), 86.160-00(a).
SC03_SOLAR_W_M2: Final = 850.0
SC03_HUMIDITY: Final = 100.0 / 7000.0
#: Key-off soak between FTP bags 2 and 3, and before SC03 [s] (86.135; 86.160-00(a)).
SOAK_S: Final = 600.0
#: Bag boundaries of the UDDS [s] (FTP bag 1 = first 505 s; 40 CFR 86 App. I(a)).
BAG1_END_S: Final = 505.0
#: Road load of the five tests: False, the target coefficients as the chassis dynamometer
#: applies them at every test temperature (not the on-road air density and tyre correction).
#: (With True the cars at ambient would also need road_load_at_ambient.)
DYNO: Final = False

# 600.114-08(a),(b) coefficients [secondary: FASTSim-Java FiveCycleTestSuite].
ON_ROAD_FACTOR: Final = 0.905  # final 1/0.905 on-road adjustment, city and highway
START_WEIGHT: Final = 0.33  # start fuel per trip
START_WEIGHT_75F: Final = 0.76  # share of starts at 75 °F vs 20 °F
START_WEIGHT_20F: Final = 0.24
START_FUEL_BAG_FACTOR: Final = 3.6  # miles of bag 1 over which the start fuel is measured
CITY_MILES_PER_START: Final = 4.1
HIGHWAY_MILES_PER_START: Final = 60.0
CITY_WARM_SHARE: Final = 0.82  # running fuel at 75 °F vs 20 °F
CITY_COLD_SHARE: Final = 0.18
CITY_BAG2_75: Final = 0.48
CITY_BAG3_75: Final = 0.41
CITY_US06: Final = 0.11
COLD_BAG2: Final = 0.5
COLD_BAG3: Final = 0.5
AC_SHARE: Final = 0.133  # share of driving with the A/C on
AC_CITY: Final = 1.083
AC_HIGHWAY: Final = 0.377
AC_BAG3: Final = 0.61
AC_BAG2: Final = 0.39
HIGHWAY_RUNNING: Final = 1.007
HIGHWAY_US06: Final = 0.79
HIGHWAY_HFET: Final = 0.21


@dataclass(frozen=True)
class FiveCycleTests:
    """DC consumption of every bag the 600.114 equations use [kWh/mi]."""

    bag1_75: float
    bag2_75: float
    bag3_75: float
    bag1_20: float
    bag2_20: float
    bag3_20: float
    us06_city: float
    us06_highway: float
    hfet: float
    sc03: float
    udds: float  # 2-cycle city (UDDS, 75 °F, same basis as the bags)


def five_cycle_consumption(t: FiveCycleTests) -> tuple[float, float]:
    """(city, highway) 5-cycle consumption [kWh/mi], 40 CFR 600.114-08(a)(b) with energy per
    mile for gallons per mile (FE = 1/consumption)."""
    start_75 = START_FUEL_BAG_FACTOR * (t.bag1_75 - t.bag3_75)
    start_20 = START_FUEL_BAG_FACTOR * (t.bag1_20 - t.bag3_20)
    start = START_WEIGHT * (START_WEIGHT_75F * start_75 + START_WEIGHT_20F * start_20)
    ac = t.sc03 - (AC_BAG3 * t.bag3_75 + AC_BAG2 * t.bag2_75)
    city_running = (
        CITY_WARM_SHARE
        * (CITY_BAG2_75 * t.bag2_75 + CITY_BAG3_75 * t.bag3_75 + CITY_US06 * t.us06_city)
        + CITY_COLD_SHARE * (COLD_BAG2 * t.bag2_20 + COLD_BAG3 * t.bag3_20)
        + AC_SHARE * AC_CITY * ac
    )
    highway_running = (
        HIGHWAY_RUNNING * (HIGHWAY_US06 * t.us06_highway + HIGHWAY_HFET * t.hfet)
        + AC_SHARE * AC_HIGHWAY * ac
    )
    city = (start / CITY_MILES_PER_START + city_running) / ON_ROAD_FACTOR
    highway = (start / HIGHWAY_MILES_PER_START + highway_running) / ON_ROAD_FACTOR
    return city, highway


def _per_mile(energy_j: npt.NDArray[np.float64], distance_m: npt.NDArray[np.float64]) -> Any:
    """DC kWh per mile of energies [J] over distances [m]."""
    return (energy_j / 3.6e6) / (distance_m / M_PER_MI)


def _ftp_batch(
    cars: Sequence[Vehicle], udds: Cycle, amb: Ambient, at_amb: Sequence[Vehicle]
) -> tuple[tuple[Any, Any, Any], Any, list[str | None]]:
    """Per car (bag 1, bag 2, bag 3) DC kWh/mi: UDDS, soak, then the first 505 s again; the
    whole first UDDS in kWh/mi (the 2-cycle city test when run warm); errors. ``at_amb``:
    the cars at the ambient (:func:`~evforge.climate.model.vehicle_at_ambient`)."""
    first = run_at_ambient_batch(
        cars, udds, amb, cuts_s=(BAG1_END_S,), road_load=DYNO, at_ambient=at_amb
    )
    end = float(udds.time_s[-1])
    b1 = first.between(0.0, BAG1_END_S)
    b2 = first.between(BAG1_END_S, end)
    cabin: list[float | None] = []
    for car in cars:
        p = car.climate
        assert p is not None
        cabin.append(cabin_after_soak_c(p, amb, p.setpoint_c, SOAK_S) if amb.hvac else None)
    n = int((udds.time_s <= BAG1_END_S).sum())
    bag3_cycle = Cycle(udds.name, udds.time_s[:n], udds.speed_mps[:n], udds.grade[:n])
    soc = np.where(np.isfinite(first.end_soc), first.end_soc, 1.0)
    third = run_at_ambient_batch(
        cars,
        bag3_cycle,
        amb,
        cabin_start_c=cabin,
        initial_soc=soc,
        road_load=DYNO,
        at_ambient=at_amb,
    )
    b3 = third.between(0.0, float(bag3_cycle.time_s[-1]))
    bags = (_per_mile(*b1), _per_mile(*b2), _per_mile(*b3))
    return bags, _per_mile(b1[0] + b2[0], b1[1] + b2[1]), first_error(first.error, third.error)


def run_tests_batch(
    vehicles: Sequence[Vehicle], *, cars: Sequence[Vehicle] | None = None
) -> tuple[dict[str, Any], list[str | None]]:
    """The five tests of every car (from full charge, at the EPA test weight): the
    :class:`FiveCycleTests` fields as arrays [kWh/mi], and per-car errors. ``cars``: the
    vehicles at their test weight (:func:`~evforge.procedures.epa.test_cars`), when the
    caller has them already."""
    cars = epa.test_cars(vehicles) if cars is None else list(cars)
    udds = load_cycle("udds")
    warm = Ambient(FTP_C, hvac=False)
    cold = Ambient(COLD_C, hvac=True)
    # The cars at each test's ambient, once (DYNO: the road load as the dynamometer sets it).
    warm_cars = [vehicle_at_ambient(car, warm) for car in cars]
    b75, udds_warm, e1 = _ftp_batch(cars, udds, warm, warm_cars)
    b20, _, e2 = _ftp_batch(cars, udds, cold, [vehicle_at_ambient(car, cold) for car in cars])
    us06 = load_cycle("us06")
    run = run_at_ambient_batch(
        cars, us06, warm, cuts_s=(130.0, 495.0), road_load=DYNO, at_ambient=warm_cars
    )
    end = float(us06.time_s[-1])
    c1, c2 = run.between(0.0, 130.0), run.between(495.0, end)
    us06_city = _per_mile(c1[0] + c2[0], c1[1] + c2[1])
    us06_highway = _per_mile(*run.between(130.0, 495.0))
    hwfet = load_cycle("hwfet")
    hfet = run_at_ambient_batch(cars, hwfet, warm, road_load=DYNO, at_ambient=warm_cars)
    sc03_amb = Ambient(SC03_C, hvac=True, solar_w_m2=SC03_SOLAR_W_M2, humidity_ratio=SC03_HUMIDITY)
    cabin: list[float | None] = []
    for car in cars:
        p = car.climate
        assert p is not None
        cabin.append(cabin_after_soak_c(p, sc03_amb, p.setpoint_c, SOAK_S))
    sc03_cycle = load_cycle("sc03")
    sc03 = run_at_ambient_batch(cars, sc03_cycle, sc03_amb, cabin_start_c=cabin, road_load=DYNO)
    tests = {
        "bag1_75": b75[0],
        "bag2_75": b75[1],
        "bag3_75": b75[2],
        "bag1_20": b20[0],
        "bag2_20": b20[1],
        "bag3_20": b20[2],
        "us06_city": us06_city,
        "us06_highway": us06_highway,
        "hfet": _per_mile(*hfet.between(0.0, float(hwfet.time_s[-1]))),
        "sc03": _per_mile(*sc03.between(0.0, float(sc03_cycle.time_s[-1]))),
        "udds": udds_warm,
    }
    return tests, first_error(e1, e2, run.error, hfet.error, sc03.error)


def run_tests(vehicle: Vehicle) -> FiveCycleTests:
    """Simulate the five tests (from full charge, at the EPA test weight)."""
    tests, errors = run_tests_batch([vehicle])
    if errors[0] is not None:
        raise EvforgeError(errors[0])
    return FiveCycleTests(**{k: float(v[0]) for k, v in tests.items()})


def _adjusted(t: Any, two_cycle: dict[str, Any]) -> dict[str, Any]:
    """The 5-cycle keys from the tests ``t`` (:class:`FiveCycleTests` or a namespace of
    arrays) and the 2-cycle values (floats, or arrays of one value per car)."""
    city5, hwy5 = five_cycle_consumption(t)
    f_city, f_hwy = t.udds / city5, t.hfet / hwy5
    w_c, w_h = epa.CITY_WEIGHT, epa.HIGHWAY_WEIGHT
    f_comb = (w_c * t.udds + w_h * t.hfet) / (w_c * city5 + w_h * hwy5)
    range_mi = (
        w_c * f_city * two_cycle["unadjusted_range_city_mi"]
        + w_h * f_hwy * two_cycle["unadjusted_range_highway_mi"]
    )
    mpge_c = f_city * two_cycle["unadjusted_mpge_city"]
    mpge_h = f_hwy * two_cycle["unadjusted_mpge_highway"]
    # Label kWh/mi from the mains, per cycle = unadjusted / factor; combined 55/45 (10 CFR 474).
    ac_comb = w_c * epa.KWH_PER_GALLON_EQUIVALENT / mpge_c + w_h * (
        epa.KWH_PER_GALLON_EQUIVALENT / mpge_h
    )
    km_per_mi = M_PER_MI / 1e3
    dc_comb = (
        w_c * two_cycle["unadjusted_dc_kwh_per_100mi_city"] / f_city
        + w_h * two_cycle["unadjusted_dc_kwh_per_100mi_highway"] / f_hwy
    )  # kWh/100 mi
    return {
        "consumption_dc_kwh_per_100km_5cycle": dc_comb / km_per_mi,
        "consumption_ac_kwh_per_100mi_5cycle": ac_comb * 100,
        "consumption_ac_kwh_per_100km_5cycle": ac_comb * 100 / km_per_mi,
        "adjustment_factor_5cycle": f_comb,
        "adjustment_factor_5cycle_city": f_city,
        "adjustment_factor_5cycle_highway": f_hwy,
        "range_5cycle_mi": range_mi,
        "range_5cycle_km": range_mi * M_PER_MI / 1e3,
        "mpge_city_5cycle": mpge_c,
        "mpge_highway_5cycle": mpge_h,
        "mpge_combined_5cycle": 1.0 / (w_c / mpge_c + w_h / mpge_h),
    }


def run_batch(
    vehicles: Sequence[Vehicle],
    two_cycle: dict[str, npt.NDArray[np.float64]],
    *,
    cars: Sequence[Vehicle] | None = None,
) -> tuple[dict[str, npt.NDArray[np.float64]], list[str | None]]:
    """The 5-cycle keys of every car as arrays (``two_cycle``: the columns of
    :func:`epa.run_batch`), and per-car errors; ``cars`` as for :func:`run_tests_batch`."""
    tests, errors = run_tests_batch(vehicles, cars=cars)
    return _adjusted(SimpleNamespace(**tests), two_cycle), errors


def run(vehicle: Vehicle, two_cycle: dict[str, Any]) -> dict[str, Any]:
    """The 5-cycle keys added to an EPA record (``two_cycle`` = :func:`epa.run`'s values)."""
    t = run_tests(vehicle)
    return {
        **_adjusted(t, two_cycle),
        "five_cycle_dc_kwh_per_100mi": {k: 100 * v for k, v in vars(t).items()},
    }
