"""From an ambient condition to the inputs the kernel already takes.

Climate never enters the compiled kernel. It changes three of the car's inputs:

* **auxiliary power over time**: the HVAC electrical power, a piecewise-constant schedule
  (a transient at full heater or cooler power until the cabin reaches its set point, from the
  closed-form lumped cabin of :mod:`evforge.climate.physics`, then the steady load), which
  :func:`evforge.sim.ambient.run_at_ambient` turns into one constant auxiliary power per
  segment of the cycle (exact for the auxiliary energy, since the schedule is piecewise
  constant and the segment means are its exact integrals);
* **pack resistance**: scaled by the Arrhenius factor at the pack temperature;
* **usable charge**: reduced by the charge stranded when the colder pack reaches its cut-off
  early (:func:`~evforge.climate.physics.stranded_fraction`).

At the resistance's reference temperature with the HVAC off, the car is unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Final

from evforge.climate import physics as ph
from evforge.climate.params import Ambient, ClimateParams, Heating
from evforge.vehicle import Vehicle

__all__ = [
    "AIR_SPECIFIC_HEAT",
    "DRIVING_C_RATE",
    "HvacSchedule",
    "cabin_after_soak_c",
    "hvac_schedule",
    "pack_temperature_c",
    "procedure_vehicle",
    "steady_hvac_w",
    "vehicle_at_ambient",
]

#: Specific heat of dry air at 0-40 °C [J/(kg·K)] (Çengel & Boles, Table A-2: 1.005-1.007).
AIR_SPECIFIC_HEAT: Final = 1006.0
#: Discharge rate at which the stranded charge is evaluated [1/h]: a depletion drive of about
#: three hours (assumption; the rate a cycle actually draws is C/4-C/2 on motorway, less in
#: town).
DRIVING_C_RATE: Final = 1.0 / 3.0


@dataclass(frozen=True, slots=True)
class HvacSchedule:
    """HVAC electrical power as steps: ``steps[k] = (end_s, power_w)``; the last ends at inf.

    Also records the cabin's steady thermal load and COP, for reports.
    """

    steps: tuple[tuple[float, float], ...]
    steady_thermal_w: float
    cop: float

    def energy_j(self, t0: float, t1: float) -> float:
        """Exact electrical energy between ``t0`` and ``t1`` [J] (times from the start)."""
        total = 0.0
        start = 0.0
        for end, power in self.steps:
            lo, hi = max(t0, start), min(t1, end)
            if hi > lo:
                total += power * (hi - lo)
            start = end
        return total

    @property
    def steady_w(self) -> float:
        """Electrical power once the cabin has reached its set point [W]."""
        return self.steps[-1][1]

    @property
    def breakpoints_s(self) -> tuple[float, ...]:
        """Finite step ends [s]."""
        return tuple(end for end, _ in self.steps if math.isfinite(end))


def _conductance(p: ClimateParams) -> float:
    return p.envelope_w_per_k + p.ventilation_kg_per_s * AIR_SPECIFIC_HEAT


def _gain(p: ClimateParams, amb: Ambient) -> float:
    return p.occupant_gain_w + p.solar_area_m2 * amb.solar_w_m2


def _heating_cop(p: ClimateParams, ambient_c: float) -> float:
    if p.heating is Heating.RESISTIVE:
        return 1.0
    return ph.heat_pump_cop(ambient_c, p.supply_c, p.evaporator_approach_k, p.heat_pump_eta)


def steady_hvac_w(p: ClimateParams, amb: Ambient) -> tuple[float, float, float]:
    """(electrical power [W], sensible thermal load [W, + heating], COP) at the set point."""
    if not amb.hvac:
        return 0.0, 0.0, 1.0
    g = _conductance(p)
    gain = _gain(p, amb)
    heat = ph.heating_load_w(amb.temperature_c, p.setpoint_c, g, gain)
    if heat > 0.0:
        cop = _heating_cop(p, amb.temperature_c)
        return heat / cop + p.blower_w, heat, cop
    cool = ph.cooling_load_w(amb.temperature_c, p.setpoint_c, g, gain)
    if cool <= 0.0:
        return p.blower_w, 0.0, 1.0
    latent = ph.latent_load_w(p.ventilation_kg_per_s, amb.humidity_ratio, p.coil_humidity_ratio)
    cop = ph.cooling_cop(amb.temperature_c, p.ac_evaporator_c, p.condenser_approach_k, p.ac_eta)
    return (cool + latent) / cop + p.blower_w, -cool, cop


def hvac_schedule(p: ClimateParams, amb: Ambient, cabin_start_c: float) -> HvacSchedule:
    """HVAC electrical power over time from a cabin at ``cabin_start_c``.

    Full heater (or cooler) power until the lumped cabin reaches the set point (closed form,
    :func:`~evforge.climate.physics.time_to_reach_s`), then the steady load. A heater too
    weak to reach the set point runs at full power throughout.
    """
    steady_w, steady_q, cop = steady_hvac_w(p, amb)
    if not amb.hvac:
        return HvacSchedule(((math.inf, 0.0),), 0.0, 1.0)
    g = _conductance(p)
    gain = _gain(p, amb)
    if cabin_start_c < p.setpoint_c and steady_q > 0.0:
        q_max = p.heater_max_w
        t = ph.time_to_reach_s(
            p.setpoint_c, cabin_start_c, amb.temperature_c, q_max, gain, g, p.capacitance_j_per_k
        )
        full_w = q_max / cop + p.blower_w
    elif cabin_start_c > p.setpoint_c and steady_q < 0.0:
        q_max = p.cooler_max_w
        t = ph.time_to_reach_s(
            p.setpoint_c, cabin_start_c, amb.temperature_c, -q_max, gain, g, p.capacitance_j_per_k
        )
        latent = ph.latent_load_w(p.ventilation_kg_per_s, amb.humidity_ratio, p.coil_humidity_ratio)
        full_w = (q_max + latent) / cop + p.blower_w
    else:
        return HvacSchedule(((math.inf, steady_w),), steady_q, cop)
    if not math.isfinite(t):
        return HvacSchedule(((math.inf, full_w),), steady_q, cop)
    return HvacSchedule(((t, full_w), (math.inf, steady_w)), steady_q, cop)


def cabin_after_soak_c(p: ClimateParams, amb: Ambient, start_c: float, duration_s: float) -> float:
    """Cabin temperature after a key-off soak (envelope only, no ventilation, sun on) [°C]."""
    return ph.cabin_temperature_c(
        duration_s,
        start_c,
        amb.temperature_c,
        0.0,
        p.solar_area_m2 * amb.solar_w_m2,
        p.envelope_w_per_k,
        p.capacitance_j_per_k,
    )


def pack_temperature_c(p: ClimateParams, amb: Ambient) -> float:
    """Pack temperature during the run: the ambient after a soak (raised to the heating
    target if the car heats its pack), else the reference temperature [°C]."""
    if not amb.soaked:
        return p.battery_reference_c
    if p.battery_heating and amb.temperature_c < p.battery_min_c:
        return p.battery_min_c
    return amb.temperature_c


def pack_warmup_j(p: ClimateParams, amb: Ambient) -> float:
    """One-time electrical energy to heat a soaked pack to its target [J] (0 if not heated)."""
    if not (amb.soaked and p.battery_heating):
        return 0.0
    return ph.pack_warmup_energy_j(
        p.battery_mass_kg, p.battery_cp_j_per_kg_k, amb.temperature_c, p.battery_min_c, 1.0
    )


def vehicle_at_ambient(vehicle: Vehicle, amb: Ambient) -> Vehicle:
    """The car with its pack resistance and usable charge at the run's pack temperature.

    The auxiliary power is left as it is (the HVAC is added per segment by the caller).
    """
    p = _params(vehicle)
    t_pack = pack_temperature_c(p, amb)
    factor = ph.arrhenius_factor(t_pack, p.battery_ea_j_per_mol, p.battery_reference_c)
    resistance = vehicle.resistance_ohm * factor
    nominal = vehicle.nominal_voltage_v
    drop_1c = vehicle.resistance_ohm * vehicle.usable_energy_j / 3600.0 / nominal**2
    slope = (vehicle.ocv_v[1] - vehicle.ocv_v[0]) / (vehicle.ocv_soc[1] - vehicle.ocv_soc[0])
    stranded = ph.stranded_fraction(drop_1c * (factor - 1.0) * DRIVING_C_RATE, slope / nominal)
    return vehicle.with_changes(
        resistance_ohm=resistance,
        capacity_c=vehicle.capacity_c * (1.0 - stranded),
        usable_energy_j=vehicle.usable_energy_j * (1.0 - stranded),
    )


def procedure_vehicle(vehicle: Vehicle, amb: Ambient) -> Vehicle:
    """The car for a depletion (range) test at ``amb``: pack effects, the steady HVAC load as
    auxiliary power, and the one-time cabin warm-up (or pull-down) and pack heating energy
    taken from the start of the charge (a lower initial state of charge)."""
    p = _params(vehicle)
    car = vehicle_at_ambient(vehicle, amb)
    start = amb.temperature_c if amb.soaked else p.setpoint_c
    schedule = hvac_schedule(p, amb, start)
    ends = schedule.breakpoints_s
    horizon = ends[-1] if ends else 0.0
    transient = schedule.energy_j(0.0, horizon) - schedule.steady_w * horizon
    one_time = transient + pack_warmup_j(p, amb)
    soc0 = car.initial_soc - one_time / car.usable_energy_j
    return replace(
        car,
        auxiliary_power_w=car.auxiliary_power_w + schedule.steady_w,
        initial_soc=soc0,
    )


def _params(vehicle: Vehicle) -> ClimateParams:
    if vehicle.climate is None:
        raise ValueError(f"{vehicle.name} has no climate parameters (build it from a spec)")
    return vehicle.climate
