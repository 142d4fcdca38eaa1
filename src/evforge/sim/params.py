"""Packing :class:`~evforge.vehicle.Vehicle` objects into the kernel's parameter matrix."""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import attrgetter
from typing import Final

import numpy as np
import numpy.typing as npt

from evforge.sim import kernel as k
from evforge.vehicle import AxleDrive, Vehicle

__all__ = ["pack"]

#: The vehicle-level columns, in the order :func:`pack` writes them (then the two axles).
_VEHICLE_COLUMNS: Final = (
    k.P_MASS,
    k.P_INERTIAL_MASS,
    k.P_ROLL,
    k.P_LINEAR,
    k.P_AERO,
    k.P_GEAR,
    k.P_GEAR_EFF,
    k.P_AUX,
    k.P_CAPACITY,
    k.P_RESISTANCE,
    k.P_MAX_CHARGE,
    k.P_SOC0,
    k.P_REGEN_ZERO,
    k.P_REGEN_FULL,
    k.P_PRIMARY_AXLE,
)
assert tuple(range(k.P_AXLE0)) == _VEHICLE_COLUMNS, "pack() writes the P_* columns in order"
assert k.AXLE_STRIDE == 9, "pack() writes 9 columns per axle"


#: The vehicle fields of the columns P_MASS .. P_REGEN_FULL, in order (then P_PRIMARY_AXLE).
_vehicle_fields = attrgetter(
    "mass_kg",
    "inertial_mass_kg",
    "rolling_n",
    "linear_n_per_mps",
    "aero_n_per_mps2",
    "gear_ratio",
    "gear_efficiency",
    "auxiliary_power_w",
    "capacity_c",
    "resistance_ohm",
    "max_charge_power_w",
    "initial_soc",
    "regen_zero_speed_mps",
    "regen_full_speed_mps",
)
_axle_fields = attrgetter(
    "peak_power_w", "peak_torque_nm", "max_speed_rad_s", "wheel_radius_m", "loss_scale_w"
)


def _axle(axle: AxleDrive) -> tuple[float, ...]:
    """One axle's columns: peak power, torque, ω_max (1e9 for no limit), r, loss scale and
    the four loss coefficients."""
    power, torque, max_speed, radius, loss_scale = _axle_fields(axle)
    c_const, c_iron, c_windage, c_copper = axle.loss_coefficients
    max_speed = max_speed if math.isfinite(max_speed) else 1e9
    return (power, torque, max_speed, radius, loss_scale, c_const, c_iron, c_windage, c_copper)


def pack(
    vehicles: Sequence[Vehicle], *, grid_of: Vehicle | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return ``(params[N, N_PARAMS], ocv_soc[K], ocv_v[N, K])`` for the kernel.

    Parameters
    ----------
    vehicles : sequence of Vehicle
        The batch (or one chunk of it).
    grid_of : Vehicle, optional
        The vehicle whose OCV state-of-charge grid every vehicle must share; default the
        first of ``vehicles`` (a chunk of a batch passes the batch's first).

    Raises
    ------
    ValueError
        If the vehicles' OCV tables do not share one state-of-charge grid.
    """
    n = len(vehicles)
    grid = (vehicles[0] if grid_of is None else grid_of).ocv_soc
    soc_grid = np.asarray(grid, dtype=np.float64)
    rows = []
    for v in vehicles:
        if v.ocv_soc != grid:
            raise ValueError("all vehicles in a batch must share the OCV state-of-charge grid")
        row = v.packed_row
        if row is None:  # made once per car (a frozen car: the row cannot go stale)
            front, rear = v.axles
            row = (*_vehicle_fields(v), v.primary_axle_index, *_axle(front), *_axle(rear))
            object.__setattr__(v, "packed_row", row)
        rows.append(row)
    params = np.array(rows, dtype=np.float64).reshape(n, k.N_PARAMS)
    ocv = np.array([v.ocv_v for v in vehicles], dtype=np.float64)
    if ocv.shape != (n, soc_grid.size):  # a table of another length: say so as before
        ocv = np.empty((n, soc_grid.size))
        for j, v in enumerate(vehicles):
            ocv[j] = v.ocv_v
    return params, soc_grid, ocv
