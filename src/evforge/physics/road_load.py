"""Road load: aerodynamic drag, rolling resistance, grade, and coast-down coefficients.

All forces act against the direction of travel and are in newtons [N]; speeds in [m/s].

References
----------
.. [1] T. D. Gillespie, *Fundamentals of Vehicle Dynamics*, SAE, 1992, ch. 4 (road loads:
   aerodynamic drag ½ρC_dAv², rolling resistance f_r W, grade W sin θ).
.. [2] SAE J2263 (road-load measurement using onboard anemometry and coastdown) and
   40 CFR 1066.301 - 1066.315: target road-load force F = A + B v + C v².
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

from evforge.units import G_STANDARD_MPS2

__all__ = [
    "aero_drag_force",
    "coastdown_force",
    "grade_force",
    "physical_rolling_terms",
    "rolling_resistance_force",
]

FloatOrArray = TypeVar("FloatOrArray", float, npt.NDArray[np.float64])


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
