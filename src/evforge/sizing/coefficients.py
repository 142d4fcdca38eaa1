"""Sizing coefficient sets: the data of the coupled mass and cost model, as a versioned file.

A set is a YAML file (``docs/design-model.md``): ``format``, ``name``, ``version``, optional
``description`` and ``based_on``, and ``coefficients``, a mapping of key to an entry with
``value``, ``unit``, ``source`` and ``year``. Keys are families with members:
``pack_price.<CHEMISTRY>.<YEAR>``, ``pack_specific_energy.<CHEMISTRY>.<TECHNOLOGY>``,
``motor_specific_power.<YEAR>``, ``motor_cost.<YEAR>``, ``glider_mass.<SIZE_CLASS>``,
``glider_cost_slope.<SIZE_CLASS>`` and plain scalars (:data:`SCALARS`).

A file whose ``based_on`` names the shipped set (``evforge-sizing 2026.12``) may list only the
entries it changes; they replace the shipped ones. Any other file must be complete.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
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
    "FAMILIES",
    "FORMAT",
    "SCALARS",
    "SHIPPED_FILE",
    "Coefficient",
    "SizingSet",
    "load_sizing",
    "parse_sizing",
]

FORMAT: Final = 1
SHIPPED_FILE: Final = "sizing-2026.12.yaml"
_DATA: Final = Path(__file__).resolve().parent / "data"

_CHEMISTRY: Final = r"(LFP|NMC|NCA)"
_TECHNOLOGY: Final = r"(module|cell_to_pack)"
_YEAR: Final = r"(\d{4})"
_CLASS: Final = r"([a-z][a-z_]*)"

#: Key families: regular expression of the key and the unit its entries must have.
FAMILIES: Final[Mapping[str, tuple[re.Pattern[str], str]]] = MappingProxyType(
    {
        "pack_price": (re.compile(rf"pack_price\.{_CHEMISTRY}\.{_YEAR}"), "USD/kWh"),
        "pack_specific_energy": (
            re.compile(rf"pack_specific_energy\.{_CHEMISTRY}\.{_TECHNOLOGY}"),
            "Wh/kg",
        ),
        "motor_specific_power": (re.compile(rf"motor_specific_power\.{_YEAR}"), "kW/kg"),
        "motor_cost": (re.compile(rf"motor_cost\.{_YEAR}"), "USD/kW"),
        "glider_mass": (re.compile(rf"glider_mass\.{_CLASS}"), "kg"),
        "glider_cost_slope": (re.compile(rf"glider_cost_slope\.{_CLASS}"), "EUR/kg"),
    }
)

#: Plain keys every set must give, and their units.
SCALARS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pack_base_mass": "kg",
        "motor_base_mass": "kg",
        "inverter_mass": "kg",
        "inverter_cost": "EUR/kW",
        "onboard_charger_mass": "kg",
        "onboard_charger_cost": "EUR",
        "reducer_mass": "kg",
        "glider_cost_intercept": "EUR",
        "secondary_mass_coefficient": "1",
        "usd_per_eur": "USD/EUR",
    }
)

_TOP: Final = ("format", "name", "version", "description", "based_on", "coefficients")
_ENTRY: Final = ("value", "unit", "source", "year")
# Divisors and the exchange rate must be positive; a cost intercept may be negative; every
# other value may be zero (a part lumped into another, as FASTSim lumps the inverter).
_POSITIVE: Final = re.compile(r"(pack_specific_energy|motor_specific_power)\..*|usd_per_eur")
_MAY_BE_NEGATIVE: Final = frozenset({"glider_cost_intercept"})


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One entry: value in ``unit``, where it comes from, and the year it describes."""

    value: float
    unit: str
    source: str
    year: int


def expected_unit(key: str) -> str | None:
    """The unit entries of ``key`` must have, or None for an unknown key."""
    if key in SCALARS:
        return SCALARS[key]
    for pattern, unit in FAMILIES.values():
        if pattern.fullmatch(key):
            return unit
    return None


def _suggest(key: str) -> str:
    names = [*SCALARS, *(f"{f}.<...>" for f in FAMILIES)]
    close = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check(entries: Mapping[str, Coefficient]) -> list[Problem]:
    problems: list[Problem] = []
    for key, c in entries.items():
        where = f"coefficients.{key}"
        unit = expected_unit(key)
        if unit is None:
            problems.append(Problem(where, f"unknown coefficient{_suggest(key)}"))
            continue
        if c.unit != unit:
            problems.append(Problem(f"{where}.unit", f"{c.unit!r}, expected {unit!r}"))
        if not _is_number(c.value):
            problems.append(Problem(f"{where}.value", f"{c.value!r} is not a finite number"))
        elif c.value < 0 and key not in _MAY_BE_NEGATIVE:
            problems.append(Problem(f"{where}.value", f"{c.value!r} is negative"))
        elif c.value == 0 and _POSITIVE.fullmatch(key):
            problems.append(Problem(f"{where}.value", "0, expected a positive number"))
        if key == "secondary_mass_coefficient" and _is_number(c.value) and c.value > 5:
            problems.append(Problem(f"{where}.value", f"{c.value!r}, expected at most 5 kg/kg"))
    problems += [Problem(f"coefficients.{k}", "missing") for k in SCALARS if k not in entries]
    for family, (pattern, _unit) in FAMILIES.items():
        if not any(pattern.fullmatch(k) for k in entries):
            problems.append(Problem(f"coefficients.{family}.<...>", "missing: give at least one"))
    return problems


@dataclass(frozen=True)
class SizingSet:
    """A named, versioned set of sizing coefficients (see the module docstring).

    Raises
    ------
    InputError
        On construction, one line per unknown key, wrong unit, bad value or missing key.
    """

    name: str
    version: str
    path: Path | None = field(compare=False)
    entries: Mapping[str, Coefficient] = field(hash=False)
    description: str = ""
    based_on: str | None = None

    def __post_init__(self) -> None:
        problems = _check(self.entries)
        if problems:
            raise InputError(self.label, problems)
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))
        object.__setattr__(self, "_families", {})  # members() by family, found once

    @property
    def label(self) -> str:
        """``"<name> <version>"``."""
        return f"{self.name} {self.version}"

    def __getitem__(self, key: str) -> Coefficient:
        try:
            return self.entries[key]
        except KeyError:
            raise KeyError(f"{key!r} is not in sizing set {self.label}{_suggest(key)}") from None

    def value(self, key: str) -> float:
        """The value of ``key``."""
        return self[key].value

    def members(self, family: str) -> dict[str, Coefficient]:
        """The entries of one key family (``"pack_price"``), by key."""
        found: dict[str, dict[str, Coefficient]] = self._families  # type: ignore[attr-defined]
        if family not in found:
            pattern = FAMILIES[family][0]
            found[family] = {k: c for k, c in self.entries.items() if pattern.fullmatch(k)}
        return dict(found[family])

    def with_values(
        self, changes: Mapping[str, Coefficient | float], *, version: str | None = None
    ) -> SizingSet:
        """A new in-memory set with entries added or replaced.

        A plain number keeps the old entry's unit, source and year (it must exist); a
        :class:`Coefficient` replaces or adds the entry whole.
        """
        entries = dict(self.entries)
        label = f"{self.name} {version or self.version + '+modified'}"
        problems: list[Problem] = []
        for key, new in changes.items():
            if isinstance(new, Coefficient):
                entries[key] = new
            elif key not in entries:
                problems.append(Problem(f"coefficients.{key}", "unknown; give a Coefficient"))
            else:
                old = entries[key]
                source = f"set to {new!r} in {label}; was: {old.source}"
                entries[key] = dataclasses.replace(old, value=float(new), source=source)
        if problems:
            raise InputError(self.label, problems)
        return SizingSet(
            name=self.name,
            version=version or f"{self.version}+modified",
            path=None,
            entries=entries,
            description=self.description,
            based_on=self.label,
        )


def load_sizing(path: str | Path | None = None) -> SizingSet:
    """Read a sizing coefficient file; without ``path``, the shipped set (read once).

    Raises
    ------
    InputError
        One line per problem, naming the key: unreadable or invalid YAML, unknown or missing
        key, wrong unit, a value that is not a finite positive number, a missing source or year.
    """
    if path is None:
        return _shipped()
    p = Path(path)
    text = read_text_file(p, limit=_MAX_FILE_BYTES, noun="a sizing set")
    return parse_sizing(text, source=str(p), path=p.resolve())


@cache
def _shipped() -> SizingSet:
    path = _DATA / SHIPPED_FILE
    return parse_sizing(path.read_text(encoding="utf-8"), source=str(path), path=path)


def parse_sizing(text: str, *, source: str = "sizing set", path: Path | None = None) -> SizingSet:
    """Parse the YAML text of a sizing set (see :func:`load_sizing`)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        what = getattr(exc, "problem", None) or "syntax error"
        raise InputError(source, [Problem("<file>", f"not valid YAML{where}: {what}")]) from None
    if not isinstance(data, dict):
        raise InputError(source, [Problem("<file>", "expected a mapping at the top level")])
    problems = [Problem(str(k), "unknown field") for k in data if k not in _TOP]
    if data.get("format") != FORMAT:
        problems.append(Problem("format", f"{data.get('format')!r}, expected {FORMAT}"))
    strings: dict[str, str] = {}
    for key in ("name", "version", "description", "based_on"):
        value = data.get(key)
        if value is None and key in ("description", "based_on"):
            continue
        if not isinstance(value, str) or not value.strip():
            why = "missing" if value is None else f"{value!r} is not a string (quote it)"
            problems.append(Problem(key, why))
        else:
            strings[key] = value
    raw = data.get("coefficients")
    entries: dict[str, Coefficient] = {}
    if not isinstance(raw, dict):
        problems.append(Problem("coefficients", "missing" if raw is None else "not a mapping"))
    else:
        for key, item in raw.items():
            entry = _entry(str(key), item, problems)
            if entry is not None:
                entries[str(key)] = entry
    if problems:
        raise InputError(source, problems)
    based_on = strings.get("based_on")
    if based_on is not None and path != _DATA / SHIPPED_FILE and based_on == _shipped().label:
        entries = {**_shipped().entries, **entries}
    try:
        return SizingSet(
            name=strings["name"],
            version=strings["version"],
            path=path,
            entries=entries,
            description=strings.get("description", ""),
            based_on=based_on,
        )
    except InputError as exc:
        raise InputError(source, exc.problems) from None


def _entry(key: str, item: Any, problems: list[Problem]) -> Coefficient | None:
    where = f"coefficients.{key}"
    unit = expected_unit(key)
    if unit is None:
        problems.append(Problem(where, f"unknown coefficient{_suggest(key)}"))
        return None
    if not isinstance(item, dict):
        problems.append(Problem(where, "expected a mapping with value, unit, source and year"))
        return None
    before = len(problems)
    problems += [Problem(f"{where}.{k}", "unknown field") for k in item if k not in _ENTRY]
    value = item.get("value")
    if not _is_number(value):
        why = "missing" if value is None else f"{value!r} is not a finite number"
        problems.append(Problem(f"{where}.value", why))
    if item.get("unit") != unit:
        why = "missing" if item.get("unit") is None else f"{item.get('unit')!r}, expected {unit!r}"
        problems.append(Problem(f"{where}.unit", why))
    src = item.get("source")
    if not isinstance(src, str) or not src.strip():
        problems.append(Problem(f"{where}.source", "missing (say where the value comes from)"))
    year = item.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
        why = "missing" if year is None else f"{year!r}, expected a year such as 2024"
        problems.append(Problem(f"{where}.year", why))
    if len(problems) > before:
        return None
    assert isinstance(value, int | float)
    assert isinstance(src, str)
    assert isinstance(year, int)
    return Coefficient(float(value), unit, src, year)
