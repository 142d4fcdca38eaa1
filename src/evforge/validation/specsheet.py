"""The spec-sheet validation set: real cars built only from what their spec sheets say.

This is what a car program has before its first prototype: curb mass, drag coefficient,
width and height, tyres, motors, battery. No coast-down, no test-vehicle data. Each variant
is run through its market's official procedure (EPA label, WLTP, CLTC) and compared with the
figure it was certified at. The data and its format: ``evforge/validation/data/specsheet/``
(``FORMAT.md``, one folder per market, every value with its source).

Split: by vehicle family (make + model), a family in the training split when the first hex
digit of the SHA-256 of its name is even; every variant of a family, in every market, is on
the same side. Global coefficients may be chosen on the training side; the held-out side is
for reporting only.

Examples
--------
>>> from evforge.validation.specsheet import load_variants
>>> variants = load_variants()
>>> sorted(variants["market"].unique())
['cltc', 'epa', 'wltp']
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from evforge.errors import EvforgeError, InputError, Problem
from evforge.output import atomic_write, atomic_write_text
from evforge.spec import build_vehicle, parse_spec
from evforge.units import QuantityError, parse_quantity
from evforge.vehicle import Vehicle

__all__ = [
    "CAR_PREFIX",
    "MARKETS",
    "OFFICIAL_UNITS",
    "SpecsheetResult",
    "family_split",
    "load_official",
    "load_variants",
    "predict",
    "published_rows",
    "run_specsheet_validation",
    "variant_spec",
    "vehicle_of",
    "write_report",
]

_DATA: Final = "evforge.validation.data"
MARKETS: Final = ("epa", "wltp", "cltc")
MARKET_LABELS: Final = {"epa": "EPA label", "wltp": "WLTP", "cltc": "CLTC"}
VARIANT_COLUMNS: Final = ("variant", "family", "field", "value", "unit", "source", "note")
OFFICIAL_COLUMNS: Final = ("variant", "metric", "value", "unit", "condition", "source", "note")
#: Canonical unit and dimension of each official metric.
OFFICIAL_UNITS: Final = {
    "range": ("km", "length"),
    "consumption": ("kWh/(100 km)", "energy per distance"),
    "zero_to_100_kmh": ("s", "time"),
    "zero_to_60_mph": ("s", "time"),
    "top_speed": ("km/h", "speed"),
    "charge_10_80": ("min", "time"),
    "charge_peak_power": ("kW", "power"),
}
#: Consumption units as published, to kWh/100 km (1 mi = 1.609344 km exactly).
_CONSUMPTION_UNITS: Final = {
    "kWh/100km": 1.0,
    "kWh/100 km": 1.0,
    "kWh/100mi": 1.0 / 1.609344,
    "kWh/100 mi": 1.0 / 1.609344,
    "Wh/km": 0.1,
    "Wh/mi": 0.1 / 1.609344,
}
_INDEX = re.compile(r"^(?P<name>[a-z_]+)\[(?P<i>\d)\]$")
#: Fields whose value is text (no unit).
_TEXT_FIELDS: Final = {
    "name",
    "layout",
    "mass.curb_definition",
    "tyres.size",
    "tyres.size.front",
    "tyres.size.rear",
    "battery.chemistry",
    "torque_split",
}


def _read(market: str, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    with resources.files(_DATA).joinpath(f"specsheet/{market}/{name}").open("rb") as f:
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
    if tuple(frame.columns) != columns:
        raise InputError(
            f"specsheet/{market}/{name}",
            [Problem("<header>", f"got {list(frame.columns)}; expected {list(columns)}")],
        )
    return frame


def _markets() -> list[str]:
    root = resources.files(_DATA).joinpath("specsheet")
    return [m for m in MARKETS if root.joinpath(f"{m}/variants.csv").is_file()]


def family_split(family: str) -> str:
    """``"train"`` when the first hex digit of SHA-256(family) is even, else ``"test"``."""
    digest = hashlib.sha256(family.encode()).hexdigest()
    return "train" if int(digest[0], 16) % 2 == 0 else "test"


def _set_path(spec: dict[str, Any], path: str, value: object) -> None:
    """Write ``value`` at a field path such as ``motors[1].peak_power`` or ``tyres.size.rear``."""
    node: Any = spec
    parts = path.split(".")
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        m = _INDEX.match(part)
        if m:
            items = node.setdefault(m["name"], [])
            i = int(m["i"])
            while len(items) <= i:
                items.append({})
            if last:
                items[i] = value
            else:
                node = items[i]
        elif last:
            node[part] = value
        else:
            node = node.setdefault(part, {})


def variant_spec(fields: pd.DataFrame) -> dict[str, Any]:
    """The schema-v1 spec dict of one variant from its ``variants.csv`` rows."""
    spec: dict[str, Any] = {}
    for r in fields.to_dict("records"):
        field, text, unit = str(r["field"]), str(r["value"]).strip(), str(r["unit"]).strip()
        value: object
        if field in _TEXT_FIELDS or field.endswith((".axle", ".technology")):
            value = text
        elif unit:
            value = f"{text} {unit}"
        else:
            value = float(text)
        _set_path(spec, field, value)
    size = spec.get("tyres", {}).get("size")
    if isinstance(size, dict) and set(size) == {"front", "rear"} and size["front"] == size["rear"]:
        spec["tyres"]["size"] = size["front"]
    return spec


@cache
def load_variants() -> pd.DataFrame:
    """One row per variant: ``variant, market, family, split, spec`` (a schema-v1 dict) and
    ``sources`` (field path -> source)."""
    out = []
    for market in _markets():
        frame = _read(market, "variants.csv", VARIANT_COLUMNS)
        for variant, fields in frame.groupby("variant", sort=True):
            family = fields["family"].iloc[0].strip()
            out.append(
                {
                    "variant": variant,
                    "market": market,
                    "family": family,
                    "split": family_split(family),
                    "spec": variant_spec(fields),
                    "sources": dict(zip(fields["field"], fields["source"], strict=True)),
                }
            )
    return pd.DataFrame(out)


def _official_value(value: str, unit: str, metric: str, where: str) -> float:
    canonical, kind = OFFICIAL_UNITS[metric]
    if metric == "consumption":
        factor = _CONSUMPTION_UNITS.get(unit.strip())
        if factor is None:
            raise InputError(
                where,
                [Problem(metric, f"got unit {unit!r}; expected one of {list(_CONSUMPTION_UNITS)}")],
            )
        try:
            return float(value) * factor
        except ValueError:
            raise InputError(
                where, [Problem(metric, f"got {value!r}; expected a number")]
            ) from None
    text = f"{value.strip()} {unit.strip()}"
    try:
        return parse_quantity(text, canonical, kind=kind, example=f"1 {canonical}")
    except QuantityError as exc:
        raise InputError(where, [Problem(metric, str(exc))]) from None


@cache
def load_official() -> pd.DataFrame:
    """One row per (variant, metric): ``variant, market, metric, value`` (in the canonical
    unit of :data:`OFFICIAL_UNITS`), ``published`` (as given), ``condition, source``."""
    out = []
    for market in _markets():
        frame = _read(market, "official.csv", OFFICIAL_COLUMNS)
        for r in frame.to_dict("records"):
            metric, variant = str(r["metric"]), str(r["variant"])
            value, unit = str(r["value"]), str(r["unit"])
            if metric not in OFFICIAL_UNITS:
                raise InputError(
                    f"specsheet/{market}/official.csv",
                    [Problem("metric", f"got {metric!r}; expected one of {list(OFFICIAL_UNITS)}")],
                )
            where = f"specsheet/{market}/official.csv: {variant}"
            out.append(
                {
                    "variant": variant,
                    "market": market,
                    "metric": metric,
                    "value": _official_value(value, unit, metric, where),
                    "published": f"{value} {unit}".strip(),
                    "condition": str(r["condition"]),
                    "source": str(r["source"]),
                }
            )
    return pd.DataFrame(out)


def build(variant: pd.Series) -> Vehicle:
    """The vehicle of one variant row of :func:`load_variants`."""
    where = f"specsheet/{variant['market']}/variants.csv: {variant['variant']}"
    return build_vehicle(parse_spec(variant["spec"], source=where))


#: Prefix of a spec-sheet variant where a validation table names a car.
CAR_PREFIX: Final = "specsheet:"


@cache
def vehicle_of(car: str) -> Vehicle:
    """The vehicle of ``specsheet:<variant>`` (as ``validate perf`` / ``charge`` name it)."""
    variants = load_variants().set_index("variant")
    name = car.removeprefix(CAR_PREFIX)
    row = variants.loc[name]
    return build(pd.Series({**row.to_dict(), "variant": name}))


def published_rows(metrics: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Official rows of the given metrics as ``validate perf`` / ``charge`` rows: columns
    ``car`` (``specsheet:<variant>``), ``metric`` (renamed by ``metrics``: official name ->
    (new name, unit)), ``value`` in that unit, ``unit``, ``condition``, ``source``, ``note``,
    ``split`` (by family)."""
    official = load_official()
    official = official[official["metric"].isin(list(metrics))]
    variants = load_variants().set_index("variant")
    out = pd.DataFrame(
        {
            "car": CAR_PREFIX + official["variant"],
            "metric": official["metric"].map(lambda m: metrics[m][0]),
            "value": official["value"],
            "unit": official["metric"].map(lambda m: metrics[m][1]),
            "condition": official["condition"],
            "source": official["source"],
            "note": "spec-sheet set (evforge/validation/data/specsheet/)",
            "split": official["variant"].map(variants["split"]),
        }
    )
    return out.reset_index(drop=True)


def predict(market: str, car: Vehicle) -> dict[str, float]:
    """Official range [km] and consumption [kWh/100 km, from the mains] by the market's rule."""
    from evforge.procedures.run import run_procedure

    r = run_procedure(car, market)
    return {
        "range": float(r["range_km"]),
        "consumption": float(r["consumption_ac_kwh_per_100km"]),
    }


@dataclass(frozen=True)
class SpecsheetResult:
    """Per (variant, metric): official vs predicted, and the summary per market and split."""

    rows: pd.DataFrame
    summary: pd.DataFrame
    failures: list[str]


def _summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per metric, market and split (and ``all`` splits): n, median |error|, bias, worst."""
    both = pd.concat([rows, rows.assign(split="all")], ignore_index=True)
    out = []
    for (metric, market, split), g in both.groupby(["metric", "market", "split"], sort=False):
        err = g["error"].to_numpy()
        out.append(
            {
                "metric": metric,
                "market": market,
                "split": split,
                "n": int(err.size),
                "median_abs_pct": float(np.median(np.abs(err)) * 100),
                "mean_bias_pct": float(err.mean() * 100),
                "max_abs_pct": float(np.abs(err).max() * 100),
                "within_15pct": int((np.abs(err) <= 0.15).sum()),
            }
        )
    frame = pd.DataFrame(out)
    order = {m: i for i, m in enumerate(MARKETS)}
    frame["_m"] = frame["market"].map(order)
    frame["_s"] = frame["split"].map({"test": 0, "train": 1, "all": 2})
    return (
        frame.sort_values(["metric", "_m", "_s"], ascending=[False, True, True])
        .drop(columns=["_m", "_s"])
        .reset_index(drop=True)
    )


def run_specsheet_validation(
    markets: Sequence[str] = MARKETS,
    *,
    transform: Callable[[Vehicle], Vehicle] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SpecsheetResult:
    """Build every variant from its spec sheet, run its market's procedure, compare.

    ``transform`` (optional) maps each built vehicle before the run (for studies of one
    term at a time); ``progress(done, total)`` is called after each variant.
    """
    variants = load_variants()
    variants = variants[variants["market"].isin(list(markets))].reset_index(drop=True)
    official = load_official()
    rows = []
    failures = []
    for k, v in enumerate(variants.to_dict("records")):
        try:
            car = build(pd.Series(v))
            if transform is not None:
                car = transform(car)
            predicted = predict(v["market"], car)
        except (InputError, EvforgeError) as exc:
            failures.append(f"{v['variant']}: {exc}")
            predicted = {}
        mine = official[(official["variant"] == v["variant"]) & (official["market"] == v["market"])]
        for metric in ("range", "consumption"):
            pub = mine[mine["metric"] == metric]
            if pub.empty or metric not in predicted:
                continue
            o = float(pub["value"].iloc[0])
            p = predicted[metric]
            rows.append(
                {
                    "variant": v["variant"],
                    "market": v["market"],
                    "family": v["family"],
                    "split": v["split"],
                    "metric": metric,
                    "official": o,
                    "predicted": p,
                    "error": p / o - 1.0,
                    "source": pub["source"].iloc[0],
                }
            )
        if progress is not None:
            progress(k + 1, len(variants))
    frame = pd.DataFrame(rows)
    summary = _summary(frame) if not frame.empty else pd.DataFrame()
    return SpecsheetResult(frame, summary, failures)


def _fmt(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in frame.itertuples(index=False):
        cells = [f"{x:.1f}" if isinstance(x, float) and math.isfinite(x) else str(x) for x in r]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(result: SpecsheetResult, out: Path) -> tuple[Path, Path]:
    """``specsheet_validation.md``, ``specsheet_scatter.png`` and ``specsheet_predictions.csv``
    in ``out``; returns the Markdown and PNG paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    rows = result.rows
    atomic_write(out / "specsheet_predictions.csv", lambda p: rows.to_csv(p, index=False))
    rng = rows[rows["metric"] == "range"]
    fig, axes = plt.subplots(1, len(MARKETS), figsize=(15, 5), constrained_layout=True)
    for ax, market in zip(axes, MARKETS, strict=True):
        sel = rng[rng["market"] == market]
        for split, colour in (("train", "#999999"), ("test", "#1f77b4")):
            s = sel[sel["split"] == split]
            ax.scatter(s["official"], s["predicted"], s=16, c=colour, label=f"{split} families")
        hi = (
            max(float(sel[["official", "predicted"]].to_numpy().max()) * 1.05, 100.0)
            if len(sel)
            else 800.0
        )
        lim = [0.0, hi]
        ax.plot(lim, lim, "k-", lw=0.8)
        ax.plot(lim, [x * 1.04 for x in lim], "k:", lw=0.8, label="±4 %")
        ax.plot(lim, [x * 0.96 for x in lim], "k:", lw=0.8)
        ax.set(
            xlim=lim,
            ylim=lim,
            xlabel=f"official {MARKET_LABELS[market]} range [km]",
            ylabel="evforge, from the spec sheet [km]",
            title=f"{MARKET_LABELS[market]} (n = {len(sel)})",
        )
        ax.legend(loc="upper left", fontsize=8)
    png = out / "specsheet_scatter.png"
    atomic_write(png, lambda p: fig.savefig(p, dpi=100))
    plt.close(fig)
    worst = rows.assign(abs_error=rows["error"].abs()).sort_values("abs_error", ascending=False)
    worst = worst.head(10)[["variant", "market", "split", "metric", "official", "predicted"]]
    worst = worst.assign(error_pct=(rows.loc[worst.index, "error"] * 100))
    md = out / "specsheet_validation.md"
    atomic_write_text(
        md,
        "\n".join(
            [
                "# evforge from spec sheets vs official range and consumption",
                "",
                "Each variant is built only from its spec sheet (curb mass, drag coefficient, "
                "width and height, tyres, motors, battery; `evforge/validation/data/specsheet/`) "
                "and run through its market's procedure: EPA label (multi-cycle test, label by "
                "the rule the maker may choose), WLTP (test mass from the mass in running "
                "order), CLTC (GB/T 18386.1-2021). Error = predicted / official - 1. Split by "
                "vehicle family; the held-out (test) side is for reporting only.",
                "",
                "## Accuracy",
                "",
                _fmt(result.summary),
                "",
                "## The ten largest errors",
                "",
                _fmt(worst),
                "",
                "## Variants that could not be run",
                "",
                "\n".join(f"- {f}" for f in result.failures) or "none",
                "",
                "Reproduce: `evforge validate specsheet`.",
                "",
            ]
        ),
    )
    return md, png
