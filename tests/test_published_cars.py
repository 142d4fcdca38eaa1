"""The real-car validation set: spec files and the table of published figures.

What is checked: every car spec loads, builds and goes through ``evforge check``; every spec
value carries a ``# source:`` comment; the EPA road-load coefficients in each spec are the ones
of the EPA Test Car List row its comment names (package copy of the list); the table's EPA
figures equal fueleconomy.gov's (package copy of vehicles.csv); units parse with pint; the
table rejects bad rows with a message that names them. The published values themselves come
from the sources in the table (see PROVENANCE.md beside it); they are data, not model results.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import evforge
from evforge.cli import app
from evforge.errors import InputError
from evforge.units import parse_quantity, registry
from evforge.validation.published import (
    COLUMNS,
    EXAMPLES_PREFIX,
    METRICS,
    car_spec_paths,
    cars_dir,
    load_published,
    spec_path,
)

CARS = car_spec_paths()
TABLE = load_published()
runner = CliRunner()
# EPA energy equivalence [kWh per gallon-equivalent] (fueleconomy.gov; see procedures/epa.py).
KWH_PER_GALLON_EQUIVALENT = 33.705
# pint spellings of the table's units; MPGe is checked as its inverse, kWh/100 mi.
PINT_UNITS = {
    "s": "s",
    "km/h": "km/h",
    "kW": "kW",
    "min": "min",
    "km": "km",
    "mi": "mi",
    "kWh/100km": "kWh/(100 km)",
}
SI_UNITS = {"s": "s", "km/h": "m/s", "kW": "W", "min": "s", "km": "m", "mi": "m", "kWh/100km": "N"}


def test_at_least_eight_cars_covering_layouts_chemistries_and_voltages() -> None:
    assert len(CARS) >= 8
    specs = [evforge.load_spec(p) for p in CARS]
    assert {s.layout.value for s in specs} == {"FWD", "RWD", "AWD"}
    chemistries = {s.battery.chemistry.value for s in specs if s.battery.chemistry is not None}
    assert {"LFP", "NMC", "NCA"} <= chemistries
    voltages = [s.battery.nominal_voltage for s in specs if s.battery.nominal_voltage]
    assert sum(v >= 600 for v in voltages) >= 2, "fewer than two 800 V-class cars"


@pytest.mark.parametrize("path", CARS, ids=lambda p: p.stem)
def test_car_spec_builds_and_checks(path: Path) -> None:
    vehicle = evforge.load_vehicle(path)
    assert vehicle.name
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("path", CARS, ids=lambda p: p.stem)
def test_every_spec_value_has_a_source_comment(path: Path) -> None:
    """Each line that sets a value cites a source (the name and a motor's axle key excepted)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        body = line.split("#", 1)[0].rstrip()
        if not body or body.endswith(":") or body.startswith(("name:", "  - axle:")):
            continue
        assert "# source:" in line, f"{path.name}:{number}: no '# source:' comment: {line!r}"


_ROW_RE = re.compile(r"(\S+\.bev\.csv), Test Vehicle ID (\S+), config (\d+)")
_LBF_PER_MPH = "lbf/mph"


@pytest.mark.parametrize("path", CARS, ids=lambda p: p.stem)
def test_road_load_equals_the_epa_row_it_cites(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    spec = evforge.load_spec(path)
    if spec.road_load is None:
        assert "road_load" not in text
        return
    header = next(line for line in text.splitlines() if line.startswith("road_load:"))
    match = _ROW_RE.search(header)
    assert match is not None, f"{path.name}: road_load comment names no EPA file/row"
    file, vehicle_id, config = match.groups()
    with (
        resources.files("evforge.validation.data")
        .joinpath("epa_testcar_bev_summary.csv")
        .open("rb") as f
    ):
        summary = pd.read_csv(f, dtype={"Test Vehicle ID": str})
    rows = summary[
        (summary["source_file"] == file)
        & (summary["Test Vehicle ID"] == vehicle_id)
        & (summary["Test Veh Configuration #"] == int(config))
    ]
    assert len(rows) == 1, f"{path.name}: {file} {vehicle_id} cfg {config} not found once"
    row = rows.iloc[0]
    expected = {
        "f0": parse_quantity(f"{row['target_a_lbf']} lbf", "N", kind="force", example="1 N"),
        "f1": parse_quantity(
            f"{row['target_b_lbf_per_mph']} lbf/mph", "N*s/m", kind="f1", example="1 N*s/m"
        ),
        "f2": parse_quantity(
            f"{row['target_c_lbf_per_mph2']} lbf/mph^2", "N*s^2/m^2", kind="f2", example="1"
        ),
        "test_mass": parse_quantity(f"{row['etw_lbs']} lb", "kg", kind="mass", example="1 kg"),
    }
    for field, value in expected.items():
        # The spec repeats the list's printed digits, so agreement is to float rounding.
        assert getattr(spec.road_load, field) == pytest.approx(value, rel=1e-9), field


def test_table_has_the_documented_columns_and_no_empty_source() -> None:
    assert tuple(TABLE.columns) == COLUMNS
    assert (TABLE["source"].str.strip() != "").all()
    assert TABLE["value"].dtype == float


def test_every_car_in_the_table_exists_and_every_car_file_has_rows() -> None:
    for car in TABLE["car"].unique():
        path = spec_path(car)
        assert path.is_file(), car
        evforge.load_vehicle(path)
    listed = set(TABLE["car"])
    for path in CARS:
        assert path.name in listed, f"{path.name} has no published figures"
    assert {c for c in listed if c.startswith(EXAMPLES_PREFIX)} == {
        f"{EXAMPLES_PREFIX}{p.name}"
        for p in (Path(__file__).resolve().parents[1] / "examples").glob("*.yaml")
    }


def test_acceleration_top_speed_and_dc_charging_figures_for_most_cars() -> None:
    """What the performance and charging models are checked against (gaps: PROVENANCE.md)."""
    accel = {"zero_to_100_kmh_s", "zero_to_60_mph_s"}
    cars_with_accel = set(TABLE.loc[TABLE["metric"].isin(accel), "car"])
    cars_with_peak_dc = set(TABLE.loc[TABLE["metric"] == "peak_dc_kw", "car"])
    assert len(cars_with_accel) >= 10
    assert len(cars_with_peak_dc) >= 10
    cars_with_top_speed = set(TABLE.loc[TABLE["metric"] == "top_speed_kmh", "car"])
    cars_with_dc_time = set(TABLE.loc[TABLE["metric"].str.startswith("dc_"), "car"])
    assert len(cars_with_top_speed) >= 9
    assert len(cars_with_dc_time) >= 7


ROWS = [(r.car, r.metric, float(r.value), r.unit) for r in TABLE.itertuples(index=False)]


@pytest.mark.parametrize(("car", "metric", "value", "unit"), ROWS, ids=lambda v: str(v))
def test_units_parse_and_values_are_plausible(
    car: str, metric: str, value: float, unit: str
) -> None:
    spec = METRICS[metric]
    assert unit == spec.unit
    assert spec.lo <= value <= spec.hi
    if unit == "MPGe":
        kwh_per_100mi = 100 * KWH_PER_GALLON_EQUIVALENT / value
        assert 12.0 <= kwh_per_100mi <= 60.0, car
    else:
        # pint must read the unit and give the SI dimension the metric implies.
        quantity = registry().Quantity(f"{value} {PINT_UNITS[unit]}")
        assert quantity.to(SI_UNITS[unit]).magnitude > 0.0, car


def test_epa_figures_equal_fueleconomy_gov() -> None:
    """Rows citing a vehicles.csv id must carry that row's value (label range, UCity, UHighway)."""
    with (
        resources.files("evforge.validation.data")
        .joinpath("fueleconomy_ev_vehicles.csv")
        .open("rb") as f
    ):
        fe = pd.read_csv(f).set_index("id")
    column = {"epa_range_mi": "range", "epa_ucity_mpge": "UCity", "epa_uhighway_mpge": "UHighway"}
    epa = TABLE[TABLE["metric"].isin(column)]
    assert len(epa) >= 3 * 11
    for row in epa.itertuples(index=False):
        match = re.search(r"vehicles\.csv .*id (\d+)", row.source)
        assert match is not None, (row.car, row.metric)
        official = float(fe.loc[int(match.group(1)), column[row.metric]])
        assert row.value == pytest.approx(official, abs=0.05), (row.car, row.metric)


def test_bad_rows_are_rejected_with_their_line(tmp_path: Path) -> None:
    good = ["a.yaml", "top_speed_kmh", "180", "km/h", "", "https://example.org", ""]
    bad_rows = [
        (["a.yaml", "top_speed_kmh", "180", "mph", "", "x", ""], "unit: got 'mph'"),
        (["a.yaml", "peak_dc_kw", "150", "kW", "", " ", ""], "source: is empty"),
        (["a.yaml", "zero_to_100_kmh_s", "61", "s", "", "x", ""], "outside the plausible"),
        (["a.yaml", "zero_to_100_kmh_s", "nan", "s", "", "x", ""], "outside the plausible"),
        (["a.yaml", "dc_10_80_min", "fast", "min", "", "x", ""], "expected a number"),
        (["a.yaml", "range_km", "400", "km", "", "x", ""], "metric: got 'range_km'"),
        (["a", "top_speed_kmh", "170", "km/h", "", "x", ""], "expected a spec file name"),
        (good, "duplicate (car, metric)"),
    ]
    for bad, message in bad_rows:
        path = tmp_path / "published.csv"
        pd.DataFrame([good, bad], columns=list(COLUMNS)).to_csv(path, index=False)
        with pytest.raises(InputError, match="line 3") as info:
            load_published(path)
        assert message in str(info.value)
    path = tmp_path / "short.csv"
    pd.DataFrame([good[:3]], columns=list(COLUMNS[:3])).to_csv(path, index=False)
    with pytest.raises(InputError, match="missing columns"):
        load_published(path)


def test_provenance_document_names_every_car() -> None:
    text = (cars_dir() / "PROVENANCE.md").read_text(encoding="utf-8")
    for path in CARS:
        assert path.name in text, path.name


PERF_METRICS = ("zero_to_100_kmh_s", "zero_to_60_mph_s", "top_speed_kmh")
PERF_ROWS = TABLE[TABLE["metric"].isin(PERF_METRICS)]
_ONE_URL = re.compile(r"https?://\S+")


def test_every_acceleration_and_top_speed_row_cites_exactly_one_url() -> None:
    """The brief of issue 4: one URL per row in ``source``, provenance class in ``note``."""
    for row in PERF_ROWS.itertuples(index=False):
        urls = _ONE_URL.findall(row.source)
        assert len(urls) == 1, (row.car, row.metric)
        assert urls[0] == row.source.strip(), (row.car, row.metric)
        assert row.note.strip(), (row.car, row.metric)


def test_perf_set_spans_the_three_layouts() -> None:
    """Enough cars of each layout for a training / held-out split of launch defaults."""
    layouts = {
        car: evforge.load_spec(spec_path(car)).layout.value for car in PERF_ROWS["car"].unique()
    }
    counts = {lay: sum(v == lay for v in layouts.values()) for lay in ("FWD", "RWD", "AWD")}
    assert len(layouts) >= 20, counts
    assert min(counts.values()) >= 4, counts


@pytest.mark.parametrize("car", sorted(PERF_ROWS["car"].unique()), ids=str)
def test_every_car_with_perf_figures_runs_perf(car: str) -> None:
    result = runner.invoke(app, ["perf", str(spec_path(car))])
    assert result.exit_code == 0, result.output
