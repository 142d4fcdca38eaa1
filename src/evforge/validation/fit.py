"""Global fit of the energy model's coefficients on the EPA training split.

Only global coefficients are fitted, never anything per vehicle, per maker or per platform.
The training split is by vehicle family (:func:`evforge.validation.epa.family_split`), so no
family is on both sides; accuracy is reported on the held-out families. The fitted values
are written into :mod:`evforge.spec.defaults` by hand, with the date, the split and the
command that reproduces them (``evforge validate epa --refit``).

Fitted here (docs/model.md, energy accounting):

- ``inverter_const``: the motors' constant loss while energised (inverter switching and
  controls), a fraction of the loss scale, the same for every technology;
- ``always_on_w``: the one always-on load of a car that is on (12 V loads, DC-DC converter,
  pumps, inverter standby);
- ``excitation``: the extra constant loss of an induction machine (magnetising current) and
  of a separately excited one (rotor field) once energised, per technology;
- optionally ``size_exponent``, α of :func:`evforge.physics.motor.loss_scale_power`.

The copper and iron coefficients keep their literature values (docs/motor-loss-research.md);
with the coast-down road load, the zero-torque spin drag is inside the measured
coefficients, so it is not identifiable (nor counted) here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from evforge.enums import MotorTechnology
from evforge.physics.motor import loss_scale_power
from evforge.spec import defaults as d
from evforge.validation import epa
from evforge.vehicle import AxleDrive, Vehicle

__all__ = ["Coefficients", "FitResult", "fit_global_coefficients", "with_coefficients"]

_EXCITED = (MotorTechnology.INDUCTION, MotorTechnology.EESM)


def _default_excitation() -> dict[MotorTechnology, float]:
    base = d.MOTOR_LOSSES[MotorTechnology.PMSM][0].value
    return {t: d.MOTOR_LOSSES[t][0].value - base for t in _EXCITED}


@dataclass(frozen=True)
class Coefficients:
    """The global energy-model coefficients the EPA fit can change."""

    inverter_const: float = d.MOTOR_LOSSES[MotorTechnology.PMSM][0].value
    always_on_w: float = d.AUXILIARY_POWER.value
    excitation: Mapping[MotorTechnology, float] = field(default_factory=_default_excitation)
    size_exponent: float = d.MOTOR_LOSS_SIZE_EXPONENT.value


@dataclass(frozen=True)
class FitResult:
    """Fitted coefficients and the size of the training set."""

    coefficients: Coefficients
    n_train_rows: int
    cost: float


def _axle(axle: AxleDrive, c: Coefficients) -> AxleDrive:
    if not axle.driven:
        return axle
    table = d.MOTOR_LOSSES[axle.technology]
    const = c.inverter_const + c.excitation.get(axle.technology, 0.0)
    ref = d.MOTOR_LOSS_REFERENCE_POWER.value * 1e3
    return dataclasses.replace(
        axle,
        loss_scale_w=loss_scale_power(axle.peak_power_w, ref, c.size_exponent),
        loss_coefficients=(const, table[1].value, table[2].value, table[3].value),
    )


def with_coefficients(vehicle: Vehicle, c: Coefficients) -> Vehicle:
    """The vehicle with other global coefficients: each axle's constant loss (inverter plus
    its technology's excitation), the loss scales recomputed with α, and the always-on load."""
    return dataclasses.replace(
        vehicle,
        front=_axle(vehicle.front, c),
        rear=_axle(vehicle.rear, c),
        auxiliary_power_w=c.always_on_w,
    )


def _unpack(
    theta: np.ndarray, technologies: Sequence[MotorTechnology], alpha: bool
) -> Coefficients:
    excitation = dict(_default_excitation())
    for i, t in enumerate(technologies):
        excitation[t] = float(theta[2 + i])
    return Coefficients(
        inverter_const=float(theta[0]),
        always_on_w=float(theta[1]),
        excitation=excitation,
        size_exponent=float(theta[-1]) if alpha else d.MOTOR_LOSS_SIZE_EXPONENT.value,
    )


def fit_global_coefficients(
    vehicles: Sequence[Vehicle],
    rows: pd.DataFrame,
    *,
    fit_size_exponent: bool = True,
) -> FitResult:
    """Least squares on log(predicted / measured MPGe), UDDS and HWFET, training rows only.

    The excitation loss of a technology is fitted only when the training rows hold at least
    three families with it; otherwise it keeps its default. A soft-L1 loss keeps a few
    vehicles far off the generic model (two-speed gearboxes, for instance) from dominating.
    """
    train = (rows["split"] == "train").to_numpy()
    cars = [v for v, t in zip(vehicles, train, strict=True) if t]
    measured = {c: rows.loc[train, f"{c}_mpge"].to_numpy(dtype=float) for c in epa.CYCLES}
    train_rows = rows.loc[train]
    technologies = []
    for t in _EXCITED:
        has = [any(a.driven and a.technology is t for a in v.axles) for v in cars]
        families = train_rows.loc[np.array(has, dtype=bool), "family"].nunique() if has else 0
        if families >= 3:
            technologies.append(t)

    def residuals(theta: np.ndarray) -> np.ndarray:
        c = _unpack(theta, technologies, fit_size_exponent)
        predicted = epa.predict([with_coefficients(v, c) for v in cars])
        parts = []
        for cycle in epa.CYCLES:
            ok = np.isfinite(measured[cycle])
            parts.append(np.log(predicted[cycle][ok] / measured[cycle][ok]))
        return np.concatenate(parts)

    x0 = [0.002, 300.0] + [0.005] * len(technologies)
    lo = [0.0, 0.0] + [0.0] * len(technologies)
    hi = [0.05, 2000.0] + [0.1] * len(technologies)
    scale = [0.002, 100.0] + [0.005] * len(technologies)
    if fit_size_exponent:
        x0, lo, hi, scale = [*x0, 0.7], [*lo, 0.0], [*hi, 1.6], [*scale, 0.1]
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
        coefficients=_unpack(result.x, technologies, fit_size_exponent),
        n_train_rows=len(cars),
        cost=float(result.cost),
    )
