"""Road load and powertrain at constant speed against hand calculation."""

from __future__ import annotations

import math

import pytest

from _factories import constant_speed_cycle, vehicle
from evforge.physics.road_load import aero_drag_force, coastdown_force, rolling_resistance_force
from evforge.sim import simulate
from evforge.spec import defaults as d
from evforge.units import G_STANDARD_MPS2, M_PER_MI

LBF = 4.4482216152605  # N per lbf, exact (0.45359237 kg × 9.80665 m/s²)
MPH = M_PER_MI / 3600.0


def test_aero_drag_hand_calculation() -> None:
    # ½ × 1.189 × 0.30 × 2.2 × 25² = 245.23125 N
    assert aero_drag_force(25.0, 0.30, 2.2, 1.189) == pytest.approx(245.23125, rel=1e-12)


def test_rolling_resistance_hand_calculation() -> None:
    # 0.009 × 1700 kg × 9.80665 m/s² = 150.041745 N
    assert rolling_resistance_force(1700.0, 0.009, 1.0) == pytest.approx(150.041745, rel=1e-12)


def test_coastdown_in_us_units() -> None:
    # 30 lbf + 0.2 lbf/mph × 60 mph + 0.02 lbf/mph² × 60² mph² = 114 lbf
    f = coastdown_force(60 * MPH, 30 * LBF, 0.2 * LBF / MPH, 0.02 * LBF / MPH**2)
    assert f == pytest.approx(114 * LBF, rel=1e-12)


def test_constant_speed_energy_is_road_load_times_distance() -> None:
    speed = 25.0  # m/s, 90 km/h
    car = vehicle()
    result = simulate(car, constant_speed_cycle(speed, 100.0))[0]
    distance = speed * 100.0
    aero = 0.5 * 1.189 * 0.30 * 2.2 * speed**2  # 245.23125 N (air density: GTR 15 Annex 4)
    # Tyres and driveline at zero torque (mass = curb + payload): C_rr m g plus the linear
    # term f1 v = (c_v m g + b_d) v of the physical road-load model (docs/model.md).
    f1 = car.linear_n_per_mps
    assert f1 == pytest.approx(
        d.ROLLING_SPEED_COEFFICIENT.value * 1700.0 * G_STANDARD_MPS2 + d.DRIVELINE_LINEAR_DRAG.value
    )
    rolling = 0.009 * 1700.0 * G_STANDARD_MPS2 + f1 * speed
    e = result.energy_kwh
    assert result.distance_km == pytest.approx(2.5, rel=1e-12)
    assert e.aero * 3.6e6 == pytest.approx(aero * distance, rel=1e-12)
    assert e.rolling * 3.6e6 == pytest.approx(rolling * distance, rel=1e-12)
    assert e.kinetic == 0.0
    assert e.friction_brake == 0.0
    assert e.regen_recovered == 0.0

    # Powertrain by hand: wheel force -> motor torque through the gear -> loss model.
    wheel_power = (aero + rolling) * speed
    radius = car.front.wheel_radius_m
    omega = speed * 9.0 / radius
    torque = (aero + rolling) * radius / (9.0 * 0.97)
    c0, ci, cw, cc = car.front.loss_coefficients
    w, t = omega / car.front.max_speed_rad_s, torque / 300.0
    motor_loss = 150e3 * (c0 + ci * w + cw * w**3 + cc * t**2)
    gear_loss = torque * omega - wheel_power
    terminal = torque * omega + motor_loss + 300.0  # the one always-on load (spec: 300 W)
    assert e.gear_loss * 3.6e6 == pytest.approx(gear_loss * 100.0, rel=1e-9)
    assert e.motor_loss * 3.6e6 == pytest.approx(motor_loss * 100.0, rel=1e-9)
    assert e.battery_terminal * 3.6e6 == pytest.approx(terminal * 100.0, rel=1e-9)
    # Battery: P = V I - R I², chemical = V I. The hand value uses the OCV at SOC 1; over the
    # 100 s the SOC falls ~0.6 % and the NMC OCV by ~0.06 %, so I²R rises by ~0.12 %: 0.3 %.
    v_oc = car.ocv_v[-1]
    current = (v_oc - math.sqrt(v_oc**2 - 4 * car.resistance_ohm * terminal)) / (
        2 * car.resistance_ohm
    )
    assert e.battery_loss * 3.6e6 == pytest.approx(current**2 * car.resistance_ohm * 100, rel=3e-3)


def test_grade_adds_m_g_sin_theta() -> None:
    cycle = constant_speed_cycle(20.0, 50.0)
    flat = simulate(vehicle(), cycle)[0].energy_kwh
    hill = constant_speed_cycle(20.0, 50.0)
    hill.grade[:] = 0.05
    up = simulate(vehicle(), hill)[0].energy_kwh
    theta = math.atan(0.05)
    distance = 20.0 * 50.0
    assert up.grade * 3.6e6 == pytest.approx(1700 * G_STANDARD_MPS2 * math.sin(theta) * distance)
    # The constant term scales with the normal load (cos θ); the linear term does not.
    f0 = vehicle().rolling_n
    expected = flat.rolling - f0 * (1 - math.cos(theta)) * distance / 3.6e6
    assert up.rolling == pytest.approx(expected, rel=1e-12)
    assert up.battery > flat.battery
