"""Which model structure the EPA Test Car List rows support: one refit per variant.

Each variant changes one structural choice of the generic model, refits the global
coefficients (constant motor loss c0, vehicle-on base load, and where stated the loss-size
exponent α) on the training split (model years <= 2021) with the same soft-L1 least squares
as ``evforge validate epa --refit``, and reports MAPE, median absolute error and bias on both
splits, all rows and fueleconomy.gov-confirmed rows. Issue #3; the figures are quoted in
docs/model.md and the validation report.

Variants:

- ``baseline``: default gear ratio 9.0 for every row, proportional AWD split, α = 1;
- ``+nv``: the row's N/V sets the gear ratio (single-speed rows with a clean N/V);
- ``+rear_first``: AWD cars drive (and regenerate) on the rear axle first, the front motor
  idles without loss until needed (``torque_split: rear_first``);
- ``+alpha``: α fitted with c0 and the base load;
- ``+2speed η (diagnostic)`` (default gear ratio): a gear-efficiency factor for two-speed
  rows fitted as a fourth global coefficient. Not adopted: the fitted 0.89 is far beyond
  any gearbox's loss and stands in for one platform (Porsche Taycan), not for physics.

Run: ``python benchmarks/epa_structure_study.py`` (about a minute).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from evforge.enums import TorqueSplit
from evforge.validation import epa
from evforge.validation.fit import fit_global_coefficients, with_coefficients
from evforge.vehicle import Vehicle


def table(name: str, rows: pd.DataFrame, predicted: dict[str, np.ndarray]) -> list[str]:
    lines = []
    for cycle in epa.CYCLES:
        cells = [name, cycle]
        for split in ("train", "test"):
            for subset in ("all", "confirmed"):
                mask = (rows["split"] == split).to_numpy()
                if subset == "confirmed":
                    mask = mask & rows[f"{cycle}_confirmed"].to_numpy()
                measured = rows[f"{cycle}_mpge"].to_numpy()[mask]
                m = epa.metrics(predicted[cycle][mask], measured, cycle, split)
                cells.append(f"{100 * m.mape:.1f} / {100 * m.median_ape:.1f} / {100 * m.bias:+.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def fit_two_speed(
    vehicles: Sequence[Vehicle], rows: pd.DataFrame
) -> tuple[np.ndarray, Callable[[Vehicle, int], Vehicle]]:
    two = (rows["gears"] == 2).to_numpy()

    def make(v: Vehicle, i: int, theta: np.ndarray) -> Vehicle:
        w = with_coefficients(v, theta[0], theta[1])
        if two[i]:
            w = dataclasses.replace(w, gear_efficiency=w.gear_efficiency * theta[2])
        return w

    train = np.flatnonzero((rows["split"] == "train").to_numpy())
    measured = {c: rows[f"{c}_mpge"].to_numpy(dtype=float)[train] for c in epa.CYCLES}

    def residuals(theta: np.ndarray) -> np.ndarray:
        p = epa.predict([make(vehicles[i], i, theta) for i in train])
        ok = {c: np.isfinite(measured[c]) for c in epa.CYCLES}
        return np.concatenate([np.log(p[c][ok[c]] / measured[c][ok[c]]) for c in epa.CYCLES])

    x = least_squares(
        residuals,
        x0=[0.002, 400.0, 0.95],
        bounds=([0.0, 0.0, 0.5], [0.05, 2000.0, 1.0]),
        x_scale=[0.002, 100.0, 0.02],
        diff_step=1e-3,
        loss="soft_l1",
        f_scale=0.1,
    ).x
    return x, lambda v, i: make(v, i, x)


def main() -> None:
    start = time.perf_counter()
    all_rows = epa.load_rows()
    header = [
        "| variant | cycle | train all | train confirmed | test all | test confirmed |",
        "|---|---|---|---|---|---|",
    ]
    out = []
    notes = []
    for name, nv, split, alpha in (
        ("baseline", False, TorqueSplit.PROPORTIONAL, False),
        ("+nv", True, TorqueSplit.PROPORTIONAL, False),
        ("+nv +rear_first", True, TorqueSplit.REAR_FIRST, False),
        ("+nv +alpha", True, TorqueSplit.PROPORTIONAL, True),
        ("+nv +rear_first +alpha", True, TorqueSplit.REAR_FIRST, True),
    ):
        vehicles, kept, _ = epa.build_vehicles(all_rows, nv_gear_ratio=nv)
        rows = all_rows.iloc[kept].reset_index(drop=True)
        vehicles = [dataclasses.replace(v, torque_split=split) for v in vehicles]
        f = fit_global_coefficients(vehicles, rows, fit_size_exponent=alpha)
        a = f.size_exponent if alpha else None
        fitted = [with_coefficients(v, f.motor_loss_const, f.base_load_w, a) for v in vehicles]
        out += table(name, rows, epa.predict(fitted))
        notes.append(
            f"{name}: c0 = {f.motor_loss_const:.5f}, base load = {f.base_load_w:.0f} W, "
            f"alpha = {f.size_exponent:.2f}, soft-L1 cost = {f.cost:.4f}"
        )
    vehicles, kept, _ = epa.build_vehicles(all_rows)
    rows = all_rows.iloc[kept].reset_index(drop=True)
    x, make = fit_two_speed(vehicles, rows)
    n_two = int(((rows["gears"] == 2) & (rows["split"] == "train")).sum())
    out += table(
        "+2speed η (diagnostic)",
        rows,
        epa.predict([make(v, i) for i, v in enumerate(vehicles)]),
    )
    notes.append(
        f"+2speed η: c0 = {x[0]:.5f}, base load = {x[1]:.0f} W, two-speed gear-efficiency "
        f"factor = {x[2]:.3f} (fitted on {n_two} two-speed training rows: Porsche Taycan "
        "and one Rimac)"
    )
    print("cells: MAPE / median absolute error / bias, % (predicted / measured MPGe - 1)\n")
    print("\n".join(header + out))
    print()
    print("\n".join(notes))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
