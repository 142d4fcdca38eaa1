"""Regenerate the README's tables of the bundled cars from the tool, so they cannot drift.

Each generated block sits between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->``
markers in README.md. ``python scripts/readme_figures.py`` rewrites them;
``--check`` exits with status 1 and names the blocks that differ (``tests/test_readme.py``
runs it). Published figures come from ``validation/data/cars/published.csv`` (each with its
source there).

Usage::

    python scripts/readme_figures.py [--check]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import evforge
from evforge.sheet import Report, compare_markdown

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CARS = (
    ("Chevrolet Bolt EV 2017", "examples/chevrolet_bolt_ev_2017.yaml"),
    ("BMW i4 eDrive40 2022", "examples/bmw_i4_edrive40_2022.yaml"),
    ("Kia EV6 LR AWD 2023", "examples/kia_ev6_long_range_awd_2023.yaml"),
)
#: kWh per US gallon of gasoline equivalent (EPA MPGe definition, 40 CFR 600.002).
KWH_PER_GALLON = 33.705


def _sheets() -> list[Report]:
    return [evforge.report(ROOT / path) for _, path in CARS]


def _pct(model: float, published: float | None) -> str:
    return "" if published is None else f" ({100.0 * (model - published) / published:+.0f} %)"


def _consumption(sheets: list[Report]) -> str:
    lines = [
        "| car | UDDS measured | UDDS evforge | HWFET measured | HWFET evforge |",
        "|---|---|---|---|---|",
    ]
    for (label, _), s in zip(CARS, sheets, strict=True):
        cells = [label]
        for key in ("mpge_city_unadjusted", "mpge_highway_unadjusted"):
            f = s.figure(key)
            assert f.value is not None
            assert f.published is not None
            model = KWH_PER_GALLON * 100.0 / f.value
            measured = KWH_PER_GALLON * 100.0 / f.published
            cells += [f"{measured:.2f}", f"{model:.2f}{_pct(model, measured)}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ranges(sheets: list[Report]) -> str:
    lines = [
        "| car | EPA range, published → evforge | WLTP range, published → evforge |",
        "|---|---|---|",
    ]
    for (label, _), s in zip(CARS, sheets, strict=True):
        epa, wltp = s.figure("range_epa_mi"), s.figure("range_wltp_km")
        assert epa.value is not None
        assert wltp.value is not None
        lines.append(
            f"| {label} | {epa.published:g} mi → {epa.value:.0f} mi{_pct(epa.value, epa.published)}"
            f" | {wltp.published:g} km → {wltp.value:.0f} km{_pct(wltp.value, wltp.published)} |"
        )
    return "\n".join(lines)


def _perf(sheets: list[Report]) -> str:
    lines = [
        "| car | 0-100 km/h model / published | top speed km/h model / published (set by) |",
        "|---|---|---|",
    ]
    for (label, _), s in zip(CARS, sheets, strict=True):
        acc, top = s.figure("zero_to_100_kmh_s"), s.figure("top_speed_kmh")
        assert acc.value is not None
        assert top.value is not None
        lines.append(
            f"| {label} | {acc.value:.2f} s / {acc.published:g} s | "
            f"{top.value:.0f} / {top.published:g} ({top.note}) |"
        )
    return "\n".join(lines)


def _charge(sheets: list[Report]) -> str:
    lines = [
        "| car | 10-80 % model / published | peak DC kW model / published |",
        "|---|---|---|",
    ]
    for (label, _), s in zip(CARS, sheets, strict=True):
        t, p = s.figure("charge_10_80_min"), s.figure("charge_peak_kw")
        assert t.value is not None
        assert p.value is not None
        lines.append(
            f"| {label} | {t.value:.1f} min / {t.published:g} min | "
            f"{p.value:.0f} / {p.published:g} |"
        )
    return "\n".join(lines)


def _five_cycle(sheets: list[Report]) -> str:
    # Label over unadjusted MPGe on fueleconomy.gov (vehicles.csv ids 38187, 45007, 45462):
    # city / highway ratios, quoted (these makers used EPA's default 0.7).
    published = {
        "Chevrolet Bolt EV 2017": "0.703 / 0.699",
        "BMW i4 eDrive40 2022": "0.697 / 0.698",
        "Kia EV6 LR AWD 2023": "0.703 / 0.704",
    }
    lines = [
        "| car | 5-cycle factor, model | label / unadjusted, fueleconomy.gov (city / highway) |",
        "|---|---|---|",
    ]
    for (label, _), s in zip(CARS, sheets, strict=True):
        f = s.figure("adjustment_factor_5cycle")
        assert f.value is not None
        lines.append(f"| {label} | {f.value:.3f} | {published[label]} |")
    return "\n".join(lines)


def _report(sheets: list[Report]) -> str:
    # Without the heading and the spec's path (which depends on where the clone is).
    lines = sheets[0].to_markdown().split("\n")[2:]
    body = "\n".join(line for line in lines if not line.startswith("Spec: ")).strip()
    return "`evforge report examples/chevrolet_bolt_ev_2017.yaml --out sheet.md` writes:\n\n" + body


def _compare(sheets: list[Report]) -> str:
    return compare_markdown(sheets).strip()


def _sweep(sheets: list[Report]) -> str:
    """The bundled study, swept and queried (the output the README shows)."""
    import tempfile

    import duckdb

    from evforge.explore.study import load_study
    from evforge.explore.sweep import run_sweep

    study = load_study(ROOT / "examples" / "studies" / "ev6_battery_and_drag.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        result = run_sweep(study, Path(tmp), chunk=8)
        rows = duckdb.sql(
            'select design_id, "battery.usable_energy" as kwh, '
            '"body.drag_coefficient" as cd, range_wltp_km, consumption_wltp_kwh_per_100km, '
            "curb_mass_kg, cost_usd "
            f"from read_parquet('{tmp}/part-*.parquet') order by range_wltp_km desc limit 5"
        ).fetchall()
    lines = [
        f"{result.designs} designs in {result.parts} parts; the five longest WLTP ranges:",
        "",
        "| design_id | battery.usable_energy kWh | body.drag_coefficient | WLTP km | kWh/100 km "
        "| curb mass kg | cost USD |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {d} | {e:.1f} | {c:.3f} | {r:.0f} | {k:.1f} | {m:.0f} | {u:,.0f} |"
        for d, e, c, r, k, m, u in rows
    ]
    return "\n".join(lines)


BLOCKS: dict[str, Callable[[list[Report]], str]] = {
    "consumption": _consumption,
    "ranges": _ranges,
    "perf": _perf,
    "charge": _charge,
    "five_cycle": _five_cycle,
    "report": _report,
    "compare": _compare,
    "sweep": _sweep,
}


def render(text: str, sheets: list[Report]) -> str:
    """README text with every generated block replaced."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- figures:{name} -->\n)(.*?)(\n<!-- /figures:{name} -->)", re.S)
        if pattern.search(text) is None:
            raise SystemExit(f"README.md has no block 'figures:{name}'")
        block = make(sheets)
        text = pattern.sub(lambda m, b=block: m.group(1) + b + m.group(3), text)
    return text


def differing_blocks(old: str, new: str) -> list[str]:
    """Names of the blocks whose text differs."""
    out = []
    for name in BLOCKS:
        pattern = re.compile(rf"<!-- figures:{name} -->\n(.*?)\n<!-- /figures:{name} -->", re.S)
        a, b = pattern.search(old), pattern.search(new)
        if a is None or b is None or a.group(1) != b.group(1):
            out.append(name)
    return out


def main(argv: list[str]) -> int:
    old = README.read_text(encoding="utf-8")
    new = render(old, _sheets())
    if "--check" in argv:
        stale = differing_blocks(old, new)
        if stale:
            print(f"README.md is stale in: {', '.join(stale)}; run scripts/readme_figures.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
