"""Acceleration, top speed and gradeability: closed forms, invariants and published figures.

Closed forms (Newton's law with a constant or linear force; the power balance of top speed;
Gillespie's traction-limited forces) are computed here independently of the solver, with
scipy's brentq where a root is needed. Tolerances are set by the integration: the speed
grid makes a constant force exact to rounding and a smooth force exact to O(Δv²).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from typer.testing import CliRunner

import evforge
from _factories import vehicle
from evforge.cli import app
from evforge.performance import (
    QUARTER_MILE_M,
    force_model,
    gradeability,
    integrate_run,
    launch_phase,
    performance,
)
from evforge.physics.traction import traction_limited_force
from evforge.spec.defaults import LAUNCH_RAMP_TIME
from evforge.units import G_STANDARD_MPS2, KMH_PER_MPS
from evforge.validation import specsheet
from evforge.validation.perf import fit_launch_ramp, split_of
from evforge.vehicle import Vehicle

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
V100 = 100.0 / KMH_PER_MPS


def _ideal(car: Vehicle, **perf: float) -> Vehicle:
    """No road load, no auxiliaries, unlimited pack, no launch ramp (unless overridden)."""
    assert car.performance is not None
    perf = {"launch_ramp_s": 0.0, **perf}
    params = dataclasses.replace(car.performance, max_discharge_power_w=1e12, **perf)
    return dataclasses.replace(
        car,
        rolling_n=0.0,
        linear_n_per_mps=0.0,
        aero_n_per_mps2=0.0,
        rolling_resistance=None,
        rolling_speed_coefficient=None,
        driveline_linear_drag=None,
        auxiliary_power_w=0.0,
        performance=params,
    )


def _constant_force_car(ramp_s: float = 0.0) -> Vehicle:
    """Constant torque to 60 m/s (huge power and motor speed), grip to spare: F = T G η / r."""
    car = _ideal(vehicle(), tyre_friction=2.0, launch_ramp_s=ramp_s)
    front = dataclasses.replace(car.front, peak_power_w=1e9, max_speed_rad_s=1e5)
    return dataclasses.replace(car, front=front)


# --- closed forms -----------------------------------------------------------------------------


def test_constant_force_car_matches_newton() -> None:
    car = _constant_force_car()
    model = force_model(car)
    force = (
        car.front.peak_torque_nm * car.gear_ratio * car.gear_efficiency / car.front.wheel_radius_m
    )
    m_eff = model.inertial_mass_kg
    result = performance(car)
    # t = m_eff v / F; quarter mile: x = F t² / (2 m_eff).
    assert result.zero_to_100_kmh_s == pytest.approx(m_eff * V100 / force, rel=1e-9)
    assert result.quarter_mile_s == pytest.approx(
        math.sqrt(2.0 * m_eff * QUARTER_MILE_M / force), rel=1e-6
    )
    assert result.traction_limited_below_kmh == 0.0


def test_launch_ramp_costs_half_the_ramp_time_on_a_constant_force() -> None:
    # F(t) = F t / t_r for t < t_r, then F: v(t_r) = F t_r / (2 m), x(t_r) = F t_r² / (6 m),
    # so the time to V is m V / F + t_r / 2, and x(t) = x_r + v_r τ + F τ² / (2 m), τ = t - t_r.
    ramp = 0.6
    car = _constant_force_car(ramp)
    model = force_model(car)
    force = (
        car.front.peak_torque_nm * car.gear_ratio * car.gear_efficiency / car.front.wheel_radius_m
    )
    m = model.inertial_mass_kg
    result = performance(car)
    assert result.zero_to_100_kmh_s == pytest.approx(m * V100 / force + ramp / 2, rel=1e-9)
    v_r, x_r, a = force * ramp / (2 * m), force * ramp**2 / (6 * m), force / m
    tau = (-v_r + math.sqrt(v_r**2 + 2 * a * (QUARTER_MILE_M - x_r))) / a
    assert result.quarter_mile_s == pytest.approx(ramp + tau, rel=1e-6)
    # The rolling 80-120 km/h figure is taken after the ramp: unchanged by it.
    flat = performance(_constant_force_car(0.0))
    assert result.eighty_to_120_kmh_s == pytest.approx(flat.eighty_to_120_kmh_s, rel=1e-9)
    assert launch_phase(model.tractive_force, model.road_load, m, 0.0, 50.0) is None


def test_a_longer_launch_ramp_is_never_faster() -> None:
    base = vehicle()
    assert base.performance is not None
    times = [
        performance(
            dataclasses.replace(
                base, performance=dataclasses.replace(base.performance, launch_ramp_s=r)
            )
        ).zero_to_100_kmh_s
        for r in (0.0, 0.2, 0.5, 1.0)
    ]
    assert times == sorted(times)  # type: ignore[type-var]


def test_linear_force_integrates_to_the_logarithm() -> None:
    # m dv/dt = F0 - k v  =>  t(v) = (m/k) ln(F0 / (F0 - k v)).
    m, f0, k = 1800.0, 6000.0, 80.0
    run = integrate_run(lambda v: f0 - k * v, m, 60.0, 0.01)
    for v in (10.0, 30.0, 55.0):
        exact = m / k * math.log(f0 / (f0 - k * v))
        assert run.time_to_speed(v) == pytest.approx(exact, rel=1e-7)


def test_top_speed_where_motor_power_meets_road_load() -> None:
    base = vehicle()  # 150 kW, physical road load (C_rr m g, ½ρC_dA)
    assert base.performance is not None
    car = dataclasses.replace(
        base,
        front=dataclasses.replace(base.front, max_speed_rad_s=1e5),
        performance=dataclasses.replace(base.performance, max_discharge_power_w=1e12),
    )
    model = force_model(car)  # at the performance mass
    rl = model.vehicle
    wheel_power = car.front.peak_power_w * car.gear_efficiency

    def balance(v: float) -> float:
        return (
            wheel_power - (rl.rolling_n + rl.linear_n_per_mps * v + rl.aero_n_per_mps2 * v**2) * v
        )

    expected = brentq(balance, 10.0, 150.0, xtol=1e-12)
    result = performance(car)
    assert result.top_speed_limited_by == "power"
    assert result.top_speed_kmh / KMH_PER_MPS == pytest.approx(expected, rel=1e-8)


def test_system_power_caps_the_summed_motor_power() -> None:
    # An AWD car whose motors (150 + 150 kW) are rated 200 kW together: top speed where the
    # system power through the gear meets the road load; a rating above the sum changes nothing.
    base = vehicle(
        layout="AWD",
        motors=[
            {"axle": "front", "peak_power": "150 kW"},
            {"axle": "rear", "peak_power": "150 kW"},
        ],
        performance={"system_power": "200 kW"},
    )
    assert base.performance is not None
    fast = dataclasses.replace(
        base,
        front=dataclasses.replace(base.front, max_speed_rad_s=1e5),
        rear=dataclasses.replace(base.rear, max_speed_rad_s=1e5),
        performance=dataclasses.replace(base.performance, max_discharge_power_w=1e12),
    )
    rl = force_model(fast).vehicle

    def balance(v: float) -> float:
        drag = (rl.rolling_n + rl.linear_n_per_mps * v + rl.aero_n_per_mps2 * v**2) * v
        return 200e3 * fast.gear_efficiency - drag

    expected = brentq(balance, 10.0, 150.0, xtol=1e-12)
    result = performance(fast)
    assert result.top_speed_limited_by == "power"
    assert result.top_speed_kmh / KMH_PER_MPS == pytest.approx(expected, rel=1e-8)
    loose = dataclasses.replace(
        fast, performance=dataclasses.replace(fast.performance, system_power_w=400e3)
    )
    free = dataclasses.replace(
        fast, performance=dataclasses.replace(fast.performance, system_power_w=None)
    )
    assert performance(loose) == performance(free)
    assert performance(fast).zero_to_100_kmh_s > performance(free).zero_to_100_kmh_s  # type: ignore[operator]


def test_top_speed_at_the_motor_maximum_speed() -> None:
    car = vehicle()  # 16,000 rpm max speed would be far above the power limit; lower it
    slow = dataclasses.replace(car, front=dataclasses.replace(car.front, max_speed_rad_s=800.0))
    result = performance(slow)
    assert result.top_speed_limited_by == "motor speed"
    expected = 800.0 * slow.front.wheel_radius_m / slow.gear_ratio
    assert result.top_speed_kmh / KMH_PER_MPS == pytest.approx(expected, rel=1e-8)


def test_electronic_limit_caps_top_speed_and_the_car_then_cruises() -> None:
    car = vehicle(performance={"top_speed_limit": "120 km/h"})
    result = performance(car)
    assert result.top_speed_limited_by == "electronic limit"
    assert result.top_speed_kmh == pytest.approx(120.0, rel=1e-12)
    assert result.top_speed_unlimited_kmh > 150.0
    assert result.quarter_mile_trap_kmh == pytest.approx(120.0, rel=1e-12)
    assert result.eighty_to_120_kmh_s is not None


@pytest.mark.parametrize(("share", "rear"), [(0.6, False), (0.45, True)])
def test_two_wheel_drive_traction_matches_gillespie(share: float, rear: bool) -> None:
    # Gillespie (1992) eqs. 2-19/2-20 with drag at CoG height: with W = m g, k = h / L,
    # front drive F = μ (ψ W + R k) / (1 + μ k); rear drive F = μ ((1-ψ) W - R k) / (1 - μ k).
    m, h, wheelbase, mu, rolling = 1800.0, 0.55, 2.7, 0.95, 150.0
    k, w = h / wheelbase, m * G_STANDARD_MPS2
    big, zero = np.array([1e6]), np.array([0.0])
    ff, fr = traction_limited_force(
        zero if rear else big, big if rear else zero, m, 1.0, rolling, share, h, wheelbase, mu
    )
    if rear:
        expected = mu * ((1 - share) * w - rolling * k) / (1 - mu * k)
    else:
        expected = mu * (share * w + rolling * k) / (1 + mu * k)
    assert float(ff[0] + fr[0]) == pytest.approx(expected, rel=1e-12)


def test_awd_with_strong_motors_uses_all_the_grip() -> None:
    f, r = traction_limited_force(
        np.array([1e6]), np.array([1e6]), 2000.0, 1.0, 0.0, 0.55, 0.5, 2.8, 1.0
    )
    assert float(f[0] + r[0]) == pytest.approx(2000.0 * G_STANDARD_MPS2, rel=1e-12)


def test_awd_standstill_gradeability_is_friction_minus_rolling() -> None:
    # Both axles at μ W cos θ: μ m g cos θ = f0 cos θ + m g sin θ => tan θ = μ - f0 / (m g).
    car = vehicle(
        layout="AWD",
        motors=[
            {"axle": "front", "peak_power": "300 kW", "peak_torque": "2000 N*m"},
            {"axle": "rear", "peak_power": "300 kW", "peak_torque": "2000 N*m"},
        ],
    )
    model = force_model(car)
    mu = model.params.tyre_friction
    expected = 100.0 * (mu - model.vehicle.rolling_n / (model.vehicle.mass_kg * G_STANDARD_MPS2))
    assert gradeability(model, 0.0) == pytest.approx(expected, rel=1e-7)


def test_step_convergence() -> None:
    """The documented accuracy check: halving Δv moves no time by 0.1 ms or more."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        car = evforge.load_vehicle(path)
        coarse, fine = performance(car), performance(car, step_mps=0.005)
        for key in (
            "zero_to_100_kmh_s",
            "zero_to_60_mph_s",
            "eighty_to_120_kmh_s",
            "quarter_mile_s",
        ):
            a, b = getattr(coarse, key), getattr(fine, key)
            assert abs(a - b) < 1e-4, (path.name, key, a, b)


# --- invariants -------------------------------------------------------------------------------


def _with_power(car: Vehicle, power_w: float) -> Vehicle:
    return dataclasses.replace(car, front=dataclasses.replace(car.front, peak_power_w=power_w))


def test_more_power_is_never_slower() -> None:
    car = vehicle()
    times = [performance(_with_power(car, p * 1e3)) for p in (80, 100, 130, 160, 200, 260)]
    for slower, faster in itertools.pairwise(times):
        assert faster.zero_to_100_kmh_s <= slower.zero_to_100_kmh_s  # type: ignore[operator]
        assert faster.quarter_mile_s <= slower.quarter_mile_s
        assert faster.top_speed_kmh >= slower.top_speed_kmh


def test_a_heavier_car_on_the_same_power_is_never_faster() -> None:
    runs = [performance(vehicle(mass={"curb": f"{m} kg"})) for m in (1300, 1500, 1700, 1900, 2200)]
    for light, heavy in itertools.pairwise(runs):
        assert heavy.zero_to_100_kmh_s >= light.zero_to_100_kmh_s  # type: ignore[operator]
        assert heavy.quarter_mile_s >= light.quarter_mile_s
        # A traction-limited standstill grade does not depend on mass (μ g cancels it), so two
        # runs may tie; 1e-9 % absorbs the round-off of the grade solve.
        grade_heavy, grade_light = heavy.gradeability_start_pct, light.gradeability_start_pct
        assert grade_heavy <= grade_light + 1e-9  # type: ignore[operator]


def test_traction_limited_launch_ignores_extra_power() -> None:
    # 1000 N·m through 9.1:1 is far beyond the front tyres' grip: below the speed where the
    # power limit takes over, more torque and power change nothing.
    grip_bound = vehicle(
        motors=[{"axle": "front", "peak_power": "300 kW", "peak_torque": "1000 N*m"}]
    )
    stronger = dataclasses.replace(
        grip_bound,
        front=dataclasses.replace(grip_bound.front, peak_power_w=600e3, peak_torque_nm=2000.0),
    )
    a, b = performance(grip_bound), performance(stronger)
    assert a.traction_limited_below_kmh > 60.0
    run_a = integrate_run(
        force_model(grip_bound).net_force, grip_bound.inertial_mass_kg, 15.0, 0.01
    )
    run_b = integrate_run(force_model(stronger).net_force, stronger.inertial_mass_kg, 15.0, 0.01)
    assert run_a.time_to_speed(15.0) == pytest.approx(run_b.time_to_speed(15.0), rel=1e-12)
    assert b.zero_to_100_kmh_s <= a.zero_to_100_kmh_s  # type: ignore[operator]


def test_a_weak_pack_limits_acceleration() -> None:
    car = vehicle(battery={"usable_energy": "58 kWh", "peak_discharge_power": "60 kW"})
    free = vehicle()
    assert performance(car).zero_to_100_kmh_s > performance(free).zero_to_100_kmh_s + 2.0  # type: ignore[operator]


# --- the bundled examples against published figures -------------------------------------------

# (file, published 0-100 km/h [s], published top speed [km/h], sources in docs/example-cars.md)
PUBLISHED = [
    # Opel Ampera-e press release (0-100 7.3 s); GM 91 mph top speed (electronic limit).
    ("chevrolet_bolt_ev_2017.yaml", 7.3, 145.0),
    # BMW via freenet.de: 5.7 s, 190 km/h (electronic limit).
    ("bmw_i4_edrive40_2022.yaml", 5.7, 190.0),
    # Kia via timeslive.co.za: 5.2 s; evkx.net 185 km/h.
    ("kia_ev6_long_range_awd_2023.yaml", 5.2, 185.0),
]


@pytest.mark.parametrize(("name", "zero_100", "top"), PUBLISHED)
def test_examples_against_published_figures(name: str, zero_100: float, top: float) -> None:
    """The issue's targets are 0-100 km/h within 10 % and top speed within 5 %.

    Met: all three 0-100 times (Bolt 0 % with the 0.59 front-drive axle-share default and the
    0.20 s launch ramp, i4 +4 %, EV6 -6 %) and the Bolt's and i4's top speeds (their electronic
    limits, which the physics reaches on the 16,000 rpm motor-speed default). Missed, and pinned
    here so a change shows: the EV6's top speed (+18 %: no source calls Kia's 185 km/h a limit
    and none gives the motor's maximum speed, so the 16,000 rpm default sets it). Defaults and
    their surveys: docs/defaults-research.md §22-23.
    """
    result = performance(evforge.load_vehicle(EXAMPLES / name))
    error_100 = (result.zero_to_100_kmh_s - zero_100) / zero_100  # type: ignore[operator]
    error_top = (result.top_speed_kmh - top) / top
    pinned = {
        "chevrolet_bolt_ev_2017.yaml": ((-0.10, 0.10), (-0.05, 0.05)),
        "bmw_i4_edrive40_2022.yaml": ((-0.10, 0.10), (-0.05, 0.05)),
        "kia_ev6_long_range_awd_2023.yaml": ((-0.10, 0.10), (0.15, 0.20)),
    }[name]
    assert pinned[0][0] <= error_100 <= pinned[0][1]
    assert pinned[1][0] <= error_top <= pinned[1][1]


def test_cli_perf_json_and_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["perf", str(EXAMPLES / "bmw_i4_edrive40_2022.yaml"), "--json"])
    assert out.exit_code == 0, out.output

    record = json.loads(out.stdout)[0]
    for key in (
        "vehicle",
        "zero_to_100_kmh_s",
        "zero_to_60_mph_s",
        "quarter_mile_s",
        "top_speed_kmh",
        "eighty_to_120_kmh_s",
        "gradeability_start_pct",
    ):
        assert key in record
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "bmw_i4_edrive40_2022.yaml").read_text() + "  test_soc: 3\n")
    out = runner.invoke(app, ["perf", str(bad)])
    assert out.exit_code == 2
    assert "performance.test_soc" in out.stderr
    assert "Traceback" not in out.output


def test_validate_perf_covers_every_published_acceleration_figure() -> None:
    out = CliRunner().invoke(app, ["validate", "perf", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    cars = {r["car"] for r in rows}
    assert len(cars) >= 8  # the 3 examples and the validation cars
    for r in rows:
        assert r["predicted"] is not None, r
        # JSON values carry 6 significant digits (evforge.output), so the error recomputed
        # from the rounded prediction agrees to about 1e-6 x 100 / error-free digits.
        assert r["error_pct"] == pytest.approx(
            100.0 * (r["predicted"] - r["published"]) / r["published"], abs=1e-3
        )
        if r["car"].startswith("specsheet:"):  # the spec-sheet set splits by vehicle family
            variants = specsheet.load_variants().set_index("variant")
            assert r["split"] == variants.loc[r["car"].removeprefix("specsheet:"), "split"]
        else:
            assert r["split"] == split_of(r["car"])
    assert any(c.startswith("specsheet:") for c in cars)


def test_split_is_fixed_by_the_file_name() -> None:
    # Training iff the first hex digit of SHA-256(base name) is even; independent of folder.
    for name in ("chevrolet_bolt_ev_2017.yaml", "bmw_i4_edrive40_2022.yaml"):
        digit = int(hashlib.sha256(name.encode()).hexdigest()[0], 16)
        expected = "train" if digit % 2 == 0 else "test"
        assert split_of(name) == split_of(f"examples/{name}") == expected


def test_launch_ramp_default_is_the_fit_on_the_training_cars() -> None:
    """The shipped default is what ``evforge validate perf --fit`` gives, to 0.01 s."""
    launch = fit_launch_ramp()
    assert all(split_of(c) == "train" for c in launch.train_cars)
    assert len(launch.train_cars) >= 5
    assert LAUNCH_RAMP_TIME.value == pytest.approx(launch.ramp_s, abs=0.01)
