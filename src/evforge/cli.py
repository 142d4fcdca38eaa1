"""The ``evforge`` command line: a thin client of the Python API.

Bad input prints one line per problem (file, field path, value, what was expected) on
standard error and exits with status 2, without a traceback.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
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
from evforge.units import KMH_PER_MPS
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


def _json_ready(value: Any) -> Any:
    """Replace non-finite floats (never expected) so the JSON stays standard."""
    if isinstance(value, float) and not math.isfinite(value):
        raise EvforgeError(f"non-finite result {value!r}")
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


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
) -> None:
    """Simulate one or more cars over drive cycles (all cars run as one batch per cycle)."""
    with _reported():
        vehicles = _load_vehicles(specs)
        cycles = [load_cycle(c) for c in (cycle or [DEFAULT_CYCLE])]
        by_cycle = [simulate(vehicles, c, trace=trace is not None) for c in cycles]
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
        str, typer.Option("--procedure", "-p", help="epa | wltp | cltc | nedc | all")
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Official-style range and consumption: EPA, WLTP, CLTC and NEDC."""
    from evforge.procedures import PROCEDURES, run_procedure

    with _reported():
        names = list(PROCEDURES) if procedure == "all" else [procedure]
        if any(n not in PROCEDURES for n in names):
            known = ", ".join(PROCEDURES)
            raise InputError(
                "--procedure",
                [
                    Problem(
                        procedure,
                        f"is not a procedure; expected one of: {known}, all",
                    )
                ],
            )
        vehicles = _load_vehicles(specs)
        records = [run_procedure(v, n) for v in vehicles for n in names]
    if as_json:
        print(json.dumps(_json_ready(records), indent=2))
        return
    table = Table(title="Official-style range and consumption", title_justify="left")
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
        typer.Option("--refit", help="Also refit the global coefficients on the training split."),
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
        from evforge.validation.fit import fit_global_coefficients

        rows = epa.load_rows()
        vehicles, kept, _ = epa.build_vehicles(rows)
        fitted = fit_global_coefficients(vehicles, rows.iloc[kept].reset_index(drop=True))
        _out.print(
            f"refit on {fitted.n_train_rows} training rows: motor_loss_const = "
            f"{fitted.motor_loss_const:.5f}, base_load = {fitted.base_load_w:.1f} W "
            "(put these in evforge/spec/defaults.py)"
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
) -> None:
    """Predicted vs published 0-100 km/h, 0-60 mph and top speed for every car with figures."""
    from evforge.validation.perf import compare_perf

    with _reported():
        result = compare_perf(published)
    if as_json:
        print(json.dumps(_json_ready(result.rows), indent=2))
        return
    if markdown:
        print(result.to_markdown(), end="")
        return
    table = Table(title="evforge perf vs published figures", title_justify="left")
    for col in ("vehicle", "metric", "published", "predicted", "error %", "target", "note"):
        table.add_column(col, justify="left" if col in ("vehicle", "metric", "note") else "right")
    for r in result.rows:
        target = r["target_pct"]
        table.add_row(
            r["vehicle"],
            r["label"],
            f"{r['published']:g}",
            "n/a" if r["predicted"] is None else f"{r['predicted']:.2f}",
            "" if r["error_pct"] is None else f"{r['error_pct']:+.1f}",
            "" if target is None else f"±{target:g} %" + (" ok" if r["within_target"] else " MISS"),
            r["detail"],
        )
    _out.print(table)


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
