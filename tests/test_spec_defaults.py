"""Defaults that depend on the car: the static front-axle share per layout, and the surveyed
motor maximum speed and gear ratio (docs/defaults-research.md §22)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from _factories import vehicle
from evforge.enums import Layout
from evforge.spec import defaults as d
from evforge.vehicle import Vehicle

_RPM_TO_RAD_S = 2.0 * math.pi / 60.0

# One motor per driven axle, none with a maximum speed: every default below is then in play.
_MOTORS = {
    Layout.FWD: [{"axle": "front", "peak_power": "150 kW", "peak_torque": "300 N*m"}],
    Layout.RWD: [{"axle": "rear", "peak_power": "150 kW", "peak_torque": "300 N*m"}],
    Layout.AWD: [
        {"axle": "front", "peak_power": "80 kW", "peak_torque": "200 N*m"},
        {"axle": "rear", "peak_power": "150 kW", "peak_torque": "300 N*m"},
    ],
}


def _car(layout: Layout, **changes: Any) -> Vehicle:
    return vehicle(layout=layout.value, motors=_MOTORS[layout], **changes)


@pytest.mark.parametrize(
    ("layout", "share"),
    # Survey medians: front-drive 0.59 (FASTSim's driven-axle default; no measured front-drive
    # BEV split found), rear-drive 0.50 (MG4, Honda e, BMW i3), AWD 0.50 (Jaguar I-Pace).
    [(Layout.FWD, 0.59), (Layout.RWD, 0.50), (Layout.AWD, 0.50)],
)
def test_front_axle_share_default_depends_on_the_layout(layout: Layout, share: float) -> None:
    car = _car(layout)
    assert car.performance is not None
    assert car.performance.front_axle_share == share
    source = {p.name: p.source for p in car.provenance}["mass.front_axle_share"]
    assert source == d.FRONT_AXLE_SHARE[layout].source
    assert "§22" in source


def test_every_layout_has_an_axle_share_default() -> None:
    assert set(d.FRONT_AXLE_SHARE) == set(Layout)
    for default in d.FRONT_AXLE_SHARE.values():
        assert 0.2 <= default.value <= 0.8  # the range the schema accepts for the field
        assert default.unit == "1"


def test_a_given_axle_share_wins_over_the_layout_default() -> None:
    car = _car(Layout.FWD, mass={"curb": "1600 kg", "payload": "100 kg", "front_axle_share": 0.62})
    assert car.performance is not None
    assert car.performance.front_axle_share == 0.62
    assert {p.name: p.source for p in car.provenance}["mass.front_axle_share"] == "spec"


def test_motor_speed_default_is_the_survey_median() -> None:
    # Median of the 11 motors of model year 2019 or later in the §22 table (13,000-30,511 rpm).
    surveyed = [13000, 14000, 15000, 16000, 16000, 16000, 20000, 21000, 22000, 27200, 30511]
    assert d.MOTOR_MAX_SPEED.value == sorted(surveyed)[len(surveyed) // 2] == 16000.0
    car = _car(Layout.RWD)
    assert car.rear.max_speed_rad_s == pytest.approx(16000.0 * _RPM_TO_RAD_S)
    assert "§22" in {p.name: p.source for p in car.provenance}["motors[0].max_speed"]


def test_gear_ratio_default_is_the_survey_median() -> None:
    assert d.GEAR_RATIO.value == 9.0
    car = vehicle(gear_ratio=None)
    assert car.gear_ratio == 9.0
    assert "§22" in {p.name: p.source for p in car.provenance}["gear_ratio"]


def test_gear_ratio_default_puts_the_motor_maximum_speed_at_the_top_speed_limit() -> None:
    # Design rule i = ω_max r / v_max (defaults.GEAR_RATIO_RULE) with the spec's limit.
    car = _car(Layout.RWD, gear_ratio=None, performance={"top_speed_limit": "160 km/h"})
    expected = d.MOTOR_MAX_SPEED.value * _RPM_TO_RAD_S * car.rear.wheel_radius_m / (160 / 3.6)
    assert car.gear_ratio == pytest.approx(expected, rel=1e-12)
    # The motors then reach the limit exactly; without a limit the surveyed default applies,
    # and a spec ratio always wins.
    assert _car(Layout.RWD, gear_ratio=None).gear_ratio == d.GEAR_RATIO.value
    given = _car(Layout.RWD, gear_ratio=8.0, performance={"top_speed_limit": "160 km/h"})
    assert given.gear_ratio == 8.0


def test_performance_mass_without_curb_is_the_epa_test_weight_less_300_lb() -> None:
    # 40 CFR 86.1803-01: loaded vehicle weight = curb + 300 lb; then the 75 kg driver.
    car = _car(
        Layout.FWD,
        mass={},
        road_load={"f0": "130 N", "f1": "1 N/(m/s)", "f2": "0.4 N/(m/s)^2", "test_mass": "4000 lb"},
    )
    assert car.performance is not None
    expected = 4000 * 0.45359237 - 300 * 0.45359237 + 75.0
    assert car.performance.mass_kg == pytest.approx(expected, rel=1e-6)
