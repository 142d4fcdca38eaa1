"""Odd input files: YAML 1.1 surprises, files that are not files, bad encodings, absurd times.

Each row of the tables below is one regression: a file's bytes (or a setup that makes a
path) and the field path and message fragment of the one clear error it must give, through
:func:`evforge.spec.load_spec` / :func:`evforge.cycles.load_cycle`. A few rows also go through
``evforge check`` / ``evforge simulate`` to show the CLI exits 2 with one ``error:`` line and
no traceback.
"""

from __future__ import annotations

import codecs
import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import evforge.units
from evforge.cli import app
from evforge.cycles import load_cycle
from evforge.cycles.core import read_cycle_csv
from evforge.errors import InputError, Problem
from evforge.spec import VehicleSpec, load_spec
from evforge.units import read_input_file

RUNNER = CliRunner()

#: A small valid spec; line numbers below refer to it (curb is line 4, gear_ratio line 16).
SPEC = """\
name: Test hatchback
layout: FWD
mass:
  curb: 1600 kg
  payload: 100 kg
body:
  drag_coefficient: 0.30
  frontal_area: 2.2 m^2
tyres:
  size: 215/55 R17
  rolling_resistance: 0.009
motors:
  - axle: front
    peak_power: 150 kW
    peak_torque: 300 N*m
gear_ratio: 9.0
battery:
  usable_energy: 60 kWh
  chemistry: NMC
auxiliary_power: 300 W
"""


def spec(old: str, new: str) -> bytes:
    """The base spec with one piece of text replaced, as UTF-8 bytes."""
    assert old in SPEC, old
    return SPEC.replace(old, new, 1).encode("utf-8")


def curb(value: str) -> bytes:
    return spec("curb: 1600 kg", f"curb: {value}")


def gear(value: str) -> bytes:
    return spec("gear_ratio: 9.0", f"gear_ratio: {value}")


def name(value: str) -> bytes:
    return spec("name: Test hatchback", f"name: {value}")


def climate(block: str) -> bytes:
    return (SPEC + f"climate:\n{block}").encode("utf-8")


def _assert_one_clear_error(error: InputError, path: str, fragment: str) -> None:
    shown = [str(p) for p in error.problems]
    assert any(p.path == path and fragment in p.message for p in error.problems), shown
    for line in error.lines():
        assert len(line.splitlines()) == 1, line
        assert "Traceback" not in line


# --- 1. YAML 1.1 implicit types -----------------------------------------------------------------

BAD_SPECS = [
    # Sexagesimal (base 60) numbers.
    pytest.param(
        curb("1:00"),
        "mass.curb",
        "got 1:00 (line 4), which YAML 1.1 reads as the base-60 number 60; "
        "write a plain decimal number (e.g. 60) or quote it",
        id="sexagesimal-1:00",
    ),
    pytest.param(gear("1:30:00"), "gear_ratio", "base-60 number 5400", id="sexagesimal-1:30:00"),
    pytest.param(gear("-1:30"), "gear_ratio", "base-60 number -90", id="sexagesimal-negative"),
    pytest.param(gear("1:30.5"), "gear_ratio", "base-60 number 90.5", id="sexagesimal-float"),
    # Other bases.
    pytest.param(gear("0x1"), "gear_ratio", "hexadecimal number 1", id="hex-0x1"),
    pytest.param(gear("0xA"), "gear_ratio", "hexadecimal number 10", id="hex-0xA"),
    pytest.param(gear("0b101"), "gear_ratio", "binary number 5", id="binary-0b101"),
    pytest.param(gear("017"), "gear_ratio", "octal number 15 (YAML 1.2 reads 17)", id="octal-017"),
    pytest.param(
        gear("0o17"),
        "gear_ratio",
        "YAML 1.2 reads as the octal number 15 (YAML 1.1 as text)",
        id="octal-0o17",
    ),
    pytest.param(gear("-010"), "gear_ratio", "(YAML 1.2 reads -10)", id="octal-negative"),
    # Digit separators.
    pytest.param(curb("1_600"), "mass.curb", "the number 1600", id="underscore-int"),
    pytest.param(gear("9_0"), "gear_ratio", "the number 90 (YAML 1.2", id="underscore-90"),
    pytest.param(gear("1_0.5"), "gear_ratio", "the number 10.5", id="underscore-float"),
    pytest.param(
        gear("1" + "_0" * 40),
        "gear_ratio",
        "number with more than 19 digits",
        id="underscore-huge",
    ),
    # Non-finite floats: YAML 1.1 and 1.2 agree; validation rejects them.
    pytest.param(gear(".inf"), "gear_ratio", "got inf, which is not finite", id="inf"),
    pytest.param(gear("+.inf"), "gear_ratio", "got inf, which is not finite", id="plus-inf"),
    pytest.param(curb("-.Inf"), "mass.curb", "got -inf, which is not finite", id="minus-inf"),
    pytest.param(gear(".NaN"), "gear_ratio", "got nan, which is not finite", id="nan"),
    # Booleans where a number or text is expected.
    pytest.param(
        name("yes"),
        "name",
        "got yes (line 1), which YAML 1.1 reads as the boolean true (YAML 1.2 as text)",
        id="bool-yes-name",
    ),
    pytest.param(name("No"), "name", "the boolean false", id="bool-No-name"),
    pytest.param(gear("on"), "gear_ratio", "the boolean true", id="bool-on-number"),
    pytest.param(
        spec("chemistry: NMC", "chemistry: OFF"),
        "battery.chemistry",
        "the boolean false",
        id="bool-OFF-enum",
    ),
    pytest.param(
        climate("  heating: off\n"), "climate.heating", "boolean false", id="bool-off-heating"
    ),
    # Timestamps.
    pytest.param(
        name("2024-01-01"),
        "name",
        "got 2024-01-01 (line 1), which YAML 1.1 reads as a date (YAML 1.2 as text); "
        "quote it if you mean text",
        id="date",
    ),
    pytest.param(name("2024-02-30"), "name", "reads as a date", id="impossible-date"),
    pytest.param(name("2024-01-01 10:00:00"), "name", "reads as a date and time", id="datetime"),
    pytest.param(gear("2024-01-01t10:00:00Z"), "gear_ratio", "date and time", id="iso-datetime"),
    # In lists, flow mappings, keys and through anchors.
    pytest.param(
        spec("peak_power: 150 kW", "peak_power: 0x96"),
        "motors[0].peak_power",
        "hexadecimal number 150",
        id="in-a-list",
    ),
    pytest.param(
        spec("mass:\n  curb: 1600 kg\n  payload: 100 kg", "mass: {curb: 1600 kg, payload: 1:40}"),
        "mass.payload",
        "base-60 number 100",
        id="flow-mapping",
    ),
    pytest.param(
        spec("payload: 100 kg", "payload: 100 kg\n  on: 5"),
        "mass.on",
        "key on (line 6), which YAML 1.1 reads as the boolean true",
        id="key",
    ),
    pytest.param(
        spec("curb: 1600 kg", "curb: &m 1:00").replace(b"payload: 100 kg", b"payload: *m"),
        "mass.payload",
        "base-60 number 60",
        id="through-an-anchor",
    ),
    # Explicit tags are read the same way: !!int "1:00" is still 60.
    pytest.param(gear('!!int "1:00"'), "gear_ratio", "base-60 number 60", id="explicit-tag"),
]


@pytest.mark.parametrize(("content", "path", "fragment"), BAD_SPECS)
def test_bad_spec_is_reported(tmp_path: Path, content: bytes, path: str, fragment: str) -> None:
    file = tmp_path / "spec.yaml"
    file.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_spec(file)
    assert info.value.source == str(file)
    _assert_one_clear_error(info.value, path, fragment)


GOOD_SPECS: list[tuple[str, bytes, Callable[[VehicleSpec], bool]]] = [
    ("plain int", gear("9"), lambda s: s.gear_ratio == 9.0),
    ("plain float", gear("9.5"), lambda s: s.gear_ratio == 9.5),
    ("signed float", gear("+9.5"), lambda s: s.gear_ratio == 9.5),
    ("exponent 1e1", gear("1e1"), lambda s: s.gear_ratio == 10.0),
    ("exponent 1.0e+1", gear("1.0e+1"), lambda s: s.gear_ratio == 10.0),
    ("leading-zero float", gear("09.5"), lambda s: s.gear_ratio == 9.5),
    ("explicit !!float 9", gear("!!float 9"), lambda s: s.gear_ratio == 9.0),
    ("explicit !!float 1e1", gear("!!float 1e1"), lambda s: s.gear_ratio == 10.0),
    ("explicit !!int 9", gear("!!int 9"), lambda s: s.gear_ratio == 9.0),
    ("quoted yes", name('"yes"'), lambda s: s.name == "yes"),
    ("quoted date", name("'2024-01-01'"), lambda s: s.name == "2024-01-01"),
    ("quoted 0o17", name('"0o17"'), lambda s: s.name == "0o17"),
    ("quoted 1:00", name('"1:00"'), lambda s: s.name == "1:00"),
    ("block scalar 1:00", name("|-\n  1:00"), lambda s: s.name == "1:00"),
    ("bool field yes", climate("  battery_heating: yes\n"), lambda s: s.climate.battery_heating),
    (
        "bool field off",
        climate("  battery_heating: off\n"),
        lambda s: s.climate.battery_heating is False,
    ),
    ("bool field true", climate("  battery_heating: true\n"), lambda s: s.climate.battery_heating),
    ("utf-8 text", name("Citroën ë-C4 “électrique”"), lambda s: s.name.startswith("Citroën")),
    ("utf-8 BOM", codecs.BOM_UTF8 + SPEC.encode(), lambda s: s.name == "Test hatchback"),
    ("utf-16 with BOM", SPEC.encode("utf-16"), lambda s: s.name == "Test hatchback"),
    ("CRLF line ends", SPEC.replace("\n", "\r\n").encode(), lambda s: s.mass.curb == 1600.0),
]


@pytest.mark.parametrize(
    ("content", "check"), [r[1:] for r in GOOD_SPECS], ids=[r[0] for r in GOOD_SPECS]
)
def test_good_spec_loads(
    tmp_path: Path, content: bytes, check: Callable[[VehicleSpec], bool]
) -> None:
    file = tmp_path / "spec.yaml"
    file.write_bytes(content)
    assert check(load_spec(file))


def test_quoted_text_goes_to_normal_validation(tmp_path: Path) -> None:
    file = tmp_path / "spec.yaml"
    file.write_bytes(gear('"1:00"'))
    with pytest.raises(InputError) as info:
        load_spec(file)
    (problem,) = info.value.problems
    assert problem.path == "gear_ratio"
    assert "YAML 1.1" not in problem.message
    assert "got '1:00'" in problem.message


def test_many_yaml11_values_are_listed_up_to_a_limit(tmp_path: Path) -> None:
    file = tmp_path / "spec.yaml"
    extra = "".join(f"  k{i}: 1:{i % 60:02d}\n" for i in range(30))
    file.write_bytes((SPEC + "body_notes:\n" + extra).encode())
    with pytest.raises(InputError) as info:
        load_spec(file)
    problems = info.value.problems
    assert len(problems) == 21
    assert problems[0].path == "body_notes.k0"
    assert problems[-1] == Problem("<file>", "has 10 more such values (not listed)")


def test_aliases_do_not_make_the_check_exponential(tmp_path: Path) -> None:
    lines = ["a0: &a0 [1:00, 1:00]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    file = tmp_path / "spec.yaml"
    file.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_spec(file)
    assert info.value.problems[0].path == "a0[0]"


def test_every_bundled_spec_still_loads() -> None:
    root = Path(__file__).resolve().parents[1]
    files = sorted(root.glob("examples/*.yaml"))
    files += sorted(root.glob("src/evforge/validation/data/cars/*.yaml"))
    assert len(files) >= 20
    for file in files:
        load_spec(file)


# --- 3. encodings of a spec ---------------------------------------------------------------------

BAD_SPEC_TEXT = [
    pytest.param(
        name("Citroën").replace("ë".encode(), b"\xeb"),  # "Citroën" saved as Latin-1
        "is not valid YAML: line 1, column 12: byte 0xeb is not UTF-8 (in Windows-1252 it "
        "would be 'ë'); save the file as UTF-8",
        id="latin-1",
    ),
    pytest.param(
        spec("NMC", "NMC  # \u201cnickel\u201d").replace("\u201c".encode(), b"\x93", 1),
        "line 19, column 21: byte 0x93 is not UTF-8 (in Windows-1252 it would be '\u201c')",
        id="cp1252-quote",
    ),
    pytest.param(b"name: \xe2\x82", "line 1, column 7: byte 0xe2 is not UTF-8", id="cut-utf8"),
    pytest.param(b"name: \xff\xfe\n", "line 1, column 7: byte 0xff", id="ff-fe-not-a-bom"),
    pytest.param(
        spec("layout: FWD", "layout: F\x00WD"),
        "line 2, column 10: NUL byte; a spec is a text file",
        id="nul",
    ),
    pytest.param(b"\x00" * 64, "line 1, column 1: NUL byte", id="binary-zeros"),
    pytest.param(
        name("x\x1b[31m"),
        "line 1, column 8: control character U+001B; a spec is a text file",
        id="escape-character",
    ),
    pytest.param(name("x\x7f"), "control character U+007F", id="delete-character"),
    pytest.param(name("x\u0090"), "control character U+0090", id="c1-control"),
]


@pytest.mark.parametrize(("content", "fragment"), BAD_SPEC_TEXT)
def test_spec_that_is_not_utf8_text(tmp_path: Path, content: bytes, fragment: str) -> None:
    file = tmp_path / "spec.yaml"
    file.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_spec(file)
    _assert_one_clear_error(info.value, "<file>", fragment)


# --- 2. paths that are not regular files --------------------------------------------------------

Setup = Callable[[Path], Path]


def _fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def _fifo_link(tmp_path: Path) -> Path:
    link = tmp_path / "link.csv"
    link.symlink_to(_fifo(tmp_path))
    return link


def _dev_zero(tmp_path: Path) -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    return Path("/dev/zero")


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "cycle.csv"
    path.mkdir()
    return path


def _sparse(size: int) -> Setup:
    def make(tmp_path: Path) -> Path:
        path = tmp_path / "big.csv"
        with path.open("wb") as file:
            file.truncate(size)
        return path

    return make


NOT_FILES = [
    pytest.param(_fifo, "cannot be read: not a regular file (a FIFO)", id="fifo"),
    pytest.param(_fifo_link, "not a regular file (a FIFO)", id="symlink-to-fifo"),
    pytest.param(_dev_zero, "not a regular file (a character device)", id="dev-zero"),
    pytest.param(_directory, "cannot be read: not a regular file (a directory)", id="directory"),
]


def _call_with_deadline(function: Callable[[Path], object], path: Path) -> BaseException | None:
    """Call ``function(path)`` in a daemon thread; fail (instead of hanging) after 20 s."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            function(path)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(20)
    assert outcome, f"{function.__name__}({path}) did not return within 20 s"
    return outcome[0]


@pytest.mark.parametrize(("setup", "fragment"), NOT_FILES)
@pytest.mark.parametrize("reader", [load_spec, read_cycle_csv, load_cycle])
def test_path_that_is_not_a_regular_file(
    tmp_path: Path, reader: Callable[[Path], object], setup: Setup, fragment: str
) -> None:
    path = setup(tmp_path)
    error = _call_with_deadline(reader, path)
    assert isinstance(error, InputError), error
    _assert_one_clear_error(error, "<file>", fragment)


def test_cycle_file_size_limit(tmp_path: Path) -> None:
    path = _sparse(50_000_001)(tmp_path)
    with pytest.raises(InputError) as info:
        load_cycle(path)
    _assert_one_clear_error(info.value, "<file>", "is 50000001 bytes; expected at most 50000000")


def test_a_file_that_grows_while_read_is_cut_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"#" * 100)
    real_fstat = os.fstat

    def fstat_before_growth(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        fields = list(info)
        fields[6] = 10  # st_size as it was when opened
        return os.stat_result(fields)

    monkeypatch.setattr(evforge.units.os, "fstat", fstat_before_growth)
    with pytest.raises(InputError) as info:
        read_input_file(path, limit=50)
    _assert_one_clear_error(info.value, "<file>", "is more than 50 bytes")
    assert read_input_file(path, limit=100) == b"#" * 100


def test_missing_file_and_nul_in_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot be read \(No such file or directory\)"):
        load_spec(tmp_path / "nope.yaml")
    with pytest.raises(InputError, match="the path holds a NUL character"):
        read_cycle_csv("a\0b.csv")


# --- 3 and 4. custom cycle CSVs -----------------------------------------------------------------

HEADER = b"time_s,speed_kmh\n"

BAD_CSVS = [
    # Encoding.
    pytest.param(
        HEADER + b"0,0\n1,5\n2,\xe9\n",
        "line 4, column 3",
        "byte 0xe9 is not UTF-8 (in Windows-1252 it would be 'é'); save the file as UTF-8",
        id="latin-1",
    ),
    pytest.param(
        b"time_s,speed_kmh,grade\n0,0,0\n1,5,0 \x96 0\n",
        "line 3, column 7",
        "byte 0x96 is not UTF-8",
        id="cp1252-dash",
    ),
    pytest.param(
        HEADER + b"0,0\n1,\x005\n",
        "line 3, column 3",
        "NUL byte; a cycle CSV is a text file",
        id="nul",
    ),
    pytest.param(
        HEADER + b"0,0\n1,\x0c5\n", "line 3, column 3", "control character U+000C", id="form-feed"
    ),
    pytest.param(
        HEADER.replace(b"\n", b"\r\n") + b"\x00\x00", "line 2, column 1", "NUL", id="nul-crlf"
    ),
    # Time steps.
    pytest.param(
        HEADER + b"0,0\n1,5\n1.000000001,5\n",
        "line 4, time_s",
        "step of 1e-09 s after 1 s; expected steps from 0.01 to 60 s "
        "(the simulator integrates each step at constant acceleration)",
        id="step-1e-9",
    ),
    pytest.param(
        HEADER + b"0,0\n5,5\n10,5\n3610,10\n",
        "line 5, time_s",
        "step of 3600 s after 10 s; expected steps from 0.01 to 60 s",
        id="step-3600",
    ),
    pytest.param(HEADER + b"0,0\n0.009,5\n", "line 3, time_s", "step of 0.009 s", id="step-0.009"),
    pytest.param(HEADER + b"0,0\n60.1,5\n", "line 3, time_s", "step of 60.1 s", id="step-60.1"),
    pytest.param(
        HEADER + b"0,0\n60.00001,5\n", "line 3, time_s", "step of 60.00001 s", id="step-60.00001"
    ),
    pytest.param(
        HEADER + b"0,0\n1e300,5\n",
        "line 3, time_s",
        "got 1e+300 s; expected times from 0 to 604800 s (7 days)",
        id="time-1e300",
    ),
    pytest.param(
        HEADER + b"1e300,0\n1.0000001e300,5\n",
        "line 2, time_s",
        "expected times from 0 to 604800 s",
        id="start-1e300",
    ),
    pytest.param(
        HEADER + b"-5,0\n0,5\n", "line 2, time_s", "got -5 s; expected times from 0", id="negative"
    ),
    pytest.param(
        HEADER + b"604790,0\n604810,5\n", "line 3, time_s", "got 604810 s", id="past-7-days"
    ),
    pytest.param(
        HEADER + b"0,0\n1,5\n1,5\n", "line 4, time_s", "strictly increasing", id="repeated-time"
    ),
    # Numbers that float() reads but a CSV should not hold.
    pytest.param(
        HEADER + b"0,0\n1,1_000\n",
        "line 3, speed_kmh",
        "got '1_000'; expected a number",
        id="underscore",
    ),
    pytest.param(
        HEADER + "0,0\n1,\u0665\n".encode(),
        "line 3, speed_kmh",
        "expected a number",
        id="arabic-digit",
    ),
    pytest.param(HEADER + b"0,0\n1,inf\n", "line 3, speed_kmh", "finite", id="inf"),
    # Line numbers count blank lines; malformed CSV is one line too.
    pytest.param(
        HEADER + b"0,0\n\n\n1,fast\n", "line 5, speed_kmh", "got 'fast'", id="line-after-blank"
    ),
    pytest.param(
        HEADER + b"0,0\n1," + b"5" * 200_000 + b"\n",
        "line 3",
        "is not valid CSV (field larger than field limit",
        id="huge-field",
    ),
]


@pytest.mark.parametrize(("content", "path", "fragment"), BAD_CSVS)
def test_bad_cycle_csv_is_reported(
    tmp_path: Path, content: bytes, path: str, fragment: str
) -> None:
    file = tmp_path / "cycle.csv"
    file.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_cycle(file)
    assert info.value.source == str(file)
    (problem,) = info.value.problems
    assert (problem.path, fragment in problem.message) == (path, True), str(problem)


def _rows(times: np.ndarray) -> bytes:
    speeds = np.where(np.arange(times.size) % 2 == 1, 5.0, 0.0)
    body = "".join(f"{t:.2f},{v:g}\n" for t, v in zip(times, speeds, strict=True))
    return HEADER + body.encode()


GOOD_CSVS = [
    pytest.param(HEADER + b"0,0\n1,5\n2,0\n", 3, id="plain"),
    pytest.param(codecs.BOM_UTF8 + HEADER + b"0,0\n1,5\n2,0\n", 3, id="excel-bom"),
    pytest.param(
        codecs.BOM_UTF8 + (HEADER + b"0,0\n1,5\n\n2,0\n").replace(b"\n", b"\r\n"),
        3,
        id="excel-bom-crlf",
    ),
    pytest.param(b'"time_s","speed_kmh"\n"0","0"\n"1","5"\n', 2, id="quoted-cells"),
    pytest.param(_rows(np.arange(0, 1000) * 0.01), 1000, id="steps-0.01"),
    pytest.param(_rows(np.arange(604_000, 604_100) * 1.0 + 0.07), 100, id="late-0.07-times"),
    pytest.param(HEADER + b"0,0\n60,50\n120,0\n", 3, id="steps-60"),
    pytest.param(_rows(np.arange(0, 10081) * 60.0), 10081, id="seven-days"),
    pytest.param(HEADER + b"100,0\n101,5\n", 2, id="late-start"),
]


@pytest.mark.parametrize(("content", "rows"), GOOD_CSVS)
def test_good_cycle_csv_loads(tmp_path: Path, content: bytes, rows: int) -> None:
    file = tmp_path / "cycle.csv"
    file.write_bytes(content)
    cycle = load_cycle(file)
    assert cycle.time_s.size == rows
    assert cycle.stats().distance_m > 0


def test_bundled_cycles_are_within_the_limits() -> None:
    from evforge.cycles import cycle_names

    for cycle_name in cycle_names():
        steps = np.diff(load_cycle(cycle_name).time_s)
        assert steps.min() >= 0.01
        assert steps.max() <= 60


# --- the CLI: exit 2, one error line, no traceback ---------------------------------------------

CLI_CASES = [
    pytest.param(["check"], curb("1:00"), "mass.curb: got 1:00 (line 4)", id="check-sexagesimal"),
    pytest.param(["check"], name("yes"), "name: got yes", id="check-bool"),
    pytest.param(["check"], name("2024-01-01"), "reads as a date", id="check-date"),
    pytest.param(
        ["check"], name("Citroën").replace("ë".encode(), b"\xeb"), "byte 0xeb", id="check-latin-1"
    ),
    pytest.param(["check"], spec("FWD", "F\x00WD"), "NUL byte", id="check-nul"),
]


def _check_cli(args: list[str], *expected: str) -> None:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    for fragment in expected:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(("command", "content", "expected"), CLI_CASES)
def test_cli_check_bad_spec(
    tmp_path: Path, command: list[str], content: bytes, expected: str
) -> None:
    file = tmp_path / "spec.yaml"
    file.write_bytes(content)
    _check_cli([*command, str(file)], f"error: {file}: ", expected)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_cli_check_fifo_does_not_hang(tmp_path: Path) -> None:
    path = _fifo(tmp_path)
    outcome: list[object] = []
    thread = threading.Thread(
        target=lambda: outcome.append(RUNNER.invoke(app, ["check", str(path)])), daemon=True
    )
    thread.start()
    thread.join(20)
    assert outcome, "evforge check on a FIFO did not return within 20 s"
    _check_cli(["check", str(path)], "not a regular file (a FIFO)")


def test_cli_simulate_bad_cycle_csv(tmp_path: Path) -> None:
    good = tmp_path / "spec.yaml"
    good.write_text(SPEC, "utf-8")
    cycle = tmp_path / "cycle.csv"
    cycle.write_bytes(HEADER + b"0,0\n5,5\n10,5\n3610,10\n")
    _check_cli(
        ["simulate", str(good), "-c", str(cycle)],
        f"error: {cycle}: line 5, time_s: step of 3600 s after 10 s",
    )


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        pytest.param(_directory, "not a regular file (a directory)", id="directory"),
        pytest.param(_dev_zero, "not a regular file (a character device)", id="dev-zero"),
    ],
)
def test_cli_check_path_that_is_not_a_file(tmp_path: Path, setup: Setup, fragment: str) -> None:
    path = setup(tmp_path)
    _check_cli(["check", str(path)], f"error: {path}: <file>: cannot be read: {fragment}")
