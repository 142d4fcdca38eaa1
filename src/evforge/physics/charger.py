"""Charging from the wall: energy taken from the grid to put energy back into the battery.

AC (wall) energy = chemical energy to restore / (η_charger × η_battery), where η_charger is
the on-board charger's (plus EVSE and cable) efficiency and η_battery = V_oc I / (V_oc I + R I²)
is the battery's own charging efficiency at the charging current.
"""

from __future__ import annotations

import math

__all__ = ["battery_charge_efficiency", "wall_energy_j"]


def battery_charge_efficiency(
    charge_power_w: float, open_circuit_v: float, resistance_ohm: float
) -> float:
    """Fraction of the terminal charging power stored in the cells [-].

    Parameters
    ----------
    charge_power_w : float
        Power into the pack terminals while charging [W], > 0.
    open_circuit_v : float
        Mean open-circuit voltage over the charge [V].
    resistance_ohm : float
        Pack series resistance [Ω].

    Notes
    -----
    With charging current I, P = V_oc I + R I², so
    I = (-V_oc + sqrt(V_oc² + 4 R P)) / (2R) and η = V_oc I / P.
    """
    disc = open_circuit_v * open_circuit_v + 4.0 * resistance_ohm * charge_power_w
    current = 2.0 * charge_power_w / (open_circuit_v + math.sqrt(disc))
    return open_circuit_v * current / charge_power_w


def wall_energy_j(
    stored_energy_j: float, charger_efficiency: float, battery_efficiency: float
) -> float:
    """AC energy from the wall [J] to store ``stored_energy_j`` in the cells."""
    return stored_energy_j / (charger_efficiency * battery_efficiency)
