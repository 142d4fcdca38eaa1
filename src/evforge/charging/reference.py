"""The scalar reference of a DC charging session: one car, a Python loop over the steps.

:func:`charge_reference` is the session of :mod:`evforge.charging.session` as first written,
one car at a time with NumPy's functions of :mod:`evforge.charging.physics` on scalars (about
30 ms a car). :func:`evforge.charging.charge` and :func:`evforge.charging.charge_batch` run
the compiled kernel of :mod:`evforge.charging.kernel` instead; ``tests/test_charging_batch.py``
checks that they give this function's results to 1e-9 relative (they agree to about 1e-14).
The equations and their sources are in :mod:`evforge.charging.session`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evforge.charging import physics as ph
from evforge.charging.chargers import CHARGER_CLASSES, DEFAULT_CHARGER, Charger, check_limit
from evforge.charging.session import (
    _LIMITS,
    BOOST_MAX_RATIO,
    BOOST_MIN_NOMINAL_V,
    MAX_SOC_STEP,
    ChargeResult,
    _check_inputs,
    precondition_energy_j,
)
from evforge.errors import InputError, Problem
from evforge.params import ParameterSet, load_parameters
from evforge.spec import defaults as d
from evforge.vehicle import Vehicle

__all__ = ["charge_reference"]


@dataclass(frozen=True, slots=True)
class _Pack:
    """What the integration needs, in SI units."""

    soc_grid: npt.NDArray[np.float64]
    ocv_grid: npt.NDArray[np.float64]
    capacity_c: float
    resistance_ohm: float
    max_voltage_v: float
    knee_ocv_v: float
    peak_current_a: float
    peak_power_w: float
    heat_capacity_j_per_k: float
    aux_w: float


def _pack(vehicle: Vehicle, knee_soc: float, p: ParameterSet) -> _Pack:
    soc = np.asarray(vehicle.ocv_soc, dtype=np.float64)
    ocv = np.asarray(vehicle.ocv_v, dtype=np.float64)
    cell_ocv = d.OCV_TABLES[vehicle.chemistry][0]
    cells_in_series = vehicle.ocv_v[0] / cell_ocv[0]
    max_voltage = d.MAX_CELL_VOLTAGE[vehicle.chemistry].value * cells_in_series
    knee_ocv = float(np.interp(knee_soc, soc, ocv))
    peak_current = ph.peak_charge_current(
        vehicle.max_charge_power_w, knee_ocv, vehicle.resistance_ohm
    )
    if vehicle.max_charge_current_a is not None:
        peak_current = vehicle.max_charge_current_a
    usable_kwh = vehicle.usable_energy_j / 3.6e6
    mass = vehicle.battery_mass_kg
    if mass is None:
        mass = usable_kwh * 1e3 / p.value("pack_specific_energy")
    return _Pack(
        soc_grid=soc,
        ocv_grid=ocv,
        capacity_c=vehicle.capacity_c,
        resistance_ohm=vehicle.resistance_ohm,
        max_voltage_v=max_voltage,
        knee_ocv_v=knee_ocv,
        peak_current_a=peak_current,
        peak_power_w=vehicle.max_charge_power_w,
        heat_capacity_j_per_k=ph.heat_capacity_j_per_k(mass, p.value("cell_specific_heat")),
        aux_w=vehicle.auxiliary_power_w,
    )


def _check_voltage(
    vehicle: Vehicle, pack: _Pack, ch: Charger, soc_from: float, soc_to: float
) -> None:
    """A DC charger drives current into the pack only above the pack's open-circuit voltage:
    its top output voltage must reach the pack's voltage over the session, directly or, for
    an 800 V-class car, through the car's step-up conversion (at most ``BOOST_MAX_RATIO``)."""
    ocv_from = float(np.interp(soc_from, pack.soc_grid, pack.ocv_grid))
    ocv_to = float(np.interp(soc_to, pack.soc_grid, pack.ocv_grid))
    volts = ch.max_voltage_v
    if vehicle.nominal_voltage_v >= BOOST_MIN_NOMINAL_V:
        if volts * BOOST_MAX_RATIO >= ocv_from:
            return
        why = (
            f"{volts:g} V is below half the pack's {ocv_from:.0f} V open-circuit voltage at "
            f"{soc_from * 100:g} % SOC; the car's step-up conversion (800 V-class packs) at "
            f"most doubles a charger's voltage"
        )
    else:
        if volts >= ocv_to:
            return
        at, soc = (ocv_from, soc_from) if volts < ocv_from else (ocv_to, soc_to)
        why = (
            f"{volts:g} V is below the pack's {at:.0f} V open-circuit voltage at "
            f"{soc * 100:g} % SOC; a DC charger cannot charge a pack above its voltage"
        )
    raise InputError("charge", [Problem("--charger-voltage", why)])


def charge_reference(
    vehicle: Vehicle,
    soc_from: float = 0.10,
    soc_to: float = 0.80,
    *,
    charger: Charger | None = None,
    ambient_c: float = 25.0,
    preconditioned: bool = True,
    soc_step: float = MAX_SOC_STEP,
    knee_soc: float | None = None,
    params: ParameterSet | None = None,
) -> ChargeResult:
    """:func:`evforge.charging.session.charge` as a plain Python loop over the steps.

    The reference the compiled kernel is checked against: same options, same result. The
    parameters, the result and the errors are :func:`~evforge.charging.session.charge`'s.
    """
    _check_inputs(soc_from, soc_to, ambient_c)
    if not 0.0 < soc_step <= 0.05:
        raise ValueError(f"soc_step {soc_step} outside (0, 0.05]")
    ch = charger if charger is not None else CHARGER_CLASSES[DEFAULT_CHARGER]
    check_limit("--charger", ch.max_power_w, "W")
    check_limit("--charger-current", ch.max_current_a, "A")
    check_limit("--charger-voltage", ch.max_voltage_v, "V")
    coeffs = params if params is not None else load_parameters()
    pack = _pack(vehicle, coeffs.value("charge_knee_soc") if knee_soc is None else knee_soc, coeffs)
    _check_voltage(vehicle, pack, ch, soc_from, soc_to)
    t_ref = ph.celsius_to_kelvin(coeffs.value("charge_reference_temperature"))
    t_precondition = coeffs.value("precondition_temperature")
    t_target = ph.celsius_to_kelvin(t_precondition)
    t_cool = ph.celsius_to_kelvin(coeffs.value("battery_cooling_temperature"))
    t_ambient = ph.celsius_to_kelvin(ambient_c)
    heater_w = coeffs.value("battery_heater_power") * 1e3
    e_resistance = coeffs.value("resistance_activation_energy")
    e_acceptance = coeffs.value("charge_acceptance_activation_energy")
    # An 800 V pack on a charger whose output stops below the pack's voltage charges through
    # the car's step-up conversion: the charger then gives its current at its top voltage.
    # A 400 V-class pack on such a charger charges only while the charger's voltage covers
    # the pack's, V_oc + R I ≤ V_charger: the current is capped by that headroom.
    below = pack.max_voltage_v > ch.max_voltage_v
    boost = below and vehicle.nominal_voltage_v >= BOOST_MIN_NOMINAL_V
    inlet_cap_w = min(ch.max_power_w, ch.max_current_a * ch.max_voltage_v) if boost else None

    def rates(s: float, temp_k: float) -> tuple[float, float, float, float, int]:
        """(current, terminal power, joule heat, heater power, index of the limit)."""
        ocv = float(np.interp(s, pack.soc_grid, pack.ocv_grid))
        r = pack.resistance_ohm / ph.arrhenius(temp_k, e_resistance, t_ref)
        heat_on = heater_w if temp_k < t_target else 0.0
        acc = ph.acceptance_factor(temp_k, e_acceptance, t_ref)
        limits = [
            ph.bms_current_limit(ocv, pack.peak_current_a, pack.max_voltage_v, pack.knee_ocv_v)
            * acc,
            ph.power_limited_current(pack.peak_power_w, ocv, r),
        ]
        own_w = pack.aux_w + heat_on  # the car's own draw, taken from the charger first
        if boost:
            assert inlet_cap_w is not None
            limits += [ph.power_limited_current(max(inlet_cap_w - own_w, 0.0), ocv, r), math.inf]
        else:
            headroom_a = (ch.max_voltage_v - ocv) / r if below else math.inf
            limits += [
                ph.power_limited_current(max(ch.max_power_w - own_w, 0.0), ocv, r),
                min(ch.max_current_a, max(headroom_a, 0.0)),
            ]
        k = int(np.argmin(limits))
        current = float(limits[k])
        if not current > 0.0:
            raise InputError(
                "charge",
                [Problem("--charger", f"{ch.name} cannot charge {vehicle.name} at all")],
            )
        return current, (ocv + r * current) * current, r * current * current, heat_on, k

    n = max(1, math.ceil((soc_to - soc_from) / soc_step - 1e-9))
    grid = np.linspace(soc_from, soc_to, n + 1)
    ds = (soc_to - soc_from) / n
    q = pack.capacity_c
    c_th = pack.heat_capacity_j_per_k

    time_s = np.zeros(n + 1)
    temp = np.zeros(n + 1)
    current = np.zeros(n + 1)
    p_terminal = np.zeros(n + 1)
    p_inlet = np.zeros(n + 1)
    limit_idx = np.zeros(n + 1, dtype=np.int64)
    temp[0] = t_target if preconditioned else t_ambient
    loss_j = heater_j = stored_j = inlet_j = 0.0

    for j in range(n + 1):
        i, p, joule, heat, k = rates(grid[j], temp[j])
        current[j], p_terminal[j], limit_idx[j] = i, p, k
        p_inlet[j] = p + pack.aux_w + heat
        if j == n:
            break
        # Explicit midpoint rule on (t, T) in s: a half step for T, then the full step with
        # the rates at the midpoint.
        dT_half = (joule + heat) / c_th * q / i * ds / 2
        s_mid = grid[j] + ds / 2
        i_m, p_m, joule_m, heat_m, _ = rates(s_mid, temp[j] + dT_half)
        step_t = q / i_m * ds
        time_s[j + 1] = time_s[j] + step_t
        # Cooling holds the pack at t_cool (a pack already above it is held where it is).
        temp[j + 1] = min(temp[j] + (joule_m + heat_m) / c_th * step_t, max(t_cool, temp[j]))
        # Energies over the step at the midpoint state: terminal energy p_m·Δt splits exactly
        # into stored V_oc·Q·Δs and the loss R I²·Δt.
        stored_j += float(np.interp(s_mid, pack.soc_grid, pack.ocv_grid)) * q * ds
        loss_j += joule_m * step_t
        heater_j += heat_m * step_t
        inlet_j += (p_m + pack.aux_w + heat_m) * step_t

    total_s = float(time_s[-1])
    pre_j, pre_s = (
        precondition_energy_j(c_th, ambient_c, t_precondition, pack.aux_w, heater_w)
        if preconditioned
        else (0.0, 0.0)
    )
    return ChargeResult(
        vehicle=vehicle.name,
        charger=ch.name,
        soc_from=soc_from,
        soc_to=soc_to,
        ambient_c=ambient_c,
        preconditioned=preconditioned,
        time_min=total_s / 60.0,
        energy_inlet_kwh=inlet_j / 3.6e6,
        energy_stored_kwh=stored_j / 3.6e6,
        energy_grid_kwh=inlet_j / coeffs.value("dc_charger_efficiency") / 3.6e6,
        battery_loss_kwh=loss_j / 3.6e6,
        heater_kwh=heater_j / 3.6e6,
        peak_power_kw=float(p_inlet.max()) / 1e3,
        mean_power_kw=inlet_j / total_s / 1e3,
        precondition_energy_kwh=pre_j / 3.6e6,
        precondition_time_min=pre_s / 60.0,
        temperature_start_c=float(temp[0]) - 273.15,
        temperature_end_c=float(temp[-1]) - 273.15,
        temperature_max_c=float(temp.max()) - 273.15,
        soc=grid,
        time_s=time_s,
        power_inlet_w=p_inlet,
        current_a=current,
        temperature_c=temp - 273.15,
        limit=tuple(_LIMITS[k] for k in limit_idx),
    )
