"""Bad spec files: each fault is reported as one line naming the field path, never a traceback.

Every row of ``FAULTS`` applies one fault to a small valid spec (``BASE_SPEC``), writes it as
YAML and checks both the Python API (:func:`evforge.spec.load_spec` raises
:class:`~evforge.errors.InputError` with a problem at exactly the expected path) and the CLI
(``evforge check FILE`` exits 2 and prints ``error: FILE: PATH: MESSAGE`` lines on stderr).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from _factories import FULL_SPEC
from evforge.cli import app
from evforge.errors import InputError
from evforge.spec import load_spec, parse_spec

BASE_SPEC: dict[str, Any] = FULL_SPEC

#: A road-load block that is valid on its own (EPA-style target coefficients).
ROAD_LOAD: dict[str, Any] = {
    "f0": "30 lbf",
    "f1": "0.2 lbf/mph",
    "f2": "0.019 lbf/mph^2",
    "test_mass": "3875 lb",
}

RUNNER = CliRunner()


# --- mutations --------------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], object]

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split(path: str) -> list[str | int]:
    """``"motors[0].peak_power"`` -> ``["motors", 0, "peak_power"]``."""
    return [int(index) if index else key for key, index in _PART.findall(path)]


def _parent(data: Any, parts: list[str | int]) -> Any:
    for part in parts[:-1]:
        data = data[part]
    return data


def setv(path: str, value: object) -> Mutation:
    """Set (or add) the value at ``path``."""

    def apply(data: dict[str, Any]) -> object:
        parts = _split(path)
        _parent(data, parts)[parts[-1]] = value
        return data

    return apply


def drop(path: str) -> Mutation:
    """Remove the key at ``path``."""

    def apply(data: dict[str, Any]) -> object:
        parts = _split(path)
        del _parent(data, parts)[parts[-1]]
        return data

    return apply


def chain(*mutations: Mutation) -> Mutation:
    def apply(data: dict[str, Any]) -> object:
        for mutate in mutations:
            data = mutate(data)  # type: ignore[assignment]
        return data

    return apply


def replace(value: object) -> Mutation:
    """Replace the whole document."""
    return lambda _data: value


@dataclass(frozen=True)
class Raw:
    """The file's exact bytes, instead of a mutated base spec."""

    content: bytes


def _motor(axle: str) -> dict[str, Any]:
    return {"axle": axle, "peak_power": "100 kW"}


# (fault, expected path, expected message fragment); the id says what the fault is.
FAULTS = [
    # Unknown and misspelt keys.
    pytest.param(
        setv("colour", "red"),
        "colour",
        "is not a known field; expected one of: name, layout",
        id="unknown-top-level-key",
    ),
    pytest.param(
        setv("body.colour", "red"),
        "body.colour",
        "is not a known field; expected one of: drag_coefficient, frontal_area",
        id="unknown-nested-key-body.colour",
    ),
    pytest.param(
        chain(drop("mass.curb"), setv("mass.curbb", "1600 kg")),
        "mass.curbb",
        "is not a known field; expected one of: curb, curb_definition, max_laden, payload",
        id="typo-mass.curbb",
    ),
    pytest.param(
        setv("motors[0].power", "150 kW"),
        "motors[0].power",
        "is not a known field; expected one of: axle, peak_power",
        id="unknown-key-in-motor",
    ),
    pytest.param(
        setv("road_load", {**ROAD_LOAD, "f3": 0.001}),
        "road_load.f3",
        "is not a known field; expected one of: f0, f1, f2, test_mass",
        id="unknown-road-load-term",
    ),
    # Missing required fields.
    pytest.param(drop("name"), "name", "is missing; this field is required", id="missing-name"),
    pytest.param(
        drop("layout"), "layout", "is missing; this field is required", id="missing-layout"
    ),
    pytest.param(
        drop("motors"), "motors", "is missing; this field is required", id="missing-motors"
    ),
    pytest.param(
        drop("battery"), "battery", "is missing; this field is required", id="missing-battery"
    ),
    pytest.param(
        drop("motors[0].peak_power"),
        "motors[0].peak_power",
        "is missing; this field is required",
        id="missing-motor-peak-power",
    ),
    pytest.param(
        drop("motors[0].axle"),
        "motors[0].axle",
        "is missing; this field is required",
        id="missing-motor-axle",
    ),
    pytest.param(
        setv("road_load", {"f0": "30 lbf", "f1": 0.9}),
        "road_load.f2",
        "is missing; this field is required",
        id="road-load-missing-f2",
    ),
    pytest.param(
        drop("mass.curb"),
        "mass.curb",
        "is missing; expected a curb mass unless road_load.test_mass is given",
        id="missing-curb-no-test-mass",
    ),
    pytest.param(
        chain(drop("mass.curb"), setv("road_load", {k: ROAD_LOAD[k] for k in ("f0", "f1", "f2")})),
        "mass.curb",
        "is missing; expected a curb mass unless road_load.test_mass is given",
        id="missing-curb-road-load-without-test-mass",
    ),
    pytest.param(
        drop("body.drag_coefficient"),
        "body.drag_coefficient",
        "is missing; expected a drag coefficient unless road_load is given",
        id="missing-drag-coefficient-no-road-load",
    ),
    pytest.param(
        chain(drop("battery.usable_energy"), drop("battery.nominal_energy")),
        "battery.usable_energy",
        "is missing; expected a usable energy unless battery.nominal_energy is given",
        id="missing-usable-and-nominal-energy",
    ),
    # Wrong dimension.
    pytest.param(
        setv("mass.curb", "1600 kW"),
        "mass.curb",
        "got '1600 kW', a quantity of the wrong kind; expected a mass in kg",
        id="mass-in-kW",
    ),
    pytest.param(
        setv("motors[0].peak_power", "150 kg"),
        "motors[0].peak_power",
        "a quantity of the wrong kind; expected a power in kW",
        id="power-in-kg",
    ),
    pytest.param(
        setv("motors[0].peak_torque", "310 m"),
        "motors[0].peak_torque",
        "a quantity of the wrong kind; expected a torque in N*m",
        id="torque-in-m",
    ),
    pytest.param(
        setv("motors[0].max_speed", "16000 km/h"),
        "motors[0].max_speed",
        "a quantity of the wrong kind; expected a rotational speed in rpm",
        id="motor-speed-in-km/h",
    ),
    pytest.param(
        setv("body.frontal_area", "2.3 m"),
        "body.frontal_area",
        "a quantity of the wrong kind; expected a frontal area in m^2",
        id="frontal-area-in-m",
    ),
    pytest.param(
        setv("battery.usable_energy", "58 kW"),
        "battery.usable_energy",
        "a quantity of the wrong kind; expected a battery energy in kWh",
        id="energy-in-kW",
    ),
    pytest.param(
        setv("body.drag_coefficient", "0.28 kg"),
        "body.drag_coefficient",
        "a quantity of the wrong kind; expected a dimensionless drag coefficient",
        id="drag-coefficient-with-unit",
    ),
    pytest.param(
        setv("mass.curb", "1600 degC"),
        "mass.curb",
        "a quantity of the wrong kind",
        id="mass-in-degC",
    ),
    # Unreadable values.
    pytest.param(
        setv("mass.curb", "1650 kgg"),
        "mass.curb",
        "got '1650 kgg': unknown unit; expected a mass in kg (e.g. '1650 kg')",
        id="unknown-unit",
    ),
    pytest.param(
        setv("mass.curb", "1600 (kg"),
        "mass.curb",
        "got '1600 (kg': unreadable unit",
        id="unreadable-unit",
    ),
    pytest.param(
        setv("mass.curb", "heavy"),
        "mass.curb",
        "got 'heavy'; expected a mass in kg",
        id="non-numeric-text",
    ),
    pytest.param(
        setv("mass.curb", ""),
        "mass.curb",
        "got ''; expected a mass in kg",
        id="empty-string",
    ),
    pytest.param(
        setv("mass.curb", "9**9**9 kg"),
        "mass.curb",
        "got '9**9**9 kg': unreadable unit",
        id="expression-not-evaluated",
    ),
    # Sign, zero, non-finite.
    pytest.param(
        setv("mass.curb", -1600),
        "mass.curb",
        "got -1600, which is negative; expected a positive mass (200 kg to 10000 kg)",
        id="negative-mass",
    ),
    pytest.param(
        setv("mass.curb", "-1600 kg"),
        "mass.curb",
        "which is negative",
        id="negative-mass-with-unit",
    ),
    pytest.param(
        setv("auxiliary_power", "-300 W"),
        "auxiliary_power",
        "which is negative",
        id="negative-auxiliary-power",
    ),
    pytest.param(
        setv("motors[0].peak_power", 0),
        "motors[0].peak_power",
        "got 0; expected a non-zero power (1 kW to 2000 kW)",
        id="zero-power",
    ),
    pytest.param(
        setv("mass.curb", float("nan")),
        "mass.curb",
        "got nan, which is not finite",
        id="yaml-.nan",
    ),
    pytest.param(
        setv("motors[0].peak_power", float("inf")),
        "motors[0].peak_power",
        "got inf, which is not finite",
        id="yaml-.inf",
    ),
    pytest.param(
        setv("gear_ratio", float("-inf")),
        "gear_ratio",
        "got -inf, which is not finite",
        id="yaml--.inf",
    ),
    pytest.param(
        setv("mass.curb", "nan kg"),
        "mass.curb",
        "got 'nan kg'; expected a mass in kg",
        id="text-nan-kg",
    ),
    pytest.param(
        setv("motors[0].peak_power", "inf kW"),
        "motors[0].peak_power",
        "got 'inf kW'; expected a power in kW",
        id="text-inf-kW",
    ),
    pytest.param(
        setv("mass.curb", "1e400 kg"), "mass.curb", "which is not finite", id="text-overflow-1e400"
    ),
    # Physically absurd values (unit slips).
    pytest.param(
        setv("mass.curb", "1650 tonne"),
        "mass.curb",
        "got '1650 tonne' (= 1.65e+06 kg), outside the physically plausible range for a mass",
        id="curb-1650-tonne",
    ),
    pytest.param(
        setv("motors[0].peak_power", "50 MW"),
        "motors[0].peak_power",
        "(= 50000 kW), outside the physically plausible range for a power",
        id="motor-50-MW",
    ),
    pytest.param(
        setv("motors[0].peak_power", 150_000),
        "motors[0].peak_power",
        "got 150000, outside the physically plausible range for a power",
        id="power-in-W-as-bare-kW",
    ),
    pytest.param(
        setv("body.drag_coefficient", 5),
        "body.drag_coefficient",
        "got 5, outside the physically plausible range for a drag coefficient (0.1 to 1.5)",
        id="drag-coefficient-5",
    ),
    # Performance fields (issue #4).
    pytest.param(
        setv("body.cog_height", "52 m"),
        "body.cog_height",
        "outside the physically plausible range for a centre-of-gravity height",
        id="cog-height-in-m-slip",
    ),
    pytest.param(
        setv("mass.front_axle_share", 55),
        "mass.front_axle_share",
        "got 55, outside the physically plausible range for a front-axle load share (0.2 to 0.8)",
        id="axle-share-as-percent-number",
    ),
    pytest.param(
        setv("tyres.friction_coefficient", "0.9 N"),
        "tyres.friction_coefficient",
        "expected a dimensionless tyre-road friction coefficient",
        id="friction-with-unit",
    ),
    pytest.param(
        setv("battery.peak_discharge_power", "160 kWh"),
        "battery.peak_discharge_power",
        "expected a discharge power in kW",
        id="discharge-power-as-energy",
    ),
    pytest.param(
        setv("performance", {"top_speed_limit": "190 km"}),
        "performance.top_speed_limit",
        "expected a speed in km/h",
        id="top-speed-limit-as-length",
    ),
    pytest.param(
        setv("performance", {"test_soc": 1.5}),
        "performance.test_soc",
        "outside the physically plausible range for a state of charge",
        id="test-soc-above-1",
    ),
    pytest.param(
        setv("performance", {"top_speed": "190 km/h"}),
        "performance.top_speed",
        "is not a known field; expected one of: top_speed_limit, test_soc, payload",
        id="unknown-performance-key",
    ),
    pytest.param(
        setv("battery.nominal_voltage", "12 V"),
        "battery.nominal_voltage",
        "outside the physically plausible range for a voltage",
        id="voltage-12-V",
    ),
    # Wrong types.
    pytest.param(
        setv("mass.curb", True),
        "mass.curb",
        "got True; expected a mass in kg",
        id="bool-for-number",
    ),
    pytest.param(
        setv("mass.curb", {"value": 1600}),
        "mass.curb",
        "got {'value': 1600}; expected a mass",
        id="mapping-for-number",
    ),
    pytest.param(
        setv("mass", [1600]),
        "mass",
        "got [1600]; expected a mapping of fields",
        id="list-for-mapping",
    ),
    pytest.param(
        setv("battery", "60 kWh"),
        "battery",
        "got '60 kWh'; expected a mapping of fields",
        id="text-for-mapping",
    ),
    pytest.param(
        setv("motors", _motor("front")), "motors", "expected a list", id="mapping-for-list"
    ),
    pytest.param(
        setv("motors", ["front"]),
        "motors[0]",
        "got 'front'; expected a mapping of fields",
        id="text-for-motor",
    ),
    pytest.param(setv("name", 2017), "name", "got 2017; expected text", id="number-for-name"),
    # Choices.
    pytest.param(
        setv("layout", "XWD"),
        "layout",
        "got 'XWD'; expected one of 'FWD', 'RWD' or 'AWD'",
        id="layout-XWD",
    ),
    pytest.param(setv("layout", "fwd"), "layout", "got 'fwd'", id="layout-lowercase"),
    pytest.param(
        setv("motors[0].axle", "middle"),
        "motors[0].axle",
        "got 'middle'; expected one of 'front' or 'rear'",
        id="axle-middle",
    ),
    pytest.param(
        setv("battery.chemistry", "LiPo"),
        "battery.chemistry",
        "got 'LiPo'; expected one of 'LFP', 'NMC' or 'NCA'",
        id="chemistry-LiPo",
    ),
    pytest.param(
        setv("torque_split", "even"),
        "torque_split",
        "got 'even'; expected one of 'proportional', 'rear_first' or 'front_first'",
        id="torque-split-even",
    ),
    pytest.param(
        setv("torque_split", "rear_first"),
        "torque_split",
        "got 'rear_first' on a FWD car; expected torque_split only with layout AWD",
        id="torque-split-on-FWD",
    ),
    # Motors against the layout.
    pytest.param(
        setv("motors[0].axle", "rear"),
        "motors",
        "layout FWD with motors on rear; expected motors on the front axle only",
        id="FWD-with-rear-motor",
    ),
    pytest.param(
        setv("layout", "RWD"),
        "motors",
        "layout RWD with motors on front; expected motors on the rear axle only",
        id="RWD-with-front-motor",
    ),
    pytest.param(
        setv("layout", "AWD"),
        "motors",
        "layout AWD with motors on front; expected motors on the front and rear axles only",
        id="AWD-with-only-front-motor",
    ),
    pytest.param(
        setv("motors", [*BASE_SPEC["motors"], _motor("rear")]),
        "motors",
        "layout FWD with motors on front, rear",
        id="FWD-with-two-axles",
    ),
    pytest.param(
        setv("motors", []),
        "motors",
        "got an empty list; expected at least 1 item",
        id="empty-motors-list",
    ),
    pytest.param(
        chain(setv("layout", "AWD"), setv("motors", [_motor("front")] * 3 + [_motor("rear")] * 2)),
        "motors",
        "got 5 items; at most 4",
        id="five-motors",
    ),
    # Battery.
    pytest.param(
        setv("battery.nominal_energy", "50 kWh"),
        "battery.usable_energy",
        "got 58 kWh, more than nominal_energy 50 kWh; expected usable <= nominal",
        id="usable-more-than-nominal",
    ),
    # Tyres.
    pytest.param(
        setv("tyres.size", "215/55 17"),
        "tyres.size",
        "got '215/55 17'; expected a metric tyre size such as '215/55 R17'",
        id="bad-tyre-size",
    ),
    pytest.param(
        setv("tyres.size", "100/55 R17"),
        "tyres.size",
        "expected width 125-405 mm, aspect 20-90 %, rim 10-24 in",
        id="tyre-size-out-of-range",
    ),
    pytest.param(
        setv("tyres.size", 17),
        "tyres.size",
        "got 17; expected a metric tyre size",
        id="tyre-size-number",
    ),
    pytest.param(
        setv("tyres.size", {"front": "215/55 R17"}),
        "tyres.size.rear",
        "is missing; expected a tyre size for each axle",
        id="staggered-tyres-missing-rear",
    ),
    pytest.param(
        setv("tyres.size", {"front": "215/55 R17", "rear": "wide"}),
        "tyres.size.rear",
        "got 'wide'; expected a metric tyre size",
        id="staggered-tyres-bad-rear",
    ),
    pytest.param(
        setv("tyres.size", {"front": "215/55 R17", "rear": "235/45 R18", "spare": "T125/80"}),
        "tyres.size.spare",
        "unknown field; expected one of: front, rear",
        id="staggered-tyres-unknown-key",
    ),
    # Road load.
    pytest.param(
        setv("road_load", {"f0": "30 lbf", "f1": -150, "f2": 0.4}),
        "road_load.f1",
        "which makes the road load negative",
        id="road-load-negative-f1",
    ),
    pytest.param(
        setv("road_load", [30, 0.2, 0.4]),
        "road_load",
        "expected a mapping of fields",
        id="road-load-as-list",
    ),
    # Name.
    pytest.param(setv("name", "   "), "name", "got a blank name", id="blank-name"),
    pytest.param(setv("name", "x" * 201), "name", "expected 1 to 200 characters", id="long-name"),
    # The document as a whole.
    pytest.param(
        Raw(b"name: [unclosed\nlayout: FWD\n"),
        "<file>",
        "is not valid YAML",
        id="yaml-syntax-error",
    ),
    pytest.param(
        Raw(b"name: x\n\tlayout: FWD\n"),
        "<file>",
        "at line 2, column 1",
        id="yaml-tab-indent",
    ),
    pytest.param(
        Raw(b"name: !!python/object:os.system x\n"),
        "<file>",
        "could not determine a constructor",
        id="yaml-python-tag",
    ),
    pytest.param(
        Raw(b"name: a\n---\nname: b\n"), "<file>", "is not valid YAML", id="yaml-two-documents"
    ),
    pytest.param(Raw(b"name: \xff\xfe\n"), "<file>", "is not valid YAML", id="not-utf8"),
    pytest.param(Raw(b""), "<file>", "holds an empty file", id="empty-file"),
    pytest.param(Raw(b"# nothing here\n"), "<file>", "holds an empty file", id="comment-only"),
    pytest.param(
        replace([BASE_SPEC]),
        "<file>",
        "holds a list; expected a mapping of spec fields",
        id="top-level-list",
    ),
    pytest.param(replace("FWD"), "<file>", "holds a str", id="top-level-scalar"),
    pytest.param(
        replace({**BASE_SPEC, 1: "one"}),
        "1",
        "is not a field name; expected text keys",
        id="non-string-key",
    ),
    pytest.param(
        Raw(b"#" * 1_000_001),
        "<file>",
        "is 1000001 bytes; expected at most 1000000",
        id="file-too-large",
    ),
]


def _write(tmp_path: Path, fault: Mutation | Raw) -> Path:
    path = tmp_path / "spec.yaml"
    if isinstance(fault, Raw):
        path.write_bytes(fault.content)
    else:
        data = fault(copy.deepcopy(BASE_SPEC))
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return path


def _check_cli(spec: Path, expected: InputError) -> str:
    """Run ``evforge check`` on a bad spec; return its stderr."""
    result = RUNNER.invoke(app, ["check", str(spec)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    # One line per problem, exactly the lines of the InputError.
    assert result.stderr.splitlines() == [f"error: {line}" for line in expected.lines()]
    return result.stderr


def test_fault_table_is_large_and_distinct() -> None:
    ids = [p.id for p in FAULTS]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)


def test_base_spec_is_valid(tmp_path: Path) -> None:
    spec = load_spec(_write(tmp_path, lambda data: data))
    assert spec.name == "Test hatchback"
    assert spec.mass.curb == 1600.0
    result = RUNNER.invoke(app, ["check", str(tmp_path / "spec.yaml")])
    assert result.exit_code == 0, result.output
    assert "valid (schema v1)" in result.stdout


def test_base_spec_with_road_load_is_valid() -> None:
    data = copy.deepcopy(BASE_SPEC)
    data["road_load"] = ROAD_LOAD
    del data["mass"]["curb"], data["body"]["drag_coefficient"]
    assert parse_spec(data).road_load is not None


@pytest.mark.parametrize(("fault", "path", "fragment"), FAULTS)
def test_fault_is_reported(tmp_path: Path, fault: Mutation | Raw, path: str, fragment: str) -> None:
    spec = _write(tmp_path, fault)
    with pytest.raises(InputError) as info:
        load_spec(spec)
    error = info.value
    assert error.source == str(spec)
    shown = [str(p) for p in error.problems]
    assert any(p.path == path and fragment in p.message for p in error.problems), shown
    for problem in error.problems:
        assert problem.message
        assert len(problem.message.splitlines()) == 1, problem
        assert len(str(problem).splitlines()) == 1, problem
    assert len(error.problems) == len({p.path for p in error.problems})
    stderr = _check_cli(spec, error)
    assert f"error: {spec}: {path}: " in stderr
    assert fragment in stderr


def test_several_faults_are_all_reported(tmp_path: Path) -> None:
    fault = chain(
        setv("mass.curb", "1600 kW"), setv("layout", "XWD"), setv("motors[0].axle", "middle")
    )
    spec = _write(tmp_path, fault)
    with pytest.raises(InputError) as info:
        load_spec(spec)
    paths = {p.path for p in info.value.problems}
    assert {"mass.curb", "layout", "motors[0].axle"} <= paths
    _check_cli(spec, info.value)


def test_missing_file(tmp_path: Path) -> None:
    spec = tmp_path / "nope.yaml"
    with pytest.raises(InputError) as info:
        load_spec(spec)
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("<file>", "cannot be read (No such file or directory)")
    ]
    _check_cli(spec, info.value)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_spec(tmp_path)
    assert info.value.problems[0].path == "<file>"
    assert "cannot be read" in info.value.problems[0].message


def test_cli_reports_every_file_of_simulate(tmp_path: Path) -> None:
    good = _write(tmp_path, lambda data: data)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlayout: XWD\n", "utf-8")
    result = RUNNER.invoke(app, ["simulate", str(good), str(bad), str(tmp_path / "none.yaml")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"error: {bad}: layout: got 'XWD'" in result.stderr
    assert f"error: {tmp_path / 'none.yaml'}: <file>: cannot be read" in result.stderr


# --- regressions: bugs the fuzzers found in src, fixed ---


def test_huge_integer_is_an_input_error(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    text = yaml.safe_dump(BASE_SPEC, sort_keys=False)
    spec.write_text(text.replace("gear_ratio: 9.1", "gear_ratio: 1" + "0" * 400), "utf-8")
    with pytest.raises(InputError) as info:
        load_spec(spec)
    assert info.value.problems[0].path == "gear_ratio"


def test_key_with_line_break_gives_one_line() -> None:
    data = copy.deepcopy(BASE_SPEC)
    data["body"]["colour\nred"] = 1
    with pytest.raises(InputError) as info:
        parse_spec(data)
    for problem in info.value.problems:
        assert len(str(problem).splitlines()) == 1, problem


def test_cli_prints_values_verbatim(tmp_path: Path) -> None:
    spec = _write(tmp_path, setv("layout", ":smiley:"))
    with pytest.raises(InputError) as info:
        load_spec(spec)
    _check_cli(spec, info.value)


def test_deeply_nested_value_is_an_input_error() -> None:
    value: list[Any] = []
    for _ in range(10_000):
        value = [value]
    with pytest.raises(InputError):
        parse_spec({**BASE_SPEC, "name": value})


def test_error_message_does_not_walk_the_whole_value() -> None:
    calls = 0

    class Leaf:
        def __repr__(self) -> str:
            nonlocal calls
            calls += 1
            return "x"

    value: Any = Leaf()
    for _ in range(4):
        value = [value] * 10  # shared references, as YAML anchors and aliases make
    with pytest.raises(InputError):
        parse_spec({**BASE_SPEC, "name": value})
    assert calls < 1_000


def test_duplicate_key_is_an_error_not_silently_the_last(tmp_path: Path) -> None:
    spec = tmp_path / "dup.yaml"
    spec.write_text(yaml.safe_dump(BASE_SPEC, sort_keys=False) + "name: second name\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_spec(spec)
    (problem,) = info.value.problems
    assert problem.path == "<file>"
    assert "found duplicate key 'name'" in problem.message


def test_yaml_merge_keys_still_work(tmp_path: Path) -> None:
    spec = tmp_path / "merge.yaml"
    text = yaml.safe_dump(BASE_SPEC, sort_keys=False)
    spec.write_text(text.replace("mass:\n", "mass: &m\n", 1) + "x: {<<: *m}\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_spec(spec)
    assert [p.path for p in info.value.problems] == ["x"]


def test_malformed_timestamp_tag_is_an_input_error(tmp_path: Path) -> None:
    spec = tmp_path / "ts.yaml"
    spec.write_text("name: !!timestamp 2020-13-45\n? [a, b]\n", "utf-8")
    with pytest.raises(InputError) as info:
        load_spec(spec)
    assert info.value.problems[0].path == "<file>"
