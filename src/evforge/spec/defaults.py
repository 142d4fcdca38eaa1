"""Defaults for what a spec sheet does not say, each with its source.

Every value the model fills in is a :class:`Default` here: the number, its unit and where it
comes from. ``evforge check SPEC`` prints, for each derived parameter, either "spec" or the
source. Research notes behind these choices: ``docs/defaults-research.md``.

The global model coefficients and the other tunable values of the generic model are not
written here: they are the entries of the shipped parameter set,
``evforge/params/evforge-default-2026.12.yaml`` (:mod:`evforge.params`, docs/parameters.md),
each with its value, unit, source and, for a fitted one, the fit (command, data, split,
date). The constants below of those names (``ROLLING_RESISTANCE`` is the set's
``rolling_resistance``, ``MOTOR_LOSSES[t]`` its ``motor_losses.<t>.<part>``,
``DROP_AT_1C[c]`` its ``drop_at_1c.<c>`` ...) are read from that file once, at import, so
the numbers live in one place. :func:`evforge.spec.build_vehicle` takes another set through
``params=``; code that reads these module constants always sees the shipped set.

What stays written here: physical constants and regulation or test-procedure values
(payload, air density, driver mass, EPA loaded allowance, initial SOC, cabin setpoint, the
EU tyre-label classes, AC Level 2 power), the reference cells' data (OCV tables and cell
voltage limits) and the model's non-numeric choices (tyre size, chemistry, technology ...).

Values marked "global model coefficient" are not properties of one car but of the generic
model (the motor loss coefficients, for instance); they are the ones a validation against the
EPA Test Car List may refit globally (training split documented with the fit), never per car.
A refit writes a new parameter set file; it does not edit this module.
"""

from __future__ import annotations

from typing import Final

from evforge.enums import Chemistry, CurbDefinition, Layout, MotorTechnology, TorqueSplit
from evforge.params import LOSS_PARTS, Default, load_parameters

__all__ = ["OCV_SOC", "OCV_TABLES", "Default"]

#: The shipped parameter set, the source of the coefficients below.
_P: Final = load_parameters()
_CHEMISTRIES: Final = (Chemistry.NMC, Chemistry.NCA, Chemistry.LFP)


# --- mass -----------------------------------------------------------------------------------
PAYLOAD: Final = Default(
    136.077711,  # 300 lb × 0.45359237 kg/lb (exact)
    "kg",
    "EPA loaded vehicle weight = curb + 300 lb (40 CFR 86.1803-01; 86.129-00(f)(1)(i))",
)

# --- aerodynamics and tyres -----------------------------------------------------------------
AIR_DENSITY: Final = Default(
    1.189,
    "kg/m^3",
    "UN GTR 15 Annex 4 reference conditions (100 kPa, 20 °C dry air: ρ = 1.189 kg/m³)",
)
FRONTAL_AREA_FACTOR: Final = _P.default("frontal_area_factor")
FRONTAL_AREA_BASE: Final = _P.default("frontal_area_base")
FRONTAL_AREA_SLOPE: Final = _P.default("frontal_area_slope")
FRONTAL_AREA_MASS_OFFSET: Final = _P.default("frontal_area_mass_offset")
CURB_DEFINITION: Final = CurbDefinition.US_CURB
CURB_DEFINITION_SOURCE: Final = (
    "assumption: a curb mass without driver (US curb weight, DIN 70020, GB/T 3730.2); an EU "
    "mass in running order must say so (mass.curb_definition: eu_running_order)"
)
DRIVER_MASS: Final = Default(
    75.0,
    "kg",
    "driver in the EU mass in running order (Regulation (EU) 2017/1151 Art. 2; "
    "1230/2012 Art. 2(4); UN GTR 15 §3.2.5)",
)
ROLLING_RESISTANCE: Final = _P.default("rolling_resistance")
#: EU tyre-label class -> rolling resistance coefficient on the ISO 28580 drum [-]: the middle
#: of each class of Regulation (EU) 2020/740 Annex I Table A (C1 tyres: A <= 6.5, B 6.6-7.7,
#: C 7.8-9.0, D 9.1-10.5, E >= 10.6 N/kN); A and E, open-ended, half a class width beyond
#: their boundary (an assumption).
TYRE_LABEL_RRC: Final = {
    "A": Default(0.0060, "1", "EU label class A (<= 6.5 N/kN): assumed 6.0 N/kN"),
    "B": Default(0.00715, "1", "EU label class B (6.6-7.7 N/kN), middle 7.15"),
    "C": Default(0.0084, "1", "EU label class C (7.8-9.0 N/kN), middle 8.4"),
    "D": Default(0.0098, "1", "EU label class D (9.1-10.5 N/kN), middle 9.8"),
    "E": Default(0.01115, "1", "EU label class E (>= 10.6 N/kN): assumed 11.15 N/kN"),
}
ROLLING_SPEED_COEFFICIENT: Final = _P.default("rolling_speed_coefficient")
DRIVELINE_LINEAR_DRAG: Final = _P.default("driveline_linear_drag")
TYRE_SIZE: Final = "215/55 R17"
TYRE_SIZE_SOURCE: Final = (
    "assumption: 215/55 R17, a common original-equipment size on compact BEVs "
    "(e.g. Hyundai Kona Electric, Kia e-Niro)"
)

# --- rotating inertia -----------------------------------------------------------------------
WHEEL_INERTIA: Final = _P.default("wheel_inertia")
WHEELS: Final = 4
ROTOR_INERTIA_PER_TORQUE: Final = _P.default("rotor_inertia_per_torque")

# --- driveline and motors -------------------------------------------------------------------
GEAR_RATIO: Final = _P.default("gear_ratio")
GEAR_RATIO_RULE: Final = (
    "design rule: a single reduction puts the motor's maximum speed at the car's maximum "
    "speed, i = ω_max r / v_max (Ehsani et al., Modern Electric, Hybrid Electric and Fuel Cell "
    "Vehicles, 3rd ed., CRC 2018, ch. 4, traction motor and transmission sizing); checked on "
    "the Nissan Leaf 40 kWh: 9,795 rpm, 0.316 m, 144 km/h give 8.1 against its 8.19"
)
GEAR_EFFICIENCY: Final = _P.default("gear_efficiency")
MOTOR_MAX_SPEED: Final = _P.default("motor_max_speed")
CONSTANT_POWER_SPEED_RATIO: Final = _P.default("constant_power_speed_ratio")
TORQUE_SPLIT: Final = TorqueSplit.PROPORTIONAL
TORQUE_SPLIT_SOURCE: Final = (
    "global model choice: both axles in proportion to their available torque; the rear-first "
    "alternative refits to the same EPA training-split accuracy (within 0.2 points of MAPE; "
    "benchmarks/epa_structure_study.py), so the simpler split stays the default"
)
TORQUE_SPLIT_MIXED_SOURCE: Final = (
    "the permanent-magnet axle first, the induction / wound-rotor axle only for what it "
    "cannot give (unexcited it idles without drag): Tesla dual-motor, VW MEB and Audi Q4 "
    "front asynchronous machines (docs/motor-loss-research.md)"
)
MOTOR_TECHNOLOGY: Final = MotorTechnology.PMSM
MOTOR_TECHNOLOGY_SOURCE: Final = (
    "permanent-magnet synchronous, the machine of most current BEVs (Agamloh, von Jouanne, "
    "Yokochi, Machines 8 (2020) 20; docs/motor-loss-research.md)"
)
#: Motor + inverter losses *under load*, as fractions of the loss scale S (docs/model.md,
#: energy accounting; docs/motor-loss-research.md): (constant while energised, iron at ω_max,
#: windage at ω_max, copper at T_pk). The zero-torque spin drag of a coasting car (bearings,
#: windage, and the magnet-flux iron loss of a PM machine) is in the road load on both input
#: paths, so windage is zero here for every technology and iron is zero for a PM machine;
#: an induction or wound-rotor machine has no flux while it coasts unexcited, so its iron
#: loss and its magnetising / field-excitation loss appear only under load.
MOTOR_LOSSES: Final = {
    t: tuple(_P.default(f"motor_losses.{t.value}.{part}") for part in LOSS_PARTS)
    for t in MotorTechnology
}
MOTOR_LOSS_REFERENCE_POWER: Final = _P.default("motor_loss_reference_power")
MOTOR_LOSS_SIZE_EXPONENT: Final = _P.default("motor_loss_size_exponent")

# --- battery --------------------------------------------------------------------------------
CHEMISTRY: Final = Chemistry.NMC
CHEMISTRY_SOURCE: Final = "assumption: NMC, the most common BEV cell chemistry outside China"
NOMINAL_VOLTAGE: Final = _P.default("nominal_voltage")
USABLE_FRACTION: Final = _P.default("usable_fraction")
#: Relative voltage drop at 1C (cell DC resistance × 1C current / nominal voltage), per chemistry.
DROP_AT_1C: Final = {m: _P.default(f"drop_at_1c.{m.value.lower()}") for m in _CHEMISTRIES}
MAX_CHARGE_C_RATE: Final = _P.default("max_charge_c_rate")
INITIAL_SOC: Final = Default(1.0, "1", "tests start fully charged (SAE J1634; UN GTR 15 Annex 8)")

#: State-of-charge grid of the open-circuit-voltage tables [-] (over the usable window).
OCV_SOC: Final = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
#: Cell open-circuit voltage [V] at ``OCV_SOC``, per chemistry, with its source. The tables
#: span the usable window (cell SOC 3.5-96.5 %, i.e. 93 % usable), computed with PyBaMM
#: 26.10 from its published parameter sets (docs/defaults-research.md §10).
OCV_TABLES: Final = {
    Chemistry.NMC: (
        (3.014, 3.387, 3.502, 3.596, 3.672, 3.751, 3.835, 3.933, 4.022, 4.090, 4.142),
        "NMC811 LG M50: Chen et al., J. Electrochem. Soc. 167 (2020) 080534 (PyBaMM Chen2020)",
    ),
    Chemistry.NCA: (
        (3.173, 3.282, 3.398, 3.508, 3.604, 3.685, 3.762, 3.857, 3.959, 4.052, 4.153),
        "NCA: Kim et al., J. Electrochem. Soc. 158 (2011) A955 (PyBaMM NCA_Kim2011)",
    ),
    Chemistry.LFP: (
        (2.659, 3.053, 3.177, 3.213, 3.254, 3.266, 3.269, 3.272, 3.305, 3.314, 3.322),
        "LFP: Prada et al., J. Electrochem. Soc. 160 (2013) A616, OCP of Afshar et al. 2017 "
        "(PyBaMM Prada2013)",
    ),
}

# --- auxiliaries, charging, regeneration ----------------------------------------------------
AUXILIARY_POWER: Final = _P.default("auxiliary_power")
CHARGER_EFFICIENCY: Final = _P.default("charger_efficiency")
AC_CHARGE_POWER: Final = Default(7.2, "kW", "Level 2, 240 V × 30 A (SAE J1772 AC Level 2)")
REGEN_ZERO_SPEED: Final = _P.default("regen_zero_speed")
REGEN_FULL_SPEED: Final = _P.default("regen_full_speed")

# --- climate (cabin, HVAC, battery temperature; docs/climate.md, docs/defaults-research.md §19)
HEATING: Final = "resistive"
HEATING_SOURCE: Final = (
    "assumption: a resistive (PTC) heater, the lower-efficiency case; set climate.heating: "
    "heat_pump for cars that have one"
)
CABIN_SETPOINT: Final = Default(
    22.0,
    "degC",
    "72 °F (22.2 °C), the automatic climate setting in 40 CFR 86.1772-99 and in AAA's 2019 EV "
    "dynamometer tests",
)
CABIN_ENVELOPE_UA: Final = _P.default("cabin_envelope_ua")
CABIN_VENTILATION: Final = _P.default("cabin_ventilation")
CABIN_CAPACITANCE: Final = _P.default("cabin_capacitance")
HEATER_MAX_POWER: Final = _P.default("heater_max_power")
COOLER_MAX_POWER: Final = _P.default("cooler_max_power")
OCCUPANT_GAIN: Final = _P.default("occupant_gain")
SOLAR_AREA: Final = _P.default("solar_area")
BLOWER_POWER: Final = _P.default("blower_power")
HEAT_PUMP_SECOND_LAW: Final = _P.default("heat_pump_second_law")
HEAT_PUMP_SUPPLY: Final = _P.default("heat_pump_supply")
EVAPORATOR_APPROACH: Final = _P.default("evaporator_approach")
AC_SECOND_LAW: Final = _P.default("ac_second_law")
AC_EVAPORATOR: Final = _P.default("ac_evaporator")
CONDENSER_APPROACH: Final = _P.default("condenser_approach")
COIL_HUMIDITY_RATIO: Final = Default(
    0.0076, "kg/kg", "saturated air at 10 °C leaving the evaporator (psychrometric tables)"
)
BATTERY_ACTIVATION_ENERGY: Final = _P.default("battery_activation_energy")
BATTERY_REFERENCE_TEMPERATURE: Final = _P.default("battery_reference_temperature")
PACK_SPECIFIC_HEAT: Final = _P.default("pack_specific_heat")
BATTERY_HEATING: Final = False
BATTERY_HEATING_SOURCE: Final = (
    "assumption: no pack heating while driving (many cars heat the pack only before fast "
    "charging); set climate.battery_heating: true otherwise"
)
BATTERY_MIN_TEMPERATURE: Final = _P.default("battery_min_temperature")

# --- DC fast charging (evforge.charging; docs/charging.md; research: docs/defaults-research.md) -
#: Upper cell voltage during charging [V], per chemistry: the upper cut-off of the PyBaMM
#: parameter set the OCV table comes from (checked with PyBaMM 26.10).
MAX_CELL_VOLTAGE: Final = {
    Chemistry.NMC: Default(4.2, "V", "upper cut-off of the LG M50 cell, PyBaMM Chen2020 set"),
    Chemistry.NCA: Default(4.2, "V", "upper cut-off of the PyBaMM NCA_Kim2011 set"),
    Chemistry.LFP: Default(3.6, "V", "upper cut-off of the PyBaMM Prada2013 set (A123 26650)"),
}
CHARGE_KNEE_SOC: Final = _P.default("charge_knee_soc")
CHARGE_REFERENCE_TEMPERATURE: Final = _P.default("charge_reference_temperature")
CHARGE_ACCEPTANCE_ACTIVATION_ENERGY: Final = _P.default("charge_acceptance_activation_energy")
RESISTANCE_ACTIVATION_ENERGY: Final = _P.default("resistance_activation_energy")
PRECONDITION_TEMPERATURE: Final = _P.default("precondition_temperature")
BATTERY_COOLING_TEMPERATURE: Final = _P.default("battery_cooling_temperature")
BATTERY_HEATER_POWER: Final = _P.default("battery_heater_power")
PACK_SPECIFIC_ENERGY: Final = _P.default("pack_specific_energy")
CELL_SPECIFIC_HEAT: Final = _P.default("cell_specific_heat")
DC_CHARGER_EFFICIENCY: Final = _P.default("dc_charger_efficiency")
# --- performance (issue #4; docs/defaults-research.md §21) ----------------------------------
COG_HEIGHT: Final = _P.default("cog_height")
#: Static share of the curb mass on the front axle [-], per layout (docs/defaults-research.md
#: §22): the driven axle decides how much of the weight is available for traction at launch.
FRONT_AXLE_SHARE: Final = {m: _P.default(f"front_axle_share.{m.value.lower()}") for m in Layout}
TYRE_FRICTION: Final = _P.default("tyre_friction")
EPA_LOADED_ALLOWANCE: Final = Default(
    300 * 0.45359237,  # 300 lb in kg, exact
    "kg",
    "EPA loaded vehicle weight = curb weight + 300 lb (40 CFR 86.1803-01); the equivalent test "
    "weight is that weight rounded to its inertia class (40 CFR 1066.805), so ETW - 300 lb "
    "estimates the curb weight to within half a class (±57-113 kg)",
)
PERF_PAYLOAD: Final = Default(
    75.0,
    "kg",
    "one driver: the 75 kg driver mass of the EU 'mass in running order' (Regulation (EU) "
    "1230/2012, Art. 2(4)), the usual load of a published acceleration figure",
)
TEST_SOC: Final = _P.default("test_soc")
LAUNCH_RAMP_TIME: Final = _P.default("launch_ramp_time")
#: Cell discharge cut-off voltage [V] per chemistry: the BMS keeps the terminal voltage above
#: cut-off × cells in series under load.
_CUTOFF = "manufacturer datasheet discharge cut-off"
MIN_CELL_VOLTAGE: Final = {
    Chemistry.NMC: Default(2.5, "V", f"{_CUTOFF}: LG INR21700 M50 (NMC811), 2.50 V"),
    Chemistry.NCA: Default(2.5, "V", f"{_CUTOFF}: Panasonic NCR18650B (NCA), 2.5 V"),
    Chemistry.LFP: Default(2.0, "V", f"{_CUTOFF}: A123 ANR26650M1-B (LFP), 2.0 V"),
}
#: Peak pack discharge power per kWh of usable energy [1/h], per chemistry, used when the
#: spec gives no ``battery.peak_discharge_power`` (docs/defaults-research.md, pack power).
#: Makers rarely publish pack power; where they do not, a car's rated motor power is a lower
#: bound of what its pack gives (the pack feeds the motors at full power).
PEAK_DISCHARGE_C_RATE: Final = {
    m: _P.default(f"peak_discharge_c_rate.{m.value.lower()}") for m in _CHEMISTRIES
}
WHEELBASE: Final = _P.default("wheelbase")
