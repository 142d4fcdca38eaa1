"""The command line under odd and bad input: one line and a status, never a traceback.

A regression table (``CASES``) holds each input of the first-hour probe that was handled
poorly (issue "Reliability and a user's first hour"), with the one-line message or result it
must give now. Spec-file and cycle-file readers have their own table in
``test_input_robustness.py``; physics guards (an empty battery, impossible charging) in
``test_physics_guards.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from evforge.cli import app

ROOT = Path(__file__).resolve().parents[1]
BOLT = str(ROOT / "examples" / "chevrolet_bolt_ev_2017.yaml")
EV6 = str(ROOT / "examples" / "kia_ev6_long_range_awd_2023.yaml")

MINIMAL = """\
name: {name}
layout: FWD
mass:
  curb: 1600 kg
body:
  drag_coefficient: 0.28
  width: 1800 mm
  height: 1500 mm
motors:
  - axle: front
    peak_power: 150 kW
    peak_torque: 300 N*m
battery:
  usable_energy: 60 kWh
"""
#: A car whose motor cannot overcome its road load at standstill.
IMMOBILE = """\
name: Immobile
layout: FWD
mass:
  curb: 9000 kg
body:
  drag_coefficient: 0.9
  width: 2000 mm
  height: 2000 mm
motors:
  - axle: front
    peak_power: 1 kW
    peak_torque: 10 N*m
battery:
  usable_energy: 20 kWh
"""


def _spec(tmp_path: Path, text: str, name: str = "car.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


# (case, argv builder from tmp_path, expected exit status, fragment of stderr's error line)
Case = tuple[str, Callable[[Path], list[str]], int, str]
CASES: list[Case] = [
    # 7. output paths checked before any work
    (
        "out in a missing folder",
        lambda t: ["range", BOLT, "-p", "wltp", "--out", str(t / "no" / "x.csv")],
        2,
        "is in a folder that does not exist",
    ),
    (
        "out under a regular file",
        lambda t: ["perf", BOLT, "--out", BOLT + "/x.csv"],
        2,
        "which is a file",
    ),
    ("out is a folder", lambda t: ["perf", BOLT, "--out", str(t)], 2, "has no extension"),
    (
        "out with an unsupported extension",
        lambda t: ["perf", BOLT, "--out", str(t / "x.xlsx")],
        2,
        "expected one of .csv, .parquet, .json",
    ),
    (
        "out in an unwritable place",
        lambda t: ["perf", BOLT, "--out", "/proc/evforge.csv"],
        2,
        "cannot be written",
    ),
    (
        "trace with an unsupported extension",
        lambda t: ["simulate", BOLT, "--trace", str(t / "t.txt")],
        2,
        "expected one of .parquet, .csv",
    ),
    (
        "trace in a missing folder",
        lambda t: ["simulate", BOLT, "--trace", str(t / "a" / "t.csv")],
        2,
        "does not exist",
    ),
    (
        "plot with an unsupported extension",
        lambda t: ["charge", BOLT, "--no-range", "--plot", str(t / "p.gif")],
        2,
        "expected one of .png, .svg, .pdf",
    ),
    (
        "plot that is a folder",
        lambda t: ["charge", BOLT, "--no-range", "--plot", str(t) + "/"],
        2,
        "is a folder",
    ),
    (
        "report out with a table extension",
        lambda t: ["report", BOLT, "--out", str(t / "r.csv")],
        2,
        "expected one of .md, .html, .json",
    ),
    (
        "validate out under a file",
        lambda t: ["validate", "roadload", "--out", BOLT + "/dir"],
        2,
        "which is a file",
    ),
    # 10. a car that cannot move
    (
        "perf on a car that cannot move",
        lambda t: ["perf", _spec(t, IMMOBILE)],
        1,
        "cannot move on a level road",
    ),
    # 12. case, and one ambient range for every command
    (
        "range --ambient below the common range",
        lambda t: ["range", BOLT, "-p", "wltp", "--ambient", "-45C"],
        2,
        "-30 to 50 °C",
    ),
    (
        "charge --ambient below the common range",
        lambda t: ["charge", BOLT, "--no-range", "--ambient", "-45C"],
        2,
        "-30 to 50 °C",
    ),
    (
        "range --ambient not a temperature",
        lambda t: ["range", BOLT, "--ambient", "cold"],
        2,
        "expected a temperature",
    ),
    (
        "unknown procedure",
        lambda t: ["range", BOLT, "-p", "jc08"],
        2,
        "is not a procedure; expected one of",
    ),
    # 4. charging options
    (
        "charge --from a fraction",
        lambda t: ["charge", BOLT, "--from", "0.1", "--to", "80"],
        2,
        "reads as 0.1 %",
    ),
    ("charge --to a fraction", lambda t: ["charge", BOLT, "--to", "0.8"], 2, "reads as 0.8 %"),
    (
        "charge --from not a number",
        lambda t: ["charge", BOLT, "--from", "ten"],
        2,
        "expected a state of charge in %",
    ),
    (
        "charge --from above --to",
        lambda t: ["charge", BOLT, "--from", "90", "--to", "80", "--no-range"],
        2,
        "expected from < to",
    ),
    ("serve on port 0", lambda t: ["serve", "--port", "0"], 2, "expected 1 to 65535"),
    # 11. compare needs two cars
    ("compare one car", lambda t: ["compare", BOLT], 2, "expected 2 or more"),
]


@pytest.mark.parametrize(("case", "argv", "status", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_regression_table(
    tmp_path: Path, case: str, argv: Callable[[Path], list[str]], status: int, fragment: str
) -> None:
    code, stdout, stderr = _invoke(argv(tmp_path))
    assert code == status, (case, stdout, stderr)
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert fragment in errors[0], errors[0]
    assert "Traceback" not in stdout + stderr
    # Nothing was written where the path was refused.
    assert not list(tmp_path.glob("*.csv"))
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("name", ["[/]", "[red]alarm[/red]", "[bold]", ":smiley: [link=x]y"])
@pytest.mark.parametrize(
    "command", [["check"], ["perf"], ["range", "-p", "cltc"], ["simulate", "-c", "udds"]]
)
def test_names_with_markup_print_verbatim(tmp_path: Path, name: str, command: list[str]) -> None:
    spec = _spec(tmp_path, MINIMAL.format(name=json.dumps(name)))
    code, stdout, stderr = _invoke([command[0], spec, *command[1:]])
    assert code == 0, stderr
    assert name in stdout


def test_one_bad_car_does_not_abort_the_batch(tmp_path: Path) -> None:
    bad = _spec(tmp_path, MINIMAL.format(name="Bad").replace("60 kWh", "60 kW"), "bad.yaml")
    stuck = _spec(tmp_path, IMMOBILE, "stuck.yaml")
    code, stdout, stderr = _invoke(["perf", BOLT, bad, stuck, "--json"])
    rows = json.loads(stdout)
    assert code == 2  # the worst failure: bad input
    assert rows[0]["vehicle"] == "Chevrolet Bolt EV 2017"
    assert rows[0]["zero_to_100_kmh_s"] > 0
    errors = {r["spec"]: r["error"] for r in rows[1:]}
    assert "battery.usable_energy" in errors[bad]
    assert "cannot move" in errors[stuck]
    assert "2 of 3 specs failed" in stderr
    # The table form also prints the good car and both errors.
    code, stdout, stderr = _invoke(["range", BOLT, bad, "-p", "cltc"])
    assert code == 2
    assert "Chevrolet Bolt EV 2017" in stdout
    assert "usable_energy" in stderr


def test_procedure_names_are_case_insensitive() -> None:
    code, stdout, _ = _invoke(["range", BOLT, "-p", "CLTC", "--json"])
    assert code == 0
    assert json.loads(stdout)[0]["procedure"] == "cltc"


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".json"])
def test_out_writes_the_table_by_extension(tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"perf{ext}"
    code, _, stderr = _invoke(["perf", BOLT, EV6, "--out", str(out)])
    assert code == 0, stderr
    assert f"wrote {out}" in stderr
    if ext == ".csv":
        frame = pd.read_csv(out)
    elif ext == ".parquet":
        frame = pd.read_parquet(out)
    else:
        frame = pd.DataFrame(json.loads(out.read_text()))
    assert list(frame["vehicle"]) == [
        "Chevrolet Bolt EV 2017",
        "Kia EV6 Long Range AWD 2023 (19-inch tyres)",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_trace_csv_is_csv(tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    code, _, stderr = _invoke(["simulate", BOLT, "-c", "udds", "--trace", str(out)])
    assert code == 0, stderr
    assert out.read_bytes()[:7] == b"time_s,"  # text, not Parquet's b"PAR1"
    assert len(pd.read_csv(out)) > 1000


def test_charge_range_nested_columns_are_flattened(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    code, _, stderr = _invoke(["charge", BOLT, "--out", str(out)])
    assert code == 0, stderr
    assert "range_added_km_per_10min.wltp" in pd.read_csv(out).columns


def test_json_floats_are_rounded_and_keys_carry_units() -> None:
    code, stdout, _ = _invoke(["range", BOLT, "-p", "wltp", "--json"])
    assert code == 0
    record = json.loads(stdout)[0]
    floats = {k: v for k, v in record.items() if isinstance(v, float)}
    assert floats
    for key, value in floats.items():
        assert len(repr(abs(value)).replace(".", "").lstrip("0").split("e")[0]) <= 6, key
        assert "_" in key, key  # a unit or qualifier in the name: range_km, test_mass_kg...


def test_plot_without_extension_says_the_file_it_wrote(tmp_path: Path) -> None:
    code, _, stderr = _invoke(["charge", BOLT, "--no-range", "--plot", str(tmp_path / "curve")])
    assert code == 0, stderr
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert f"plot written to {tmp_path / 'curve.png'}" in stderr


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    from evforge.output import atomic_write

    target = tmp_path / "keep.csv"
    target.write_text("old\n")

    def broken(path: Path) -> None:
        path.write_text("half a fi")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]


def test_kill_9_during_a_write_leaves_no_partial_file(tmp_path: Path) -> None:
    """A process killed while writing leaves the target absent or whole, never truncated."""
    target = tmp_path / "big.json"
    script = (
        "import sys, time; from pathlib import Path; from evforge.output import atomic_write\n"
        "def slow(p):\n"
        "    with open(p, 'w') as f:\n"
        "        f.write('[' + '1,' * 1000); f.flush(); print('writing', flush=True); "
        "time.sleep(30)\n"
        f"atomic_write(Path({str(target)!r}), slow)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    proc.stdout.close()
    assert not target.exists()


def test_help_is_plain_and_has_short_option() -> None:
    code, stdout, _ = _invoke(["charge", "-h"])
    assert code == 0
    assert "<bool>" not in stdout
    assert "--charger-voltage VOLTS" in stdout
    assert "[V]" in stdout
    code, stdout, _ = _invoke(["simulate", "--help"])
    for name in ("udds", "wltc_class3b", "cltc_p", "aliases", "hwy"):
        assert name in stdout


def test_help_and_cycles_do_not_load_heavy_libraries() -> None:
    """`evforge --help` must answer in well under half a second: it imports no numba, pandas,
    pint or matplotlib (an import check, not a timing: this machine is shared)."""
    code = (
        "import sys; from evforge.cli import app; from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0;"
        "heavy = [m for m in ('numba', 'pandas', 'pint', 'matplotlib', 'scipy') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]", out.stdout


def test_report_and_compare_on_the_bundled_cars(tmp_path: Path) -> None:
    code, stdout, stderr = _invoke(["report", BOLT, "--json"])
    assert code == 0, stderr
    sheet = json.loads(stdout)[0]
    # The published figures beside the model's (published.csv, fueleconomy.gov id 38187).
    assert sheet["published"]["range_epa_mi"] == 238
    assert abs(sheet["range_epa_mi"] - 238) / 238 < 0.05
    for key in (
        "range_epa_0p7_mi",
        "range_epa_5cycle_mi",
        "range_wltp_km",
        "range_cltc_km",
        "range_wltp_cold_km",
        "zero_to_100_kmh_s",
        "top_speed_kmh",
        "charge_10_80_min",
        "curb_mass_kg",
    ):
        assert sheet[key] > 0, key
    assert sheet["range_wltp_cold_km"] < sheet["range_wltp_km"]  # the heater costs range
    for ext in (".md", ".html", ".json"):
        out = tmp_path / f"r{ext}"
        code, _, stderr = _invoke(["report", BOLT, EV6, "--out", str(out)])
        assert code == 0, stderr
        assert "Kia EV6" in out.read_text()
    code, stdout, stderr = _invoke(["compare", BOLT, EV6, "--json"])
    assert code == 0, stderr
    cmp = json.loads(stdout)
    usable = next(f for f in cmp["figures"] if f["key"] == "usable_energy_kwh")
    assert usable["values"] == pytest.approx([60.0, 74.0], rel=1e-3)  # the specs' values
    assert usable["change_pct_vs_first"][1] == pytest.approx(100 * 14 / 60, rel=1e-3)
    code, stdout, _ = _invoke(["compare", BOLT, EV6])
    assert code == 0
    assert "+23.3 %" in stdout


def test_check_groups_by_subsystem_and_shows_the_spec(tmp_path: Path) -> None:
    code, stdout, stderr = _invoke(["check", BOLT, EV6])
    assert code == 0, stderr
    for title in ("as given in the spec", "road load", "battery", "charging"):
        assert f"— {title} —" in stdout
    assert stdout.count("valid (schema v1)") == 2
    code, stdout, _ = _invoke(["check", BOLT, "--json"])
    rows = json.loads(stdout)
    given = {r["parameter"]: r for r in rows if r["group"] == "spec"}
    assert given["mass.curb"]["value"] == pytest.approx(1616, abs=1)
    assert given["mass.curb"]["unit"] == "kg"


def test_zero_to_60_is_compared_with_the_convention_it_was_published_with() -> None:
    from evforge.validation.perf import compare_perf, uses_rollout

    assert uses_rollout("Tesla US figure, Plaid, with 1-ft rollout")
    assert not uses_rollout(
        "Tesla US figure; without rollout (Tesla subtracts a 1-ft rollout only from its "
        "Performance and Plaid times, marked with an asterisk)"
    )
    rows = [
        r
        for r in compare_perf().rows
        if r["metric"] == "zero_to_60_mph_s" and str(r["car"]).startswith("tesla_")
    ]
    assert len(rows) == 3
    for r in rows:  # none of the three is a Performance/Plaid car: compared from standstill
        assert "without rollout" in r["condition"]
        assert "with 1-ft rollout" in r["detail"]


def test_variant_rebuilds_and_names_bad_paths() -> None:
    import evforge
    from evforge.errors import InputError

    light = evforge.variant(BOLT, {"road_load": None, "mass.curb": 1500})
    heavy = evforge.variant(BOLT, {"road_load": None, "mass.curb": "3000 kg"})
    assert heavy.rolling_n / light.rolling_n == pytest.approx(heavy.mass_kg / light.mass_kg)
    assert heavy.inertial_mass_kg - light.inertial_mass_kg == pytest.approx(1500.0)
    for changes, fragment in (
        ({"motors[3].peak_power": 100}, "index 3 would leave a gap"),
        ({"mass.curbb": 1800}, "is not a known field"),
        ({"road_load": None, "mass.curb": "5 kW"}, "wrong kind"),
        ({"mass.curb": 1800}, "measured coast-down at road_load.test_mass"),
        ({"motors.0": 1}, "is not a field path"),
    ):
        with pytest.raises(InputError) as info:
            evforge.variant(BOLT, changes)
        assert fragment in str(info.value), (changes, str(info.value))
