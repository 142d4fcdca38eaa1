"""Global fit of the energy model's coefficients on the EPA training split.

Only global coefficients are fitted, never anything per vehicle, per maker or per platform.
The training split is by vehicle family (:func:`evforge.validation.epa.family_split`), so no
family is on both sides; accuracy is reported on the held-out families. The shipped values
are entries of the shipped parameter set (:mod:`evforge.params`), each with the date, the
split and the command that reproduces them (``evforge validate epa --refit``);
:func:`refit_parameter_set` writes a new set file with the refitted values.

Fitted here (docs/model.md, energy accounting):

- ``inverter_const``: the motors' constant loss while energised (inverter switching and
  controls), a fraction of the loss scale, the same for every technology;
- ``always_on_w``: the one always-on load of a car that is on (12 V loads, DC-DC converter,
  pumps, inverter standby);
- ``excitation``: the extra constant loss of an induction machine (magnetising current) and
  of a separately excited one (rotor field) once energised, per technology;
- optionally ``size_exponent``, α of :func:`evforge.physics.motor.loss_scale_power`.

The fit is joint over two training sets, each with the same total weight: the EPA Test Car
List training families (unadjusted UDDS and HWFET MPGe, coast-down road loads) and the
spec-sheet set's training families (official EPA / WLTP / CLTC range, physical road load;
:mod:`evforge.validation.specsheet`), because the coefficients are shared by both input
paths. The always-on load is bounded below by the smallest measured 12 V load of a BEV,
144 W (DOE VTO Program Record, 2024): the fit may not make it less than what is measured.

The copper and iron coefficients keep their literature values (docs/motor-loss-research.md);
with the coast-down road load, the zero-torque spin drag is inside the measured
coefficients, so it is not identifiable (nor counted) here.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from evforge.enums import MotorTechnology
from evforge.errors import InputError
from evforge.params import Fit, ParameterSet, load_parameters, write_parameter_set
from evforge.physics.motor import loss_scale_power
from evforge.spec import build_vehicle, parse_spec
from evforge.spec import defaults as d
from evforge.validation import epa
from evforge.vehicle import AxleDrive, Vehicle

__all__ = [
    "Coefficients",
    "FitResult",
    "fit_global_coefficients",
    "parameter_set_from_fit",
    "refit_parameter_set",
    "specsheet_training_cases",
    "with_coefficients",
]

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
    #: P_ref of the loss scale [kW] (not fitted).
    reference_power_kw: float = d.MOTOR_LOSS_REFERENCE_POWER.value

    @classmethod
    def from_parameters(cls, params: ParameterSet) -> Coefficients:
        """The coefficients of a parameter set (the shipped one gives ``Coefficients()``)."""
        base = params.value("motor_losses.pmsm.const")
        return cls(
            inverter_const=base,
            always_on_w=params.value("auxiliary_power"),
            excitation={t: params.value(f"motor_losses.{t.value}.const") - base for t in _EXCITED},
            size_exponent=params.value("motor_loss_size_exponent"),
            reference_power_kw=params.value("motor_loss_reference_power"),
        )


@dataclass(frozen=True)
class FitResult:
    """Fitted coefficients and the size of the training set."""

    coefficients: Coefficients
    n_train_rows: int
    cost: float


def _axle(axle: AxleDrive, c: Coefficients) -> AxleDrive:
    if not axle.driven:
        return axle
    const = c.inverter_const + c.excitation.get(axle.technology, 0.0)
    ref = c.reference_power_kw * 1e3
    _, iron, windage, copper = axle.loss_coefficients  # the set's, as the car was built
    return dataclasses.replace(
        axle,
        loss_scale_w=loss_scale_power(axle.peak_power_w, ref, c.size_exponent),
        loss_coefficients=(const, iron, windage, copper),
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
    theta: np.ndarray,
    technologies: Sequence[MotorTechnology],
    alpha: bool,
    defaults: Coefficients | None = None,
) -> Coefficients:
    fixed = defaults if defaults is not None else Coefficients()
    excitation = dict(fixed.excitation)
    for i, t in enumerate(technologies):
        excitation[t] = float(theta[2 + i])
    return Coefficients(
        inverter_const=float(theta[0]),
        always_on_w=float(theta[1]),
        excitation=excitation,
        size_exponent=float(theta[-1]) if alpha else fixed.size_exponent,
        reference_power_kw=fixed.reference_power_kw,
    )


#: Smallest measured 12 V load of a BEV [W], the lower bound of the always-on load.
MIN_ALWAYS_ON_W: Final = 144.0


def specsheet_training_cases(
    params: ParameterSet | None = None,
) -> list[tuple[str, Vehicle, float]]:
    """(market, vehicle, official range [km]) of the spec-sheet set's training variants,
    built with ``params`` (default the shipped set)."""
    from evforge.validation import specsheet

    variants = specsheet.load_variants()
    official = specsheet.load_official()
    cases = []
    for r in variants[variants["split"] == "train"].to_dict("records"):
        pub = official[(official["variant"] == r["variant"]) & (official["metric"] == "range")]
        if not pub.empty:
            if params is None:
                car = specsheet.build(pd.Series(r))
            else:
                where = f"specsheet/{r['market']}/variants.csv: {r['variant']}"
                car = build_vehicle(parse_spec(r["spec"], source=where), params)
            cases.append((str(r["market"]), car, float(pub["value"].iloc[0])))
    return cases


def fit_global_coefficients(
    vehicles: Sequence[Vehicle],
    rows: pd.DataFrame,
    *,
    fit_size_exponent: bool = True,
    specsheet_cases: Sequence[tuple[str, Vehicle, float]] = (),
    fit_excitation: bool = True,
    start: Coefficients | None = None,
    defaults: Coefficients | None = None,
) -> FitResult:
    """Least squares on log(predicted / measured), training rows only (module notes).

    EPA rows: UDDS and HWFET MPGe. ``specsheet_cases`` (:func:`specsheet_training_cases`):
    official range by the market's procedure, weighted so that the two sets count the same.
    The excitation loss of a technology is fitted only when ``fit_excitation`` and the EPA
    training rows hold at least three families with it; otherwise it keeps its default. A
    soft-L1 loss keeps a few vehicles far off the generic model (two-speed gearboxes, a
    maker's conservative label) from dominating. The search starts from a fixed point, or
    from ``start`` (to check that given coefficients are the optimum, in a few steps).
    ``defaults`` gives what is not fitted (the excitation of a technology not fitted, α when
    ``fit_size_exponent`` is off, P_ref); default the shipped values.
    """
    from evforge.validation import specsheet

    train = (rows["split"] == "train").to_numpy()
    cars = [v for v, t in zip(vehicles, train, strict=True) if t]
    measured = {c: rows.loc[train, f"{c}_mpge"].to_numpy(dtype=float) for c in epa.CYCLES}
    train_rows = rows.loc[train]
    technologies = []
    for t in _EXCITED:
        has = [any(a.driven and a.technology is t for a in v.axles) for v in cars]
        families = train_rows.loc[np.array(has, dtype=bool), "family"].nunique() if has else 0
        if families >= 3 and fit_excitation:
            technologies.append(t)

    def residuals(theta: np.ndarray) -> np.ndarray:
        c = _unpack(theta, technologies, fit_size_exponent, defaults)
        predicted = epa.predict([with_coefficients(v, c) for v in cars])
        parts = []
        for cycle in epa.CYCLES:
            ok = np.isfinite(measured[cycle])
            parts.append(np.log(predicted[cycle][ok] / measured[cycle][ok]))
        residual = np.concatenate(parts)
        if specsheet_cases:
            sheet = [
                np.log(specsheet.predict(m, with_coefficients(v, c))["range"] / official)
                for m, v, official in specsheet_cases
            ]
            weight = np.sqrt(residual.size / len(sheet))
            residual = np.concatenate([residual, weight * np.asarray(sheet)])
        return residual

    x0 = [0.002, 300.0] + [0.005] * len(technologies)  # fixed start, not the shipped values
    lo = [0.0, MIN_ALWAYS_ON_W] + [0.0] * len(technologies)
    hi = [0.05, 2000.0] + [0.1] * len(technologies)
    scale = [0.002, 100.0] + [0.005] * len(technologies)
    if fit_size_exponent:
        x0, lo, hi, scale = [*x0, 0.7], [*lo, 0.0], [*hi, 1.6], [*scale, 0.1]
    if start is not None:
        x0 = [start.inverter_const, start.always_on_w]
        x0 += [start.excitation.get(t, 0.0) for t in technologies]
        if fit_size_exponent:
            x0.append(start.size_exponent)
        x0 = [min(max(x, lo_i), hi_i) for x, lo_i, hi_i in zip(x0, lo, hi, strict=True)]
    cases = len(cars) + len(specsheet_cases)
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
        coefficients=_unpack(result.x, technologies, fit_size_exponent, defaults),
        n_train_rows=cases,
        cost=float(result.cost),
    )


#: The fit record of :func:`refit_parameter_set` (its date is the day of the refit).
FIT_COMMAND: Final = "evforge validate epa --refit"
FIT_DATA: Final = (
    "EPA Test Car List BEV rows, unadjusted UDDS/HWFET MPGe with coast-down road loads "
    "(evforge/validation/data/epa_testcar_bev_summary.csv), jointly with the spec-sheet set's "
    "official ranges (evforge/validation/data/specsheet/)"
)
FIT_SPLIT: Final = "training families by SHA-256 of family"


def _build_epa(rows: pd.DataFrame, params: ParameterSet) -> tuple[list[Vehicle], list[int]]:
    """:func:`evforge.validation.epa.build_vehicles` with another parameter set."""
    vehicles, kept = [], []
    for i, (_, row) in enumerate(rows.iterrows()):
        try:
            vehicles.append(build_vehicle(parse_spec(epa.row_spec(row)), params))
            kept.append(i)
        except InputError:
            continue
    return vehicles, kept


def parameter_set_from_fit(
    fitted: FitResult,
    base: ParameterSet | None = None,
    *,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """``base`` (default the shipped set) with the fitted energy coefficients: the constant
    loss of each technology (``motor_losses.<t>.const`` = inverter constant + its
    excitation), the always-on load and the size exponent, each with its fit record."""
    p = base if base is not None else load_parameters()
    c = fitted.coefficients
    values = {
        f"motor_losses.{t.value}.const": c.inverter_const + c.excitation.get(t, 0.0)
        for t in (MotorTechnology.PMSM, *_EXCITED)
    }
    values["auxiliary_power"] = c.always_on_w
    values["motor_loss_size_exponent"] = c.size_exponent
    when = date or datetime.date.today().isoformat()
    excitation = ", ".join(f"{t.value} {v:.6f}" for t, v in c.excitation.items())
    detail = (
        f"{fitted.n_train_rows} training cases; inverter constant {c.inverter_const:.6f}, "
        f"excitation {excitation}"
    )
    return p.with_values(
        values,
        name=name,
        version=version,
        fit=Fit(FIT_COMMAND, FIT_DATA, FIT_SPLIT, when),
        detail=detail,
    )


def refit_parameter_set(
    out_path: str | Path,
    base: ParameterSet | None = None,
    *,
    fitted: FitResult | None = None,
    name: str | None = None,
    version: str | None = None,
    date: str | None = None,
) -> ParameterSet:
    """Refit the energy coefficients and write a new parameter set file at ``out_path``.

    Without ``fitted``, runs the fit of ``evforge validate epa --refit`` (minutes): the EPA
    and spec-sheet training cases built with ``base`` (default the shipped set), searched
    from the fixed start, every other coefficient as in ``base``. With ``fitted`` (a
    :func:`fit_global_coefficients` result already computed), only writes. Returns the set
    written (its ``path`` is ``out_path``); load it with :func:`evforge.params.load_parameters`.
    """
    p = base if base is not None else load_parameters()
    if fitted is None:
        rows = epa.load_rows()
        if base is None:
            vehicles, kept, _ = epa.build_vehicles(rows)
        else:
            vehicles, kept = _build_epa(rows, p)
        fitted = fit_global_coefficients(
            vehicles,
            rows.iloc[kept].reset_index(drop=True),
            specsheet_cases=specsheet_training_cases(base),
            defaults=Coefficients.from_parameters(p),
        )
    new = parameter_set_from_fit(fitted, p, name=name, version=version, date=date)
    out = write_parameter_set(new, out_path)
    return dataclasses.replace(new, path=out.resolve())
