"""Traction motor and inverter: torque envelope and loss model.

The loss model follows the structure of Larminie & Lowry [1] (section 7.x, "motor losses"):
copper losses grow with torque squared, iron losses with speed, windage with speed cubed, and
a constant term covers the inverter and controller. Here every term is scaled to the motor's
peak power P, peak torque T_pk and maximum speed ω_max, so one set of dimensionless global
coefficients serves motors of every size (losses scale with the machine's rating, as for a
family of geometrically similar machines)::

    P_loss = S · [c_0 + c_i (ω/ω_max) + c_w (ω/ω_max)³ + c_cu (T/T_pk)²]

with the loss scale S = P_ref (P/P_ref)^α (:func:`loss_scale_power`): α = 1 makes losses
proportional to the rating; α < 1 lets a large motor lose relatively less at the part loads
of a drive cycle. α is a global model coefficient.

References
----------
.. [1] J. Larminie, J. Lowry, *Electric Vehicle Technology Explained*, 2nd ed., Wiley, 2012,
   ch. 7 (electric machines: losses and efficiency, P_loss = k_c T² + k_i ω + k_w ω³ + C).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["loss_scale_power", "motor_loss_power", "motor_max_torque"]

FloatOrArray = TypeVar("FloatOrArray", float, npt.NDArray[np.float64])


def motor_max_torque(
    speed_rad_s: FloatOrArray, peak_torque_nm: float, peak_power_w: float, max_speed_rad_s: float
) -> FloatOrArray:
    """Torque envelope: constant torque to base speed, then constant power, zero past ω_max.

    Parameters
    ----------
    speed_rad_s : float or array
        Motor speed ω [rad/s], ≥ 0.
    peak_torque_nm : float
        Peak torque T_pk [N·m].
    peak_power_w : float
        Peak (mechanical) power P [W].
    max_speed_rad_s : float
        Maximum speed ω_max [rad/s].

    Returns
    -------
    float or array
        Available torque [N·m] (the same in motoring and generating).
    """
    power_limited = peak_power_w / np.maximum(speed_rad_s, 1e-9)
    envelope: FloatOrArray = np.minimum(peak_torque_nm, power_limited) * (
        speed_rad_s <= max_speed_rad_s
    )
    return envelope


def loss_scale_power(peak_power_w: float, reference_w: float, exponent: float) -> float:
    """Loss scale S = P_ref (P / P_ref)^α [W] of a motor of peak power P."""
    return float(reference_w * (peak_power_w / reference_w) ** exponent)


def motor_loss_power(
    torque_nm: FloatOrArray,
    speed_rad_s: FloatOrArray,
    peak_power_w: float,
    peak_torque_nm: float,
    max_speed_rad_s: float,
    c_const: float,
    c_iron: float,
    c_windage: float,
    c_copper: float,
) -> FloatOrArray:
    """Combined motor and inverter loss [W] at a torque and speed (motoring or generating).

    Parameters
    ----------
    torque_nm : float or array
        Shaft torque T [N·m]; the sign does not matter (losses are the same both ways).
    speed_rad_s : float or array
        Motor speed ω [rad/s], ≥ 0.
    peak_power_w, peak_torque_nm, max_speed_rad_s : float
        The loss scale S [W] (the peak power P when α = 1), T_pk [N·m], ω_max [rad/s].
    c_const, c_iron, c_windage, c_copper : float
        Dimensionless loss coefficients, as fractions of S (see the module notes).

    Returns
    -------
    float or array
        Loss power [W], ≥ 0. Electrical power = mechanical power + loss.
    """
    w = speed_rad_s / max_speed_rad_s
    t = torque_nm / peak_torque_nm
    return peak_power_w * (c_const + c_iron * w + c_windage * w * w * w + c_copper * t * t)
