"""One headline sheet per car: the figures that decide a car program, beside the published ones.

:func:`report` runs, for one car, what otherwise takes four commands: the EPA label (with both
routes a maker may take, the 0.7 factor and the vehicle-specific 5-cycle, 40 CFR 600.210-12),
the WLTP and CLTC ranges and consumptions, WLTP at -7 °C with the heater on, 0-100 km/h and top
speed, a 10-80 % DC charge at a 350 kW-class charger, and the masses. Where the project has a
published figure for the car (``validation/data/cars/published.csv``, every row with its
source) it is shown beside the model's, with the difference.

Examples
--------
>>> import evforge
>>> sheet = evforge.report("examples/chevrolet_bolt_ev_2017.yaml")
>>> sheet.figure("range_epa_mi").published  # the Bolt's EPA label (published.csv)
238.0
>>> abs(sheet.figure("range_epa_mi").error_pct) < 5
True
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from evforge.vehicle import Vehicle

__all__ = ["COLD_AMBIENT_C", "Figure", "Report", "compare_markdown", "report"]

#: Ambient temperature of the cold range figure [°C]: the EPA cold FTP's 20 °F (40 CFR
#: 1066.710) and the WLTP/GB-T low-temperature tests' -7 °C.
COLD_AMBIENT_C: Final = -7.0


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline figure: the model's value and, where known, the published one."""

    key: str
    label: str
    unit: str
    value: float | None
    digits: int = 0
    published: float | None = None
    published_source: str | None = None
    note: str = ""

    @property
    def error_pct(self) -> float | None:
        """Model vs published, percent of the published figure (None without one)."""
        if self.value is None or self.published is None:
            return None
        return 100.0 * (self.value - self.published) / self.published

    def shown(self, value: float | None = None) -> str:
        """The value as printed (``-`` when not reached)."""
        v = self.value if value is None else value
        return "-" if v is None else f"{v:.{self.digits}f}"


@dataclass(frozen=True, slots=True)
class Report:
    """The headline sheet of one car (:func:`report`)."""

    vehicle: str
    spec: str | None
    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = field(default=())

    def figure(self, key: str) -> Figure:
        """The figure with this key (``range_wltp_km``...)."""
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record: one key per figure (units in the key names), ``published``
        and ``published_source`` maps for the figures with a published value."""
        out: dict[str, Any] = {"vehicle": self.vehicle, "spec": self.spec}
        out.update({f.key: f.value for f in self.figures})
        published = {f.key: f.published for f in self.figures if f.published is not None}
        out["published"] = published
        out["published_source"] = {
            f.key: f.published_source for f in self.figures if f.published is not None
        }
        out["notes"] = list(self.notes)
        return out

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(figure, unit, evforge, published, difference) text rows."""
        out = []
        for f in self.figures:
            pub = "" if f.published is None else f"{f.published:g}"
            err = f.error_pct
            out.append((f.label, f.unit, f.shown(), pub, "" if err is None else f"{err:+.1f} %"))
        return out

    def to_markdown(self) -> str:
        """The sheet as a Markdown section (a heading, a table, the sources and notes)."""
        lines = [f"## {_md(self.vehicle)}", ""]
        if self.spec:
            lines += [f"Spec: `{self.spec}`", ""]
        lines += [
            "| figure | unit | evforge | published | difference |",
            "|---|---|---:|---:|---:|",
        ]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in self.rows()]
        sources = [(f.label, f.published_source) for f in self.figures if f.published_source]
        if sources:
            lines += ["", "Published figures:", ""]
            lines += [f"- {_md(label)}: {_md(src or '')}" for label, src in sources]
        if self.notes:
            lines += ["", *[f"- {_md(n)}" for n in self.notes]]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """The sheet as an HTML fragment (a heading and a table)."""
        esc = html.escape
        head = "".join(
            f"<th>{c}</th>" for c in ("figure", "unit", "evforge", "published", "difference")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in self.rows()
        )
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        return (
            f"<section><h2>{esc(self.vehicle)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "") + "</section>"
        )


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def report(car: Vehicle | str | Path, *, spec_path: str | Path | None = None) -> Report:
    """The headline sheet of one car.

    Parameters
    ----------
    car : Vehicle, str or Path
        A built car, or the path of its spec file.
    spec_path : str or Path, optional
        The spec file the car came from, to look up its published figures when ``car`` is a
        :class:`~evforge.vehicle.Vehicle`.

    Returns
    -------
    Report
    """
    from evforge.charging import charge, parse_charger
    from evforge.performance import performance
    from evforge.procedures import run_procedure
    from evforge.spec import build_vehicle, load_spec

    if isinstance(car, Vehicle):
        vehicle = car
    else:
        spec_path = Path(car)
        vehicle = build_vehicle(load_spec(spec_path))
    published = _published(spec_path)

    epa = run_procedure(vehicle, "epa")
    wltp = run_procedure(vehicle, "wltp")
    cltc = run_procedure(vehicle, "cltc")
    cold = run_procedure(vehicle, "wltp", ambient_c=COLD_AMBIENT_C)
    perf = performance(vehicle)
    session = charge(vehicle, 0.10, 0.80, charger=parse_charger("350kW"))

    def fig(
        key: str,
        label: str,
        unit: str,
        value: float | None,
        digits: int = 0,
        pub_key: str | None = None,
        note: str = "",
    ) -> Figure:
        value = None if value is None else float(value)
        pub = published.get(pub_key or "")
        return Figure(
            key,
            label,
            unit,
            value,
            digits,
            None if pub is None else pub[0],
            None if pub is None else pub[1],
            note,
        )

    figures: tuple[Figure, ...] = (
        fig("range_epa_mi", "EPA label range", "mi", epa["range_mi"], 0, "epa_range_mi"),
        fig("range_epa_km", "EPA label range", "km", epa["range_km"]),
        fig("range_epa_0p7_mi", "EPA range, 0.7 factor route", "mi", epa["range_mi_0p7"]),
        fig(
            "range_epa_5cycle_mi",
            "EPA range, vehicle-specific 5-cycle route",
            "mi",
            epa["range_5cycle_mi"],
        ),
        fig(
            "adjustment_factor_5cycle",
            "EPA 5-cycle adjustment factor (0.7 default)",
            "-",
            epa["adjustment_factor_5cycle"],
            3,
        ),
        fig(
            "consumption_epa_kwh_per_100mi",
            "EPA label consumption (wall)",
            "kWh/100 mi",
            epa["consumption_ac_kwh_per_100mi"],
            1,
        ),
        fig(
            "mpge_city_unadjusted",
            "EPA unadjusted city (UDDS)",
            "MPGe",
            epa["unadjusted_mpge_city"],
            1,
            "epa_ucity_mpge",
        ),
        fig(
            "mpge_highway_unadjusted",
            "EPA unadjusted highway (HWFET)",
            "MPGe",
            epa["unadjusted_mpge_highway"],
            1,
            "epa_uhighway_mpge",
        ),
        fig("range_wltp_km", "WLTP range", "km", wltp["range_km"], 0, "wltp_range_km"),
        fig(
            "consumption_wltp_kwh_per_100km",
            "WLTP consumption (wall)",
            "kWh/100 km",
            wltp["consumption_ac_kwh_per_100km"],
            1,
            "wltp_consumption_kwh_per_100km",
        ),
        fig("range_cltc_km", "CLTC range", "km", cltc["range_km"], 0, "cltc_range_km"),
        fig(
            "consumption_cltc_kwh_per_100km",
            "CLTC consumption (wall)",
            "kWh/100 km",
            cltc["consumption_ac_kwh_per_100km"],
            1,
        ),
        fig(
            "range_wltp_cold_km",
            f"WLTP range at {COLD_AMBIENT_C:g} °C, heater on",
            "km",
            cold["range_km"],
        ),
        fig("zero_to_100_kmh_s", "0-100 km/h", "s", perf.zero_to_100_kmh_s, 1, "zero_to_100_kmh_s"),
        fig(
            "top_speed_kmh",
            "top speed",
            "km/h",
            perf.top_speed_kmh,
            0,
            "top_speed_kmh",
            perf.top_speed_limited_by,
        ),
        fig(
            "charge_10_80_min",
            "DC 10-80 %, 350 kW-class charger",
            "min",
            session.time_min,
            1,
            "dc_10_80_min",
        ),
        fig(
            "charge_peak_kw", "DC peak charging power", "kW", session.peak_power_kw, 0, "peak_dc_kw"
        ),
        fig("curb_mass_kg", "curb mass", "kg", vehicle.curb_mass_kg),
        fig("test_mass_epa_kg", "EPA test mass (ETW)", "kg", epa["test_mass_kg"]),
        fig("test_mass_wltp_kg", "WLTP test mass", "kg", wltp["test_mass_kg"]),
        fig("test_mass_cltc_kg", "CLTC test mass", "kg", cltc["test_mass_kg"]),
        fig("usable_energy_kwh", "usable battery energy", "kWh", wltp["usable_energy_kwh"], 1),
    )
    cost = next((d.value for d in vehicle.provenance if d.name == "design.cost"), None)
    if isinstance(cost, float):  # a spec with a design: section (evforge.sizing)
        figures = (*figures, fig("cost_usd", "bill-of-materials cost", "USD", cost))
    notes = (f"EPA label route: {epa['label_route']}", *perf.warnings)
    return Report(vehicle.name, None if spec_path is None else str(spec_path), figures, notes)


def _published(spec_path: str | Path | None) -> dict[str, tuple[float, str]]:
    """Published figures of a bundled or validation car, by metric: (value, source)."""
    if spec_path is None:
        return {}
    from evforge.validation.published import load_published
    from evforge.validation.published import spec_path as resolve

    target = Path(spec_path).resolve()
    table = load_published()
    out: dict[str, tuple[float, str]] = {}
    for row in table.itertuples(index=False):
        if resolve(str(row.car)).resolve() == target:
            out[str(row.metric)] = (float(row.value), str(row.source))  # type: ignore[arg-type]
    return out


def compare_markdown(reports: list[Report]) -> str:
    """Several sheets side by side (Markdown): each figure, then each car with the change
    against the first car in percent."""
    head = ["figure", "unit", *[r.vehicle for r in reports]]
    lines = ["| " + " | ".join(_md(h) for h in head) + " |", "|---|---|" + "---:|" * len(reports)]
    for row in compare_rows(reports):
        lines.append("| " + " | ".join(_md(c) for c in row) + " |")
    return "\n".join(lines) + "\n"


def compare_rows(reports: list[Report]) -> list[list[str]]:
    """Text rows of a comparison: figure, unit, the first car's value, then each other car's
    value with its difference and percent change against the first."""
    rows = []
    base = reports[0]
    for f0 in base.figures:
        cells = [f0.label, f0.unit, f0.shown()]
        for other in reports[1:]:
            f = other.figure(f0.key)
            cells.append(f.shown() + _change(f0.value, f.value, f0.digits))
        rows.append(cells)
    return rows


def _change(a: float | None, b: float | None, digits: int) -> str:
    if a is None or b is None:
        return ""
    diff = round(b - a, digits)
    if diff == 0:
        return " (=)"
    pct = "" if a == 0 else f", {100.0 * (b - a) / abs(a):+.1f} %"
    return f" ({diff:+.{digits}f}{pct})"
