"""Segmented range tests (EPA MCT, WLTP STP, CLTC shortened method): the segment tools in
closed form, agreement with the single-cycle and consecutive-cycle methods, and the rule
that a car too short-ranged for the segmented test falls back to the other method."""

from __future__ import annotations

from typing import Any

import pytest

from _factories import vehicle
from evforge.cycles import load_cycle
from evforge.errors import EvforgeError
from evforge.procedures import cltc, epa, wltp
from evforge.procedures.segments import (
    Segment,
    constant_speed_segment,
    k_weighted,
    plan_mid_segment,
    run_segmented,
    sub_cycle,
)


def test_k_weighting_in_closed_form() -> None:
    # Two cycles of 10 km using 2 and 1 kWh, UBE 8 kWh: K_1 = 2/8, K_2 = 6/8.
    ec = k_weighted([2.0, 1.0], [10.0, 10.0], 8.0)
    assert ec == pytest.approx(0.25 * 0.2 + 0.75 * 0.1, rel=1e-12)
    # One cycle: its own consumption.
    assert k_weighted([3.0], [10.0], 8.0) == pytest.approx(0.3)


def test_wltc_city_cycle_is_low_plus_medium() -> None:
    wltc = load_cycle("wltc_class3b")
    city = sub_cycle(wltc, ("low", "medium"), "city")
    bounds = {p: (s, e) for p, s, e in wltc.phases}
    assert city.time_s[-1] == pytest.approx(bounds["medium"][1] - bounds["low"][0])
    # GTR 15 Annex 1 phase distances for class 3b: Low 3.095 km, Medium 4.756 km.
    assert city.stats().distance_m == pytest.approx(3095 + 4756, abs=2.0)


def test_constant_speed_segment_distance() -> None:
    # 1 m/s² ramps to 20 m/s and back (2 x 200 m) around 300 s at 20 m/s (6,000 m).
    seg = constant_speed_segment(20.0, 300.0, "css")
    assert seg.speed_mps.max() == 20.0
    assert seg.speed_mps[0] == seg.speed_mps[-1] == 0.0
    assert seg.stats().distance_m == pytest.approx(2 * 200.0 + 300 * 20.0, rel=1e-9)


@pytest.mark.parametrize(
    ("module", "segmented", "other", "keys"),
    [
        (epa, "mct", "sct", ["unadjusted_mpge_city", "unadjusted_mpge_highway", "range_mi"]),
        (wltp, "stp", "ccp", ["range_km", "range_city_km", "consumption_ac_kwh_per_100km"]),
        (cltc, "shortened", "conventional", ["range_km", "consumption_ac_kwh_per_100km"]),
    ],
)
def test_segmented_and_repeated_cycle_methods_agree(
    module: Any, segmented: str, other: str, keys: list[str]
) -> None:
    # Both methods measure the same UBE and the same cycles' consumption; they may differ by
    # how consumption drifts with state of charge (K-weighting) - a fraction of a percent.
    car = vehicle()
    a, b = module.run(car, segmented), module.run(car, other)
    assert a["method"] != b["method"]
    for key in keys:
        assert a[key] == pytest.approx(b[key], rel=5e-3), key
    assert a["usable_energy_kwh"] == pytest.approx(b["usable_energy_kwh"], rel=1e-3)


@pytest.mark.parametrize(
    ("module", "segmented", "fallback_word"),
    [
        (epa, "mct", "single-cycle"),
        (wltp, "stp", "consecutive"),
        (cltc, "shortened", "conventional"),
    ],
)
def test_short_range_car_falls_back_to_repeated_cycles(
    module: Any, segmented: str, fallback_word: str
) -> None:
    # 8 kWh cannot cover the segmented tests' dynamic driving (MCT ~ 50 mi, STP ~ 62 km,
    # CLTC 4 x 14.5 km) with 10 % left for the end segment.
    car = vehicle(battery={"usable_energy": "8 kWh", "chemistry": "NMC"})
    assert fallback_word in module.run(car)["method"]
    with pytest.raises(EvforgeError, match="cannot complete"):
        module.run(car, segmented)


def test_end_segment_takes_the_planned_share_of_the_usable_energy() -> None:
    # CSS_M is sized so that ~10 % of the usable energy is left for CSS_E; the plan uses
    # single-cycle estimates at full charge, so the share lands near, not at, 10 %.
    car = vehicle()
    wltc = load_cycle("wltc_class3b")
    dynamic = [Segment(f"w{i}", "wltc", wltc) for i in range(2)]
    cruise = plan_mid_segment(car, dynamic, 100 / 3.6)
    assert cruise is not None
    css = Segment("css_m", "css", constant_speed_segment(100 / 3.6, cruise, "css_m"))
    test = run_segmented(car, [dynamic[0], css, dynamic[1]], 100 / 3.6)
    end_share = 1.0 - test.energy_j.sum() / test.usable_energy_j
    assert 0.05 < end_share < 0.15
    assert test.usable_energy_j / 3.6e6 == pytest.approx(60.0, rel=1e-3)
    assert test.distance_total_m > test.distance_m.sum()
