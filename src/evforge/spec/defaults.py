"""Defaults for what a spec sheet does not say, each with its source.

Every value the model fills in is a :class:`Default` here: the number, its unit and where it
comes from. ``evforge check SPEC`` prints, for each derived parameter, either "spec" or the
source below. Research notes behind these choices: ``docs/defaults-research.md``.

Values marked "global model coefficient" are not properties of one car but of the generic
model (the motor loss coefficients, for instance); they are the ones a validation against the
EPA Test Car List may refit globally (training split documented with the fit), never per car.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from evforge.enums import Chemistry, CurbDefinition, Layout, MotorTechnology, TorqueSplit

__all__ = ["OCV_SOC", "OCV_TABLES", "Default"]


@dataclass(frozen=True, slots=True)
class Default:
    """A default value with its unit and source."""

    value: float
    unit: str
    source: str


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
FRONTAL_AREA_FACTOR: Final = Default(
    0.871,
    "1",
    "global model coefficient: C = ½ ρ C_d k w h fitted on the EPA coast-downs of 48 "
    "training-family test vehicles with sourced C_d, width and height (2026-12-01, "
    "`evforge validate roadload --fit`); FASTSim's vehicle_import.rs uses 0.85, US EPA "
    "LDTP-11-1 (Goodall & Thompson 1977) 0.80 for 1970s cars",
)
_WONG = (
    "A = 1.6 + 0.00056 (m - 765), cars of 800-2000 kg: Wong, Theory of Ground Vehicles, "
    "3rd ed., Wiley 2001, ch. 3; Rajamani, Vehicle Dynamics and Control, 2nd ed., 2012, ch. 4"
)
FRONTAL_AREA_BASE: Final = Default(1.6, "m^2", _WONG)
FRONTAL_AREA_SLOPE: Final = Default(0.00056, "m^2/kg", _WONG)
FRONTAL_AREA_MASS_OFFSET: Final = Default(765.0, "kg", _WONG)
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
ROLLING_RESISTANCE: Final = Default(
    0.00734,
    "1",
    "global model coefficient: the vehicle-level constant road-load term f0 / (m g) (tyres, "
    "brake drag and zero-torque driveline drag together, as a coast-down measures them), "
    "fitted on EPA Test Car List coast-downs of the training families "
    "(307 test vehicles, 2026-12-01, `evforge validate roadload --fit`); an EU-label class B "
    "tyre (6.6-7.7 N/kN on the ISO 28580 drum, Regulation (EU) 2020/740 Annex I) is about "
    "6.2-7.1 N/kN on a flat road",
)
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
ROLLING_SPEED_COEFFICIENT: Final = Default(
    7.03e-5,
    "s/m",
    "global model coefficient: f1 / (m g), the speed-dependent part of tyre and driveline "
    "drag that grows with load, fitted on EPA coast-downs of the training families "
    "(307 test vehicles, 2026-12-01, `evforge validate roadload --fit`)",
)
DRIVELINE_LINEAR_DRAG: Final = Default(
    1.18,
    "N*s/m",
    "global model coefficient: the part of f1 that does not grow with mass (bearing, seal "
    "and motor eddy-current drag at zero torque), fitted on EPA coast-downs of the training "
    "families (307 test vehicles, 2026-12-01, `evforge validate roadload --fit`)",
)
TYRE_SIZE: Final = "215/55 R17"
TYRE_SIZE_SOURCE: Final = (
    "assumption: 215/55 R17, a common original-equipment size on compact BEVs "
    "(e.g. Hyundai Kona Electric, Kia e-Niro)"
)

# --- rotating inertia -----------------------------------------------------------------------
WHEEL_INERTIA: Final = Default(
    0.815, "kg*m^2", "FASTSim default wheel_inertia_kg_m2 (NREL), per wheel incl. tyre"
)
WHEELS: Final = 4
ROTOR_INERTIA_PER_TORQUE: Final = Default(
    1.16e-4,
    "kg*m^2/(N*m)",
    "US EPA ALPHA map package '2018 Chevrolet Bolt 150kW 400V FWD EDU' (2023-09): motor and "
    "gearing inertia 0.041748 kg·m² at motor speed, peak torque 360 N·m",
)

# --- driveline and motors -------------------------------------------------------------------
GEAR_RATIO: Final = Default(
    9.0,
    "1",
    "median reduction of BEV drive units in the EPA Test Car List MY2019-2024 'Axle Ratio' "
    "column: 9.0 over the 41 ratios >= 5 (interquartile 8.1-9.6), 8.75 over all 54 "
    "(docs/defaults-research.md §22); Tesla Model 3 owner's manual 9.03:1",
)
GEAR_RATIO_RULE: Final = (
    "design rule: a single reduction puts the motor's maximum speed at the car's maximum "
    "speed, i = ω_max r / v_max (Ehsani et al., Modern Electric, Hybrid Electric and Fuel Cell "
    "Vehicles, 3rd ed., CRC 2018, ch. 4, traction motor and transmission sizing); checked on "
    "the Nissan Leaf 40 kWh: 9,795 rpm, 0.316 m, 144 km/h give 8.1 against its 8.19"
)
GEAR_EFFICIENCY: Final = Default(
    0.97,
    "1",
    "single-speed reduction with differential, 0.95-0.98 (FASTSim BEV trans_eff 0.98; "
    "Larminie & Lowry 2012)",
)
MOTOR_MAX_SPEED: Final = Default(
    16000.0,
    "rpm",
    "median of 11 production BEV traction motors of 2019 or later, 13,000-30,511 rpm "
    "(Mercedes EQC 13,000; Audi Q4 front 14,000; EPA generic IPM EDU 15,000; VW APP310, "
    "Porsche Taycan, BYD e-platform 3.0 16,000; Tesla Model S Plaid 20,000 ...): motor-speed "
    "survey, docs/defaults-research.md §22",
)
CONSTANT_POWER_SPEED_RATIO: Final = Default(
    3.3,
    "1",
    "ω_max / ω_base = 3.27 for the EPA ALPHA generic IPM 150 kW EDU (150 kW, 312 N·m, "
    "15,000 rpm); 3-4 typical (Ehsani et al., Modern Electric, Hybrid Electric and Fuel Cell "
    "Vehicles, 3rd ed., CRC 2018, ch. 4)",
)
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
_MLR = "docs/motor-loss-research.md §7.2"
_EPA_FIT = (
    "2026-12-01, jointly on the training families of the EPA Test Car List (303 test "
    "vehicles, unadjusted UDDS/HWFET) and of the spec-sheet set (40 variants, official "
    "range); `evforge validate epa --refit`"
)
MOTOR_LOSSES: Final = {
    MotorTechnology.PMSM: (
        Default(0.003140, "1", f"inverter, pumps and controls while moving; fitted {_EPA_FIT}"),
        Default(0.0, "1", "no-load iron loss is in the road load (magnet flux while coasting)"),
        Default(0.0, "1", "windage and bearings are in the road load"),
        Default(0.070, "1", f"copper + inverter conduction at T_pk; {_MLR}"),
    ),
    MotorTechnology.INDUCTION: (
        Default(0.003140, "1", f"as PMSM; magnetising loss fitted to 0, {_EPA_FIT}"),
        Default(0.022, "1", f"iron loss at ω_max once excited (~3.7 points below PM); {_MLR}"),
        Default(0.0, "1", "windage and bearings are in the road load"),
        Default(0.100, "1", f"stator + rotor copper at T_pk; {_MLR}"),
    ),
    MotorTechnology.EESM: (
        Default(0.003501, "1", f"as PMSM + field excitation 0.000361; fitted {_EPA_FIT}"),
        Default(0.010, "1", f"iron loss at ω_max once excited; {_MLR}"),
        Default(0.0, "1", "windage and bearings are in the road load"),
        Default(0.085, "1", f"stator + field copper at T_pk; {_MLR}"),
    ),
}
MOTOR_LOSS_REFERENCE_POWER: Final = Default(150.0, "kW", "reference rating of the loss scale")
MOTOR_LOSS_SIZE_EXPONENT: Final = Default(
    0.543,
    "1",
    f"global model coefficient: losses grow as the rating^0.543 (less than in proportion); "
    f"fitted {_EPA_FIT}",
)

# --- battery --------------------------------------------------------------------------------
CHEMISTRY: Final = Chemistry.NMC
CHEMISTRY_SOURCE: Final = "assumption: NMC, the most common BEV cell chemistry outside China"
NOMINAL_VOLTAGE: Final = Default(
    360.0, "V", "'400 V class' pack of 96 NMC cells in series (e.g. Chevrolet Bolt, ≈350-360 V)"
)
USABLE_FRACTION: Final = Default(
    0.93,
    "1",
    "usable / nominal energy: Kia EV6 74/77.4 = 0.956, Chevrolet Bolt 60/66 = 0.91; 0.93 "
    "between (docs/example-cars.md)",
)
#: Relative voltage drop at 1C (cell DC resistance × 1C current / nominal voltage), per chemistry.
_DCIR = (
    "PyBaMM DFN 1C pulse, 10 s, 50 % SOC (docs/defaults-research.md §11): LG M50 NMC811 "
    "(Chen et al. 2020, doi:10.1149/1945-7111/ab9050) 29 mΩ = 3.9 %; LFP (Prada 2013 set) 2.1 %"
)
DROP_AT_1C: Final = {
    Chemistry.NMC: Default(0.035, "1", _DCIR),
    Chemistry.NCA: Default(0.035, "1", f"taken as NMC; {_DCIR}"),
    Chemistry.LFP: Default(0.020, "1", _DCIR),
}
MAX_CHARGE_C_RATE: Final = Default(
    2.2,
    "1/h",
    "median peak DC charging power / usable energy of the 24 cars with a published peak "
    "(interquartile 1.8-3.1C; Bolt 0.9C to Li Auto MEGA 5.4C): validation cars' published.csv "
    "peak_dc_kw and the spec-sheet set's charge_peak_power (2026-12-01)",
)
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
AUXILIARY_POWER: Final = Default(
    144.7,
    "W",
    "global model coefficient: the one always-on load of a car that is on with HVAC off (12 V "
    "loads, DC-DC converter, computers), fitted 2026-12-01 jointly on the training families of "
    "the EPA Test Car List and of the spec-sheet set (`evforge validate epa --refit`), at its "
    "lower bound of 144 W; the 12 V part alone measures 144-226 W (DOE VTO Program Record, 12 Sep "
    "2024, Argonne); FASTSim's BEV default is 250 W. Loads that run only while driving (pumps, "
    "inverter) are in the motors' constant loss",
)
CHARGER_EFFICIENCY: Final = Default(
    0.89,
    "1",
    "Level 2 mains-to-battery: EPA certificates of 4 BEVs 0.886-0.902; fueleconomy.gov "
    "84-93 % (docs/defaults-research.md §13)",
)
AC_CHARGE_POWER: Final = Default(7.2, "kW", "Level 2, 240 V × 30 A (SAE J1772 AC Level 2)")
_REGEN = (
    "FASTSim regen curve (regen_a 500, regen_b 0.99) gives 10/50/90 % of full regen at "
    "4.9/8.5/12.1 km/h; linear 5-15 km/h approximates it"
)
REGEN_ZERO_SPEED: Final = Default(5.0, "km/h", _REGEN)
REGEN_FULL_SPEED: Final = Default(15.0, "km/h", _REGEN)

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
CABIN_ENVELOPE_UA: Final = Default(
    50.0,
    "W/K",
    "engineering estimate: ~4 m² glazing at U ≈ 5.5 W/m²K plus ~10 m² trimmed body at "
    "U ≈ 2.7 W/m²K (docs/defaults-research.md §19; low confidence)",
)
CABIN_VENTILATION: Final = Default(
    0.03,
    "kg/s",
    "assumption: ~90 m³/h fresh air for demisting and CO2 (docs/defaults-research.md §19)",
)
CABIN_CAPACITANCE: Final = Default(
    60e3,
    "J/K",
    "assumption: cabin air (≈4 kJ/K) plus ~60 kg of trim and seats that follow the air; "
    "gives a 5-7 min warm-up at -7 °C (docs/defaults-research.md §19)",
)
HEATER_MAX_POWER: Final = Default(
    6.0, "kW", "assumption: BEV PTC cabin heaters are rated 5-7 kW (docs/defaults-research.md §19)"
)
COOLER_MAX_POWER: Final = Default(5.0, "kW", "assumption: thermal capacity of a car A/C")
OCCUPANT_GAIN: Final = Default(
    100.0, "W", "sensible heat of one seated adult, ~70-100 W (ASHRAE Fundamentals ch. 18)"
)
SOLAR_AREA: Final = Default(
    1.2,
    "m^2",
    "assumption: ~4 m² glazing × ~0.5 projection × ~0.6 solar transmittance",
)
BLOWER_POWER: Final = Default(150.0, "W", "assumption: HVAC blower and controls")
HEAT_PUMP_SECOND_LAW: Final = Default(
    0.40,
    "1",
    "η_II of the heat pump, so that COP = 1.7 at -20 °C with 45 °C supply and a 10 K "
    "evaporator approach: Qin et al., Energy Procedia 61 (2014) 726 (all fresh air, COP > 1.7 "
    "at -20 °C); gives 2.0 at -7 °C",
)
HEAT_PUMP_SUPPLY: Final = Default(45.0, "degC", "condensing at the supply-air temperature")
EVAPORATOR_APPROACH: Final = Default(10.0, "K", "outdoor evaporator 10 K below ambient")
AC_SECOND_LAW: Final = Default(
    0.36,
    "1",
    "η_II of the A/C, so that COP = 1.8 at 45.4 °C condenser air (5 °C evaporator, 15 K "
    "condenser approach): measured in Advances in Mechanical Engineering 11(4) (2019), "
    "doi:10.1177/1687814019845806; gives 2.2 at 35 °C",
)
AC_EVAPORATOR: Final = Default(5.0, "degC", "evaporator temperature of an automotive A/C")
CONDENSER_APPROACH: Final = Default(15.0, "K", "condenser 15 K above ambient")
COIL_HUMIDITY_RATIO: Final = Default(
    0.0076, "kg/kg", "saturated air at 10 °C leaving the evaporator (psychrometric tables)"
)
BATTERY_ACTIVATION_ENERGY: Final = Default(
    12e3,
    "J/mol",
    "Arrhenius E_a of the pack resistance: 9-15 kJ/mol reproduces the ×1.6-2.2 rise at "
    "-10 °C of PyBaMM DFN pulses (docs/defaults-research.md §11, computed, low confidence)",
)
BATTERY_REFERENCE_TEMPERATURE: Final = Default(
    25.0, "degC", "temperature of the DFN pulses behind DROP_AT_1C (docs/defaults-research.md §11)"
)
PACK_SPECIFIC_HEAT: Final = Default(
    1000.0, "J/(kg*K)", "assumption: Li-ion cells ~0.9-1.1 kJ/(kg·K) (Alipour et al. 2020)"
)
BATTERY_HEATING: Final = False
BATTERY_HEATING_SOURCE: Final = (
    "assumption: no pack heating while driving (many cars heat the pack only before fast "
    "charging); set climate.battery_heating: true otherwise"
)
BATTERY_MIN_TEMPERATURE: Final = Default(
    10.0, "degC", "assumption: target of pack heating when climate.battery_heating is on"
)

# --- DC fast charging (evforge.charging; docs/charging.md; research: docs/defaults-research.md) -
#: Upper cell voltage during charging [V], per chemistry: the upper cut-off of the PyBaMM
#: parameter set the OCV table comes from (checked with PyBaMM 26.10).
MAX_CELL_VOLTAGE: Final = {
    Chemistry.NMC: Default(4.2, "V", "upper cut-off of the LG M50 cell, PyBaMM Chen2020 set"),
    Chemistry.NCA: Default(4.2, "V", "upper cut-off of the PyBaMM NCA_Kim2011 set"),
    Chemistry.LFP: Default(3.6, "V", "upper cut-off of the PyBaMM Prada2013 set (A123 26650)"),
}
CHARGE_KNEE_SOC: Final = Default(
    0.23,
    "1",
    "global model coefficient: state of charge at which the charge-current limit starts to "
    "fall with the cells' voltage headroom; fitted on the training split (the three bundled "
    "example cars, mean |log error| 0.106) by `evforge validate charge --refit`, reported on "
    "held-out cars (docs/charging.md)",
)
CHARGE_REFERENCE_TEMPERATURE: Final = Default(
    25.0,
    "degC",
    "reference temperature of the cell data (Chen et al. 2020 LG M50 set, 25 °C); the "
    "charge-current limit is full at and above it",
)
CHARGE_ACCEPTANCE_ACTIVATION_ENERGY: Final = Default(
    35000.0,
    "J/mol",
    "activation energy of the graphite exchange-current density, E_r = 35 kJ/mol (PyBaMM "
    "Chen2020, graphite_LGM50_electrolyte_exchange_current_density_Chen2020): the "
    "lithium-plating-limited charge current scales with the anode's reaction kinetics",
)
RESISTANCE_ACTIVATION_ENERGY: Final = Default(
    12000.0,
    "J/mol",
    "effective Arrhenius activation energy of the cell DC resistance; 9-15 kJ/mol reproduces "
    "the ×1.6-2.2 rise from 25 °C to -10 °C of the PyBaMM DFN pulse (docs/defaults-research.md "
    "§11)",
)
PRECONDITION_TEMPERATURE: Final = Default(
    25.0,
    "degC",
    "battery preconditioned for fast charging: target 'typically around 20 to 30 °C' "
    "(cars-data.com glossary, battery preconditioning); makers quote 10-80 % times for a "
    "preconditioned pack",
)
BATTERY_COOLING_TEMPERATURE: Final = Default(
    35.0,
    "degC",
    "assumption: the thermal management cools the pack above 35 °C, the top of the 15-35 °C "
    "window for full performance (engineerfix.com, battery preconditioning)",
)
BATTERY_HEATER_POWER: Final = Default(
    5.0,
    "kW",
    "high-voltage PTC coolant heaters for cabin and battery: 750-6,000 W (Berufsschule "
    "Dillingen, HV-Qualifizierung ch. 6.7, 'Elektrische Kühlmittelheizung')",
)
PACK_SPECIFIC_ENERGY: Final = Default(
    138.0,
    "Wh/kg",
    "Chevrolet Bolt EV pack: 60 kWh, 435 kg (960 lb), GM 2016 via https://electrek.co/?p=9567 "
    "(docs/defaults-research.md, DC fast charging)",
)
CELL_SPECIFIC_HEAT: Final = Default(
    1000.0,
    "J/(kg*K)",
    "lithium-ion cells ≈1.0 J/(g·K): Maleki et al., J. Electrochem. Soc. 146 (1999) 947, "
    "doi:10.1149/1.1391704",
)
DC_CHARGER_EFFICIENCY: Final = Default(
    0.94,
    "1",
    "grid-to-vehicle efficiency of a DC fast charger at full load: 94 % (Kempower-built "
    "200-600 kW chargers, Epiroc technical data, output 200-920 V)",
)
# --- performance (issue #4; docs/defaults-research.md §21) ----------------------------------
COG_HEIGHT: Final = Default(
    0.52,
    "m",
    "passenger cars 0.46-0.58 m: NHTSA inertial-parameter measurements (Heydinger et al., SAE "
    "1999-01-1336); a floor battery puts BEVs at the low end (docs/defaults-research.md §21)",
)
#: Static share of the curb mass on the front axle [-], per layout (docs/defaults-research.md
#: §22): the driven axle decides how much of the weight is available for traction at launch.
_AXLE_SHARE = "weight-distribution survey, docs/defaults-research.md §22"
FRONT_AXLE_SHARE: Final = {
    Layout.FWD: Default(
        0.59,
        "1",
        "front-drive: FASTSim's default driven-axle weight fraction 0.59 (NREL, "
        "vehicle_import.rs); no measured front-drive BEV split found (low confidence); "
        f"{_AXLE_SHARE}",
    ),
    Layout.RWD: Default(
        0.50,
        "1",
        "rear-drive: median of maker-stated splits, MG4 50:50, Honda e 50:50, BMW i3 "
        f"'near 50:50'; {_AXLE_SHARE}",
    ),
    Layout.AWD: Default(
        0.50,
        "1",
        "all-wheel drive: Jaguar I-Pace, 50:50 claimed by Jaguar, 53:47 measured by Autocar "
        f"(one car; low confidence); {_AXLE_SHARE}",
    ),
}
TYRE_FRICTION: Final = Default(
    0.90,
    "1",
    "peak tyre-road friction on dry asphalt or concrete 0.8-0.9 (Wong, Theory of Ground "
    "Vehicles, 3rd ed., 2001, table 1.3); the upper value, as acceleration figures are taken "
    "on dry test surfaces",
)
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
TEST_SOC: Final = Default(
    0.9,
    "1",
    "assumption: published acceleration runs start on a nearly full pack; 0.9 keeps the pack "
    "below the top of the usable window",
)
LAUNCH_RAMP_TIME: Final = Default(
    0.20,
    "s",
    "global model coefficient: the rise time of the tractive force at a standing start (torque "
    "gradient limit at drive-off, Bauer et al., WEVJ 11 (2020) 68), fitted to the published "
    "0-100 km/h of the training cars (14; mean |error| 4.7 %; `evforge validate perf --fit`, "
    "split by file-name hash, docs/performance.md)",
)
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
    Chemistry.NMC: Default(
        2.7,
        "1/h",
        "Chevrolet Bolt EV NMC pack: 160 kW peak from 60 kWh (GM battery engineering, Gregory "
        "Smith, chargedevs.com 'Chevy designed the Bolt with performance in mind'), 2.7C",
    ),
    Chemistry.NCA: Default(
        4.5,
        "1/h",
        "Tesla Model 3 Long Range NCA pack: about 340-400 kW from 75-82 kWh, 4.2-5.3C (figures "
        "quoted by the issue, not read in a primary source here); the 2022 Long Range AWD's "
        "rated motors, 98 + 195 kW (fueleconomy.gov id 45011) from 82 kWh, bound it below at "
        "3.6C",
    ),
    Chemistry.LFP: Default(
        3.2,
        "1/h",
        "lower bound from a rated motor: 2022 Tesla Model 3 RWD (CATL LFP, 60 kWh), 192 kW "
        "(fueleconomy.gov id 45013; validation/data/cars/tesla_model_3_rwd_2022.yaml), 3.2C; "
        "no published LFP pack power was found",
    ),
}
WHEELBASE: Final = Default(
    2.75,
    "m",
    "compact and mid-size BEVs span 2.6-2.9 m (Chevrolet Bolt 2.601, BMW i4 2.856, Kia EV6 "
    "2.900 m; docs/example-cars.md)",
)
