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

from evforge.enums import Chemistry

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
    "40 CFR 86.1803-01 'loaded vehicle weight': curb weight + 300 lb",
)

# --- aerodynamics and tyres -----------------------------------------------------------------
AIR_DENSITY: Final = Default(
    1.189,
    "kg/m^3",
    "UN GTR 15 Annex 4 reference conditions (100 kPa, 20 °C dry air: ρ = 1.189 kg/m³)",
)
FRONTAL_AREA_FACTOR: Final = Default(
    0.84,
    "1",
    "A ≈ 0.84 × width × height for passenger cars (Hucho, Aerodynamics of Road Vehicles, "
    "4th ed., SAE 1998)",
)
FRONTAL_AREA_BASE: Final = Default(
    1.6, "m^2", "Wong, Theory of Ground Vehicles, 4th ed., 2008: A = 1.6 + 0.00056 (m - 765)"
)
FRONTAL_AREA_SLOPE: Final = Default(
    0.00056, "m^2/kg", "Wong, Theory of Ground Vehicles, 4th ed., 2008: A = 1.6 + 0.00056 (m - 765)"
)
FRONTAL_AREA_MASS_OFFSET: Final = Default(
    765.0, "kg", "Wong, Theory of Ground Vehicles, 4th ed., 2008: A = 1.6 + 0.00056 (m - 765)"
)
ROLLING_RESISTANCE: Final = Default(
    0.0085,
    "1",
    "Regulation (EU) 2020/740 Annex I Table A: C1 tyre class C spans 7.8-9.4 N/kN "
    "(midpoint 8.6; class B 6.6-7.7); OE tyres on BEVs are mostly class B/C",
)
TYRE_SIZE: Final = "215/55 R17"
TYRE_SIZE_SOURCE: Final = (
    "assumption: 215/55 R17, a common original-equipment size on compact BEVs "
    "(e.g. Hyundai Kona Electric, Kia e-Niro)"
)

# --- rotating inertia -----------------------------------------------------------------------
WHEEL_INERTIA: Final = Default(
    0.815, "kg*m^2", "FASTSim vehicle default wheelInertiaKgM2 (NREL), per wheel incl. tyre"
)
WHEELS: Final = 4
ROTOR_INERTIA_PER_TORQUE: Final = Default(
    1.5e-4,
    "kg*m^2/(N*m)",
    "rotor inertia ≈ 0.05 kg·m² for a ~320 N·m PMSM (order of magnitude, see "
    "docs/defaults-research.md)",
)

# --- driveline and motors -------------------------------------------------------------------
GEAR_RATIO: Final = Default(
    9.0, "1", "median single-speed reduction of current BEVs (docs/defaults-research.md)"
)
GEAR_EFFICIENCY: Final = Default(
    0.97, "1", "single-stage helical reduction with differential, 97 % (Larminie & Lowry 2012)"
)
MOTOR_MAX_SPEED: Final = Default(
    12000.0, "rpm", "typical maximum speed of current traction PMSMs (docs/defaults-research.md)"
)
CONSTANT_POWER_SPEED_RATIO: Final = Default(
    3.5,
    "1",
    "ω_max / ω_base of EV traction motors ≈ 3-4 (Ehsani et al., Modern Electric, Hybrid "
    "Electric and Fuel Cell Vehicles, 3rd ed., CRC 2018, ch. 4)",
)
MOTOR_LOSS_CONST: Final = Default(
    0.002, "1", "global model coefficient: inverter/controller constant loss, fraction of P"
)
MOTOR_LOSS_IRON: Final = Default(
    0.010, "1", "global model coefficient: iron loss at ω_max, fraction of P"
)
MOTOR_LOSS_WINDAGE: Final = Default(
    0.005, "1", "global model coefficient: windage/friction loss at ω_max, fraction of P"
)
MOTOR_LOSS_COPPER: Final = Default(
    0.060, "1", "global model coefficient: copper loss at peak torque, fraction of P"
)

# --- battery --------------------------------------------------------------------------------
CHEMISTRY: Final = Chemistry.NMC
CHEMISTRY_SOURCE: Final = "assumption: NMC, the most common BEV cell chemistry outside China"
NOMINAL_VOLTAGE: Final = Default(
    400.0, "V", "typical '400 V class' BEV pack (docs/defaults-research.md)"
)
USABLE_FRACTION: Final = Default(
    0.93,
    "1",
    "usable / nominal energy of BEV packs, typically 0.90-0.96 (docs/defaults-research.md)",
)
#: Relative voltage drop at 1C (cell DC resistance × 1C current / nominal voltage), per chemistry.
DROP_AT_1C: Final = {
    Chemistry.NMC: Default(0.025, "1", "docs/defaults-research.md"),
    Chemistry.NCA: Default(0.025, "1", "docs/defaults-research.md"),
    Chemistry.LFP: Default(0.020, "1", "docs/defaults-research.md"),
}
MAX_CHARGE_C_RATE: Final = Default(
    1.5, "1/h", "assumption: 1.5C peak DC acceptance (docs/defaults-research.md)"
)
INITIAL_SOC: Final = Default(1.0, "1", "tests start fully charged (SAE J1634; UN GTR 15 Annex 8)")

#: State-of-charge grid of the open-circuit-voltage tables [-] (over the usable window).
OCV_SOC: Final = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
#: Cell open-circuit voltage [V] at ``OCV_SOC``, per chemistry, with its source.
OCV_TABLES: Final = {
    Chemistry.NMC: (
        (3.40, 3.52, 3.58, 3.63, 3.67, 3.72, 3.80, 3.88, 3.97, 4.06, 4.15),
        "docs/defaults-research.md",
    ),
    Chemistry.NCA: (
        (3.35, 3.48, 3.55, 3.61, 3.66, 3.72, 3.80, 3.89, 3.98, 4.07, 4.16),
        "docs/defaults-research.md",
    ),
    Chemistry.LFP: (
        (3.05, 3.20, 3.24, 3.26, 3.28, 3.29, 3.30, 3.31, 3.32, 3.33, 3.38),
        "docs/defaults-research.md",
    ),
}

# --- auxiliaries, charging, regeneration ----------------------------------------------------
AUXILIARY_POWER: Final = Default(
    300.0, "W", "low-voltage load during a test with HVAC off (docs/defaults-research.md)"
)
CHARGER_EFFICIENCY: Final = Default(
    0.90, "1", "Level 2 on-board charger + EVSE efficiency (docs/defaults-research.md)"
)
AC_CHARGE_POWER: Final = Default(7.2, "kW", "Level 2, 240 V × 30 A (SAE J1772 AC Level 2)")
REGEN_ZERO_SPEED: Final = Default(
    5.0, "km/h", "regen fades out at walking pace (docs/defaults-research.md)"
)
REGEN_FULL_SPEED: Final = Default(
    15.0, "km/h", "full regen above this speed (docs/defaults-research.md)"
)
