"""Road load: aerodynamic drag, rolling resistance, grade, and coast-down coefficients.

All forces act against the direction of travel and are in newtons [N]; speeds in [m/s].

References
----------
.. [1] T. D. Gillespie, *Fundamentals of Vehicle Dynamics*, SAE, 1992, ch. 4 (road loads:
   aerodynamic drag ½ρC_dAv², rolling resistance f_r W, grade W sin θ).
.. [2] SAE J2263 (road-load measurement using onboard anemometry and coastdown) and
   40 CFR 1066.301 - 1066.315: target road-load force F = A + B v + C v².
.. [3] UN GTR No. 15 (WLTP), Annex 4, and Regulation (EU) 2017/1151, Annex XXI, Sub-Annex 4:
   coast-down results are corrected to the reference conditions 20 °C and 100 kPa, the
   aerodynamic term by K2 = (T/T0)(p0/p) and the rolling-resistance term by
   (1 + K0 (T − 20 °C)), K0 = 8.6 × 10⁻³ K⁻¹ (values as the issue quotes them; the clause
   text was not read here, see docs/climate.md).
"""

from __future__ import annotations

from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

from evforge.units import G_STANDARD_MPS2

__all__ = [
    "DRY_AIR_GAS_CONSTANT",
    "KELVIN_OFFSET",
    "REFERENCE_PRESSURE_PA",
    "REFERENCE_TEMPERATURE_C",
    "ROLLING_TEMPERATURE_K0",
    "aero_density_factor",
    "aero_drag_force",
    "air_density",
    "coastdown_force",
    "grade_force",
    "physical_rolling_terms",
    "rolling_resistance_force",
    "rolling_temperature_factor",
]

FloatOrArray = TypeVar("FloatOrArray", float, npt.NDArray[np.float64])

#: 0 °C in kelvin [K].
KELVIN_OFFSET: Final = 273.15
#: Specific gas constant of dry air, R/M = 8.314462618 / 0.0289647 [J/(kg·K)] (CODATA 2018
#: molar gas constant; molar mass of dry air, ICAO Doc 7488 standard atmosphere).
DRY_AIR_GAS_CONSTANT: Final = 8.314462618 / 0.0289647
#: Temperature the road-load coefficients refer to [°C] (GTR 15 Annex 4; 2017/1151
#: Annex XXI Sub-Annex 4; 40 CFR 1066 corrects coast-downs to 20 °C too).
REFERENCE_TEMPERATURE_C: Final = 20.0
#: Pressure the road-load coefficients refer to [Pa] (GTR 15 Annex 4: 100 kPa).
REFERENCE_PRESSURE_PA: Final = 100_000.0
#: Rolling-resistance temperature correction factor K0 [1/K] (GTR 15 Annex 4; 2017/1151
#: Annex XXI Sub-Annex 4), the change of f0 per kelvin of ambient temperature.
ROLLING_TEMPERATURE_K0: Final = 8.6e-3


def air_density(
    temperature_c: FloatOrArray, pressure_pa: float = REFERENCE_PRESSURE_PA
) -> FloatOrArray:
    """Density of dry air from the ideal gas law, ρ = p / (R_d T) [kg/m³].

    Parameters
    ----------
    temperature_c : float or array
        Air temperature [°C].
    pressure_pa : float
        Air pressure [Pa]; default the road-load reference 100 kPa.

    Returns
    -------
    float or array
        ρ [kg/m³]: 1.1884 at 20 °C and 100 kPa (the 1.189 of GTR 15's reference conditions).
    """
    return pressure_pa / (DRY_AIR_GAS_CONSTANT * (temperature_c + KELVIN_OFFSET))


def aero_density_factor(
    temperature_c: FloatOrArray, pressure_pa: float = REFERENCE_PRESSURE_PA
) -> FloatOrArray:
    """Aerodynamic drag at ``temperature_c`` per unit of drag at the reference conditions,
    ρ/ρ₀ = (T₀/T)(p/p₀) = 1/K2 [-].

    The drag coefficient term f₂ = ½ρC_dA of a coast-down (and the physical model's
    ½ρ₀C_dA) holds at the reference 20 °C, 100 kPa; GTR 15 Annex 4 brings a measured f₂ to
    it with K2 = (T/T₀)(p₀/p), so at another temperature f₂ is the reference f₂ / K2.
    Exactly 1 at the reference.

    Parameters
    ----------
    temperature_c : float or array
        Ambient temperature [°C].
    pressure_pa : float
        Ambient pressure [Pa]; default the reference 100 kPa, so that only the temperature
        moves the density.

    Returns
    -------
    float or array
        ρ/ρ₀ [-]: 1.101 at −7 °C (ideal gas; 1.113 against 23 °C).
    """
    t0 = REFERENCE_TEMPERATURE_C + KELVIN_OFFSET
    return t0 / (temperature_c + KELVIN_OFFSET) * (pressure_pa / REFERENCE_PRESSURE_PA)


def rolling_temperature_factor(temperature_c: FloatOrArray) -> FloatOrArray:
    """Constant road-load term f₀ at ``temperature_c`` per unit of f₀ at 20 °C [-].

    GTR 15 Annex 4 corrects an f₀ measured at T to the 20 °C reference by the factor
    (1 + K0 (T − 20 °C)), K0 = 8.6 × 10⁻³ K⁻¹ (colder tyres roll harder, so a cold
    coast-down's f₀ is scaled down). The reference f₀ at T is therefore the inverse,
    1 / (1 + K0 (T − 20 °C)): 1.302 at −7 °C, 0.853 at 40 °C, exactly 1 at 20 °C. The
    regulation applies it to coast-downs run at ordinary outdoor test temperatures; at
    winter temperatures it is an extrapolation of that linear correction.

    Parameters
    ----------
    temperature_c : float or array
        Ambient (tyre soak) temperature [°C].

    Returns
    -------
    float or array
        f₀(T)/f₀(20 °C) [-].

    Raises
    ------
    ValueError
        At or below 20 °C − 1/K0 (−96 °C), where the correction has no meaning.
    """
    denominator = 1.0 + ROLLING_TEMPERATURE_K0 * (temperature_c - REFERENCE_TEMPERATURE_C)
    if np.any(np.asarray(denominator) <= 0.0):
        raise ValueError(f"no rolling-resistance correction at {temperature_c} °C")
    return 1.0 / denominator


def aero_drag_force(
    speed_mps: FloatOrArray, drag_coefficient: float, frontal_area_m2: float, air_density: float
) -> FloatOrArray:
    """Aerodynamic drag in still air, F = ½ ρ C_d A v².

    Parameters
    ----------
    speed_mps : float or array
        Vehicle speed [m/s].
    drag_coefficient : float
        C_d [-].
    frontal_area_m2 : float
        Frontal area A [m²].
    air_density : float
        ρ [kg/m³].

    Returns
    -------
    float or array
        Drag force [N].

    References
    ----------
    Gillespie (1992), eq. 4-3.
    """
    return 0.5 * air_density * drag_coefficient * frontal_area_m2 * speed_mps * speed_mps


def rolling_resistance_force(
    mass_kg: float, rolling_resistance: float, cos_grade: FloatOrArray
) -> FloatOrArray:
    """Tyre rolling resistance, F = C_rr m g cos θ.

    Parameters
    ----------
    mass_kg : float
        Vehicle mass [kg].
    rolling_resistance : float
        Rolling resistance coefficient C_rr [-] (N of force per N of normal load).
    cos_grade : float or array
        cos θ of the road grade angle θ [-].

    Returns
    -------
    float or array
        Rolling resistance force [N]; applies only while the car rolls.

    References
    ----------
    Gillespie (1992), eq. 4-22; ISO 28580 defines C_rr as force per unit load.
    """
    return rolling_resistance * mass_kg * G_STANDARD_MPS2 * cos_grade


def grade_force(mass_kg: float, sin_grade: FloatOrArray) -> FloatOrArray:
    """Weight component along the road, F = m g sin θ (positive uphill).

    Parameters
    ----------
    mass_kg : float
        Vehicle mass [kg].
    sin_grade : float or array
        sin θ of the road grade angle θ [-].

    Returns
    -------
    float or array
        Grade force [N].
    """
    return mass_kg * G_STANDARD_MPS2 * sin_grade


def coastdown_force(
    speed_mps: FloatOrArray, f0_n: float, f1_n_per_mps: float, f2_n_per_mps2: float
) -> FloatOrArray:
    """Road-load force from coast-down (target) coefficients, F = f0 + f1 v + f2 v².

    Parameters
    ----------
    speed_mps : float or array
        Vehicle speed [m/s].
    f0_n, f1_n_per_mps, f2_n_per_mps2 : float
        Coefficients [N], [N/(m/s)], [N/(m/s)²] (EPA target A, B, C; WLTP f0, f1, f2).

    Returns
    -------
    float or array
        Level-road resistance force [N], tyres, drivetrain drag and aerodynamics together.

    References
    ----------
    40 CFR 1066.301(b); UN GTR 15 Annex 4.
    """
    return f0_n + f1_n_per_mps * speed_mps + f2_n_per_mps2 * speed_mps * speed_mps


def physical_rolling_terms(
    mass_kg: float, rolling_resistance: float, speed_coefficient_s_per_m: float, linear_drag: float
) -> tuple[float, float]:
    """Constant and linear road-load terms (f0, f1) of a car described by its spec sheet.

    f0 = C_rr m g and f1 = c_v m g + b_d: tyre rolling resistance with its speed-dependent part
    (which grows with the load), plus the driveline's zero-torque drag (bearings, seals and
    the motors' spin losses as a coasting car has them). Together with ½ρC_dA v² this is the
    whole coast-down force F = f0 + f1 v + f2 v² (docs/model.md, energy accounting).

    Parameters
    ----------
    mass_kg : float
        Vehicle (test) mass m [kg].
    rolling_resistance : float
        Vehicle-level rolling coefficient C_rr [-].
    speed_coefficient_s_per_m : float
        c_v [s/m]: f1 per unit weight.
    linear_drag : float
        b_d [N/(m/s)]: the part of f1 that does not grow with mass.

    Returns
    -------
    (float, float)
        f0 [N], f1 [N/(m/s)].

    References
    ----------
    SAE J2452 (tyre rolling resistance grows with speed); 40 CFR 1066.301 (coast-down form).
    """
    weight = mass_kg * G_STANDARD_MPS2
    return rolling_resistance * weight, speed_coefficient_s_per_m * weight + linear_drag
