"""Property tests of spec loading: any input gives a spec or an InputError, never a crash.

The strategies include integers beyond the float range and keys holding line breaks: both
crashed the loader once (regression tests in ``test_spec_errors.py``).
"""

from __future__ import annotations

import copy
import math
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _factories import FULL_SPEC
from evforge.errors import InputError
from evforge.spec import build_vehicle, load_spec, parse_spec
from evforge.spec.schema import VehicleSpec

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

BASE_SPEC: dict[str, Any] = FULL_SPEC

#: The base spec with coast-down coefficients and staggered tyres on two axles.
ROAD_LOAD_SPEC: dict[str, Any] = {
    **copy.deepcopy(BASE_SPEC),
    "layout": "AWD",
    "mass": {"payload": "100 kg"},
    "body": {"width": "1850 mm"},
    "tyres": {"size": {"front": "235/45 R18", "rear": "255/40 R18"}},
    "road_load": {
        "f0": "30 lbf",
        "f1": "0.2 lbf/mph",
        "f2": "0.019 lbf/mph^2",
        "test_mass": "4500 lb",
    },
    "motors": [
        {"axle": "front", "peak_power": "150 kW"},
        {"axle": "rear", "peak_power": "200 kW", "peak_torque": "350 N*m"},
    ],
}

FIELD_NAMES = sorted(
    {"name", "layout", "mass", "body", "tyres", "road_load", "motors", "gear_ratio", "battery"}
    | {"auxiliary_power", "curb", "payload", "drag_coefficient", "frontal_area", "width"}
    | {"height", "wheelbase", "size", "rolling_resistance", "front", "rear", "f0", "f1", "f2"}
    | {"test_mass", "axle", "peak_power", "peak_torque", "max_speed", "usable_energy"}
    | {"nominal_energy", "nominal_voltage", "chemistry", "peak_charge_power"}
)

UNITS = [
    "",
    "kg",
    "lb",
    "tonne",
    "kW",
    "W",
    "MW",
    "hp",
    "PS",
    "N*m",
    "lbf*ft",
    "lbf",
    "N",
    "lbf/mph",
    "lbf/mph^2",
    "N*s/m",
    "m^2",
    "ft^2",
    "m",
    "mm",
    "in",
    "rpm",
    "rad/s",
    "km/h",
    "mph",
    "kWh",
    "Wh",
    "V",
    "kV",
    "percent",
    "%",
    "degC",
    "dimensionless",
    "kg/kg",
    "1/s",
    "kgg",
    "foo",
    "m^999",
    "(kg",
    "kg**2",
    "µm",
    "Ω",
    "°",
]

# Keys and text must not hold line breaks (see the module docstring).
safe_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",)),
    max_size=20,
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), safe_text)
# Integers stay within float range (see the module docstring).
integers = st.integers(min_value=-(2**1100), max_value=2**1100)  # beyond float range too
floats = st.floats(allow_nan=True, allow_infinity=True)
numbers = st.one_of(integers, floats, st.sampled_from([0, -0.0, 1, -1, 1e-300, 1e308, 10**300]))
number_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    integers.map(str),
    st.from_regex(r"[+-]?\d{1,6}(\.\d{0,4})?([eE][+-]?\d{1,3})?", fullmatch=True),
)
quantities = st.builds(
    lambda number, sep, unit: f"{number}{sep}{unit}",
    number_text,
    st.sampled_from(["", " ", "  ", "\t"]),
    st.sampled_from(UNITS),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30), quantities)
yaml_data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=25,
)


def _assert_one_line_each(error: InputError) -> None:
    assert error.problems
    for problem in error.problems:
        assert isinstance(problem.path, str)
        assert problem.path
        assert problem.message
        assert len(problem.message.splitlines()) == 1, problem
        assert len(str(problem).splitlines()) == 1, problem
    assert len(error.lines()) == len(error.problems)


def _parse_or_input_error(data: object) -> VehicleSpec | None:
    """Parse ``data``; on success also build the vehicle. ``None`` on an InputError."""
    try:
        spec = parse_spec(data)
    except InputError as exc:
        error = exc
    else:
        # A spec that validates must also build (``evforge check`` does both).
        build_vehicle(spec)
        return spec
    _assert_one_line_each(error)
    return None


# --- (a) arbitrary data ------------------------------------------------------------------------


@FUZZ
@given(yaml_data)
def test_parse_spec_of_arbitrary_data(data: object) -> None:
    _parse_or_input_error(data)


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), yaml_data, max_size=12))
def test_parse_spec_of_arbitrary_mappings_of_field_names(data: dict[str, Any]) -> None:
    _parse_or_input_error(data)


# --- (b) arbitrary text as a file -------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "spec.yaml"


_YAML_PIECES = [
    "name: x",
    "layout: FWD",
    "mass:",
    "  curb: 1600 kg",
    "motors:",
    "  - axle: front",
    "    peak_power: 150 kW",
    "battery: {usable_energy: 60 kWh}",
    "body: &b {drag_coefficient: 0.3}",
    "tyres: *b",
    "<<: *b",
    "? [a, b]",
    ": 1",
    "- 1",
    "---",
    "...",
    "%YAML 1.1",
    "%TAG ! tag:example.com,2000:",
    "!!binary aGVsbG8=",
    "!!python/object:os.system x",
    "!!set {a, b}",
    "!!timestamp 2020-13-45",
    "!!float abc",
    "gear_ratio: 1:30",
    "gear_ratio: 0x1F",
    "gear_ratio: .nan",
    "gear_ratio: -.inf",
    "name: 2020-01-01",
    "{",
    "[",
    "'",
    '"',
    "|",
    ">-",
    "\t",
    "#",
    "&a",
    "*a",
    "*undefined",
]


@FUZZ
@given(st.text(max_size=200))
def test_load_spec_of_arbitrary_text(scratch: Path, text: str) -> None:
    scratch.write_bytes(text.encode("utf-8", "surrogatepass"))
    _load_or_input_error(scratch)


@FUZZ
@given(
    st.lists(
        st.one_of(st.sampled_from(_YAML_PIECES), safe_text),
        max_size=12,
    ),
    st.lists(st.sampled_from(["", "  ", "    ", "- "]), min_size=12, max_size=12),
)
def test_load_spec_of_yaml_like_text(scratch: Path, pieces: list[str], indents: list[str]) -> None:
    text = "\n".join(indent + piece for indent, piece in zip(indents, pieces, strict=False))
    scratch.write_text(text, "utf-8")
    _load_or_input_error(scratch)


@FUZZ
@given(st.binary(max_size=200))
def test_load_spec_of_arbitrary_bytes(scratch: Path, content: bytes) -> None:
    scratch.write_bytes(content)
    _load_or_input_error(scratch)


def _load_or_input_error(path: Path) -> None:
    try:
        spec = load_spec(path)
    except InputError as exc:
        error = exc
    else:
        build_vehicle(spec)
        return
    _assert_one_line_each(error)
    assert error.source == str(path)


def test_base_specs_are_valid() -> None:
    assert parse_spec(BASE_SPEC).motors[0].peak_power == 150.0
    assert parse_spec(ROAD_LOAD_SPEC).road_load is not None


# --- (c) mutations of a valid spec ------------------------------------------------------------

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _PART.findall(path)]


KeyPath = tuple[str | int, ...]


def _items(data: dict[Any, Any] | list[Any]) -> list[tuple[Any, Any]]:
    return list(data.items()) if isinstance(data, dict) else list(enumerate(data))


def _paths(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    """Every key and list item in ``data``, as tuples of keys and indices."""
    out: list[KeyPath] = []
    if isinstance(data, dict | list):
        for key, value in _items(data):
            out += [(*prefix, key), *_paths(value, (*prefix, key))]
    return out


def _mappings(data: Any, prefix: KeyPath = ()) -> list[KeyPath]:
    """Paths of the mappings in ``data`` (``()`` for the top level)."""
    out: list[KeyPath] = [prefix] if isinstance(data, dict) else []
    if isinstance(data, dict | list):
        for key, value in _items(data):
            out += _mappings(value, (*prefix, key))
    return out


def _get(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


values = st.one_of(
    numbers,
    quantities,
    st.text(max_size=30),
    st.none(),
    st.booleans(),
    st.lists(scalars, max_size=6),
    st.dictionaries(keys, scalars, max_size=4),
    st.sampled_from(["FWD", "RWD", "AWD", "front", "rear", "LFP", "NCA", "215/55 R17"]),
    st.builds(
        lambda w, a, r: f"{w}/{a} R{r}",
        st.integers(0, 999),
        st.integers(0, 999),
        st.integers(0, 99),
    ),
)

_BASES = {"base": BASE_SPEC, "road_load": ROAD_LOAD_SPEC}


@FUZZ
@given(st.sampled_from(sorted(_BASES)), st.data())
def test_mutated_spec_gives_a_spec_or_one_line_problems(
    base_name: str, data: st.DataObject
) -> None:
    spec = copy.deepcopy(_BASES[base_name])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = _paths(spec)
        action = data.draw(st.sampled_from(["set", "set", "delete", "add"]), label="action")
        if action == "add" or not paths:
            mapping = _get(spec, data.draw(st.sampled_from(_mappings(spec)), label="mapping"))
            mapping[data.draw(keys, label="key")] = data.draw(values, label="value")
            continue
        path = data.draw(st.sampled_from(paths), label="path")
        parent = _get(spec, path[:-1])
        if action == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(values, label="value")
    _parse_or_input_error(spec)


# --- (d) the same quantity in other units ------------------------------------------------------

LB_KG = 0.45359237  # exact (International Yard and Pound Agreement, 1959)
HP_W = 745.69987158227022  # 550 ft·lbf/s
PS_W = 735.49875  # 75 kgf·m/s
LBF_N = 4.4482216152605  # exact: 1 lb × 9.80665 m/s²
FT_M = 0.3048
IN_M = 0.0254
MPH_MPS = 0.44704

#: (field path, documented unit, documented-unit range to draw from, other unit, its factor)
ALTERNATIVES = [
    ("mass.curb", "kg", (300.0, 9_000.0), "lb", LB_KG),
    ("mass.curb", "kg", (300.0, 9_000.0), "tonne", 1_000.0),
    ("mass.payload", "kg", (1.0, 2_500.0), "lb", LB_KG),
    ("motors[0].peak_power", "kW", (2.0, 1_900.0), "hp", HP_W / 1e3),
    ("motors[0].peak_power", "kW", (2.0, 1_900.0), "PS", PS_W / 1e3),
    ("motors[0].peak_power", "kW", (2.0, 1_900.0), "W", 1e-3),
    ("motors[0].peak_torque", "N*m", (11.0, 19_000.0), "lbf*ft", LBF_N * FT_M),
    ("motors[0].max_speed", "rpm", (1_100.0, 39_000.0), "rad/s", 60.0 / (2.0 * math.pi)),
    ("body.frontal_area", "m^2", (0.6, 9.0), "ft^2", FT_M**2),
    ("body.width", "mm", (1_100.0, 2_900.0), "in", IN_M * 1e3),
    ("body.wheelbase", "mm", (1_600.0, 5_900.0), "m", 1e3),
    ("battery.usable_energy", "kWh", (2.0, 55.0), "Wh", 1e-3),
    ("battery.usable_energy", "kWh", (2.0, 55.0), "MJ", 1e3 / 3.6e3),
    ("battery.nominal_voltage", "V", (50.0, 1_400.0), "kV", 1e3),
    ("auxiliary_power", "W", (1.0, 19_000.0), "kW", 1e3),
    ("body.drag_coefficient", "1", (0.11, 1.4), "percent", 0.01),
]


def _with(base: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    data = copy.deepcopy(base)
    parts = _split(path)
    target = data
    for part in parts[:-1]:
        target = target[part]
    target[parts[-1]] = value
    return data


def _parsed(spec: VehicleSpec, path: str) -> float:
    value: Any = spec
    for part in _split(path):
        value = value[part] if isinstance(part, int) else getattr(value, part)
    assert isinstance(value, float)
    return value


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("mass.curb", "3637 lb", 3637 * LB_KG),
        ("mass.curb", "3637 pound", 3637 * LB_KG),
        ("motors[0].peak_power", "201 hp", 201 * HP_W / 1e3),
        ("motors[0].peak_power", "204 PS", 204 * PS_W / 1e3),
        ("motors[0].peak_power", "150000 W", 150.0),
        ("motors[0].peak_torque", "266 lbf*ft", 266 * LBF_N * FT_M),
        ("motors[0].peak_torque", "266 ft*lbf", 266 * LBF_N * FT_M),
        ("body.width", "69.5 in", 69.5 * 25.4),
        ("body.frontal_area", "24.2 ft^2", 24.2 * FT_M**2),
        ("battery.usable_energy", "60000 Wh", 60.0),
        ("auxiliary_power", "0.3 kW", 300.0),
        ("mass.curb", "  1600   kg  ", 1600.0),
        ("mass.curb", "1.6e3 kg", 1600.0),
        ("mass.curb", "+1600", 1600.0),
    ],
)
def test_known_conversions(path: str, text: str, expected: float) -> None:
    spec = parse_spec(_with(BASE_SPEC, path, text))
    assert math.isclose(_parsed(spec, path), expected, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("road_load.f0", "30.1 lbf", 30.1 * LBF_N),
        ("road_load.f1", "0.20 lbf/mph", 0.20 * LBF_N / MPH_MPS),
        ("road_load.f2", "0.0185 lbf/mph^2", 0.0185 * LBF_N / MPH_MPS**2),
        ("road_load.test_mass", "3875 lb", 3875 * LB_KG),
    ],
)
def test_known_road_load_conversions(path: str, text: str, expected: float) -> None:
    spec = parse_spec(_with(ROAD_LOAD_SPEC, path, text))
    assert math.isclose(_parsed(spec, path), expected, rel_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ALTERNATIVES), st.floats(0.0, 1.0), st.booleans())
def test_other_units_give_the_same_value(
    alternative: tuple[str, str, tuple[float, float], str, float], where: float, exact: bool
) -> None:
    path, unit, (lo, hi), other, factor = alternative
    value = lo + where * (hi - lo)
    if exact:  # a short decimal, as a person would type it
        value = float(f"{value:.4g}")
    magnitude = value / factor
    in_other = parse_spec(_with(BASE_SPEC, path, f"{magnitude!r} {other}"))
    assert math.isclose(_parsed(in_other, path), magnitude * factor, rel_tol=1e-12)
    bare = parse_spec(_with(BASE_SPEC, path, value))
    assert _parsed(bare, path) == value
    if unit != "1":
        in_unit = parse_spec(_with(BASE_SPEC, path, f"{value!r} {unit}"))
        assert math.isclose(_parsed(in_unit, path), value, rel_tol=1e-12)
