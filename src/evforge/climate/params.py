"""The climate parameters a vehicle carries (SI floats, °C for temperatures)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Ambient", "ClimateParams", "Heating"]


class Heating(StrEnum):
    """How the cabin is heated."""

    RESISTIVE = "resistive"
    HEAT_PUMP = "heat_pump"


@dataclass(frozen=True, slots=True)
class ClimateParams:
    """Cabin, HVAC and battery-thermal parameters of one car (defaults: spec/defaults.py).

    Attributes
    ----------
    heating : Heating
        Resistive (PTC, COP 1) or heat pump (COP: :func:`evforge.climate.physics.heat_pump_cop`).
    setpoint_c : float
        Cabin set temperature [°C].
    envelope_w_per_k : float
        Cabin envelope conductance UA [W/K].
    ventilation_kg_per_s : float
        Fresh-air mass flow [kg/s] (its conductance is ṁ c_p).
    capacitance_j_per_k : float
        Lumped cabin heat capacity (air, trim, seats) [J/K].
    heater_max_w, cooler_max_w : float
        Largest thermal heating / cooling the HVAC delivers [W].
    occupant_gain_w : float
        Sensible heat of the occupants [W].
    solar_area_m2 : float
        Effective solar aperture (glazing area × projection × transmittance) [m²].
    blower_w : float
        Blower and controls while the HVAC runs [W].
    heat_pump_eta, ac_eta : float
        Second-law efficiencies of the heat pump and the A/C [-].
    supply_c, evaporator_approach_k, ac_evaporator_c, condenser_approach_k : float
        Refrigerant-side temperatures of the COP model.
    battery_ea_j_per_mol, battery_reference_c : float
        Arrhenius activation energy of the pack resistance, and the temperature at which the
        spec's resistance holds.
    battery_mass_kg, battery_cp_j_per_kg_k : float
        Pack mass and specific heat (for warm-up energy).
    battery_heating : bool
        Whether the car heats a cold pack while driving.
    battery_min_c : float
        Temperature the pack is heated to when ``battery_heating``.
    """

    heating: Heating
    setpoint_c: float
    envelope_w_per_k: float
    ventilation_kg_per_s: float
    capacitance_j_per_k: float
    heater_max_w: float
    cooler_max_w: float
    occupant_gain_w: float
    solar_area_m2: float
    blower_w: float
    heat_pump_eta: float
    ac_eta: float
    supply_c: float
    evaporator_approach_k: float
    ac_evaporator_c: float
    condenser_approach_k: float
    coil_humidity_ratio: float
    battery_ea_j_per_mol: float
    battery_reference_c: float
    battery_mass_kg: float
    battery_cp_j_per_kg_k: float
    battery_heating: bool
    battery_min_c: float


@dataclass(frozen=True, slots=True)
class Ambient:
    """The conditions of one run.

    Attributes
    ----------
    temperature_c : float
        Outside air (and, after a soak, cabin and pack) temperature [°C].
    hvac : bool
        Climate control on (heating or cooling to the set point) or off.
    solar_w_m2 : float
        Solar irradiance on the car [W/m²] (SC03: 850).
    humidity_ratio : float
        Outside humidity ratio [kg water / kg dry air] (SC03: 100 grains/lb = 0.0143).
    soaked : bool
        Whether cabin and pack start at the ambient temperature (a soak) rather than at the
        set point and the pack reference temperature.
    """

    temperature_c: float
    hvac: bool = True
    solar_w_m2: float = 0.0
    humidity_ratio: float = 0.0
    soaked: bool = True
