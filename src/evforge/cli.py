"""The ``evforge`` command line: a thin client of the Python API.

Bad input prints one line per problem (file, field path, value, what was expected) on
standard error and exits with status 2, without a traceback.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from evforge import __version__
from evforge.cycles import cycle_names, load_cycle
from evforge.errors import EvforgeError, InputError, Problem
from evforge.sim import SimResult, simulate
from evforge.spec import build_vehicle, load_spec
from evforge.units import KMH_PER_MPS, QuantityError, parse_temperature_c
from evforge.vehicle import Vehicle

__all__ = ["app", "main"]

app = typer.Typer(
    name="evforge",
    help="Design a battery-electric car: spec file to drive-cycle energy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Rich falls back to 80 columns when output is not a terminal; tables need more.
# emoji=False: values from files are printed verbatim (":smiley:" stays text).
_out = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 160)
_err = Console(stderr=True, highlight=False, emoji=False)

DEFAULT_CYCLE = "wltc_class3b"
EXIT_INPUT = 2
EXIT_FAILURE = 1


@contextmanager
def _reported() -> Iterator[None]:
    """Turn evforge's errors into messages and exit codes (2: bad input, 1: other)."""
    try:
        yield
    except InputError as exc:
        for line in exc.lines():
            _err.print(f"error: {line}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except EvforgeError as exc:
        _err.print(f"error: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILURE) from None


def _load_vehicles(specs: Sequence[Path]) -> list[Vehicle]:
    problems: list[InputError] = []
    vehicles = []
    for path in specs:
        try:
            vehicles.append(build_vehicle(load_spec(path)))
        except InputError as exc:
            problems.append(exc)
    if problems:
        raise InputError.merge(problems)
    return vehicles


def _print_table(
    title: str, columns: Sequence[str], left: int, rows: Iterable[Sequence[str]]
) -> None:
    """A rich table: the first ``left`` columns left-aligned (labels), the rest right."""
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i < left else "right")
    for row in rows:
        table.add_row(*row)
    _out.print(table)


def _json_ready(value: Any) -> Any:
    """Replace non-finite floats (never expected) so the JSON stays standard."""
    if isinstance(value, float) and not math.isfinite(value):
        raise EvforgeError(f"non-finite result {value!r}")
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


_AMBIENT_HELP = (
    "Outside temperature, e.g. -7C, 20F, 266K: the car starts soaked at it with its climate "
    "control on (docs/climate.md)."
)


def _ambient(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return parse_temperature_c(text)
    except QuantityError as exc:
        raise InputError("--ambient", [Problem(text, str(exc))]) from None


@app.command("simulate")
def simulate_cmd(
    specs: Annotated[list[Path], typer.Argument(help="Vehicle spec files (YAML).")],
    cycle: Annotated[
        list[str] | None,
        typer.Option(
            "--cycle",
            "-c",
            help=f"Bundled cycle name or CSV file; repeat for several. Default {DEFAULT_CYCLE}.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    trace: Annotated[
        Path | None, typer.Option("--trace", help="Write the per-step traces to this Parquet file.")
    ] = None,
    ambient: Annotated[str | None, typer.Option("--ambient", help=_AMBIENT_HELP)] = None,
) -> None:
    """Simulate one or more cars over drive cycles (all cars run as one batch per cycle)."""
    with _reported():
        ambient_c = _ambient(ambient)
        vehicles = _load_vehicles(specs)
        cycles = [load_cycle(c) for c in (cycle or [DEFAULT_CYCLE])]
        by_cycle = [
            simulate(vehicles, c, trace=trace is not None, ambient_c=ambient_c) for c in cycles
        ]
        # Spec-major order: for each spec, its result on each cycle.
        results = [by_cycle[c][v] for v in range(len(vehicles)) for c in range(len(cycles))]
        if trace is not None:
            frames = [b.traces() for b in by_cycle]
            pd.concat(frames, ignore_index=True).to_parquet(trace, index=False)
        if as_json:
            print(json.dumps(_json_ready([r.summary() for r in results]), indent=2))
            return
        _print_consumption(results)
        _print_breakdown(results)
        if trace is not None:
            _out.print(f"traces written to {trace}")


def _print_consumption(results: Sequence[SimResult]) -> None:
    table = Table(title="Consumption", title_justify="left")
    for col, justify in (
        ("vehicle", "left"),
        ("cycle", "left"),
        ("distance km", "right"),
        ("DC kWh/100 km", "right"),
        ("AC kWh/100 km", "right"),
        ("DC Wh/mi", "right"),
        ("AC Wh/mi", "right"),
        ("trace miss s", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in results:
        table.add_row(
            r.vehicle,
            r.cycle,
            f"{r.distance_km:.3f}",
            f"{r.consumption_dc_kwh_per_100km:.2f}",
            f"{r.consumption_ac_kwh_per_100km:.2f}",
            f"{r.consumption_dc_wh_per_mi:.1f}",
            f"{r.consumption_ac_wh_per_mi:.1f}",
            f"{r.trace_miss_s:.0f}",
        )
    _out.print(table)


_BREAKDOWN_ROWS = (
    ("aero", "aerodynamic drag"),
    ("rolling", "rolling resistance"),
    ("grade", "grade"),
    ("friction_brake", "friction brakes"),
    ("kinetic", "kinetic energy change"),
    ("traction", "= traction work at the wheels"),
    ("regen_recovered", "- regen recovered at the wheels"),
    ("drivetrain_loss", "+ drivetrain losses (gear + motor/inverter)"),
    ("battery_loss", "+ battery internal losses"),
    ("auxiliary", "+ auxiliaries"),
    ("battery", "= battery energy (DC)"),
    ("wall", "wall energy (AC, through the charger)"),
)


def _print_breakdown(results: Sequence[SimResult]) -> None:
    table = Table(title="Energy breakdown, Wh per km", title_justify="left")
    table.add_column("", justify="left")
    for r in results:
        table.add_column(f"{r.vehicle}\n{r.cycle}", justify="right")
    for key, label in _BREAKDOWN_ROWS:
        # "+ 0.0" turns a rounded -0.0 (kinetic energy over a closed cycle) into 0.0.
        cells = [
            f"{round(getattr(r.energy_kwh, key) * 1e3 / r.distance_km, 1) + 0.0:.1f}"
            for r in results
        ]
        table.add_row(label, *cells)
    _out.print(table)


@app.command("cycles")
def cycles_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List the bundled drive cycles with duration, distance, maximum and mean speed."""
    rows: list[dict[str, Any]] = []
    for name in cycle_names():
        c = load_cycle(name)
        s = c.stats()
        rows.append(
            {
                "name": name,
                "duration_s": s.duration_s,
                "distance_km": s.distance_m / 1e3,
                "max_speed_kmh": s.max_speed_mps * KMH_PER_MPS,
                "mean_speed_kmh": s.mean_speed_mps * KMH_PER_MPS,
                "description": c.description,
            }
        )
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="Bundled drive cycles (sources: evforge/cycles/data/PROVENANCE.md)")
    for col in ("name", "duration s", "distance km", "max km/h", "mean km/h", "description"):
        table.add_column(col, justify="left" if col in ("name", "description") else "right")
    for r in rows:
        table.add_row(
            r["name"],
            f"{r['duration_s']:.0f}",
            f"{r['distance_km']:.3f}",
            f"{r['max_speed_kmh']:.1f}",
            f"{r['mean_speed_kmh']:.2f}",
            r["description"],
        )
    _out.print(table)


@app.command("check")
def check_cmd(
    spec: Annotated[Path, typer.Argument(help="Vehicle spec file (YAML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Validate a spec and show every value the model uses, with where it came from."""
    with _reported():
        vehicle = build_vehicle(load_spec(spec))
    rows: list[dict[str, Any]] = [
        {"parameter": d.name, "value": d.value, "unit": d.unit, "source": d.source}
        for d in vehicle.provenance
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{vehicle.name}: parameters and their sources", title_justify="left")
    for col in ("parameter", "value", "unit", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        value = r["value"]
        shown = f"{value:.6g}" if isinstance(value, float) else str(value)
        table.add_row(r["parameter"], shown, r["unit"], r["source"])
    _out.print(table)
    _out.print(f"{spec}: valid (schema v1)")


@app.command("range")
def range_cmd(
    specs: Annotated[list[Path], typer.Argument(help="Vehicle spec files (YAML).")],
    procedure: Annotated[
        str,
        typer.Option(
            "--procedure",
            "-p",
            help="epa | wltp | cltc | nedc | all | gbt-annex-a | gbt-annex-b | real-world",
        ),
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    ambient: Annotated[str | None, typer.Option("--ambient", help=_AMBIENT_HELP)] = None,
) -> None:
    """Official-style range and consumption: EPA, WLTP, CLTC and NEDC (and climate tests)."""
    from evforge.procedures import PROCEDURES, run_procedure

    if procedure in _CLIMATE_PROCEDURES:
        _climate_range(specs, procedure, as_json, ambient)
        return
    with _reported():
        ambient_c = _ambient(ambient)
        names = list(PROCEDURES) if procedure == "all" else [procedure]
        if any(n not in PROCEDURES for n in names):
            known = ", ".join([*PROCEDURES, "all", *_CLIMATE_PROCEDURES])
            raise InputError(
                "--procedure",
                [
                    Problem(
                        procedure,
                        f"is not a procedure; expected one of: {known}",
                    )
                ],
            )
        vehicles = _load_vehicles(specs)
        records = [run_procedure(v, n, ambient_c=ambient_c) for v in vehicles for n in names]
    if as_json:
        print(json.dumps(_json_ready(records), indent=2))
        return
    title = "Official-style range and consumption"
    if ambient_c is not None:
        title += f" at {ambient_c:g} °C, climate control on"
    table = Table(title=title, title_justify="left")
    for col in (
        "vehicle",
        "procedure",
        "range km",
        "range mi",
        "AC kWh/100 km",
        "DC kWh/100 km",
        "MPGe comb.",
        "city range km",
        "test mass kg",
    ):
        table.add_column(col, justify="left" if col in ("vehicle", "procedure") else "right")
    for r in records:
        table.add_row(
            r["vehicle"],
            r["procedure"].upper() + (f" ({r['cycle']})" if "cycle" in r else ""),
            f"{r['range_km']:.0f}",
            f"{r['range_km'] / 1.609344:.0f}",
            f"{r['consumption_ac_kwh_per_100km']:.1f}",
            f"{r['consumption_dc_kwh_per_100km']:.1f}",
            f"{r['mpge_combined']:.0f}" if "mpge_combined" in r else "",
            f"{r['range_city_km']:.0f}" if "range_city_km" in r else "",
            f"{r['test_mass_kg']:.0f}",
        )
    _out.print(table)
    five = [r for r in records if "adjustment_factor_5cycle" in r]
    if five:
        t5 = Table(title="EPA vehicle-specific 5-cycle adjustment", title_justify="left")
        for col in ("vehicle", "factor (default 0.7)", "city", "highway", "5-cycle range mi"):
            t5.add_column(col, justify="left" if col == "vehicle" else "right")
        for r in five:
            t5.add_row(
                r["vehicle"],
                f"{r['adjustment_factor_5cycle']:.3f}",
                f"{r['adjustment_factor_5cycle_city']:.3f}",
                f"{r['adjustment_factor_5cycle_highway']:.3f}",
                f"{r['range_5cycle_mi']:.0f}",
            )
        _out.print(t5)


_CLIMATE_PROCEDURES = ("gbt-annex-a", "gbt-annex-b", "real-world")


def _climate_range(specs: list[Path], procedure: str, as_json: bool, ambient: str | None) -> None:
    from evforge.procedures import climate_range as cr

    with _reported():
        if ambient is not None:
            raise InputError(
                "--ambient",
                [
                    Problem(
                        ambient, f"does not apply to --procedure {procedure}, which sets its own"
                    )
                ],
            )
        vehicles = _load_vehicles(specs)
        if procedure == "real-world":
            rows = [r for v in vehicles for r in cr.real_world(v)]
        else:
            run = cr.gbt_annex_a if procedure == "gbt-annex-a" else cr.gbt_annex_b
            rows = [{"vehicle": v.name, "procedure": procedure, **run(v)} for v in vehicles]
    if as_json:
        print(json.dumps(_json_ready(rows), indent=2))
        return
    if procedure == "real-world":
        table = Table(title="Real-world range, climate control on (22 °C)", title_justify="left")
        for col in (
            "vehicle",
            "scenario",
            "ambient °C",
            "DC kWh/100 km",
            "HVAC kW",
            "range km",
            "range mi",
        ):
            table.add_column(col, justify="left" if col in ("vehicle", "scenario") else "right")
        for r in rows:
            table.add_row(
                r["vehicle"],
                r["scenario"],
                f"{r['ambient_c']:g}",
                f"{r['consumption_dc_kwh_per_100km']:.1f}",
                f"{r['hvac_kw']:.2f}",
                f"{r['range_km']:.0f}",
                f"{r['range_mi']:.0f}",
            )
    else:
        table = Table(title=f"CLTC range, {procedure}", title_justify="left")
        for col in (
            "vehicle",
            "ambient °C",
            "range km",
            "range at 23 °C km",
            "ratio",
            "AC kWh/100 km",
        ):
            table.add_column(col, justify="left" if col == "vehicle" else "right")
        for r in rows:
            table.add_row(
                r["vehicle"],
                f"{r['ambient_c']:g}",
                f"{r['range_km']:.0f}",
                f"{r['range_23c_km']:.0f}",
                f"{r['range_ratio']:.3f}",
                f"{r['consumption_ac_kwh_per_100km']:.1f}",
            )
    _out.print(table)


# --- evforge perf (issue #4) ---------------------------------------------------------------

_PERF_ROWS = (
    ("zero_to_100_kmh_s", "0-100 km/h", "s", ".2f"),
    ("zero_to_60_mph_s", "0-60 mph", "s", ".2f"),
    ("zero_to_60_mph_rollout_s", "0-60 mph, 1-ft rollout", "s", ".2f"),
    ("eighty_to_120_kmh_s", "80-120 km/h", "s", ".2f"),
    ("quarter_mile_s", "quarter mile", "s", ".2f"),
    ("quarter_mile_trap_kmh", "quarter-mile trap speed", "km/h", ".1f"),
    ("top_speed_kmh", "top speed", "km/h", ".1f"),
    ("top_speed_limited_by", "top speed set by", "", "s"),
    ("top_speed_unlimited_kmh", "top speed without electronic limit", "km/h", ".1f"),
    ("gradeability_start_pct", "steepest grade, standstill start", "%", ".1f"),
    ("gradeability_100_kmh_pct", "steepest grade at 100 km/h", "%", ".1f"),
    ("traction_limited_below_kmh", "tyre-limited below", "km/h", ".0f"),
    ("battery_power_kw", "pack discharge power at test SOC", "kW", ".0f"),
    ("test_mass_kg", "test mass", "kg", ".0f"),
    ("test_soc", "state of charge", "", ".2f"),
)


@app.command("perf")
def perf_cmd(
    specs: Annotated[list[Path], typer.Argument(help="Vehicle spec files (YAML).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Acceleration (0-100 km/h, 0-60 mph, 80-120 km/h, quarter mile), top speed, gradeability."""
    from evforge.performance import performance

    with _reported():
        vehicles = _load_vehicles(specs)
        records = [performance(v).summary() for v in vehicles]
    if as_json:
        print(json.dumps(_json_ready(records), indent=2))
        return
    table = Table(title="Performance at full demand, level road", title_justify="left")
    table.add_column("", justify="left")
    table.add_column("unit", justify="left")
    for r in records:
        table.add_column(r["vehicle"], justify="right")
    for key, label, unit, fmt in _PERF_ROWS:
        cells = ["-" if r[key] is None else format(r[key], fmt) for r in records]
        table.add_row(label, unit, *cells)
    _out.print(table)
    _out.print("'-': not reached (top speed below the target speed). Model: docs/performance.md")


validate_app = typer.Typer(help="Compare the model with real test data.", no_args_is_help=True)
app.add_typer(validate_app, name="validate")


@validate_app.command("epa")
def validate_epa_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the report, plot and predictions.")
    ] = Path("validation-report"),
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="Also refit the global coefficients on the training families (EPA rows and "
            "the spec-sheet set, jointly).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Predict the EPA Test Car List's unadjusted UDDS/HWFET MPGe of every usable BEV row."""
    from evforge.validation.report import run_epa_validation, write_report

    with _err.status("simulating the EPA test vehicles..."):
        result = run_epa_validation()
        md, png = write_report(result, out)
    if as_json:
        print(json.dumps(result.metrics.to_dict(orient="records"), indent=2))
    else:
        table = Table(title="evforge vs EPA Test Car List (MPGe)", title_justify="left")
        for col in ("cycle", "split", "rows", "n", "MAPE %", "median %", "bias %", "p90 %"):
            table.add_column(col, justify="left" if col in ("cycle", "split", "rows") else "right")
        for r in result.metrics.to_dict(orient="records"):
            table.add_row(
                r["cycle"],
                r["split"],
                r["rows"],
                str(r["n"]),
                f"{r['mape_pct']:.1f}",
                f"{r['median_ape_pct']:.1f}",
                f"{r['bias_pct']:+.1f}",
                f"{r['p90_ape_pct']:.1f}",
            )
        _out.print(table)
        _out.print(f"report: {md}\nplot: {png}")
    if refit:
        from evforge.validation import epa
        from evforge.validation.fit import fit_global_coefficients, specsheet_training_cases

        rows = epa.load_rows()
        vehicles, kept, _ = epa.build_vehicles(rows)
        with _err.status("refitting on the EPA and spec-sheet training families (minutes)..."):
            fitted = fit_global_coefficients(
                vehicles,
                rows.iloc[kept].reset_index(drop=True),
                specsheet_cases=specsheet_training_cases(),
            )
        c = fitted.coefficients
        excitation = ", ".join(f"{t.value} {v:.5f}" for t, v in c.excitation.items())
        _out.print(
            f"refit on {fitted.n_train_rows} training rows: inverter constant = "
            f"{c.inverter_const:.5f}, always-on load = {c.always_on_w:.1f} W, excitation "
            f"({excitation}), size exponent = {c.size_exponent:.3f} "
            "(put these in evforge/spec/defaults.py)"
        )


@validate_app.command("specsheet")
def validate_specsheet_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the report, plot and predictions.")
    ] = Path("validation-report"),
    market: Annotated[
        list[str] | None,
        typer.Option("--market", help="epa, wltp or cltc (repeatable; default all)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Official range and consumption of real cars built only from their spec sheets."""
    from rich.progress import Progress

    from evforge.validation.specsheet import MARKETS, run_specsheet_validation, write_report

    markets = market or list(MARKETS)
    bad = [m for m in markets if m not in MARKETS]
    with _reported():
        if bad:
            raise InputError(
                "validate specsheet",
                [Problem("--market", f"got {bad[0]!r}; expected one of {', '.join(MARKETS)}")],
            )
    with _reported(), Progress(console=_err, transient=True) as bar:
        task = bar.add_task("running the official procedures...", total=None)
        result = run_specsheet_validation(
            markets, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    md, png = write_report(result, out)
    if as_json:
        print(json.dumps(result.summary.to_dict(orient="records"), indent=2))
        return
    _print_table(
        "evforge from spec sheets vs official figures",
        ("metric", "market", "split", "n", "median |err| %", "bias %", "max |err| %"),
        3,
        (
            (
                r["metric"],
                r["market"],
                r["split"],
                str(r["n"]),
                f"{r['median_abs_pct']:.1f}",
                f"{r['mean_bias_pct']:+.1f}",
                f"{r['max_abs_pct']:.1f}",
            )
            for r in result.summary.to_dict(orient="records")
        ),
    )
    worst = result.rows.assign(abs_err=result.rows["error"].abs())
    worst = worst[worst["metric"] == "range"].sort_values("abs_err", ascending=False).head(10)
    _print_table(
        "the ten largest range errors",
        ("variant", "market", "split", "official km", "evforge km", "error %"),
        3,
        (
            (
                r["variant"],
                r["market"],
                r["split"],
                f"{r['official']:.0f}",
                f"{r['predicted']:.0f}",
                f"{r['error'] * 100:+.1f}",
            )
            for r in worst.to_dict(orient="records")
        ),
    )
    for failure in result.failures:
        _err.print(f"not run: {failure}", markup=False)
    _out.print(f"report: {md}\nplot: {png}", markup=False)


@validate_app.command("roadload")
def validate_roadload_cmd(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the report and predictions.")
    ] = Path("validation-report"),
    fit: Annotated[
        bool,
        typer.Option("--fit", help="Also refit the global road-load coefficients (training)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Road load (A, B, C) from C_d, width, height and mass vs EPA coast-downs."""
    from evforge.validation.roadload import fit_coefficients, run_roadload, write_report

    with _err.status("predicting road loads and simulating UDDS/HWFET..."):
        result = run_roadload()
    md = write_report(result, out)
    if as_json:
        print(json.dumps(result.summary.to_dict(orient="records"), indent=2))
    else:
        _print_table(
            "road load from the spec sheet vs coast-down",
            (
                "split",
                "n",
                "A |err| N",
                "B |err| N/(m/s)",
                "C |err| %",
                "UDDS |err| %",
                "HWFET |err| %",
            ),
            1,
            (
                (
                    r["split"],
                    str(r["n"]),
                    f"{r['a_median_abs']:.1f}",
                    f"{r['b_median_abs']:.2f}",
                    f"{r['c_median_abs_pct']:.1f}",
                    f"{r['udds_median_abs_pct']:.1f}",
                    f"{r['hwfet_median_abs_pct']:.1f}",
                )
                for r in result.summary.to_dict(orient="records")
            ),
        )
        _out.print("median absolute errors; report: " + str(md), markup=False)
    if fit:
        f = fit_coefficients()
        _out.print(
            f"fit on {f.n_rows_ab} training test vehicles (A, B) and {f.n_rows_c} joined ones "
            f"(C): rolling_resistance = {f.rolling_resistance:.5f}, "
            f"rolling_speed_coefficient = {f.speed_coefficient:.3e} s/m, "
            f"driveline_linear_drag = {f.linear_drag:.3f} N/(m/s), "
            f"frontal_area_factor = {f.frontal_area_factor:.3f} "
            "(put these in evforge/spec/defaults.py)",
            markup=False,
        )


@validate_app.command("range")
def validate_range_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Range and consumption of the bundled real cars against their published figures."""
    from evforge.validation.range_published import compare_range

    with _err.status("running the range procedures on the published cars..."):
        frame = compare_range()
    if as_json:
        print(json.dumps(frame.to_dict(orient="records"), indent=2))
        return
    table = Table(title="evforge vs published range and consumption", title_justify="left")
    for col in ("vehicle", "metric", "published", "evforge", "error %"):
        table.add_column(col, justify="left" if col in ("vehicle", "metric") else "right")
    for r in frame.to_dict(orient="records"):
        table.add_row(
            r["vehicle"],
            r["metric"],
            f"{r['published']:.1f}",
            f"{r['predicted']:.1f}",
            f"{r['error_pct']:+.1f}",
        )
    _out.print(table)
    for metric, errors in frame.groupby("metric")["error_pct"]:
        _out.print(
            f"{metric}: n={errors.size}, mean |error| {errors.abs().mean():.1f} %, "
            f"bias {errors.mean():+.1f} %"
        )


# --- evforge charge: DC fast charging --------------------------------------------------------
_RANGE_BASES = ("wltp", "cltc", "epa")


def _percent(option: str, value: str) -> float:
    """'10', '10%' or '10 %' -> 0.10; anything else is an input error naming the option."""
    text = value.strip().removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        raise InputError(
            "charge", [Problem(option, f"got {value!r}; expected a state of charge in %")]
        ) from None
    return number / 100.0


def _celsius(option: str, value: str) -> float:
    """'25C', '-7 C', '25', '77F' -> °C."""
    from evforge.units import QuantityError, parse_quantity

    text = value.strip()
    if text.upper().endswith("C") and not text.upper().endswith("DEGC"):
        text = text[:-1] + " degC"
    elif text.upper().endswith("F") and not text.upper().endswith("DEGF"):
        text = text[:-1] + " degF"
    try:
        return parse_quantity(text, "degC", kind="temperature", example="25C")
    except QuantityError as exc:
        raise InputError("charge", [Problem(option, str(exc))]) from None


@app.command("charge")
def charge_cmd(
    specs: Annotated[list[Path], typer.Argument(help="Vehicle spec files (YAML).")],
    soc_from: Annotated[
        str, typer.Option("--from", help="Start state of charge, % of the usable window.")
    ] = "10",
    soc_to: Annotated[str, typer.Option("--to", help="End state of charge, %.")] = "80",
    ambient: Annotated[
        str, typer.Option("--ambient", help="Ambient temperature, e.g. 25C, -7C, 20F.")
    ] = "25C",
    charger: Annotated[
        str, typer.Option("--charger", help="50kW | 150kW | 350kW, or a power such as '120 kW'.")
    ] = "350kW",
    charger_voltage: Annotated[
        float | None, typer.Option("--charger-voltage", help="Override the charger's max V.")
    ] = None,
    charger_current: Annotated[
        float | None, typer.Option("--charger-current", help="Override the charger's max A.")
    ] = None,
    no_precondition: Annotated[
        bool,
        typer.Option(
            "--no-precondition", help="Battery starts at ambient (heated while charging)."
        ),
    ] = False,
    ranges: Annotated[
        bool,
        typer.Option(
            "--range/--no-range", help="Range added per 10 min (runs WLTP, CLTC and EPA)."
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write power and SOC vs time to this PNG.")
    ] = None,
) -> None:
    """DC fast charging: time, energy, peak and mean power, range added per 10 minutes."""
    from evforge.charging import charge, parse_charger

    with _reported():
        start = _percent("--from", soc_from)
        end = _percent("--to", soc_to)
        ambient_c = _celsius("--ambient", ambient)
        station = parse_charger(
            charger, max_voltage_v=charger_voltage, max_current_a=charger_current
        )
        vehicles = _load_vehicles(specs)
        results = [
            charge(
                v,
                start,
                end,
                charger=station,
                ambient_c=ambient_c,
                preconditioned=not no_precondition,
            )
            for v in vehicles
        ]
        records = [r.summary() for r in results]
        if ranges:
            for v, r, rec in zip(vehicles, results, records, strict=True):
                rec["range_added_km_per_10min"] = _range_per_10min(v, r)
        if plot is not None:
            from evforge.charging.plot import plot_sessions

            plot_sessions(results, plot, _published_minutes(specs, start, end))
    if as_json:
        print(json.dumps(_json_ready(records), indent=2))
        return
    table = Table(
        title=f"DC fast charging, {station.name} charger ({station.source})", title_justify="left"
    )
    cols = ["vehicle", "SOC %", "time min", "kWh charger", "kWh stored", "peak kW", "mean kW"]
    cols += [f"{b.upper()} km/10 min" for b in (_RANGE_BASES if ranges else ())]
    for col in cols:
        table.add_column(col, justify="left" if col == "vehicle" else "right")
    for rec in records:
        cells = [
            rec["vehicle"],
            f"{rec['soc_from_pct']:.0f}-{rec['soc_to_pct']:.0f}",
            f"{rec['time_min']:.1f}",
            f"{rec['energy_kwh']:.1f}",
            f"{rec['energy_stored_kwh']:.1f}",
            f"{rec['peak_power_kw']:.0f}",
            f"{rec['mean_power_kw']:.0f}",
        ]
        if ranges:
            cells += [f"{rec['range_added_km_per_10min'][b]:.0f}" for b in _RANGE_BASES]
        table.add_row(*cells)
    _out.print(table)
    if plot is not None:
        _out.print(f"plot written to {plot}")


def _published_minutes(specs: Sequence[Path], start: float, end: float) -> list[float | None]:
    """The published DC time for this window of each spec, where published.csv has it."""
    from evforge.validation.published import load_published, spec_path

    table = load_published()
    metric = f"dc_{round(start * 100)}_{round(end * 100)}_min"
    rows = table[table["metric"] == metric]
    known = {
        spec_path(str(c)).resolve(): float(v)
        for c, v in zip(rows["car"], rows["value"], strict=True)
    }
    return [known.get(Path(p).resolve()) for p in specs]


def _range_per_10min(vehicle: Vehicle, result: Any) -> dict[str, float]:
    """Mean range added per 10 minutes of the session, on each procedure's rated km/kWh."""
    from evforge.procedures import PROCEDURES

    stored_per_10min = result.energy_stored_kwh / result.time_min * 10.0
    out = {}
    for basis in _RANGE_BASES:
        rec = PROCEDURES[basis](vehicle)  # the rated range only (no 5-cycle runs)
        out[basis] = stored_per_10min * rec["range_km"] / rec["usable_energy_kwh"]
    return out


@validate_app.command("charge")
def validate_charge_cmd(
    refit: Annotated[
        bool, typer.Option("--refit", help="Also refit the knee SOC on the training split.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Predicted vs published DC charging times of every car with a published figure."""
    from evforge.validation.charge import refit_knee, run_charge_validation

    result = run_charge_validation()
    # A car with no published peak power has NaN there: JSON null, "n/a" in the table.
    rows: list[dict[str, Any]] = [
        {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in result.rows.to_dict(orient="records")
    ]
    if as_json:
        print(json.dumps(_json_ready(rows), indent=2))
    else:
        table = Table(
            title="DC charging time, evforge vs published (350 kW class, preconditioned)",
            title_justify="left",
        )
        for col in ("vehicle", "split", "window", "published min", "evforge min", "error %"):
            table.add_column(col, justify="left" if col in ("vehicle", "split") else "right")
        table.add_column("peak kW pub / evforge", justify="right")
        table.add_column("source", overflow="fold")
        for r in rows:
            window = r["metric"].removeprefix("dc_").removesuffix("_min").replace("_", "-")
            table.add_row(
                r["name"],
                r["split"],
                window + " %",
                f"{r['published_min']:g}",
                f"{r['predicted_min']:.1f}",
                f"{r['error_pct']:+.1f}",
                ("n/a" if r["published_peak_kw"] is None else f"{r['published_peak_kw']:g}")
                + f" / {r['predicted_peak_kw']:.0f}",
                r["source"],
            )
        _out.print(table)
        for m in result.metrics.to_dict(orient="records"):
            _out.print(
                f"{m['split']}: n={m['n']}, mean |error| {m['mape_pct']:.1f} %, "
                f"median |error| {m['median_abs_pct']:.1f} %, "
                f"bias {m['bias_pct']:+.1f} %, max |error| {m['max_abs_pct']:.1f} %"
            )
    if refit:
        knee, score = refit_knee()
        _out.print(
            f"refit on the training split: charge_knee_soc = {knee:.2f} (mean |log error| "
            f"{score:.3f}; put it in evforge/spec/defaults.py)"
        )


@validate_app.command("perf")
def validate_perf_cmd(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the table as markdown (docs/performance.md).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    published: Annotated[
        Path | None,
        typer.Option("--published", help="Published-figures CSV (default: the bundled table)."),
    ] = None,
    fit: Annotated[
        bool,
        typer.Option(
            "--fit",
            help="Refit the global launch ramp time on the training cars and print it "
            "(the default in spec/defaults.py is this value).",
        ),
    ] = False,
) -> None:
    """Predicted vs published 0-100 km/h, 0-60 mph and top speed for every car with figures."""
    from evforge.validation.perf import compare_perf, fit_launch_ramp

    if fit:
        with _reported():
            launch = fit_launch_ramp(published)
        _out.print(
            f"launch ramp time fitted on {len(launch.train_cars)} training cars' 0-100 km/h: "
            f"{launch.ramp_s:.3f} s (training MAPE {launch.mape_pct:.2f} %)"
        )
        return
    with _reported():
        result = compare_perf(published)
    if as_json:
        print(json.dumps(_json_ready(result.rows), indent=2))
        return
    if markdown:
        print(result.to_markdown(), end="")
        return
    table = Table(title="evforge perf vs published figures", title_justify="left")
    for col in (
        "vehicle",
        "split",
        "metric",
        "published",
        "predicted",
        "error %",
        "target",
        "note",
    ):
        table.add_column(
            col, justify="left" if col in ("vehicle", "split", "metric", "note") else "right"
        )
    for r in result.rows:
        target = r["target_pct"]
        table.add_row(
            r["vehicle"],
            r["split"],
            r["label"],
            f"{r['published']:g}",
            "n/a" if r["predicted"] is None else f"{r['predicted']:.2f}",
            "" if r["error_pct"] is None else f"{r['error_pct']:+.1f}",
            "" if target is None else f"±{target:g} %" + (" ok" if r["within_target"] else " MISS"),
            r["detail"],
        )
    _out.print(table)
    scores = Table(title="Scores (training cars fix the launch ramp time)", title_justify="left")
    for col in (
        "metric",
        "split",
        "cars",
        "within target",
        "mean |error| %",
        "median |error| %",
        "max |error| %",
        "bias %",
    ):
        scores.add_column(col, justify="left" if col in ("metric", "split") else "right")
    for s in result.scores().to_dict(orient="records"):
        scores.add_row(
            str(s["label"]),
            str(s["split"]),
            str(s["n"]),
            str(int(s["within"])),
            f"{s['mape_pct']:.1f}",
            f"{s['median_abs_pct']:.1f}",
            f"{s['max_abs_pct']:.1f}",
            f"{s['bias_pct']:+.1f}",
        )
    _out.print(scores)


def _version(value: bool) -> None:
    if value:
        print(f"evforge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """evforge: spec file to drive-cycle energy, range and performance."""


def main() -> None:
    """Console-script entry point."""
    app()
