"""The batched DC charging session: one kernel call for N cars, the same results as one car.

``charge_batch(cars, a, b).result(j)`` must be ``charge(cars[j], a, b)`` (``charge`` is the
batch of one), and both the plain scalar loop of :mod:`evforge.charging.reference` (the
session as first written) to 1e-9 relative, over a pool of varied cars: the bundled
examples, an LFP pack, other pack sizes, voltages, peak currents and pack masses.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import evforge
from evforge.charging import CHARGER_CLASSES, ChargeBatch, ChargeResult, charge, charge_batch
from evforge.charging.reference import charge_reference
from evforge.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BOLT = EXAMPLES / "chevrolet_bolt_ev_2017.yaml"
EV6 = EXAMPLES / "kia_ev6_long_range_awd_2023.yaml"
#: The session options of the CLI's ``--ambient -10C --no-precondition``.
COLD: dict[str, Any] = {"ambient_c": -10.0, "preconditioned": False}


@pytest.fixture(scope="module")
def pool() -> list[evforge.Vehicle]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_kernel import designs

    cars = [evforge.load_vehicle(p) for p in sorted(EXAMPLES.glob("*.yaml"))]
    cars.append(evforge.variant(BOLT, {"battery.chemistry": "LFP"}))
    cars.append(evforge.variant(BOLT, {"battery.usable_energy": "35 kWh"}))
    cars.append(
        evforge.variant(
            EV6,
            {
                "battery.usable_energy": "58 kWh",
                "battery.max_charge_current": "300 A",
                "battery.mass": "400 kg",
            },
        )
    )
    cars.append(evforge.variant(EV6, {"battery.nominal_voltage": "400 V"}))
    return cars + designs(3, 2)  # Bolt variants: pack 50-80 kWh, mass, aux power


def _assert_same(got: ChargeResult, want: ChargeResult, rel: float) -> None:
    for f in dataclasses.fields(ChargeResult):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if isinstance(b, float) and not isinstance(b, bool):
            assert a == pytest.approx(b, rel=rel, abs=1e-12), f.name
        elif isinstance(b, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=rel, atol=1e-12, err_msg=f.name)
        else:
            assert a == b, f.name


@pytest.mark.parametrize(
    "options",
    [
        {},
        COLD,
        {"charger": CHARGER_CLASSES["50kW"], **COLD},
        {"soc_from": 0.0, "soc_to": 1.0, "ambient_c": -30.0, "preconditioned": False},
        {"ambient_c": 0.0, "soc_from": 0.2, "soc_to": 0.9, "soc_step": 0.004},
    ],
    ids=["default", "cold", "50kW-cold", "full-30C", "0C-coarse"],
)
def test_batch_equals_single_and_reference(
    pool: list[evforge.Vehicle], options: dict[str, Any]
) -> None:
    opts = dict(options)
    a, b = opts.pop("soc_from", 0.10), opts.pop("soc_to", 0.80)
    batch = charge_batch(pool, a, b, **opts)
    assert len(batch) == len(pool)
    assert batch.error == (None,) * len(pool)
    for j, car in enumerate(pool):
        single = charge(car, a, b, **opts)
        _assert_same(batch.result(j), dataclasses.replace(single, **_NO_TRACE), 1e-9)
        _assert_same(single, charge_reference(car, a, b, **opts), 1e-9)
        assert batch.time_min[j] == single.time_min


_NO_TRACE: dict[str, Any] = {
    "soc": np.zeros(0),
    "time_s": np.zeros(0),
    "power_inlet_w": np.zeros(0),
    "current_a": np.zeros(0),
    "temperature_c": np.zeros(0),
    "limit": (),
}


def test_batch_trace_is_the_single_trace(pool: list[evforge.Vehicle]) -> None:
    batch = charge_batch(pool[:4], **COLD, trace=True)
    assert batch.time_s is not None
    assert batch.time_s.shape == (4, 701)
    for j, car in enumerate(pool[:4]):
        _assert_same(batch.result(j), charge(car, **COLD), 1e-9)
    # Without the trace the scalars, the summary and nothing per step.
    plain = charge_batch(pool[:4], **COLD)
    assert plain.time_s is None
    assert plain.result(0).summary() == batch.result(0).summary()
    with pytest.raises(ValueError, match="no trace"):
        plain.result(0).time_to_min(0.5)


def test_order_of_cars_changes_nothing(pool: list[evforge.Vehicle]) -> None:
    cars = pool * 2  # more than one block of the kernel, run in parallel
    batch = charge_batch(cars, **COLD)
    order = np.random.default_rng(1).permutation(len(cars))
    shuffled = charge_batch([cars[i] for i in order], **COLD)
    for name in ("time_min", "energy_inlet_kwh", "peak_power_kw", "temperature_max_c"):
        np.testing.assert_array_equal(getattr(shuffled, name), getattr(batch, name)[order])
    one = charge_batch(cars[:1], **COLD)
    assert one.time_min[0] == batch.time_min[0] == batch.time_min[len(pool)]


def test_a_car_that_cannot_charge_gets_its_error_and_the_others_are_rated(
    pool: list[evforge.Vehicle],
) -> None:
    good = pool[:3]
    hungry = dataclasses.replace(good[0], name="hungry", auxiliary_power_w=1e6)
    broken = dataclasses.replace(good[1], name="broken", ocv_soc=(), ocv_v=())
    batch = charge_batch([good[0], hungry, good[1], broken, good[2]])
    assert [e is None for e in batch.error] == [True, False, True, False, True]
    np.testing.assert_array_equal(batch.ok, [True, False, True, False, True])
    assert batch.error[1] == "charge: --charger: 350kW cannot charge hungry at all"
    assert batch.error[3] is not None
    assert batch.error[3].startswith("charge: vehicle: broken cannot be charged")
    assert math.isnan(batch.time_min[1])
    assert math.isnan(batch.precondition_energy_kwh[3])
    for j, car in ((0, good[0]), (2, good[1]), (4, good[2])):
        assert batch.time_min[j] == charge(car).time_min
    # charge() raises what the batch reports.
    with pytest.raises(InputError) as caught:
        charge(hungry)
    assert "; ".join(caught.value.lines()) == batch.error[1]
    with pytest.raises(InputError, match="cannot charge hungry"):
        batch.result(1)


def test_charger_voltage_below_the_pack_is_a_per_car_error(pool: list[evforge.Vehicle]) -> None:
    station = dataclasses.replace(CHARGER_CLASSES["50kW"], name="300V", max_voltage_v=300.0)
    batch = charge_batch(pool[:3], charger=station)  # i4, Bolt: 400 V class; EV6: 800 V
    for j, car in enumerate(pool[:3]):
        with pytest.raises(InputError) as caught:
            charge(car, charger=station)
        assert batch.error[j] == "; ".join(caught.value.lines())
        assert "--charger-voltage" in str(batch.error[j])


def test_bad_options_raise_once() -> None:
    car = evforge.load_vehicle(EV6)
    with pytest.raises(InputError, match="--from"):
        charge_batch([car, car], 0.8, 0.1)
    with pytest.raises(InputError, match="--ambient"):
        charge_batch([car], ambient_c=-60.0)
    bad = dataclasses.replace(CHARGER_CLASSES["50kW"], max_current_a=math.nan)
    with pytest.raises(InputError, match="--charger-current"):
        charge_batch([car], charger=bad)
    with pytest.raises(ValueError, match="soc_step"):
        charge_batch([car], soc_step=0.1)


def test_empty_batch_and_read_only_arrays() -> None:
    empty = charge_batch([])
    assert isinstance(empty, ChargeBatch)
    assert len(empty) == 0
    assert empty.time_min.shape == (0,)
    batch = charge_batch([evforge.load_vehicle(BOLT)])
    with pytest.raises(ValueError, match="read-only"):
        batch.time_min[0] = 0.0
