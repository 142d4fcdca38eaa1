"""The batched performance procedure: one kernel over many cars, the same figures as one car.

:func:`~evforge.performance.performance` is the batch of one of
:func:`~evforge.performance.performance_batch`, so "batch == single" checks that a car's
figures do not depend on the batch (its size, its other cars, its order). That the kernel
computes what the per-car functions of :mod:`evforge.performance.solve` describe is checked
against a reference built from those functions here (:func:`_reference`: the speed-domain
quadrature with the RK4 launch ramp, brentq top speed and gradeability, as ``performance``
did before the batch kernel).
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import evforge
from evforge.errors import EvforgeError
from evforge.performance import (
    QUARTER_MILE_M,
    ROLLOUT_M,
    PerfResult,
    TopSpeedLimit,
    force_model,
    gradeability,
    pack_limited,
    performance,
    performance_batch,
    standing_run,
    top_speed,
    top_speed_batch,
)
from evforge.physics.traction import traction_limited_force
from evforge.units import KMH_PER_MPS, M_PER_MI
from evforge.vehicle import Vehicle

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EV6 = EXAMPLES / "kia_ev6_long_range_awd_2023.yaml"
BOLT = EXAMPLES / "chevrolet_bolt_ev_2017.yaml"
V100 = 100.0 / KMH_PER_MPS
REL = 1e-9


def _designs(n_spec: int, n_each: int) -> list[Vehicle]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_kernel import designs
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    cars: list[Vehicle] = designs(n_spec, n_each)
    return cars


@pytest.fixture(scope="module")
def pool() -> list[Vehicle]:
    """Varied single-motor designs, the bundled examples (one AWD), AWD variants of the EV6
    and a car that does not reach 100 km/h."""
    awd = [
        evforge.variant(
            EV6,
            {"motors[0].peak_power": f"{front} kW", "motors[1].peak_power": f"{rear} kW"},
            name=f"EV6 {front}+{rear}",
        )
        for front, rear in ((70, 160), (120, 120), (160, 60))
    ]
    slow = evforge.variant(BOLT, {"motors[0].peak_power": "10 kW"}, name="slow")
    examples = [evforge.load_vehicle(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    return [*_designs(6, 2), *examples, *awd, slow]


def _assert_same(a: PerfResult, b: PerfResult, rel: float = REL) -> None:
    """Every float field within ``rel``, None where the other is None, the rest exact."""
    for field in dataclasses.fields(PerfResult):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, float) or isinstance(y, float):
            assert x is not None, (a.vehicle, field.name, x, y)
            assert y is not None, (a.vehicle, field.name, x, y)
            assert math.isclose(x, y, rel_tol=rel, abs_tol=1e-12), (a.vehicle, field.name, x, y)
        else:
            assert x == y, (a.vehicle, field.name, x, y)


def _reference(vehicle: Vehicle) -> PerfResult:
    """``performance`` from the per-car functions of evforge.performance.solve (module notes)."""
    model = force_model(vehicle)
    v_top, limited_by = top_speed(model)
    assert v_top > 0.0
    no_limit = dataclasses.replace(
        model, params=dataclasses.replace(model.params, top_speed_limit_mps=math.inf)
    )
    unlimited = v_top if limited_by is not TopSpeedLimit.ELECTRONIC else top_speed(no_limit)[0]
    run = standing_run(model, v_top, model.params.launch_ramp_s)
    mph60 = 60.0 * M_PER_MI / 3600.0
    t60 = run.time_to_speed(mph60)
    t_rollout, _ = run.at_distance(ROLLOUT_M)
    t80, t120 = run.time_to_speed(80.0 / KMH_PER_MPS), run.time_to_speed(120.0 / KMH_PER_MPS)
    t_qm, v_qm = run.at_distance(QUARTER_MILE_M)
    grid = np.arange(0.0, v_top, 0.05)
    mf, mr = model.motor_forces(grid)
    p = model.params
    ff, fr = traction_limited_force(
        mf,
        mr,
        model.vehicle.mass_kg,
        1.0,
        model.rolling_force(1.0),
        p.front_axle_share,
        p.cog_height_m,
        p.wheelbase_m,
        p.tyre_friction,
    )
    limited = np.nonzero(ff + fr < (mf + mr) * (1.0 - 1e-9))[0]
    warning = pack_limited(vehicle)
    return PerfResult(
        vehicle=vehicle.name,
        zero_to_100_kmh_s=run.time_to_speed(V100),
        zero_to_60_mph_s=t60,
        zero_to_60_mph_rollout_s=None if t60 is None else t60 - t_rollout,
        eighty_to_120_kmh_s=None if t80 is None or t120 is None else t120 - t80,
        quarter_mile_s=t_qm,
        quarter_mile_trap_kmh=v_qm * KMH_PER_MPS,
        top_speed_kmh=v_top * KMH_PER_MPS,
        top_speed_limited_by=limited_by.value,
        top_speed_unlimited_kmh=unlimited * KMH_PER_MPS,
        gradeability_start_pct=gradeability(model, 0.0),
        gradeability_100_kmh_pct=gradeability(model, V100) if v_top > V100 else None,
        traction_limited_below_kmh=(0.0 if limited.size == 0 else float(grid[limited[-1]]))
        * KMH_PER_MPS,
        battery_power_kw=model.battery_power_w / 1e3,
        test_mass_kg=model.vehicle.mass_kg,
        test_soc=p.test_soc,
        warnings=() if warning is None else (warning,),
    )


def test_the_pool_covers_the_cases(pool: list[Vehicle]) -> None:
    batch = performance_batch(pool)
    assert all(e is None for e in batch.error)
    assert any(v.front.driven and v.rear.driven for v in pool)  # AWD
    assert any(not (v.front.driven and v.rear.driven) for v in pool)
    assert np.isnan(batch.zero_to_100_kmh_s).sum() == 1  # the slow car
    assert {TopSpeedLimit.POWER, TopSpeedLimit.ELECTRONIC, TopSpeedLimit.MOTOR_SPEED} <= set(
        batch.top_speed_limited_by
    )
    assert any(batch.warnings)


def test_batch_equals_single(pool: list[Vehicle]) -> None:
    batch = performance_batch(pool)
    assert len(batch) == len(pool)
    for j, car in enumerate(pool):
        _assert_same(batch.result(j), performance(car))


def test_kernel_equals_the_per_car_solver(pool: list[Vehicle]) -> None:
    # Every third car of the pool and the special ones (the per-car solver takes ~40 ms each).
    some = [*pool[::3], *pool[-4:]]
    batch = performance_batch(some)
    for j, car in enumerate(some):
        _assert_same(batch.result(j), _reference(car))


def test_a_car_below_100_kmh_has_no_100_kmh_figures(pool: list[Vehicle]) -> None:
    slow = performance(pool[-1])
    assert slow.top_speed_kmh < 100.0
    assert slow.zero_to_100_kmh_s is None
    assert slow.eighty_to_120_kmh_s is None
    assert slow.gradeability_100_kmh_pct is None
    _assert_same(slow, _reference(pool[-1]))


def test_launch_only_gives_the_same_launch_and_top_speed_to_the_bit(pool: list[Vehicle]) -> None:
    full = performance_batch(pool)
    launch = performance_batch(pool, launch_only=True)
    same = (
        "zero_to_100_kmh_s",
        "zero_to_60_mph_s",
        "top_speed_kmh",
        "top_speed_unlimited_kmh",
        "gradeability_start_pct",
        "gradeability_100_kmh_pct",
        "battery_power_kw",
        "test_mass_kg",
        "test_soc",
    )
    for name in same:
        np.testing.assert_array_equal(getattr(launch, name), getattr(full, name), err_msg=name)
    assert launch.top_speed_limited_by == full.top_speed_limited_by
    assert launch.error == full.error
    assert launch.warnings == full.warnings
    left_out = (
        "zero_to_60_mph_rollout_s",
        "eighty_to_120_kmh_s",
        "quarter_mile_s",
        "quarter_mile_trap_kmh",
        "traction_limited_below_kmh",
    )
    for name in left_out:
        assert np.isnan(getattr(launch, name)).all(), name
        assert np.isfinite(getattr(full, name)[:-1]).any(), name  # the full run has them


def test_the_order_of_the_cars_changes_nothing(pool: list[Vehicle]) -> None:
    order = np.random.default_rng(1).permutation(len(pool))
    ahead = performance_batch(pool)
    shuffled = performance_batch([pool[i] for i in order])
    for k, i in enumerate(order):
        assert shuffled.result(k) == ahead.result(int(i))  # bit for bit


def test_an_invalid_car_gets_an_error_and_the_others_are_rated(pool: list[Vehicle]) -> None:
    good = pool[:3]
    no_params = dataclasses.replace(good[0], performance=None, name="no params")
    stuck = dataclasses.replace(
        good[1], front=dataclasses.replace(good[1].front, peak_torque_nm=1.0), name="stuck"
    )
    nan_mass = dataclasses.replace(good[2], aero_n_per_mps2=math.nan, name="nan")
    cars = [good[0], no_params, good[1], stuck, nan_mass, good[2]]
    batch = performance_batch(cars)
    assert [e is None for e in batch.error] == [True, False, True, False, False, True]
    assert list(batch.ok) == [e is None for e in batch.error]
    assert "no performance parameters" in str(batch.error[1])
    assert "cannot move" in str(batch.error[3])
    assert "not a finite number" in str(batch.error[4])
    for j in (1, 3, 4):
        assert np.isnan(batch.top_speed_kmh[j])
        assert batch.top_speed_limited_by[j] is None
        with pytest.raises(EvforgeError, match=str(batch.error[j])[:20]):
            batch.result(j)
        with pytest.raises(EvforgeError):
            performance(cars[j])
    for j, car in ((0, good[0]), (2, good[1]), (5, good[2])):
        assert batch.result(j) == performance(car)


def test_the_batch_is_read_only_and_may_be_empty(pool: list[Vehicle]) -> None:
    batch = performance_batch(pool[:2])
    with pytest.raises(ValueError, match="read-only"):
        batch.quarter_mile_s[0] = 1.0
    empty = performance_batch([])
    assert len(empty) == 0
    assert empty.top_speed_kmh.shape == (0,)
    speeds, limits = top_speed_batch([])
    assert speeds.shape == (0,)
    assert limits == ()
    with pytest.raises(EvforgeError, match="step_mps"):
        performance_batch(pool[:1], step_mps=0.0)


def test_top_speed_batch_is_the_performance_top_speed(pool: list[Vehicle]) -> None:
    speeds, limits = top_speed_batch(pool)
    batch = performance_batch(pool)
    np.testing.assert_array_equal(speeds * KMH_PER_MPS, batch.top_speed_kmh)
    assert limits == batch.top_speed_limited_by
    # A car without performance parameters: its own mass, the motors' envelopes alone.
    bare = dataclasses.replace(pool[0], performance=None)
    (speed,), (limit,) = top_speed_batch([bare])
    assert limit is not None
    assert 0.0 < speed < math.inf


def test_step_is_honoured(pool: list[Vehicle]) -> None:
    car = pool[0]
    coarse, fine = performance(car, step_mps=0.02), performance(car, step_mps=0.005)
    assert coarse != fine
    assert coarse.zero_to_100_kmh_s == pytest.approx(fine.zero_to_100_kmh_s, abs=1e-3)
