"""DC fast charging: the charge-current limits as small pure functions (SI units).

A DC charge is limited, at each state of charge (SOC) and battery temperature, by the
smallest of:

* the battery management system's (BMS) current limit, constant up to a knee SOC and then
  falling in proportion to the cells' voltage headroom to their upper cut-off (the
  constant-current / constant-voltage shape of a CC-CV charge [1]), scaled down below the
  reference temperature by the Arrhenius factor of the anode's reaction kinetics, which sets
  the current above which lithium plates on graphite [2], [3];
* the car's rated peak charge power at the pack terminals;
* the charger's power, current and voltage limits.

The pack is the equivalent circuit of :mod:`evforge.physics.battery`: while charging with a
current I > 0 the terminal voltage is V_oc + R I and the loss R I².

References
----------
.. [1] Plett, G. L., *Battery Management Systems, Vol. II: Equivalent-Circuit Methods*,
   Artech House, 2016, ch. 4 (power limits; CC-CV charging).
.. [2] Chen, C.-H. et al., "Development of Experimental Techniques for Parameterization of
   Multi-scale Lithium-ion Battery Models", J. Electrochem. Soc. 167 (2020) 080534,
   doi:10.1149/1945-7111/ab9050 (graphite exchange current, E_r = 35 kJ/mol, via PyBaMM).
.. [3] Gao, Z. et al., "The Dilemma of C-Rate and Cycle Life for Lithium-Ion Batteries under
   Low Temperature Fast Charging", Batteries 8 (2022) 234, doi:10.3390/batteries8110234.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "GAS_CONSTANT",
    "acceptance_factor",
    "arrhenius",
    "bms_current_limit",
    "celsius_to_kelvin",
    "heat_capacity_j_per_k",
    "peak_charge_current",
    "power_limited_current",
    "terminal_voltage",
]

FloatOrArray = TypeVar("FloatOrArray", float, npt.NDArray[np.float64])

#: Molar gas constant [J/(mol·K)], exact (2019 SI: N_A × k_B).
GAS_CONSTANT = 8.314462618


def arrhenius(
    temperature_k: FloatOrArray, activation_energy_j_per_mol: float, reference_k: float
) -> FloatOrArray:
    """Arrhenius rate ratio k(T)/k(T_ref) = exp[(E_a/R)(1/T_ref − 1/T)] [-].

    Parameters
    ----------
    temperature_k : float or array
        Temperature [K], > 0.
    activation_energy_j_per_mol : float
        Activation energy E_a [J/mol].
    reference_k : float
        Reference temperature T_ref [K].

    Returns
    -------
    float or array
        > 1 above the reference temperature, < 1 below it. A resistance scales with the
        inverse of this ratio.
    """
    out: FloatOrArray = np.exp(
        activation_energy_j_per_mol / GAS_CONSTANT * (1.0 / reference_k - 1.0 / temperature_k)
    )
    return out


def acceptance_factor(
    temperature_k: FloatOrArray, activation_energy_j_per_mol: float, reference_k: float
) -> FloatOrArray:
    """Fraction of the reference charge-current limit allowed at a battery temperature [-].

    The lithium-plating limit of a graphite anode scales with its exchange-current density
    (Arrhenius in temperature) [2]; the BMS limit is taken as its reference value at and
    above the reference temperature, so the factor is ``min(1, arrhenius(T))``.

    Notes
    -----
    With E_a = 35 kJ/mol and T_ref = 25 °C the factor is 0.28 at 0 °C and 0.15 at −10 °C.
    """
    out: FloatOrArray = np.minimum(
        1.0, arrhenius(temperature_k, activation_energy_j_per_mol, reference_k)
    )
    return out


def terminal_voltage(
    open_circuit_v: FloatOrArray, current_a: FloatOrArray, resistance_ohm: float
) -> FloatOrArray:
    """Pack terminal voltage while charging [V]: V_oc + R I (I > 0 into the pack)."""
    out: FloatOrArray = open_circuit_v + resistance_ohm * current_a
    return out


def power_limited_current(
    power_w: FloatOrArray, open_circuit_v: FloatOrArray, resistance_ohm: float
) -> FloatOrArray:
    """Charging current [A] that puts a terminal power into the pack.

    Parameters
    ----------
    power_w : float or array
        Terminal power [W], ≥ 0.
    open_circuit_v : float or array
        Open-circuit voltage [V], > 0.
    resistance_ohm : float
        Pack resistance [Ω], ≥ 0.

    Notes
    -----
    (V_oc + R I) I = P  ⇒  I = 2P / (V_oc + √(V_oc² + 4 R P)), the positive root written so
    that it stays exact for R → 0 (I = P / V_oc).
    """
    disc = open_circuit_v * open_circuit_v + 4.0 * resistance_ohm * power_w
    out: FloatOrArray = 2.0 * power_w / (open_circuit_v + np.sqrt(disc))
    return out


def peak_charge_current(
    peak_power_w: float, knee_open_circuit_v: float, resistance_ohm: float
) -> float:
    """The BMS's peak charging current [A], from the car's rated peak charge power.

    A maker rates the peak charge power where the current is at its peak and the voltage
    highest, i.e. at the end of the constant-current phase (the knee). The peak current is the
    current that gives that power at the knee's terminal voltage.

    Parameters
    ----------
    peak_power_w : float
        Rated peak DC charge power [W], > 0.
    knee_open_circuit_v : float
        Pack open-circuit voltage at the knee state of charge [V].
    resistance_ohm : float
        Pack resistance at the reference temperature [Ω].
    """
    return float(power_limited_current(peak_power_w, knee_open_circuit_v, resistance_ohm))


def bms_current_limit(
    open_circuit_v: FloatOrArray,
    peak_current_a: float,
    max_voltage_v: float,
    knee_open_circuit_v: float,
) -> FloatOrArray:
    """The BMS charge-current limit at a state of charge [A], at the reference temperature.

    Parameters
    ----------
    open_circuit_v : float or array
        Pack open-circuit voltage at the state of charge [V].
    peak_current_a : float
        Peak current (constant-current phase) [A].
    max_voltage_v : float
        Pack voltage at the cells' upper cut-off [V] (cells in series × cell cut-off).
    knee_open_circuit_v : float
        Pack open-circuit voltage at the knee state of charge [V], < ``max_voltage_v``.

    Notes
    -----
    I_lim = I_pk · min(1, (V_max − V_oc) / (V_max − V_oc,knee)). Above the knee the limit falls
    with the voltage headroom, as in the constant-voltage phase of a CC-CV charge through an
    effective (ohmic plus polarisation) resistance R_eff = (V_max − V_oc,knee) / I_pk [1].
    The limit stays positive below the cut-off and reaches zero at V_oc = V_max.
    """
    headroom = (max_voltage_v - open_circuit_v) / (max_voltage_v - knee_open_circuit_v)
    out: FloatOrArray = peak_current_a * np.clip(headroom, 0.0, 1.0)
    return out


def heat_capacity_j_per_k(mass_kg: float, specific_heat_j_per_kg_k: float) -> float:
    """Lumped heat capacity of the pack [J/K]: m c_p."""
    return mass_kg * specific_heat_j_per_kg_k


def celsius_to_kelvin(temperature_c: float) -> float:
    """[°C] → [K] (0 °C = 273.15 K exactly)."""
    return temperature_c + 273.15
