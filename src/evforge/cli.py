"""The ``evforge`` command line: a thin client of the Python API.

Bad input prints one line per problem (file, field path, value, what was expected) on
standard error and exits with status 2, without a traceback. Output paths are checked before
any work and written atomically (:mod:`evforge.output`). In a batch, a car that cannot be read
or run is reported in its own line (``error`` in JSON) and the others still run; the exit
status then says that some failed (2 for bad input, 1 for a car that could not be run).

Heavy libraries (numba, pandas, pint, matplotlib) are imported inside the commands, so
``evforge --help`` and ``evforge cycles`` answer quickly.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from evforge import __version__
from evforge.errors import EvforgeError, InputError, Problem

if TYPE_CHECKING:
    from evforge.sim import SimResult
    from evforge.vehicle import Vehicle

__all__ = ["app", "main"]

_CONTEXT: Final = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    name="evforge",
    help="Design a battery-electric car: spec file to range, performance and charging.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=_CONTEXT,
)
# Rich falls back to 80 columns when output is not a terminal; tables need more.
# markup=False, emoji=False: names from spec files are printed verbatim ("[red]" and
# ":smiley:" stay text), in tables as in messages.
_out = Console(
    highlight=False, markup=False, emoji=False, width=None if sys.stdout.isatty() else 160
)
_err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)

DEFAULT_CYCLE = "wltc_class3b"
EXIT_INPUT = 2
EXIT_FAILURE = 1
_DEBUG_ENV: Final = "EVFORGE_DEBUG"
_TABLE_OUT: Final = (".csv", ".parquet", ".json")
_PLOT_OUT: Final = (".png", ".svg", ".pdf")
_TRACE_OUT: Final = (".parquet", ".csv")
_REPORT_OUT: Final = (".md", ".html", ".json")
T = TypeVar("T")


@contextmanager
def _reported() -> Iterator[None]:
    """Turn errors into messages and exit codes (2: bad input, 1: other), never a traceback.

    An unexpected exception is a bug: it is reported in one line (its type and message) with
    exit status 1; set ``EVFORGE_DEBUG=1`` to see the traceback.
    """
    try:
        yield
    except InputError as exc:
        for line in exc.lines():
            _err.print(f"error: {line}", soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None
    except EvforgeError as exc:
        _err.print(f"error: {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_FAILURE) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if os.environ.get(_DEBUG_ENV):
            raise
        _err.print(
            f"error: internal error ({_describe(exc)}); {_DEBUG_ENV}=1 shows the traceback",
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_FAILURE) from None


def _describe(exc: BaseException) -> str:
    from evforge.evaluation import one_line

    text = one_line(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- a batch of cars, each of which may fail on its own ----------------------------------------


@dataclass
class _Batch:
    """The cars of one command: the ones that load, and one error line per failure."""

    specs: list[Path]
    cars: list[tuple[Path, Vehicle]] = field(default_factory=list)
    failures: list[tuple[str, str, int]] = field(default_factory=list)  # (spec, message, code)

    def fail(self, spec: Path | str, exc: BaseException) -> None:
        if isinstance(exc, InputError):
            for line in exc.lines():
                self.failures.append((str(spec), line, EXIT_INPUT))
            return
        if isinstance(exc, EvforgeError):
            message = f"{spec}: {exc}"
        else:
            if os.environ.get(_DEBUG_ENV):
                raise exc
            message = f"{spec}: internal error ({_describe(exc)})"
        self.failures.append((str(spec), message, EXIT_FAILURE))

    def each(self, run: Callable[[Vehicle], T], label: str) -> list[tuple[Path, Vehicle, T]]:
        """``run`` on every car (a progress bar when there are several); failures recorded."""
        done: list[tuple[Path, Vehicle, T]] = []
        with _progress(len(self.cars), label) as step:
            for spec, vehicle in self.cars:
                try:
                    done.append((spec, vehicle, run(vehicle)))
                except Exception as exc:
                    self.fail(spec, exc)
                step()
        return done

    def error_rows(self) -> list[dict[str, Any]]:
        """The failures as result rows (``spec``, ``error``) for JSON and tables."""
        return [{"spec": s, "error": m} for s, m, _ in self.failures]

    def finish(self) -> None:
        """Print the failures and exit with their status (nothing if all went well)."""
        for _, message, _ in self.failures:
            _err.print(f"error: {message}", soft_wrap=True)
        if self.failures:
            n_failed = len({s for s, _, _ in self.failures})
            if len(self.specs) > 1:
                _err.print(f"{n_failed} of {len(self.specs)} specs failed", soft_wrap=True)
            raise typer.Exit(max(code for _, _, code in self.failures))


def _load(specs: Sequence[Path]) -> _Batch:
    """Read and build every spec; a spec that fails is recorded, the others kept."""
    from evforge.spec import build_vehicle, load_spec

    batch = _Batch(list(specs))
    with _progress(len(specs), "reading specs") as step:
        for path in specs:
            try:
                batch.cars.append((path, build_vehicle(load_spec(path))))
            except Exception as exc:
                batch.fail(path, exc)
            step()
    return batch


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[], None]]:
    """A rich progress bar with rate and ETA on standard error, for batches of several items
    on a terminal (nothing is drawn into pipes and files)."""
    if total < 2 or not _err.is_terminal:
        yield lambda: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=_err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total, rate="")

        def step() -> None:
            bar.advance(task)
            t = bar.tasks[0]
            speed = t.speed
            bar.update(task, rate="" if not speed else f"{speed:.2f}/s")

        yield step


# --- output ---------------------------------------------------------------------------------


def _check_out(option: str, path: Path | None, extensions: Sequence[str]) -> Path | None:
    from evforge.output import check_output_path

    return None if path is None else check_output_path(option, path, extensions)


def _plot_path(path: Path | None) -> Path | None:
    """``--plot name`` without an extension writes ``name.png`` (and says so)."""
    if path is None:
        return None
    if path.is_dir():
        raise InputError("--plot", [Problem(str(path), "is a folder; expected a file name")])
    if path.suffix == "":
        path = path.with_name(path.name + ".png")
    return _check_out("--plot", path, _PLOT_OUT)


def _write_out(path: Path | None, records: Sequence[dict[str, Any]]) -> None:
    if path is None:
        return
    from evforge.output import write_records

    write_records(path, records)
    _err.print(f"wrote {path}")


def _print_json(records: Any) -> None:
    from evforge.output import json_ready

    print(json.dumps(json_ready(records), indent=2, ensure_ascii=False))


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


# --- shared options -------------------------------------------------------------------------

_SPECS_HELP = "Vehicle spec files (YAML, schema v1; docs/spec-format.md)."
_JSON_HELP = "Print JSON (an array, one object per result; units in the key names)."
_OUT_HELP = "Also write the results to FILE: .csv, .parquet or .json by the extension."
_AMBIENT_HELP = (
    "Outside temperature, e.g. -7C, 20F, 266K (a bare number is °C; -30 to 50 °C): the car "
    "starts soaked at it with its climate control on, and air density and tyre rolling "
    "resistance follow it (docs/climate.md)."
)
_CYCLE_HELP = (
    "Drive cycle: a bundled name (udds, hwfet, us06, sc03, ftp75, wltc_class3b, wltc_class3a, "
    "wltc_class2, wltc_class1, cltc_p, nedc, jc08, artemis_urban, artemis_rural, "
    "artemis_motorway_130, artemis_motorway_150; aliases wltc, wltc3b, wltc3a, cltc, ftp, "
    "ftp72, hwy; case-insensitive; `evforge cycles` lists them) or a CSV file "
    "time_s,speed_kmh[,grade]. Repeat for several. Default wltc_class3b."
)
_Json = Annotated[bool, typer.Option("--json", help=_JSON_HELP)]
_Out = Annotated[Path | None, typer.Option("--out", metavar="FILE", help=_OUT_HELP)]
_Specs = Annotated[list[Path], typer.Argument(help=_SPECS_HELP, metavar="SPEC...")]


def _ambient(option: str, text: str | None) -> float | None:
    """An ambient temperature [°C] (the same syntax and range for every command)."""
    if text is None:
        return None
    from evforge.units import QuantityError, parse_temperature_c

    try:
        return parse_temperature_c(text)
    except QuantityError as exc:
        raise InputError(option, [Problem(text, str(exc))]) from None


# --- evforge simulate ---------------------------------------------------------------------


@app.command("simulate")
def simulate_cmd(
    specs: _Specs,
    cycle: Annotated[
        list[str] | None, typer.Option("--cycle", "-c", metavar="CYCLE", help=_CYCLE_HELP)
    ] = None,
    as_json: _Json = False,
    trace: Annotated[
        Path | None,
        typer.Option(
            "--trace",
            metavar="FILE",
            help="Write the per-step traces (SI units, long format) to FILE: .parquet or .csv.",
        ),
    ] = None,
    out: _Out = None,
    ambient: Annotated[
        str | None, typer.Option("--ambient", metavar="TEMP", help=_AMBIENT_HELP)
    ] = None,
) -> None:
    """Simulate one or more cars over drive cycles (all cars run as one batch per cycle)."""
    with _reported():
        _check_out("--trace", trace, _TRACE_OUT)
        _check_out("--out", out, _TABLE_OUT)
        ambient_c = _ambient("--ambient", ambient)
        from evforge.cycles import load_cycle
        from evforge.sim import simulate

        cycles = [load_cycle(c) for c in (cycle or [DEFAULT_CYCLE])]
        batch = _load(specs)
        vehicles = [v for _, v in batch.cars]
        results: list[SimResult] = []
        if vehicles:
            by_cycle = [
                simulate(vehicles, c, trace=trace is not None, ambient_c=ambient_c) for c in cycles
            ]
            # Spec-major order: for each spec, its result on each cycle.
            results = [by_cycle[c][v] for v in range(len(vehicles)) for c in range(len(cycles))]
            if trace is not None:
                _write_trace(trace, [b.traces() for b in by_cycle])
        records = [r.summary() for r in results]
        _write_out(out, records + batch.error_rows())
        if as_json:
            _print_json(records + batch.error_rows())
        elif results:
            _print_consumption(results)
            _print_breakdown(results)
            for r in results:
                if r.summary().get("battery_empty"):
                    _err.print(f"warning: {r.vehicle} on {r.cycle}: {_empty_text(r.summary())}")
            if trace is not None:
                _err.print(f"traces written to {trace}")
        batch.finish()


def _empty_text(summary: dict[str, Any]) -> str:
    t, km = summary.get("empty_time_s"), summary.get("empty_distance_km")
    where = "" if t is None else f" after {t:.0f} s and {km:.1f} km"
    return f"the battery ran empty{where}; the car drew no traction power past that point"


def _write_trace(path: Path, frames: list[Any]) -> None:
    import pandas as pd

    from evforge.output import atomic_write

    table = pd.concat(frames, ignore_index=True)
    if path.suffix.lower() == ".csv":
        atomic_write(path, lambda p: table.to_csv(p, index=False))
    else:
        atomic_write(path, lambda p: table.to_parquet(p, index=False))


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


# Rows of the energy breakdown. The +, - and = lines add up as printed (regen is an addend
# with its sign); the indented lines split the net work at the wheels by where it went.
_BREAKDOWN_ROWS = (
    ("traction", "traction work at the wheels"),
    ("-regen_recovered", "- regen recovered at the wheels"),
    ("=net", "= net work at the wheels, of which:"),
    ("aero", "    aerodynamic drag"),
    ("rolling", "    rolling resistance"),
    ("grade", "    grade"),
    ("kinetic", "    kinetic energy change"),
    ("friction_brake", "    friction brakes"),
    ("drivetrain_loss", "+ drivetrain losses (gear + motor/inverter)"),
    ("battery_loss", "+ battery internal losses"),
    ("auxiliary", "+ auxiliaries (always-on load, climate)"),
    ("battery", "= battery energy (DC)"),
    ("wall", "wall energy (AC, through the charger)"),
)


def _breakdown_value(energy: Any, key: str) -> float:
    if key == "=net":
        return float(energy.traction - energy.regen_recovered)
    if key.startswith("-"):
        return -float(getattr(energy, key[1:]))
    return float(getattr(energy, key))


def _print_breakdown(results: Sequence[SimResult]) -> None:
    ambient = {r.ambient_c for r in results}
    where = (
        ", test-cell conditions"
        if ambient == {None}
        else ", ambient "
        + ", ".join(
            "test cell" if a is None else f"{a:g} °C"
            for a in sorted(ambient, key=lambda a: a or 0.0)
        )
    )
    table = Table(
        title=f"Energy breakdown, Wh per km{where} (+, - and = lines add up as printed)",
        title_justify="left",
    )
    table.add_column("", justify="left")
    for r in results:
        table.add_column(f"{r.vehicle}\n{r.cycle}", justify="right")
    for key, label in _BREAKDOWN_ROWS:
        # "+ 0.0" turns a rounded -0.0 (kinetic energy over a closed cycle) into 0.0.
        cells = [
            f"{round(_breakdown_value(r.energy_kwh, key) * 1e3 / r.distance_km, 1) + 0.0:.1f}"
            for r in results
        ]
        table.add_row(label, *cells)
    _out.print(table)


# --- evforge cycles -----------------------------------------------------------------------


@app.command("cycles")
def cycles_cmd(as_json: _Json = False, out: _Out = None) -> None:
    """List the bundled drive cycles with duration, distance, maximum and mean speed."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        from evforge.cycles import cycle_names, load_cycle
        from evforge.units import KMH_PER_MPS

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
        _write_out(out, rows)
    if as_json:
        _print_json(rows)
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


# --- evforge check ------------------------------------------------------------------------

# Subsystem of a parameter, by the first matching prefix of its name.
_GROUPS: Final = (
    ("params", "model coefficients"),
    ("spec", "as given in the spec"),
    ("mass", "mass and inertia"),
    ("road", "road load"),
    ("tyres", "wheels and tyres"),
    ("drive", "motors and drivetrain"),
    ("battery", "battery"),
    ("charging", "charging"),
    ("perf", "acceleration and top speed"),
    ("aux", "auxiliaries and climate"),
)
_PREFIXES: Final = (
    ("parameter_set", "params"),
    ("performance.", "perf"),
    ("body.cog_height", "perf"),
    ("body.wheelbase", "perf"),
    ("mass.front_axle_share", "perf"),
    ("tyres.friction", "perf"),
    ("battery.min_voltage", "perf"),
    ("battery.peak_discharge", "perf"),
    ("battery.max_charge", "charging"),
    ("battery.max_cell", "charging"),
    ("battery.peak_charge", "charging"),
    ("charge", "charging"),
    ("precondition", "charging"),
    ("battery_cooling", "charging"),
    ("battery_heater", "charging"),
    ("cell_specific", "charging"),
    ("dc_charger", "charging"),
    ("charger_efficiency", "charging"),
    ("ac_charge", "charging"),
    ("battery", "battery"),
    ("climate.", "aux"),
    ("auxiliary", "aux"),
    ("mass", "mass"),
    ("inertial_mass", "mass"),
    ("wheel_inertia", "mass"),
    ("rotor_inertia", "mass"),
    ("road_load", "road"),
    ("rolling", "road"),
    ("aero", "road"),
    ("driveline", "road"),
    ("body.", "road"),
    ("frontal", "road"),
    ("wheel_radius", "tyres"),
    ("tyres", "tyres"),
    ("motor", "drive"),
    ("gear", "drive"),
    ("regen", "drive"),
    ("torque_split", "drive"),
)


def _group_of(name: str) -> str:
    for prefix, group in _PREFIXES:
        if name.startswith(prefix):
            return group
    return "drive"


def _shown(value: Any) -> str:
    """A value with sensible rounding: 4 significant digits, integers as integers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e7:
        return f"{int(value)}"
    return f"{value:.4g}"


@app.command("check")
def check_cmd(specs: _Specs, as_json: _Json = False, out: _Out = None) -> None:
    """Validate specs and show every value the model uses, grouped by subsystem, with where
    it came from (the spec's own values first)."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        from evforge.spec import build_vehicle, load_spec
        from evforge.spec.schema import spec_leaves

        batch = _Batch(list(specs))
        sheets: list[tuple[Path, str, list[dict[str, Any]]]] = []
        for path in specs:
            try:
                spec = load_spec(path)
                vehicle = build_vehicle(spec)
            except Exception as exc:
                batch.fail(path, exc)
                continue
            rows: list[dict[str, Any]] = [
                {"group": "spec", "parameter": p, "value": v, "unit": u, "source": "spec"}
                for p, v, u in spec_leaves(spec)
            ]
            rows += [
                {
                    "group": _group_of(d.name),
                    "parameter": d.name,
                    "value": d.value,
                    "unit": d.unit,
                    "source": d.source,
                }
                for d in vehicle.provenance
            ]
            order = {g: i for i, (g, _) in enumerate(_GROUPS)}
            rows.sort(key=lambda r: order[r["group"]])
            sheets.append((path, vehicle.name, rows))
        records = [
            {"spec": str(path), "vehicle": name, **r} for path, name, rows in sheets for r in rows
        ]
        _write_out(out, records + batch.error_rows())
        if as_json:
            _print_json(records + batch.error_rows())
        else:
            titles = dict(_GROUPS)
            for path, name, rows in sheets:
                table = Table(title=f"{name}: parameters and their sources", title_justify="left")
                for col in ("parameter", "value", "unit", "source"):
                    table.add_column(col, overflow="fold")
                group = None
                for r in rows:
                    if r["group"] != group:
                        group = r["group"]
                        table.add_section()
                        table.add_row(f"— {titles[group]} —", "", "", "")
                    table.add_row(r["parameter"], _shown(r["value"]), r["unit"], r["source"])
                _out.print(table)
                _out.print(f"{path}: valid (schema v1)")
        batch.finish()


# --- evforge range ------------------------------------------------------------------------

_CLIMATE_PROCEDURES = ("gbt-annex-a", "gbt-annex-b", "real-world")


@app.command("range")
def range_cmd(
    specs: _Specs,
    procedure: Annotated[
        str,
        typer.Option(
            "--procedure",
            "-p",
            metavar="NAME",
            help="epa | wltp | cltc | nedc | all | gbt-annex-a | gbt-annex-b | real-world "
            "(case-insensitive).",
        ),
    ] = "all",
    as_json: _Json = False,
    out: _Out = None,
    ambient: Annotated[
        str | None, typer.Option("--ambient", metavar="TEMP", help=_AMBIENT_HELP)
    ] = None,
) -> None:
    """Official-style range and consumption: EPA, WLTP, CLTC and NEDC (and climate tests)."""
    procedure = procedure.strip().lower()
    if procedure in _CLIMATE_PROCEDURES:
        _climate_range(specs, procedure, as_json, ambient, out)
        return
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        ambient_c = _ambient("--ambient", ambient)
        from evforge.procedures import PROCEDURES, run_procedure

        names = list(PROCEDURES) if procedure == "all" else [procedure]
        if any(n not in PROCEDURES for n in names):
            known = ", ".join([*PROCEDURES, "all", *_CLIMATE_PROCEDURES])
            raise InputError(
                "--procedure",
                [Problem(procedure, f"is not a procedure; expected one of: {known}")],
            )
        batch = _load(specs)
        done = batch.each(
            lambda v: [run_procedure(v, n, ambient_c=ambient_c) for n in names],
            "running the procedures",
        )
        records = [r for _, _, rs in done for r in rs]
        _write_out(out, records + batch.error_rows())
        if as_json:
            _print_json(records + batch.error_rows())
        elif records:
            _print_range(records, ambient_c)
        batch.finish()


def _print_range(records: list[dict[str, Any]], ambient_c: float | None) -> None:
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
        t5 = Table(
            title="EPA label routes: the 0.7 factor or the vehicle-specific 5-cycle "
            "(40 CFR 600.210-12; the label takes the maker's choice)",
            title_justify="left",
        )
        for col in (
            "vehicle",
            "5-cycle factor",
            "city",
            "highway",
            "0.7 range mi",
            "5-cycle range mi",
            "label route",
        ):
            t5.add_column(col, justify="left" if col in ("vehicle", "label route") else "right")
        for r in five:
            t5.add_row(
                r["vehicle"],
                f"{r['adjustment_factor_5cycle']:.3f}",
                f"{r['adjustment_factor_5cycle_city']:.3f}",
                f"{r['adjustment_factor_5cycle_highway']:.3f}",
                f"{r['range_mi_0p7']:.0f}",
                f"{r['range_5cycle_mi']:.0f}",
                str(r.get("label_route", "")),
            )
        _out.print(t5)


def _climate_range(
    specs: list[Path], procedure: str, as_json: bool, ambient: str | None, out: Path | None
) -> None:
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        if ambient is not None:
            raise InputError(
                "--ambient",
                [
                    Problem(
                        ambient, f"does not apply to --procedure {procedure}, which sets its own"
                    )
                ],
            )
        from evforge.procedures import climate_range as cr

        batch = _load(specs)
        if procedure == "real-world":
            done = batch.each(cr.real_world, "running the climate scenarios")
            rows = [r for _, _, rs in done for r in rs]
        else:
            run = cr.gbt_annex_a if procedure == "gbt-annex-a" else cr.gbt_annex_b
            done2 = batch.each(run, f"running {procedure}")
            rows = [{"vehicle": v.name, "procedure": procedure, **r} for _, v, r in done2]
        _write_out(out, rows + batch.error_rows())
        if as_json:
            _print_json(rows + batch.error_rows())
        elif rows:
            _print_climate(procedure, rows)
        batch.finish()


def _print_climate(procedure: str, rows: list[dict[str, Any]]) -> None:
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


# --- evforge perf -------------------------------------------------------------------------

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
def perf_cmd(specs: _Specs, as_json: _Json = False, out: _Out = None) -> None:
    """Acceleration (0-100 km/h, 0-60 mph, 80-120 km/h, quarter mile), top speed, gradeability."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        from evforge.performance import performance

        batch = _load(specs)
        done = batch.each(lambda v: performance(v).summary(), "running the performance tests")
        records = [r for _, _, r in done]
        _write_out(out, records + batch.error_rows())
        if as_json:
            _print_json(records + batch.error_rows())
        elif records:
            table = Table(title="Performance at full demand, level road", title_justify="left")
            table.add_column("", justify="left")
            table.add_column("unit", justify="left")
            for r in records:
                table.add_column(r["vehicle"], justify="right")
            for key, label, unit, fmt in _PERF_ROWS:
                cells = ["-" if r.get(key) is None else format(r[key], fmt) for r in records]
                table.add_row(label, unit, *cells)
            _out.print(table)
            _out.print(
                "'-': not reached (top speed below the target speed). Model: docs/performance.md"
            )
            for r in records:
                for w in r.get("warnings", ()):
                    _err.print(f"warning: {r['vehicle']}: {w}")
        batch.finish()


# --- evforge charge: DC fast charging --------------------------------------------------------
_RANGE_BASES = ("wltp", "cltc", "epa")


def _percent(option: str, value: str) -> float:
    """'10', '10%' or '10 %' -> 0.10; a fraction such as '0.1' is refused (it would mean
    0.1 %); anything else is an input error naming the option."""
    text = value.strip()
    explicit = text.endswith("%")
    text = text.removesuffix("%").strip()
    try:
        number = float(text)
    except ValueError:
        raise InputError(
            "charge", [Problem(option, f"got {value!r}; expected a state of charge in %, e.g. 10")]
        ) from None
    if not explicit and 0.0 < number < 1.0:
        raise InputError(
            "charge",
            [
                Problem(
                    option,
                    f"got {value!r}, which reads as {number:g} %; states of charge are in "
                    f"percent (write {number * 100:g} for {number * 100:g} %, or '{value} %' "
                    "if you mean it)",
                )
            ],
        )
    return number / 100.0


@app.command("charge")
def charge_cmd(
    specs: _Specs,
    soc_from: Annotated[
        str,
        typer.Option(
            "--from", metavar="PCT", help="Start state of charge [%] of the usable window."
        ),
    ] = "10",
    soc_to: Annotated[
        str, typer.Option("--to", metavar="PCT", help="End state of charge [%].")
    ] = "80",
    ambient: Annotated[
        str,
        typer.Option(
            "--ambient",
            metavar="TEMP",
            help="Ambient temperature, e.g. 25C, -7C, 20F (a bare number is °C; -30 to 50 °C).",
        ),
    ] = "25C",
    charger: Annotated[
        str,
        typer.Option(
            "--charger",
            metavar="CLASS",
            help="Charger class 50kW | 150kW | 350kW, or a power such as '120 kW'.",
        ),
    ] = "350kW",
    charger_voltage: Annotated[
        float | None,
        typer.Option(
            "--charger-voltage", metavar="VOLTS", help="Override the charger's maximum voltage [V]."
        ),
    ] = None,
    charger_current: Annotated[
        float | None,
        typer.Option(
            "--charger-current", metavar="AMPS", help="Override the charger's maximum current [A]."
        ),
    ] = None,
    no_precondition: Annotated[
        bool,
        typer.Option(
            "--no-precondition",
            help="The battery starts at the ambient temperature and is heated while charging.",
        ),
    ] = False,
    ranges: Annotated[
        bool,
        typer.Option(
            "--range/--no-range", help="Range added per 10 min [km] (runs WLTP, CLTC and EPA)."
        ),
    ] = True,
    as_json: _Json = False,
    out: _Out = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Draw power against time and state of charge: .png, .svg or .pdf "
            "(no extension: .png).",
        ),
    ] = None,
) -> None:
    """DC fast charging: time, energy, peak and mean power, range added per 10 minutes."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        plot = _plot_path(plot)
        start = _percent("--from", soc_from)
        end = _percent("--to", soc_to)
        ambient_c = _ambient("--ambient", ambient)
        assert ambient_c is not None
        from evforge.charging import charge, parse_charger

        station = parse_charger(
            charger, max_voltage_v=charger_voltage, max_current_a=charger_current
        )
        batch = _load(specs)

        def run(v: Vehicle) -> tuple[Any, dict[str, Any]]:
            result = charge(
                v,
                start,
                end,
                charger=station,
                ambient_c=ambient_c,
                preconditioned=not no_precondition,
            )
            record = result.summary()
            if ranges:
                record["range_added_km_per_10min"] = _range_per_10min(v, result)
            return result, record

        done = batch.each(run, "charging")
        results = [r for _, _, (r, _) in done]
        records = [rec for _, _, (_, rec) in done]
        if plot is not None and results:
            from evforge.charging.plot import plot_sessions
            from evforge.output import atomic_write

            published = _published_minutes([s for s, _, _ in done], start, end)
            atomic_write(plot, lambda p: plot_sessions(results, p, published))
        _write_out(out, records + batch.error_rows())
        if as_json:
            _print_json(records + batch.error_rows())
        elif records:
            _print_charge(station, records, ranges)
        if plot is not None and results:
            _err.print(f"plot written to {plot}")
        batch.finish()


def _print_charge(station: Any, records: list[dict[str, Any]], ranges: bool) -> None:
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
    for rec in records:
        minutes = rec.get("precondition_time_min")
        energy = rec.get("precondition_energy_kwh")
        if minutes:
            _out.print(
                f"{rec['vehicle']}: preconditioning the pack before plugging in takes "
                f"{minutes:.1f} min and {energy:.2f} kWh (not in the charging time above)"
            )


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


# --- evforge report / compare -------------------------------------------------------------


@app.command("report")
def report_cmd(
    specs: _Specs,
    as_json: _Json = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Also write the sheets to FILE: .md, .html or .json."
        ),
    ] = None,
) -> None:
    """One headline sheet per car: EPA label (0.7 and 5-cycle routes), WLTP and CLTC range and
    consumption, 0-100 km/h, top speed, 10-80 % DC time, range at -7 °C and masses, with the
    published figure beside each where the project has one."""
    with _reported():
        _check_out("--out", out, _REPORT_OUT)
        from evforge.sheet import report

        batch = _load(specs)
        sheets = []
        with _progress(len(batch.cars), "reporting") as step:
            for spec, vehicle in batch.cars:
                try:
                    sheets.append(report(vehicle, spec_path=spec))
                except Exception as exc:
                    batch.fail(spec, exc)
                step()
        if out is not None:
            _write_sheets(out, sheets, batch)
        if as_json:
            _print_json([s.to_dict() for s in sheets] + batch.error_rows())
        else:
            for s in sheets:
                _print_sheet(s)
        batch.finish()


def _print_sheet(sheet: Any) -> None:
    table = Table(title=f"{sheet.vehicle}: headline figures", title_justify="left")
    for col in ("figure", "unit", "evforge", "published", "difference"):
        table.add_column(col, justify="left" if col in ("figure", "unit") else "right")
    for row in sheet.rows():
        table.add_row(*row)
    _out.print(table)
    for note in sheet.notes:
        _out.print(note)


def _write_sheets(path: Path, sheets: list[Any], batch: _Batch) -> None:
    from evforge.output import atomic_write_text, json_ready

    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(json_ready([s.to_dict() for s in sheets] + batch.error_rows()), indent=2)
    elif suffix == ".html":
        body = "\n".join(s.to_html() for s in sheets)
        text = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>evforge report</title><style>body{font-family:sans-serif}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
            "td:nth-child(n+3){text-align:right}</style></head><body>"
            f"<h1>evforge report</h1>{body}</body></html>"
        )
    else:
        text = "# evforge report\n\n" + "\n".join(s.to_markdown() for s in sheets)
    atomic_write_text(path, text + "\n")
    _err.print(f"wrote {path}")


@app.command("compare")
def compare_cmd(
    specs: _Specs,
    as_json: _Json = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE", help="Also write the comparison: .md, .html or .json."
        ),
    ] = None,
) -> None:
    """The headline sheets of several cars side by side: each figure of the first car, then
    each other car's with its difference and percent change."""
    with _reported():
        _check_out("--out", out, _REPORT_OUT)
        if len(specs) < 2:
            raise InputError(
                "compare", [Problem("SPEC", f"got {len(specs)} spec; expected 2 or more")]
            )
        from evforge.sheet import compare_markdown, compare_rows, report

        batch = _load(specs)
        sheets = []
        with _progress(len(batch.cars), "reporting") as step:
            for spec, vehicle in batch.cars:
                try:
                    sheets.append(report(vehicle, spec_path=spec))
                except Exception as exc:
                    batch.fail(spec, exc)
                step()
        if len(sheets) >= 2:
            if out is not None:
                _write_comparison(out, sheets, compare_markdown(sheets))
            if as_json:
                _print_json(_comparison_json(sheets))
            else:
                table = Table(
                    title="Comparison (changes against the first car)", title_justify="left"
                )
                table.add_column("figure", justify="left")
                table.add_column("unit", justify="left")
                for s in sheets:
                    table.add_column(s.vehicle, justify="right")
                for row in compare_rows(sheets):
                    table.add_row(*row)
                _out.print(table)
        elif not batch.failures:
            raise InputError("compare", [Problem("SPEC", "fewer than two cars ran")])
        batch.finish()


def _comparison_json(sheets: list[Any]) -> dict[str, Any]:
    base = sheets[0]
    figures = []
    for f0 in base.figures:
        values = [s.figure(f0.key).value for s in sheets]
        change = [
            None if v is None or f0.value in (None, 0) else 100.0 * (v - f0.value) / abs(f0.value)
            for v in values
        ]
        figures.append(
            {
                "key": f0.key,
                "label": f0.label,
                "unit": f0.unit,
                "values": values,
                "change_pct_vs_first": change,
            }
        )
    return {"vehicles": [s.vehicle for s in sheets], "figures": figures}


def _write_comparison(path: Path, sheets: list[Any], markdown: str) -> None:
    import html

    from evforge.output import atomic_write_text, json_ready
    from evforge.sheet import compare_rows

    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(json_ready(_comparison_json(sheets)), indent=2)
    elif suffix == ".html":
        head = "".join(
            f"<th>{html.escape(c)}</th>" for c in ["figure", "unit", *[s.vehicle for s in sheets]]
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in compare_rows(sheets)
        )
        text = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>evforge '
            f"comparison</title></head><body><table><thead><tr>{head}</tr></thead><tbody>{body}"
            "</tbody></table></body></html>"
        )
    else:
        text = "# evforge comparison\n\n" + markdown
    atomic_write_text(path, text + "\n")
    _err.print(f"wrote {path}")


# --- evforge evaluate ---------------------------------------------------------------------


@app.command("evaluate")
def evaluate_cmd(
    designs: Annotated[
        list[Path],
        typer.Argument(
            help="Spec files (YAML), or one table of designs (.csv or .parquet) whose columns "
            "are spec field paths (mass.curb, body.drag_coefficient, motors[0].peak_power...) "
            "in each field's documented unit.",
            metavar="SPEC...|TABLE",
        ),
    ],
    procedures: Annotated[
        str,
        typer.Option(
            "--procedures",
            metavar="LIST",
            help="Comma-separated: epa, wltp, cltc, perf, charge, mass (default all).",
        ),
    ] = "epa,wltp,cltc,perf,charge,mass",
    base: Annotated[
        Path | None,
        typer.Option("--base", metavar="SPEC", help="For a table: the spec every row starts from."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            metavar="N",
            help="Worker processes (default 1: this one, its kernels on all cores); more run "
            "the designs in parts, the per-design Python in parallel too (~2 s start-up each).",
        ),
    ] = 1,
    as_json: _Json = False,
    out: _Out = None,
) -> None:
    """Evaluate designs (the function sweeps and the web workbench call): one row of results
    per design, in input order, units in the column names; a design that cannot run gets its
    reason in the error column."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        from evforge.design import TABLE_EXTENSIONS, DesignTable
        from evforge.evaluation import evaluate

        wanted = [p for p in procedures.split(",") if p.strip()]
        tables = [d for d in designs if d.suffix.lower() in TABLE_EXTENSIONS]
        if tables and len(designs) > 1:
            raise InputError(
                "evaluate", [Problem(str(tables[0]), "a table must be the only input")]
            )
        if tables:
            table = DesignTable.read(tables[0], base=base)
        elif base is not None:
            raise InputError("--base", [Problem(str(base), "applies to a table of designs only")])
        else:
            table = DesignTable.from_specs(designs)
        with _progress(len(table), "evaluating") as step:
            seen = [0]

            def advance(done: int, total: int) -> None:  # per part or batch of designs
                for _ in range(done - seen[0]):
                    step()
                seen[0] = done

            frame = evaluate(table, procedures=wanted, workers=workers, progress=advance)
        # Missing results (<NA>) become JSON null / empty cells.
        plain = frame.astype(object).where(frame.notna(), None)
        records = [{str(k): v for k, v in r.items()} for r in plain.to_dict(orient="records")]
        _write_out(out, records)
        if as_json:
            _print_json(records)
        else:
            _print_evaluation(records)
        failed = [r for r in records if r.get("error")]
        for r in failed:
            _err.print(f"error: design {r['design_id']} ({r['name']}): {r['error']}")
        if failed:
            _err.print(f"{len(failed)} of {len(records)} designs failed")
            raise typer.Exit(EXIT_FAILURE)


def _print_evaluation(records: list[dict[str, Any]]) -> None:
    from evforge.evaluation import OUTPUTS

    result_cols = [c for cols in OUTPUTS.values() for c in cols if records and c in records[0]]
    table = Table(title="Evaluation (one row per design)", title_justify="left")
    table.add_column("design", justify="right")
    table.add_column("name", justify="left")
    for col in result_cols:
        table.add_column(col, justify="right")
    for r in records:
        cells = [str(r["design_id"]), str(r["name"])]
        for col in result_cols:
            v = r.get(col)
            cells.append("-" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v)))
        table.add_row(*cells)
    _out.print(table)


# --- evforge sweep / query ------------------------------------------------------------------


@app.command("sweep")
def sweep_cmd(
    study_file: Annotated[
        Path,
        typer.Argument(
            help="Study file (YAML): base, vary, sampling, outputs (docs/exploration.md).",
            metavar="SWEEP.yaml",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Folder of the Parquet dataset (created; resumed if it holds this sweep).",
        ),
    ],
    workers: Annotated[
        int, typer.Option("--workers", metavar="N", help="Local worker processes.")
    ] = 1,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://host:8786."),
    ] = None,
    chunk: Annotated[
        int, typer.Option("--chunk", metavar="N", help="Designs per Parquet part (per task).")
    ] = 256,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Evaluate every design of a study into a Parquet dataset (DuckDB reads DIR/*.parquet).
    Interrupted runs resume: run the same command again."""
    with _reported():
        from evforge.explore.study import load_study
        from evforge.explore.sweep import run_sweep
        from evforge.output import check_output_dir

        study = load_study(study_file)
        check_output_dir("--out", out)
        with _progress(study.size, f"sweep of {study.size} designs") as step:
            last = [0]

            def advance(done: int, total: int) -> None:
                for _ in range(done - last[0]):
                    step()
                last[0] = done

            try:
                result = run_sweep(
                    study, out, chunk=chunk, workers=workers, cluster=cluster, progress=advance
                )
            except KeyboardInterrupt:
                _err.print(
                    f"interrupted: the finished parts are in {out}; run the same command to resume"
                )
                raise typer.Exit(130) from None
        summary = {
            "out": str(result.out),
            "designs": result.designs,
            "parts": result.parts,
            "parts_computed": result.parts_computed,
            "parts_resumed": result.parts_resumed,
            "failed_designs": result.failed_designs,
        }
        if as_json:
            _print_json(summary)
        else:
            _out.print(
                f"{result.designs} designs in {result.parts} parts in {out} "
                f"({result.parts_computed} computed now, {result.parts_resumed} found); "
                f"{result.failed_designs} failed (see their error column). "
                f'Query: evforge query {out} "select * from designs limit 5"'
            )


@app.command("solve")
def solve_cmd(
    spec: Annotated[Path, typer.Argument(help="The base spec (YAML).", metavar="SPEC")],
    vary: Annotated[
        str,
        typer.Option("--vary", metavar="FIELD", help="The spec field path to solve for."),
    ],
    target: Annotated[
        str,
        typer.Option(
            "--target", metavar="OUTPUT=VALUE", help="e.g. range_cltc_km=700 (units as named)."
        ),
    ],
    between: Annotated[
        tuple[float, float] | None,
        typer.Option(
            "--between",
            metavar="LOW HIGH",
            help="Search range in the field's documented unit (default: its plausible range).",
        ),
    ] = None,
    base_changes: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="Change the base first (repeatable), e.g. --set road_load=null.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="SOLVED.yaml", help="Write the solved spec (YAML)."),
    ] = None,
    as_json: _Json = False,
) -> None:
    """Inverse design: the value of one spec field that gives a target result."""
    with _reported():
        _check_out("--out", out, (".yaml", ".yml"))
        import yaml

        from evforge.explore.solve import solve
        from evforge.spec import load_spec
        from evforge.spec.variant import variant_spec

        output, sep, value_text = target.partition("=")
        try:
            goal = float(value_text)
        except ValueError:
            goal = float("nan")
        if not sep or goal != goal:
            raise InputError(
                "--target", [Problem(target, "expected OUTPUT=VALUE, e.g. range_wltp_km=600")]
            )
        changes: dict[str, Any] = {}
        for item in base_changes or []:
            key, eq, text = item.partition("=")
            if not eq:
                raise InputError("--set", [Problem(item, "expected FIELD=VALUE")])
            changes[key.strip()] = yaml.safe_load(text) if text.strip() else None
        base = load_spec(spec)
        if changes:
            base = variant_spec(base, changes, name=base.name)
        solution = solve(base, vary.strip(), output.strip(), goal, between=between)
        record = solution.as_dict()
        if out is not None and solution.spec is not None:
            from evforge.output import atomic_write_text

            data = solution.spec.model_dump(mode="json", exclude_unset=True, by_alias=True)
            atomic_write_text(out, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
            record["out"] = str(out)
            _err.print(f"wrote {out}")
        if as_json:
            _print_json(record)
        elif solution.feasible:
            _out.print(
                f"{solution.field} = {solution.value:.6g}: {solution.output} "
                f"{solution.achieved:.6g} (target {solution.target:g}; "
                f"{solution.evaluations} evaluations) {solution.message}"
                if solution.value is not None and solution.achieved is not None
                else solution.message
            )
        if not solution.feasible:
            if not as_json:
                _err.print(f"error: {solution.message}")
            raise typer.Exit(EXIT_FAILURE)


@app.command("sensitivity")
def sensitivity_cmd(
    study_file: Annotated[
        Path, typer.Argument(help="Study file (YAML), as for sweep.", metavar="SWEEP.yaml")
    ],
    n: Annotated[
        int | None,
        typer.Option(
            "--n", metavar="N", help="Base sample (power of 2); runs N (inputs + 2) designs."
        ),
    ] = None,
    as_json: _Json = False,
    out: _Out = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", metavar="FILE", help="Bar chart of the indices: .png, .svg, .pdf."),
    ] = None,
) -> None:
    """Sobol' indices (SALib) of each output to each varied input: which variables matter."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        plot = _plot_path(plot)
        from evforge.explore.sensitivity import study_sensitivity
        from evforge.explore.study import load_study

        study = load_study(study_file)
        with _err.status("evaluating the Saltelli sample..."):
            tables = study_sensitivity(study, n=n)
        records: list[dict[str, Any]] = [
            {"output": o, "input": str(i), **{str(k): float(v) for k, v in row.items()}}
            for o, t in tables.items()
            for i, row in t.iterrows()
        ]
        _write_out(out, records)
        if plot is not None:
            from evforge.output import atomic_write

            atomic_write(plot, lambda p: _plot_indices(tables, p))
            _err.print(f"plot written to {plot}")
        if as_json:
            _print_json(records)
            return
        for o, t in tables.items():
            _print_table(
                f"Sobol' indices of {o} (S1 first order, ST total; ± 95 % bootstrap)",
                ("input", "S1", "ST"),
                1,
                (
                    (
                        str(i),
                        f"{r['S1']:.3f} ± {r['S1_conf']:.3f}",
                        f"{r['ST']:.3f} ± {r['ST_conf']:.3f}",
                    )
                    for i, r in t.iterrows()
                ),
            )


def _plot_indices(tables: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, axes = plt.subplots(1, len(tables), figsize=(4.5 * len(tables), 3.6), squeeze=False)
    for ax, (name, t) in zip(axes[0], tables.items(), strict=True):
        x = np.arange(len(t))
        ax.bar(x - 0.2, t["S1"], 0.4, yerr=t["S1_conf"], label="first order S1")
        ax.bar(x + 0.2, t["ST"], 0.4, yerr=t["ST_conf"], label="total ST")
        ax.set_xticks(x, [str(i) for i in t.index], rotation=20, ha="right", fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.set_ylim(0, 1.05)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)


@app.command("optimize")
def optimize_cmd(
    opt_file: Annotated[
        Path,
        typer.Argument(
            help="Optimisation file: a study with objectives, constraints, algorithm.",
            metavar="OPT.yaml",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="Folder for pareto.parquet, pareto.png and specs/."
        ),
    ],
    as_json: _Json = False,
) -> None:
    """Multi-objective optimisation (pymoo NSGA-II) over a study's varied fields: the Pareto
    front to Parquet and a plot, each point as a spec file."""
    with _reported():
        from evforge.explore.optimize import load_optimisation, optimize_study
        from evforge.output import atomic_write, check_output_dir

        opt = load_optimisation(opt_file)
        check_output_dir("--out", out)
        total = opt.population * (opt.generations + 1)
        with _progress(total, "optimising") as step:
            seen = [0]

            def advance(done: int) -> None:
                for _ in range(min(done, total) - seen[0]):
                    step()
                seen[0] = min(done, total)

            front = optimize_study(opt, progress=advance)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "pareto.parquet", lambda p: front.to_parquet(p, index=False))
        atomic_write(out / "pareto.png", lambda p: _plot_front(front, opt, p))
        specs = out / "specs"
        specs.mkdir(exist_ok=True)
        _write_point_specs(opt, front, specs)
        records = [{str(k): v for k, v in r.items()} for r in front.to_dict(orient="records")]
        if as_json:
            _print_json({"evaluations": front.attrs.get("evaluations"), "front": records})
        else:
            cols = [str(c) for c in front.columns]
            _print_table(
                f"Pareto front: {len(front)} designs ({front.attrs.get('evaluations')} evaluated)",
                cols,
                1,
                ([_cell_text(v) for v in r.values()] for r in records),
            )
        _err.print(f"wrote {out / 'pareto.parquet'}, {out / 'pareto.png'} and {specs}/")


def _write_point_specs(opt: Any, front: Any, folder: Path) -> None:
    import yaml

    from evforge.output import atomic_write_text
    from evforge.spec.variant import variant_spec

    paths = [v.path for v in opt.study.variables]
    for row in front.to_dict(orient="records"):
        changes = {p: row[p] for p in paths}
        name = f"{opt.study.base.name} (Pareto point {row['point']})"
        spec = variant_spec(opt.study.base, changes, name=name[:200])
        data = spec.model_dump(mode="json", exclude_unset=True, by_alias=True)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        atomic_write_text(folder / f"point_{row['point']:04d}.yaml", text)


def _plot_front(front: Any, opt: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [o for o, _ in opt.objectives]
    fig, ax = plt.subplots(figsize=(6.0, 4.5), dpi=150)
    if len(names) >= 2:
        ax.plot(front[names[0]], front[names[1]], "o", ms=4)
        ax.set_xlabel(f"{names[0]} ({dict(opt.objectives)[names[0]]})")
        ax.set_ylabel(f"{names[1]} ({dict(opt.objectives)[names[1]]})")
    else:
        ax.plot(range(len(front)), front[names[0]], "o")
        ax.set_ylabel(names[0])
    ax.set_title(f"Pareto front, {len(front)} designs (NSGA-II)", fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


@app.command("query")
def query_cmd(
    folder: Annotated[Path, typer.Argument(help="A sweep's dataset folder.", metavar="DIR")],
    sql: Annotated[
        str,
        typer.Argument(help="SQL for DuckDB; the dataset is the view 'designs'.", metavar="SQL"),
    ],
    as_json: _Json = False,
    out: _Out = None,
) -> None:
    """Run SQL over a sweep's Parquet dataset with DuckDB (the view is called 'designs')."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        import duckdb

        parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
        if not parts:
            raise InputError(
                str(folder), [Problem("<folder>", "holds no sweep parts (part-*.parquet)")]
            )
        con = duckdb.connect()
        try:
            files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
            con.execute(f"create view designs as select * from read_parquet([{files}])")
            frame = con.execute(sql).fetch_df()
        except duckdb.Error as exc:
            raise InputError("SQL", [Problem(sql[:60], str(exc).splitlines()[0])]) from None
        finally:
            con.close()
        plain = frame.astype(object).where(frame.notna(), None)
        records = [{str(k): v for k, v in r.items()} for r in plain.to_dict(orient="records")]
        _write_out(out, records)
        if as_json:
            _print_json(records)
            return
        table = Table(title=f"{len(records)} rows", title_justify="left")
        for col in frame.columns:
            table.add_column(str(col), justify="right")
        for r in records[:200]:
            table.add_row(*[_cell_text(v) for v in r.values()])
        _out.print(table)
        if len(records) > 200:
            _err.print(f"showing 200 of {len(records)} rows; --out writes them all")


# --- evforge serve ---------------------------------------------------------------------------


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="HOST", help="Interface to listen on (loopback by default)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="TCP port.")] = 8000,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", metavar="DIR", help="Folder for sweep results (default: ~/.cache/evforge)."
        ),
    ] = None,
) -> None:
    """The web workbench and its JSON API (OpenAPI at /openapi.json) on http://HOST:PORT/."""
    with _reported():
        if not 1 <= port <= 65535:
            raise InputError("--port", [Problem(str(port), "expected 1 to 65535")])
        if data is not None:
            from evforge.output import check_output_dir

            check_output_dir("--data", data)
        from evforge.web import serve

        _err.print(f"evforge workbench on http://{host}:{port}/ (Ctrl-C stops it)")
        serve(host=host, port=port, data_dir=data)


# --- evforge validate ---------------------------------------------------------------------

validate_app = typer.Typer(
    help="Compare the model with real test data.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=_CONTEXT,
)
app.add_typer(validate_app, name="validate")

_WriteParams = Annotated[
    Path | None,
    typer.Option(
        "--write-params",
        metavar="FILE",
        help="With the refit: write a new parameter set (.yaml) holding the refitted values "
        "(docs/parameters.md); pass it on with build_vehicle(spec, params=...).",
    ),
]


def _params_written(path: Path | None, write: Callable[[Path], Any]) -> str:
    if path is None:
        return " (--write-params FILE writes them as a new parameter set)"
    written = write(path)
    return f"; parameter set {written.name} {written.version} written to {path}"


_ReportDir = Annotated[
    Path,
    typer.Option("--out", metavar="DIR", help="Folder for the report, plot and predictions."),
]


def _report_dir(out: Path) -> Path:
    from evforge.output import check_output_dir

    return check_output_dir("--out", out)


@validate_app.command("epa")
def validate_epa_cmd(
    out: _ReportDir = Path("validation-report"),
    refit: Annotated[
        bool,
        typer.Option(
            "--refit",
            help="Also refit the global coefficients on the training families (EPA rows and "
            "the spec-sheet set, jointly).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    write_params: _WriteParams = None,
) -> None:
    """Predict the EPA Test Car List's unadjusted UDDS/HWFET MPGe of every usable BEV row."""
    with _reported():
        _report_dir(out)
        _check_out("--write-params", write_params, (".yaml", ".yml"))
        from evforge.validation.report import run_epa_validation, write_report

        with _err.status("simulating the EPA test vehicles..."):
            result = run_epa_validation()
            md, png = write_report(result, out)
    if as_json:
        _print_json(result.metrics.to_dict(orient="records"))
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
    _err.print(f"report written to {md}\nplot written to {png}")
    if refit:
        from evforge.validation import epa
        from evforge.validation import fit as fit_module
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
            f"({excitation}), size exponent = {c.size_exponent:.3f}"
            + _params_written(
                write_params,
                lambda p: fit_module.refit_parameter_set(p, fitted=fitted),
            )
        )


@validate_app.command("specsheet")
def validate_specsheet_cmd(
    out: _ReportDir = Path("validation-report"),
    market: Annotated[
        list[str] | None,
        typer.Option(
            "--market", metavar="MARKET", help="epa, wltp or cltc (repeatable; default all)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Official range and consumption of real cars built only from their spec sheets."""
    with _reported():
        _report_dir(out)
        from rich.progress import Progress

        from evforge.validation.specsheet import MARKETS, run_specsheet_validation, write_report

        markets = [m.strip().lower() for m in (market or list(MARKETS))]
        bad = [m for m in markets if m not in MARKETS]
        if bad:
            raise InputError(
                "validate specsheet",
                [Problem("--market", f"got {bad[0]!r}; expected one of {', '.join(MARKETS)}")],
            )
        with Progress(console=_err, transient=True) as bar:
            task = bar.add_task("running the official procedures...", total=None)
            result = run_specsheet_validation(
                markets, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        md, png = write_report(result, out)
    if as_json:
        _print_json(result.summary.to_dict(orient="records"))
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
        _err.print(f"not run: {failure}")
    _err.print(f"report written to {md}\nplot written to {png}")


@validate_app.command("roadload")
def validate_roadload_cmd(
    out: _ReportDir = Path("validation-report"),
    fit: Annotated[
        bool,
        typer.Option("--fit", help="Also refit the global road-load coefficients (training)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    write_params: _WriteParams = None,
) -> None:
    """Road load (A, B, C) from C_d, width, height and mass vs EPA coast-downs."""
    with _reported():
        _report_dir(out)
        _check_out("--write-params", write_params, (".yaml", ".yml"))
        from evforge.validation.roadload import fit_coefficients, run_roadload, write_report

        with _err.status("predicting road loads and simulating UDDS/HWFET..."):
            result = run_roadload()
        md = write_report(result, out)
    if as_json:
        _print_json(result.summary.to_dict(orient="records"))
    else:
        _print_table(
            "road load from the spec sheet vs coast-down (median absolute errors)",
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
    _err.print(f"report written to {md}")
    if fit:
        from evforge.validation import roadload as roadload_validation

        f = fit_coefficients()
        _out.print(
            f"fit on {f.n_rows_ab} training test vehicles (A, B) and {f.n_rows_c} joined ones "
            f"(C): rolling_resistance = {f.rolling_resistance:.5f}, "
            f"rolling_speed_coefficient = {f.speed_coefficient:.3e} s/m, "
            f"driveline_linear_drag = {f.linear_drag:.3f} N/(m/s), "
            f"frontal_area_factor = {f.frontal_area_factor:.3f}"
            + _params_written(
                write_params,
                lambda p: roadload_validation.refit_parameter_set(p, fit=f),
            )
        )


@validate_app.command("range")
def validate_range_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    out: _Out = None,
) -> None:
    """Range and consumption of the bundled real cars against their published figures."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        from evforge.validation.range_published import compare_range

        with _err.status("running the range procedures on the published cars..."):
            frame = compare_range()
        records: list[dict[str, Any]] = [
            {str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")
        ]
        _write_out(out, records)
    if as_json:
        _print_json(records)
        return
    table = Table(title="evforge vs published range and consumption", title_justify="left")
    for col in ("vehicle", "metric", "published", "evforge", "error %"):
        table.add_column(col, justify="left" if col in ("vehicle", "metric") else "right")
    for r in records:
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


@validate_app.command("charge")
def validate_charge_cmd(
    refit: Annotated[
        bool, typer.Option("--refit", help="Also refit the knee SOC on the training split.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    out: _Out = None,
    write_params: _WriteParams = None,
) -> None:
    """Predicted vs published DC charging times of every car with a published figure."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        _check_out("--write-params", write_params, (".yaml", ".yml"))
        from evforge.validation.charge import refit_knee, run_charge_validation

        with _err.status("charging the cars with published times..."):
            result = run_charge_validation()
        # A car with no published peak power has NaN there: JSON null, "n/a" in the table.
        rows: list[dict[str, Any]] = [
            {str(k): (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in result.rows.to_dict(orient="records")
        ]
        _write_out(out, rows)
    if as_json:
        _print_json(rows)
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
        from evforge.validation import charge as charge_validation

        _out.print(
            f"refit on the training split: charge_knee_soc = {knee:.2f} (mean |log error| "
            f"{score:.3f})"
            + _params_written(
                write_params, lambda p: charge_validation.refit_parameter_set(p, knee=(knee, score))
            )
        )


@validate_app.command("perf")
def validate_perf_cmd(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the table as markdown (docs/performance.md).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as JSON.")] = False,
    out: _Out = None,
    published: Annotated[
        Path | None,
        typer.Option(
            "--published",
            metavar="FILE",
            help="Published-figures CSV (default: the bundled table).",
        ),
    ] = None,
    fit: Annotated[
        bool,
        typer.Option(
            "--fit",
            help="Refit the global launch ramp time on the training cars and print it "
            "(the default in the shipped parameter set is this value).",
        ),
    ] = False,
    write_params: _WriteParams = None,
) -> None:
    """Predicted vs published 0-100 km/h, 0-60 mph and top speed for every car with figures."""
    with _reported():
        _check_out("--out", out, _TABLE_OUT)
        _check_out("--write-params", write_params, (".yaml", ".yml"))
        from evforge.validation.perf import compare_perf, fit_launch_ramp

        if fit:
            from evforge.validation import perf as perf_validation

            launch = fit_launch_ramp(published)
            _out.print(
                f"launch ramp time fitted on {len(launch.train_cars)} training cars' 0-100 km/h: "
                f"{launch.ramp_s:.3f} s (training MAPE {launch.mape_pct:.2f} %)"
                + _params_written(
                    write_params,
                    lambda p: perf_validation.refit_parameter_set(
                        p, launch=launch, published_csv=published
                    ),
                )
            )
            return
        with _err.status("running the performance tests of the published cars..."):
            result = compare_perf(published)
        _write_out(out, result.rows)
    if as_json:
        _print_json(result.rows)
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
    """evforge: spec file to drive-cycle energy, range, performance and charging."""


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # python -m evforge.cli
    main()
