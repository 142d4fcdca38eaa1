"""Global fit of model coefficients on the EPA training split (model years <= 2021).

Only global coefficients are fitted, never anything per vehicle or per maker. The fitted
values are written into :mod:`evforge.spec.defaults` by hand, with the date, the split and
the command that reproduces them (``evforge validate epa --refit``).

Fitted here: the motors' constant loss ``c_0`` (inverter and controller, while moving) and
the vehicle-on base load (coolant pumps, DC-DC converter and inverter standby, contactors;
drawn whenever the car is on, on top of the 12 V auxiliary load). The other coefficients keep
their literature values; with coast-down road loads the motors' no-load iron and windage drag
is already in the measured coefficients (see :mod:`evforge.spec.derive`), so it cannot be
identified from these data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from evforge.validation import epa
from evforge.vehicle import Vehicle

__all__ = ["FitResult", "fit_global_coefficients", "with_coefficients"]


@dataclass(frozen=True)
class FitResult:
    """Fitted global coefficients and the size of the training set."""

    motor_loss_const: float
    base_load_w: float
    n_train_rows: int
    cost: float


def with_coefficients(vehicle: Vehicle, motor_loss_const: float, base_load_w: float) -> Vehicle:
    """The vehicle with a different constant motor loss and vehicle-on base load."""
    c = vehicle.motor_loss_coefficients
    return dataclasses.replace(
        vehicle,
        motor_loss_coefficients=(motor_loss_const, c[1], c[2], c[3]),
        base_load_w=base_load_w,
    )


def fit_global_coefficients(vehicles: Sequence[Vehicle], rows: pd.DataFrame) -> FitResult:
    """Least squares on log(predicted / measured MPGe), UDDS and HWFET, training rows only.

    A soft-L1 loss keeps a few vehicles far off the generic model (induction or separately
    excited motors, two-speed gearboxes) from dominating the fit.
    """
    train = (rows["split"] == "train").to_numpy()
    cars = [v for v, t in zip(vehicles, train, strict=True) if t]
    measured = {c: rows.loc[train, f"{c}_mpge"].to_numpy(dtype=float) for c in epa.CYCLES}

    def residuals(theta: np.ndarray) -> np.ndarray:
        batch = [with_coefficients(v, theta[0], theta[1]) for v in cars]
        predicted = epa.predict(batch)
        parts = []
        for cycle in epa.CYCLES:
            ok = np.isfinite(measured[cycle])
            parts.append(np.log(predicted[cycle][ok] / measured[cycle][ok]))
        return np.concatenate(parts)

    result = least_squares(
        residuals,
        x0=[0.002, 250.0],
        bounds=([0.0, 0.0], [0.05, 2000.0]),
        x_scale=[0.002, 100.0],
        diff_step=1e-3,
        loss="soft_l1",
        f_scale=0.1,
    )
    return FitResult(
        motor_loss_const=float(result.x[0]),
        base_load_w=float(result.x[1]),
        n_train_rows=len(cars),
        cost=float(result.cost),
    )
