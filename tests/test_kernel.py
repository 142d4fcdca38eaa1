"""Invariants of the simulation kernel: energy balance, batch = single, limits."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _factories import spec_dict, vehicle
from evforge.cycles import Cycle, load_cycle
from evforge.errors import EvforgeError
from evforge.sim import simulate
from evforge.sim.results import EnergyBreakdown
from evforge.spec import build_vehicle, parse_spec
from evforge.vehicle import Vehicle

# Balances close to floating-point rounding; 1e-6 relative to the largest term is the
# acceptance bar of issue #2 (the measured residuals are ~1e-15).
REL = 1e-6


def assert_balanced(e: EnergyBreakdown) -> None:
    scale = max(e.traction, e.regen_recovered, e.auxiliary, abs(e.battery), 1e-9)
    supply = e.traction - e.regen_recovered + e.drivetrain_loss + e.battery_loss + e.auxiliary
    assert abs(e.battery - supply) <= REL * scale
    wheel = e.traction - e.regen_recovered - e.friction_brake
    assert abs(wheel - (e.aero + e.rolling + e.grade + e.kinetic)) <= REL * scale
    assert abs(e.drivetrain_loss - (e.gear_loss + e.motor_loss)) <= REL * scale
    assert abs(e.battery - (e.battery_terminal + e.battery_loss)) <= REL * scale
    for value in e.as_dict().values():
        assert np.isfinite(value)
    for nonneg in ("aero", "traction", "regen_recovered", "friction_brake", "gear_loss"):
        assert getattr(e, nonneg) >= 0.0
    assert e.motor_loss >= 0.0
    assert e.battery_loss >= 0.0


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    layout = draw(st.sampled_from(["FWD", "RWD", "AWD"]))
    axles = {"FWD": ["front"], "RWD": ["rear"], "AWD": ["front", "rear"]}[layout]
    motors = [
        {
            "axle": axle,
            "peak_power": f"{draw(st.floats(20, 400)):.3f} kW",
            "peak_torque": f"{draw(st.floats(80, 900)):.3f} N*m",
            "max_speed": f"{draw(st.floats(6000, 20000)):.0f} rpm",
        }
        for axle in axles
    ]
    data = spec_dict(
        name="random",
        layout=layout,
        motors=motors,
        mass={"curb": f"{draw(st.floats(700, 3500)):.2f} kg"},
        body={
            "drag_coefficient": draw(st.floats(0.18, 0.5)),
            "frontal_area": f"{draw(st.floats(1.6, 3.5)):.3f} m^2",
        },
        gear_ratio=draw(st.floats(4, 14)),
        battery={
            "usable_energy": f"{draw(st.floats(15, 150)):.2f} kWh",
            "chemistry": draw(st.sampled_from(["LFP", "NMC", "NCA"])),
            "peak_charge_power": f"{draw(st.floats(5, 350)):.1f} kW",
            "nominal_voltage": f"{draw(st.sampled_from([350, 400, 800]))} V",
        },
        auxiliary_power=f"{draw(st.floats(0, 3000)):.0f} W",
    )
    if layout == "AWD":
        data["torque_split"] = draw(st.sampled_from(["proportional", "rear_first", "front_first"]))
    if draw(st.booleans()):
        data["road_load"] = {
            "f0": f"{draw(st.floats(50, 250)):.2f} N",
            "f1": f"{draw(st.floats(-1, 8)):.3f} N*s/m",
            "f2": f"{draw(st.floats(0.2, 0.8)):.4f} N*s^2/m^2",
        }
    return data


@st.composite
def cycles(draw: st.DrawFn) -> Cycle:
    n = draw(st.integers(5, 400))
    dt = np.array(draw(st.lists(st.floats(0.2, 3.0), min_size=n, max_size=n)))
    accel = np.array(draw(st.lists(st.floats(-4.0, 4.0), min_size=n, max_size=n)))
    v = np.clip(np.concatenate([[draw(st.floats(0, 30))], np.cumsum(accel * dt)]), 0, 60)
    grade = np.array(draw(st.lists(st.floats(-0.12, 0.12), min_size=n + 1, max_size=n + 1)))
    t = np.concatenate([[0.0], np.cumsum(dt)])
    return Cycle("random", t, v, grade)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=specs(), cycle=cycles())
def test_energy_balance_closes_for_random_vehicles_and_cycles(
    data: dict[str, Any], cycle: Cycle
) -> None:
    car = build_vehicle(parse_spec(data))
    if not np.any(cycle.speed_mps > 0):
        return
    try:
        result = simulate(car, cycle, trace=True)[0]
    except EvforgeError as exc:
        # A weak car on a steep random grade may not move at all; that is reported as an
        # error (there is no consumption per km to give), which is the documented outcome.
        if "did not move" not in str(exc):
            raise
        return
    assert_balanced(result.energy_kwh)
    trace = result.trace
    assert trace is not None
    # The kinetic term is exactly ½ m_eff Δ(v²) of the speeds the car actually reached.
    v = trace["speed_mps"].to_numpy()
    kinetic = 0.5 * car.inertial_mass_kg * (v[-1] ** 2 - v[0] ** 2) / 3.6e6
    assert result.energy_kwh.kinetic == pytest.approx(kinetic, rel=1e-9, abs=1e-12)
    assert np.all(v <= trace["target_speed_mps"].to_numpy() + 1e-12)
    # The car never exceeds the pack's charge-power limit while regenerating.
    assert trace["battery_terminal_power_w"].min() >= -car.max_charge_power_w * (1 + 1e-9)


@pytest.mark.parametrize("cycle", ["wltc_class3b", "cltc_p", "udds", "hwfet", "us06", "nedc"])
def test_energy_balance_on_standard_cycles(cycle: str) -> None:
    assert_balanced(simulate(vehicle(), cycle)[0].energy_kwh)


def _variants() -> list[Vehicle]:
    out = []
    for mass, power, layout in [(1400, 80, "FWD"), (1900, 200, "RWD"), (2300, 300, "AWD")]:
        axles = {"FWD": ["front"], "RWD": ["rear"], "AWD": ["front", "rear"]}[layout]
        out.append(
            vehicle(
                name=f"{layout} {mass}",
                layout=layout,
                mass={"curb": f"{mass} kg"},
                motors=[{"axle": a, "peak_power": f"{power} kW"} for a in axles],
            )
        )
    return out


def test_batch_results_identical_to_single_runs() -> None:
    cars = _variants()
    batch = simulate(cars, "wltc_class3b", trace=True)
    for car, from_batch in zip(cars, batch, strict=True):
        single = simulate(car, "wltc_class3b", trace=True)[0]
        assert single.summary() == from_batch.summary()
        assert single.trace is not None
        assert from_batch.trace is not None
        assert single.trace.equals(from_batch.trace)


def test_results_are_deterministic() -> None:
    cars = _variants() * 20
    a = simulate(cars, "udds").to_pandas()
    b = simulate(cars, "udds").to_pandas()
    assert a.equals(b)


def test_underpowered_car_misses_the_trace_and_says_so() -> None:
    weak = vehicle(motors=[{"axle": "front", "peak_power": "15 kW", "peak_torque": "100 N*m"}])
    result = simulate(weak, "us06", trace=True)[0]
    us06 = load_cycle("us06").stats()
    assert result.trace_miss_s > 60.0
    assert result.distance_km < us06.distance_m / 1e3
    assert result.trace is not None
    assert result.trace["trace_miss"].sum() * 1.0 == result.trace_miss_s
    assert_balanced(result.energy_kwh)
    strong = simulate(vehicle(), "us06")[0]
    assert strong.trace_miss_s == 0.0


def test_top_speed_limited_by_motor_speed() -> None:
    # 6000 rpm, gear 9, r = 0.3233 m: v_max = 6000·2π/60 / 9 × 0.3233 = 22.57 m/s (81 km/h).
    slow = vehicle(
        motors=[{"axle": "front", "peak_power": "150 kW", "max_speed": "6000 rpm"}],
    )
    result = simulate(slow, "hwfet", trace=True)[0]
    assert result.trace is not None
    v_max = 6000 * 2 * np.pi / 60 / 9.0 * slow.front.wheel_radius_m
    assert result.trace["speed_mps"].max() <= v_max + 0.5  # one step can end past the limit
    assert result.trace_miss_s > 0


def test_regen_is_limited_by_charge_power_and_fades_at_low_speed() -> None:
    small = vehicle(battery={"usable_energy": "60 kWh", "peak_charge_power": "5 kW"})
    result = simulate(small, "us06", trace=True)[0]
    trace = result.trace
    assert trace is not None
    assert trace["battery_terminal_power_w"].min() >= -5000.0 * (1 + 1e-9)
    full = simulate(vehicle(), "us06")[0]
    assert result.energy_kwh.regen_recovered < full.energy_kwh.regen_recovered
    assert result.energy_kwh.friction_brake > full.energy_kwh.friction_brake
    # Below the fade-out speed (5 km/h) nothing is regenerated.
    mean_speed = 0.5 * (trace["speed_mps"] + trace["speed_mps"].shift(1).fillna(0.0))
    slow = mean_speed < 5 / 3.6
    assert trace.loc[slow, "regen_wheel_power_w"].abs().max() == 0.0


def test_state_of_charge_tracks_chemical_energy() -> None:
    car = vehicle()
    result = simulate(car, "wltc_class3b", trace=True)[0]
    assert result.trace is not None
    soc_drop = 1.0 - result.trace["soc"].iloc[-1]
    # ∫V_oc dQ = chemical energy; V_oc at the top of the window is ~11 % above its mean, so
    # the SOC drop is a little below E/E_usable. 15 % bounds that.
    ratio = soc_drop * car.usable_energy_j / (result.energy_kwh.battery * 3.6e6)
    assert 0.85 < ratio < 1.0


def test_layout_sets_the_driven_axles() -> None:
    awd = _variants()[2]
    assert awd.front.driven
    assert awd.rear.driven
    rwd = _variants()[1]
    assert not rwd.front.driven
    assert rwd.rear.driven


def _awd(split: str, front_kw: float = 150.0, rear_kw: float = 150.0) -> Vehicle:
    return vehicle(
        name=f"AWD {split}",
        layout="AWD",
        torque_split=split,
        motors=[
            {"axle": "front", "peak_power": f"{front_kw} kW", "peak_torque": "300 N*m"},
            {"axle": "rear", "peak_power": f"{rear_kw} kW", "peak_torque": "300 N*m"},
        ],
    )


@pytest.mark.parametrize("split", ["rear_first", "front_first"])
def test_primary_first_split_equals_the_primary_axle_alone_when_it_suffices(split: str) -> None:
    # On the UDDS a 150 kW / 300 N·m axle never runs out of torque, so in traction the
    # secondary motor idles all cycle: without regeneration the car must behave exactly like
    # one whose secondary axle is not driven (same inertial mass), to rounding.
    no_regen = {"regen_zero_speed_mps": 100.0, "regen_full_speed_mps": 101.0}
    car = dataclasses.replace(_awd(split), **no_regen)
    idle = "front" if split == "rear_first" else "rear"
    off = dataclasses.replace(getattr(car, idle), peak_power_w=0.0)
    alone = dataclasses.replace(car, **{idle: off})
    a, b = simulate([car, alone], "udds")
    assert_balanced(a.energy_kwh)
    assert a.energy_kwh.as_dict() == pytest.approx(b.energy_kwh.as_dict(), rel=1e-12, abs=1e-12)
    # With regeneration, the secondary axle also takes what the primary's faded envelope
    # cannot (at low speed), so the AWD car recovers at least as much.
    with_regen = _awd(split)
    alone = dataclasses.replace(with_regen, **{idle: off})
    a, b = simulate([with_regen, alone], "udds")
    assert_balanced(a.energy_kwh)
    assert a.energy_kwh.regen_recovered >= b.energy_kwh.regen_recovered


def test_primary_first_split_calls_on_the_secondary_axle_beyond_the_primary() -> None:
    # A 30 kW rear motor alone cannot follow the US06 (it needs about 90 kW at the wheels);
    # with a 150 kW front motor as the secondary, the rear-first car follows it as well as
    # the proportional split, and loses less in the motors (no constant loss of the idle
    # front motor while the rear one suffices).
    first, proportional = simulate(
        [_awd("rear_first", rear_kw=30.0), _awd("proportional", rear_kw=30.0)], "us06"
    )
    car = _awd("rear_first", rear_kw=30.0)
    alone = dataclasses.replace(car, front=dataclasses.replace(car.front, peak_power_w=0.0))
    assert simulate(alone, "us06")[0].trace_miss_s > 10.0
    assert first.trace_miss_s == proportional.trace_miss_s == 0.0
    assert_balanced(first.energy_kwh)
    assert first.energy_kwh.motor_loss < proportional.energy_kwh.motor_loss
