"""Climate physics as small pure functions: cabin heat balance, heat-pump and A/C COP, cabin
warm-up and pull-down, battery resistance and stranded charge vs temperature, pack warm-up.

All temperatures are in °C at the interface (converted to K inside where thermodynamics needs
it), powers in W, energies in J, times in s.

The cabin is one lumped thermal mass C [J/K] exchanging heat with the outside through the
envelope (UA) and the fresh-air ventilation (ṁ c_p)::

    C dT/dt = Q_hvac + Q_gain - (UA + ṁ c_p)(T - T_amb)

with Q_gain the occupants' sensible heat plus the absorbed solar load. For a constant Q_hvac
this has the closed-form solution T(t) = T_∞ + (T_0 - T_∞) e^{-t/τ}, τ = C / (UA + ṁ c_p),
T_∞ = T_amb + (Q_hvac + Q_gain) / (UA + ṁ c_p) [1]_.

Heat pumps and air conditioners are modelled as a fixed fraction η_II of the Carnot COP
between an evaporator and a condenser temperature that follow the ambient, which makes the
COP fall as the temperature lift grows [2]_; the fractions are anchored on measured
automotive systems (see :mod:`evforge.spec.defaults`).

References
----------
.. [1] F. P. Incropera, D. P. DeWitt et al., *Fundamentals of Heat and Mass Transfer*, 6th ed.,
   Wiley 2007, §5.3 (lumped capacitance with a heat source).
.. [2] Y. A. Çengel, M. A. Boles, *Thermodynamics: An Engineering Approach*, 8th ed.,
   McGraw-Hill 2015, §6-7 and §11-2 (reversed Carnot cycle; second-law efficiency).
"""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "GAS_CONSTANT_J_PER_MOL_K",
    "KELVIN_OFFSET",
    "arrhenius_factor",
    "cabin_temperature_c",
    "cooling_cop",
    "cooling_load_w",
    "heat_pump_cop",
    "heating_load_w",
    "latent_load_w",
    "pack_warmup_energy_j",
    "stranded_fraction",
    "time_to_reach_s",
]

#: 0 °C in kelvin, exact (ITS-90 / SI definition).
KELVIN_OFFSET: Final = 273.15
#: Molar gas constant [J/(mol·K)], exact since the 2019 SI redefinition (N_A × k_B).
GAS_CONSTANT_J_PER_MOL_K: Final = 8.314462618
#: Latent heat of condensation of water near 10 °C [J/kg] (steam tables, h_fg(10 °C)).
LATENT_HEAT_J_PER_KG: Final = 2.4774e6


def heating_load_w(
    ambient_c: float, setpoint_c: float, conductance_w_per_k: float, gain_w: float
) -> float:
    """Steady heat the heater must deliver to hold the cabin at the set point [W].

    Q = (UA + ṁ c_p)(T_set - T_amb) - Q_gain, and zero when the gains alone keep the cabin at
    or above the set point (no heating demand).

    Parameters
    ----------
    ambient_c, setpoint_c : float
        Outside and cabin set temperatures [°C].
    conductance_w_per_k : float
        Envelope plus ventilation conductance UA + ṁ c_p [W/K].
    gain_w : float
        Occupants' sensible heat plus absorbed solar heat [W].
    """
    return max(conductance_w_per_k * (setpoint_c - ambient_c) - gain_w, 0.0)


def cooling_load_w(
    ambient_c: float, setpoint_c: float, conductance_w_per_k: float, gain_w: float
) -> float:
    """Steady sensible heat the evaporator must remove to hold the set point [W].

    Q = (UA + ṁ c_p)(T_amb - T_set) + Q_gain, and zero when the cabin would sit below the set
    point without cooling (no cooling demand).
    """
    return max(conductance_w_per_k * (ambient_c - setpoint_c) + gain_w, 0.0)


def latent_load_w(
    ventilation_kg_per_s: float, humidity_ratio_ambient: float, humidity_ratio_coil: float
) -> float:
    """Latent load of drying the fresh air on the evaporator [W]: ṁ (w_amb - w_coil) h_fg.

    Zero when the outside air is drier than the air leaving the coil.
    """
    return (
        ventilation_kg_per_s
        * max(humidity_ratio_ambient - humidity_ratio_coil, 0.0)
        * (LATENT_HEAT_J_PER_KG)
    )


def heat_pump_cop(
    ambient_c: float, supply_c: float, evaporator_approach_k: float, second_law_efficiency: float
) -> float:
    """Heating COP of a heat pump: η_II × T_cond / (T_cond - T_evap), never below 1.

    The condenser runs at the supply-air temperature and the evaporator ``approach`` below
    the ambient, so the COP falls as the ambient falls [2]_. Below the point where the heat
    pump would deliver less than a resistive heater (COP 1) the car heats resistively, so the
    result is floored at 1.

    Parameters
    ----------
    ambient_c : float
        Outside temperature [°C].
    supply_c : float
        Condenser (supply-air) temperature [°C].
    evaporator_approach_k : float
        Evaporator temperature below ambient [K].
    second_law_efficiency : float
        Fraction of the Carnot COP achieved [-].
    """
    t_cond = supply_c + KELVIN_OFFSET
    t_evap = ambient_c - evaporator_approach_k + KELVIN_OFFSET
    lift = t_cond - t_evap
    if lift <= 0.0:
        raise ValueError(f"condenser {supply_c} °C is not above the evaporator")
    return max(second_law_efficiency * t_cond / lift, 1.0)


def cooling_cop(
    ambient_c: float,
    evaporator_c: float,
    condenser_approach_k: float,
    second_law_efficiency: float,
) -> float:
    """Cooling COP of the A/C: η_II × T_evap / (T_cond - T_evap), T_cond = T_amb + approach.

    Falls as the ambient (and with it the condensing temperature) rises.
    """
    t_evap = evaporator_c + KELVIN_OFFSET
    t_cond = ambient_c + condenser_approach_k + KELVIN_OFFSET
    lift = t_cond - t_evap
    if lift <= 0.0:
        raise ValueError(f"condenser at {ambient_c} °C ambient is not above the evaporator")
    return second_law_efficiency * t_evap / lift


def _cabin_asymptote(
    ambient_c: float,
    hvac_w: float,
    gain_w: float,
    conductance_w_per_k: float,
    capacitance_j_per_k: float,
) -> tuple[float, float]:
    """Steady cabin temperature T_∞ [°C] and time constant τ = C / G [s] of the lumped cabin."""
    return ambient_c + (hvac_w + gain_w) / conductance_w_per_k, (
        capacitance_j_per_k / conductance_w_per_k
    )


def cabin_temperature_c(
    time_s: float,
    start_c: float,
    ambient_c: float,
    hvac_w: float,
    gain_w: float,
    conductance_w_per_k: float,
    capacitance_j_per_k: float,
) -> float:
    """Cabin temperature after ``time_s`` with constant HVAC heat (positive heats) [°C].

    T(t) = T_∞ + (T_0 - T_∞) e^{-t/τ}, τ = C / G, T_∞ = T_amb + (Q_hvac + Q_gain) / G [1]_.
    """
    t_inf, tau = _cabin_asymptote(
        ambient_c, hvac_w, gain_w, conductance_w_per_k, capacitance_j_per_k
    )
    return t_inf + (start_c - t_inf) * math.exp(-time_s / tau)


def time_to_reach_s(
    target_c: float,
    start_c: float,
    ambient_c: float,
    hvac_w: float,
    gain_w: float,
    conductance_w_per_k: float,
    capacitance_j_per_k: float,
) -> float:
    """Time for the cabin to go from ``start_c`` to ``target_c`` at constant HVAC heat [s].

    t = τ ln[(T_0 - T_∞) / (T_target - T_∞)]; zero if the cabin starts at the target, ``inf``
    if the HVAC drives it away from the target or is too weak to ever reach it.
    """
    if start_c == target_c:
        return 0.0
    t_inf, tau = _cabin_asymptote(
        ambient_c, hvac_w, gain_w, conductance_w_per_k, capacitance_j_per_k
    )
    direction = 1.0 if target_c > start_c else -1.0
    if (t_inf - target_c) * direction <= 0.0:
        return math.inf  # moving away, or the asymptote stops short of the target
    return tau * math.log((start_c - t_inf) / (target_c - t_inf))


def arrhenius_factor(
    temperature_c: float, activation_energy_j_per_mol: float, reference_c: float
) -> float:
    """Ratio of a thermally activated resistance at ``temperature_c`` to its reference value.

    R(T)/R(T_ref) = exp[(E_a / R_gas)(1/T - 1/T_ref)] (Arrhenius; for the cell-resistance
    application see M. Alipour et al., *Batteries* 6 (2020) 35, doi:10.3390/batteries6030035).
    """
    t = temperature_c + KELVIN_OFFSET
    t_ref = reference_c + KELVIN_OFFSET
    return math.exp(
        activation_energy_j_per_mol / GAS_CONSTANT_J_PER_MOL_K * (1.0 / t - 1.0 / t_ref)
    )


def stranded_fraction(extra_drop_fraction: float, ocv_slope_per_soc: float) -> float:
    """Share of the usable window left stranded when an extra IR drop reaches the cut-off early.

    At the bottom of the window the terminal voltage V_oc(SOC) - I R meets the cut-off
    ``extra_drop / slope`` earlier in SOC, where ``extra_drop`` is the additional drop (as a
    fraction of nominal voltage) the cold resistance causes at the driving current and
    ``slope`` is dV_oc/dSOC near empty (per unit of nominal voltage). The charge is not lost;
    it comes back when the pack warms (zeroth-order circuit of :mod:`evforge.physics.battery`).
    """
    if ocv_slope_per_soc <= 0.0:
        raise ValueError("the OCV slope near empty must be positive")
    return min(max(extra_drop_fraction, 0.0) / ocv_slope_per_soc, 1.0)


def pack_warmup_energy_j(
    mass_kg: float,
    specific_heat_j_per_kg_k: float,
    start_c: float,
    target_c: float,
    heater_efficiency: float,
) -> float:
    """Electrical energy to warm the pack from ``start_c`` to ``target_c`` [J].

    E = m c_p (T_target - T_start) / η, zero if the pack is already warm enough.
    """
    return mass_kg * specific_heat_j_per_kg_k * max(target_c - start_c, 0.0) / heater_efficiency
