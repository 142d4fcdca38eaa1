"""Parameter sets: the model's global coefficients as a versioned data file.

A parameter set is a YAML file (``docs/parameters.md``) holding every global model
coefficient: the fitted ones (road load, motor losses, always-on load, charge knee, launch
ramp) and the other tunable coefficients and assumptions of the generic model, each with its
value, unit and source, and for a fitted one how it was fitted (command, data, split, date).
Physical constants and regulation values stay in :mod:`evforge.spec.defaults`.

The set evforge ships is :data:`SHIPPED_FILE` beside this module; :func:`load_parameters`
without a path returns it (read once). :func:`evforge.spec.build_vehicle` takes a set
(``params=``); the module constants of :mod:`evforge.spec.defaults` are the shipped set's
values. A refit writes a new set file (:func:`write_parameter_set`) instead of an edit of the
source.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml

from evforge.errors import InputError, Problem
from evforge.units import read_text_file

#: Largest parameter/sizing file read [bytes] (the shipped ones are a few tens of kB).
_MAX_FILE_BYTES: Final = 1_000_000

__all__ = [
    "FORMAT",
    "KEYS",
    "LOSS_PARTS",
    "SHIPPED_FILE",
    "Default",
    "Fit",
    "Parameter",
    "ParameterSet",
    "dump_parameters",
    "load_parameters",
    "parse_parameters",
    "write_parameter_set",
]

#: Version of the file format (the ``format`` field of a set file).
FORMAT: Final = 1
#: File name of the shipped set, beside this module.
SHIPPED_FILE: Final = "evforge-default-2026.12.yaml"
_HERE: Final = Path(__file__).resolve().parent
_SHIPPED_SHOWN: Final = f"evforge/params/{SHIPPED_FILE} (shipped with evforge)"


@dataclass(frozen=True, slots=True)
class Default:
    """A default value with its unit and source."""

    value: float
    unit: str
    source: str


def _per(prefix: str, members: tuple[str, ...], unit: str) -> dict[str, str]:
    return {f"{prefix}.{m}": unit for m in members}


_TECHNOLOGIES: Final = ("pmsm", "induction", "eesm")
_CHEMISTRIES: Final = ("nmc", "nca", "lfp")
_LAYOUTS: Final = ("fwd", "rwd", "awd")
#: Parts of a motor-loss coefficient tuple, in the order of ``AxleDrive.loss_coefficients``.
LOSS_PARTS: Final = ("const", "iron", "windage", "copper")

#: Every key of a parameter set and its unit: a set must give exactly these, in these units
#: (the model's code assumes them). Keys of per-technology, per-chemistry and per-layout
#: values are ``<name>.<member>`` with the lower-case member (``drop_at_1c.nmc``).
KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # road load and aerodynamics
        "rolling_resistance": "1",
        "rolling_speed_coefficient": "s/m",
        "driveline_linear_drag": "N*s/m",
        "frontal_area_factor": "1",
        "frontal_area_base": "m^2",
        "frontal_area_slope": "m^2/kg",
        "frontal_area_mass_offset": "kg",
        # rotating inertia
        "wheel_inertia": "kg*m^2",
        "rotor_inertia_per_torque": "kg*m^2/(N*m)",
        # driveline and motors
        "gear_ratio": "1",
        "gear_efficiency": "1",
        "motor_max_speed": "rpm",
        "constant_power_speed_ratio": "1",
        **{f"motor_losses.{t}.{part}": "1" for t in _TECHNOLOGIES for part in LOSS_PARTS},
        "motor_loss_reference_power": "kW",
        "motor_loss_size_exponent": "1",
        # battery
        "nominal_voltage": "V",
        "usable_fraction": "1",
        **_per("drop_at_1c", _CHEMISTRIES, "1"),
        "max_charge_c_rate": "1/h",
        # auxiliaries, AC charging, regeneration
        "auxiliary_power": "W",
        "charger_efficiency": "1",
        "regen_zero_speed": "km/h",
        "regen_full_speed": "km/h",
        # climate
        "cabin_envelope_ua": "W/K",
        "cabin_ventilation": "kg/s",
        "cabin_capacitance": "J/K",
        "heater_max_power": "kW",
        "cooler_max_power": "kW",
        "occupant_gain": "W",
        "solar_area": "m^2",
        "blower_power": "W",
        "heat_pump_second_law": "1",
        "heat_pump_supply": "degC",
        "evaporator_approach": "K",
        "ac_second_law": "1",
        "ac_evaporator": "degC",
        "condenser_approach": "K",
        "battery_activation_energy": "J/mol",
        "battery_reference_temperature": "degC",
        "pack_specific_heat": "J/(kg*K)",
        "battery_min_temperature": "degC",
        # DC fast charging
        "charge_knee_soc": "1",
        "charge_reference_temperature": "degC",
        "charge_acceptance_activation_energy": "J/mol",
        "resistance_activation_energy": "J/mol",
        "precondition_temperature": "degC",
        "battery_cooling_temperature": "degC",
        "battery_heater_power": "kW",
        "pack_specific_energy": "Wh/kg",
        "cell_specific_heat": "J/(kg*K)",
        "dc_charger_efficiency": "1",
        # performance
        "cog_height": "m",
        **_per("front_axle_share", _LAYOUTS, "1"),
        "tyre_friction": "1",
        "test_soc": "1",
        "launch_ramp_time": "s",
        **_per("peak_discharge_c_rate", _CHEMISTRIES, "1/h"),
        "wheelbase": "m",
    }
)

_TOP: Final = ("format", "name", "version", "description", "based_on", "parameters")
_ENTRY: Final = ("value", "unit", "source", "fit")
_FIT: Final = ("command", "data", "split", "date")


@dataclass(frozen=True, slots=True)
class Fit:
    """How a fitted coefficient was fitted: the command that reproduces it, on which data,
    with which training split, and when (ISO date)."""

    command: str
    data: str
    split: str
    date: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """One coefficient of a set."""

    value: float
    unit: str
    source: str
    fit: Fit | None = None

    def default(self) -> Default:
        """The coefficient as a :class:`Default` (value, unit, source)."""
        return Default(self.value, self.unit, self.source)


@dataclass(frozen=True)
class ParameterSet:
    """A named, versioned set of the model's global coefficients.

    Attributes
    ----------
    name, version : str
        Identify the set (``evforge check`` shows them).
    path : Path or None
        The file it was read from; None for a set made in memory (:meth:`with_values`).
        Not part of equality: a set written and read back equals the original.
    entries : mapping of str to Parameter
        Exactly the keys of :data:`KEYS`.
    description : str
        Free text.
    based_on : str or None
        ``"<name> <version>"`` of the set it was derived from, if any.
    """

    name: str
    version: str
    path: Path | None = field(compare=False)
    entries: Mapping[str, Parameter] = field(hash=False)
    description: str = ""
    based_on: str | None = None
    _defaults: Mapping[str, Default] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        problems = _check_entries(self.entries)
        if problems:
            raise InputError(self.label, problems)
        entries = {k: self.entries[k] for k in KEYS}  # in the order of KEYS
        object.__setattr__(self, "entries", MappingProxyType(entries))
        defaults = {k: e.default() for k, e in entries.items()}
        object.__setattr__(self, "_defaults", MappingProxyType(defaults))

    @property
    def label(self) -> str:
        """``"<name> <version>"``."""
        return f"{self.name} {self.version}"

    @property
    def location(self) -> str:
        """Where the set comes from, as ``evforge check`` shows it."""
        if self.path is None:
            return f"in memory (based on {self.based_on})" if self.based_on else "in memory"
        if self.path == _HERE / SHIPPED_FILE:
            return _SHIPPED_SHOWN
        return str(self.path)

    def __getitem__(self, key: str) -> Parameter:
        try:
            return self.entries[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a parameter-set key{_suggest(key)}") from None

    def value(self, key: str) -> float:
        """The value of ``key``."""
        return self[key].value

    def default(self, key: str) -> Default:
        """``key`` as a :class:`Default` (value, unit, source)."""
        try:
            return self._defaults[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a parameter-set key{_suggest(key)}") from None

    def with_values(
        self,
        changes: Mapping[str, float] | None = None,
        /,
        *,
        name: str | None = None,
        version: str | None = None,
        fit: Fit | None = None,
        detail: str = "",
        **values: float,
    ) -> ParameterSet:
        """A new set (in memory, ``path`` None) with some values changed.

        Keys with dots (``motor_losses.pmsm.const``) go in ``changes``; plain keys may also
        be keywords. Units stay. Without ``fit`` each changed entry keeps its source, with
        "set to <value> in <name> <version>" in front. With ``fit`` (a refit) each changed
        entry gets that fit record and a new source naming the command, data, split, date
        and ``detail``. ``name`` defaults to this set's; ``version`` to this one's with
        ``+modified`` (or ``+refit.<date>``) appended.

        Raises
        ------
        InputError
            One line per unknown key or non-finite value.
        """
        new = {**(changes or {}), **values}
        problems = [
            Problem(f"parameters.{k}", f"unknown parameter{_suggest(k)}")
            for k in new
            if k not in KEYS
        ]
        problems += [
            Problem(f"parameters.{k}", f"value {v!r} is not a finite number")
            for k, v in new.items()
            if k in KEYS and not _is_finite_number(v)
        ]
        if problems:
            raise InputError(self.label, problems)
        if version is None:
            suffix = f"refit.{fit.date}" if fit is not None else "modified"
            version = f"{self.version}+{suffix}"
        label = f"{name or self.name} {version}"
        entries = dict(self.entries)
        for key, value in new.items():
            old = entries[key]
            if fit is None:
                source = f"set to {float(value)!r} in {label}; was: {old.source}"
                entries[key] = dataclasses.replace(old, value=float(value), source=source)
            else:
                what = f"; {detail}" if detail else ""
                source = (
                    f"global model coefficient, refitted {fit.date} by `{fit.command}` on "
                    f"{fit.data}, split: {fit.split}{what} ({self.label}: {old.value!r})"
                )
                entries[key] = Parameter(float(value), old.unit, source, fit)
        return ParameterSet(
            name=name or self.name,
            version=version,
            path=None,
            entries=entries,
            description=self.description,
            based_on=self.label,
        )


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, list(KEYS), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_finite_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_entries(entries: Mapping[str, Parameter]) -> list[Problem]:
    problems = [
        Problem(f"parameters.{k}", f"unknown parameter{_suggest(k)}")
        for k in entries
        if k not in KEYS
    ]
    problems += [Problem(f"parameters.{k}", "missing") for k in KEYS if k not in entries]
    for key, p in entries.items():
        if key not in KEYS:
            continue
        if not _is_finite_number(p.value):
            problems.append(
                Problem(f"parameters.{key}.value", f"{p.value!r} is not a finite number")
            )
        if p.unit != KEYS[key]:
            problems.append(
                Problem(f"parameters.{key}.unit", f"{p.unit!r}, expected {KEYS[key]!r}")
            )
    return problems


# --- reading ------------------------------------------------------------------------------


def load_parameters(path: str | Path | None = None) -> ParameterSet:
    """Read a parameter set file; without ``path``, the shipped set (read once, cached).

    Raises
    ------
    InputError
        One line per problem, each naming the key: a file that cannot be read or parsed, an
        unknown or missing key, a wrong unit, a value that is not a finite number.
    """
    if path is None:
        return _shipped()
    p = Path(path)
    text = read_text_file(p, limit=_MAX_FILE_BYTES, noun="a parameter set")
    return parse_parameters(text, source=str(p), path=p.resolve())


@cache
def _shipped() -> ParameterSet:
    path = _HERE / SHIPPED_FILE
    return parse_parameters(path.read_text(encoding="utf-8"), source=str(path), path=path)


def parse_parameters(
    text: str, *, source: str = "parameter set", path: Path | None = None
) -> ParameterSet:
    """Parse the YAML text of a parameter set (see :func:`load_parameters`)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        what = getattr(exc, "problem", None) or "syntax error"
        raise InputError(source, [Problem("<file>", f"not valid YAML{where}: {what}")]) from None
    if not isinstance(data, dict):
        raise InputError(source, [Problem("<file>", "expected a mapping at the top level")])
    problems: list[Problem] = []
    problems += [Problem(str(k), "unknown field") for k in data if k not in _TOP]
    if data.get("format") != FORMAT:
        problems.append(Problem("format", f"{data.get('format')!r}, expected {FORMAT}"))
    strings: dict[str, str] = {}
    for key in ("name", "version", "description", "based_on"):
        value = data.get(key)
        required = key in ("name", "version")
        if value is None and not required:
            continue
        if not isinstance(value, str) or (required and not value.strip()):
            why = "missing" if value is None else f"{value!r} is not a string (quote it)"
            problems.append(Problem(key, why))
        else:
            strings[key] = value
    raw = data.get("parameters")
    entries: dict[str, Parameter] = {}
    if not isinstance(raw, dict):
        problems.append(Problem("parameters", "missing" if raw is None else "not a mapping"))
    else:
        for key, item in raw.items():
            entry = _entry(str(key), item, problems)
            if entry is not None:
                entries[str(key)] = entry
        known = {str(k) for k in raw}
        problems += [Problem(f"parameters.{k}", "missing") for k in KEYS if k not in known]
    if problems:
        raise InputError(source, problems)
    return ParameterSet(
        name=strings["name"],
        version=strings["version"],
        path=path,
        entries=entries,
        description=strings.get("description", ""),
        based_on=strings.get("based_on"),
    )


def _entry(key: str, item: Any, problems: list[Problem]) -> Parameter | None:
    where = f"parameters.{key}"
    if key not in KEYS:
        problems.append(Problem(where, f"unknown parameter{_suggest(key)}"))
        return None
    if not isinstance(item, dict):
        problems.append(Problem(where, "expected a mapping with value, unit and source"))
        return None
    before = len(problems)
    problems += [Problem(f"{where}.{k}", "unknown field") for k in item if k not in _ENTRY]
    value = item.get("value")
    if not _is_finite_number(value):
        why = "missing" if value is None else f"{value!r} is not a finite number"
        problems.append(Problem(f"{where}.value", why))
    unit = item.get("unit")
    if unit != KEYS[key]:
        why = "missing" if unit is None else f"{unit!r}, expected {KEYS[key]!r}"
        problems.append(Problem(f"{where}.unit", why))
    source = item.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(Problem(f"{where}.source", "missing (say where the value comes from)"))
    fit = _fit(where, item.get("fit"), problems)
    if len(problems) > before:
        return None
    assert isinstance(value, int | float)
    assert isinstance(source, str)
    return Parameter(float(value), KEYS[key], source, fit)


def _fit(where: str, item: Any, problems: list[Problem]) -> Fit | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        problems.append(Problem(f"{where}.fit", "expected a mapping: command, data, split, date"))
        return None
    problems += [Problem(f"{where}.fit.{k}", "unknown field") for k in item if k not in _FIT]
    values: dict[str, str] = {}
    for k in _FIT:
        v = item.get(k)
        if isinstance(v, _dt.date):
            v = v.isoformat()
        if not isinstance(v, str) or not v.strip():
            problems.append(Problem(f"{where}.fit.{k}", "missing" if v is None else "not text"))
        else:
            values[k] = v
    if len(values) < len(_FIT):
        return None
    return Fit(**values)


# --- writing ------------------------------------------------------------------------------


def to_data(params: ParameterSet) -> dict[str, Any]:
    """The set as the plain data of its YAML file."""
    data: dict[str, Any] = {"format": FORMAT, "name": params.name, "version": params.version}
    if params.description:
        data["description"] = params.description
    if params.based_on:
        data["based_on"] = params.based_on
    parameters: dict[str, Any] = {}
    for key in KEYS:
        p = params.entries[key]
        entry: dict[str, Any] = {"value": p.value, "unit": p.unit, "source": p.source}
        if p.fit is not None:
            entry["fit"] = dataclasses.asdict(p.fit)
        parameters[key] = entry
    data["parameters"] = parameters
    return data


def dump_parameters(params: ParameterSet) -> str:
    """The YAML text of a set (what :func:`write_parameter_set` writes)."""
    body = yaml.safe_dump(
        to_data(params), sort_keys=False, allow_unicode=True, width=96, default_flow_style=False
    )
    head = (
        f"# evforge parameter set {params.label} (format {FORMAT}; docs/parameters.md).\n"
        "# Use it with build_vehicle(spec, params=load_parameters(PATH)).\n"
    )
    return head + body


def write_parameter_set(params: ParameterSet, path: str | Path) -> Path:
    """Write ``params`` as a set file at ``path`` (atomically); returns the path.

    :func:`load_parameters` of the file gives a set equal to ``params``.
    """
    from evforge.output import atomic_write_text

    out = Path(path)
    text = dump_parameters(params)
    if parse_parameters(text, source=str(out)) != params:  # pragma: no cover - a bug guard
        raise AssertionError("parameter set does not read back as written")
    out.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(out, text)
