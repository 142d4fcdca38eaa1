"""Packing :class:`~evforge.vehicle.Vehicle` objects into the kernel's parameter matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from evforge.sim import kernel as k
from evforge.vehicle import Vehicle

__all__ = ["pack"]


def pack(
    vehicles: Sequence[Vehicle],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return ``(params[N, N_PARAMS], ocv_soc[K], ocv_v[N, K])`` for the kernel.

    Raises
    ------
    ValueError
        If the vehicles' OCV tables do not share one state-of-charge grid.
    """
    n = len(vehicles)
    params = np.empty((n, k.N_PARAMS))
    soc_grid = np.asarray(vehicles[0].ocv_soc, dtype=np.float64)
    ocv = np.empty((n, soc_grid.size))
    for j, v in enumerate(vehicles):
        if v.ocv_soc != vehicles[0].ocv_soc:
            raise ValueError("all vehicles in a batch must share the OCV state-of-charge grid")
        row = params[j]
        row[k.P_MASS] = v.mass_kg
        row[k.P_INERTIAL_MASS] = v.inertial_mass_kg
        row[k.P_ROLL] = v.rolling_n
        row[k.P_LINEAR] = v.linear_n_per_mps
        row[k.P_AERO] = v.aero_n_per_mps2
        row[k.P_GEAR] = v.gear_ratio
        row[k.P_GEAR_EFF] = v.gear_efficiency
        row[k.P_AUX] = v.auxiliary_power_w
        row[k.P_CAPACITY] = v.capacity_c
        row[k.P_RESISTANCE] = v.resistance_ohm
        row[k.P_MAX_CHARGE] = v.max_charge_power_w
        row[k.P_SOC0] = v.initial_soc
        row[k.P_REGEN_ZERO] = v.regen_zero_speed_mps
        row[k.P_REGEN_FULL] = v.regen_full_speed_mps
        row[k.P_PRIMARY_AXLE] = v.primary_axle_index
        for a, axle in enumerate(v.axles):
            base = k.P_AXLE0 + k.AXLE_STRIDE * a
            row[base] = axle.peak_power_w
            row[base + 1] = axle.peak_torque_nm
            row[base + 2] = axle.max_speed_rad_s if np.isfinite(axle.max_speed_rad_s) else 1e9
            row[base + 3] = axle.wheel_radius_m
            row[base + 4] = axle.loss_scale_w
            row[base + 5 : base + 9] = axle.loss_coefficients
        ocv[j] = v.ocv_v
    return params, soc_grid, ocv
