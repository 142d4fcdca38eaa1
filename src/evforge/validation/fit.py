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

Optionally the loss-size exponent α of :func:`evforge.physics.motor.loss_scale_power` is fitted
with them (``fit_size_exponent=True``): whether large motors lose relatively less (α < 1) or
more (α > 1) than the rating-proportional default α = 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from evforge.physics.motor import loss_scale_power
from evforge.spec import defaults as d
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
    size_exponent: float = d.MOTOR_LOSS_SIZE_EXPONENT.value


def with_coefficients(
    vehicle: Vehicle,
    motor_loss_const: float,
    base_load_w: float,
    size_exponent: float | None = None,
) -> Vehicle:
    """The vehicle with a different constant motor loss and vehicle-on base load, and (if
    ``size_exponent`` is given) the motors' loss scales recomputed with that exponent α."""
    c = vehicle.motor_loss_coefficients
    front, rear = vehicle.front, vehicle.rear
    if size_exponent is not None:
        ref = d.MOTOR_LOSS_REFERENCE_POWER.value * 1e3
        front, rear = (
            dataclasses.replace(
                a, loss_scale_w=loss_scale_power(a.peak_power_w, ref, size_exponent)
            )
            if a.driven
            else a
            for a in (front, rear)
        )
    return dataclasses.replace(
        vehicle,
        front=front,
        rear=rear,
        motor_loss_coefficients=(motor_loss_const, c[1], c[2], c[3]),
        base_load_w=base_load_w,
    )


def fit_global_coefficients(
    vehicles: Sequence[Vehicle], rows: pd.DataFrame, *, fit_size_exponent: bool = False
) -> FitResult:
    """Least squares on log(predicted / measured MPGe), UDDS and HWFET, training rows only.

    A soft-L1 loss keeps a few vehicles far off the generic model (induction or separately
    excited motors, two-speed gearboxes) from dominating the fit.
    """
    train = (rows["split"] == "train").to_numpy()
    cars = [v for v, t in zip(vehicles, train, strict=True) if t]
    measured = {c: rows.loc[train, f"{c}_mpge"].to_numpy(dtype=float) for c in epa.CYCLES}

    def residuals(theta: np.ndarray) -> np.ndarray:
        alpha = theta[2] if fit_size_exponent else None
        batch = [with_coefficients(v, theta[0], theta[1], alpha) for v in cars]
        predicted = epa.predict(batch)
        parts = []
        for cycle in epa.CYCLES:
            ok = np.isfinite(measured[cycle])
            parts.append(np.log(predicted[cycle][ok] / measured[cycle][ok]))
        return np.concatenate(parts)

    x0, lo, hi, scale = [0.002, 250.0], [0.0, 0.0], [0.05, 2000.0], [0.002, 100.0]
    if fit_size_exponent:
        x0, lo, hi, scale = [*x0, 1.0], [*lo, 0.3], [*hi, 1.6], [*scale, 0.1]
    result = least_squares(
        residuals,
        x0=x0,
        bounds=(lo, hi),
        x_scale=scale,
        diff_step=1e-3,
        loss="soft_l1",
        f_scale=0.1,
    )
    return FitResult(
        motor_loss_const=float(result.x[0]),
        base_load_w=float(result.x[1]),
        n_train_rows=len(cars),
        cost=float(result.cost),
        size_exponent=float(result.x[2]) if fit_size_exponent else d.MOTOR_LOSS_SIZE_EXPONENT.value,
    )
