"""Traction battery: open-circuit voltage, internal resistance, current and losses.

The pack is a zeroth-order equivalent circuit, an open-circuit voltage source V_oc(SOC) in
series with a resistance R [1]. For a terminal power P (positive = discharge)::

    P = V_oc I - R I²   =>   I = (V_oc - sqrt(V_oc² - 4 R P)) / (2 R)

the chemical power drawn from the cells is V_oc·I and the loss R·I². The largest power the
circuit can deliver is V_oc² / (4R). A battery management system stops the terminal voltage
sagging below a minimum V_min (the cells' discharge cut-off voltage), so the deliverable power
is V_min (V_oc - V_min) / R when V_min > V_oc/2 (:func:`max_discharge_power_at_min_voltage`).

References
----------
.. [1] G. L. Plett, *Battery Management Systems, Vol. I: Battery Modeling*, Artech House, 2015,
   ch. 2 (equivalent-circuit models: OCV source plus series resistance).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "battery_current",
    "max_discharge_power",
    "max_discharge_power_at_min_voltage",
    "pack_resistance_ohm",
]

FloatOrArray = TypeVar("FloatOrArray", float, npt.NDArray[np.float64])


def battery_current(
    terminal_power_w: FloatOrArray, open_circuit_v: FloatOrArray, resistance_ohm: float
) -> FloatOrArray:
    """Pack current [A] that delivers a terminal power (positive = discharge).

    Parameters
    ----------
    terminal_power_w : float or array
        Power at the pack terminals [W]; must not exceed :func:`max_discharge_power`.
    open_circuit_v : float or array
        Open-circuit voltage [V].
    resistance_ohm : float
        Series resistance [Ω], > 0.

    Returns
    -------
    float or array
        Current [A], positive when discharging. The root taken is the physical one (the
        smaller current, at terminal voltage above V_oc/2).
    """
    disc = open_circuit_v * open_circuit_v - 4.0 * resistance_ohm * terminal_power_w
    # Written as 2P / (V_oc + sqrt(disc)) to stay accurate for small |P|.
    current: FloatOrArray = 2.0 * terminal_power_w / (open_circuit_v + np.sqrt(disc))
    return current


def max_discharge_power(open_circuit_v: FloatOrArray, resistance_ohm: float) -> FloatOrArray:
    """Largest terminal power [W] of the equivalent circuit, V_oc² / (4R)."""
    return open_circuit_v * open_circuit_v / (4.0 * resistance_ohm)


def max_discharge_power_at_min_voltage(
    open_circuit_v: FloatOrArray, resistance_ohm: float, min_voltage_v: float
) -> FloatOrArray:
    """Largest terminal power [W] with the terminal voltage held at or above a minimum.

    Parameters
    ----------
    open_circuit_v : float or array
        Open-circuit voltage V_oc at the state of charge of interest [V].
    resistance_ohm : float
        Series resistance R [Ω], > 0.
    min_voltage_v : float
        Lowest terminal voltage allowed, V_min [V] (cell cut-off voltage × cells in series).

    Returns
    -------
    float or array
        P = V_t (V_oc - V_t) / R at V_t = max(V_min, V_oc / 2) [W]; zero when V_oc ≤ V_min.

    Notes
    -----
    The terminal power V_t I = V_t (V_oc - V_t) / R rises as V_t falls from V_oc to V_oc/2,
    so the BMS limit binds at V_min unless V_min is below V_oc/2, where the circuit's own
    maximum V_oc²/(4R) binds instead.
    """
    v_t = np.maximum(min_voltage_v, 0.5 * open_circuit_v)
    power: FloatOrArray = np.maximum(v_t * (open_circuit_v - v_t), 0.0) / resistance_ohm
    return power


def pack_resistance_ohm(
    drop_at_1c: float, nominal_voltage_v: float, usable_energy_wh: float
) -> float:
    """Pack resistance [Ω] from the relative voltage drop at a 1C discharge.

    At 1C the current is I = E/(V·1 h), so a drop of ``drop_at_1c`` × V gives
    R = drop × V² / E (E in W·h).

    Parameters
    ----------
    drop_at_1c : float
        ΔV/V at a 1C current [-] (cell DC resistance × 1C current / nominal cell voltage).
    nominal_voltage_v : float
        Nominal pack voltage [V].
    usable_energy_wh : float
        Pack energy the 1C current refers to [W·h].
    """
    return drop_at_1c * nominal_voltage_v * nominal_voltage_v / usable_energy_wh
