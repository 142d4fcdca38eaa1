"""Variants of a car that are right by construction: change spec fields, rebuild everything.

A :class:`~evforge.vehicle.Vehicle` holds derived quantities (rolling-resistance force from the
mass, rotating inertia from the wheels and motors, loss scales from the motor power, test
masses from the curb mass...). Editing one of its fields with ``dataclasses.replace`` leaves
everything derived from it at the old value. :func:`variant` changes the *spec* instead (the
design variables, in the units a YAML spec takes) and builds the car again, so every derived
quantity follows.

Field paths are the spec's own: ``mass.curb``, ``body.drag_coefficient``,
``battery.usable_energy``, ``motors[0].peak_power``, ``tyres.size``... A value is a bare number
in the field's documented unit (docs/spec-format.md) or a string with units (``"1800 kg"``).

Examples
--------
>>> import evforge
>>> bolt = "examples/chevrolet_bolt_ev_2017.yaml"
>>> light = evforge.variant(bolt, {"road_load": None, "mass.curb": 1500})
>>> heavy = evforge.variant(bolt, {"road_load": None, "mass.curb": "3000 kg"})
>>> heavy.rolling_n > 1.9 * light.rolling_n   # rolling resistance follows the mass
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from evforge.errors import InputError, Problem
from evforge.spec.loader import load_spec, parse_spec
from evforge.spec.schema import VehicleSpec
from evforge.vehicle import Vehicle

__all__ = ["COAST_DOWN_OVERRIDES", "coast_down_conflicts", "variant", "variant_spec"]

_PART: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")


def variant(
    base: str | Path | VehicleSpec | Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    name: str | None = None,
) -> Vehicle:
    """Build the car ``base`` with the spec fields in ``changes`` replaced.

    Parameters
    ----------
    base : str, Path, VehicleSpec or mapping
        A spec file, a validated spec, or spec data as a dict.
    changes : mapping of str to value
        Spec field path -> new value (a bare number in the field's documented unit, or a
        string with units).
    name : str, optional
        The variant's name; default the base name followed by the changes.

    Returns
    -------
    Vehicle
        Built from the changed spec: every derived quantity recomputed.

    Raises
    ------
    InputError
        If a path is malformed or names no field, or a value fails validation (the message
        names the path, as for a spec file).
    """
    from evforge.spec.derive import build_vehicle

    return build_vehicle(variant_spec(base, changes, name=name))


def variant_spec(
    base: str | Path | VehicleSpec | Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    name: str | None = None,
) -> VehicleSpec:
    """The validated spec of :func:`variant` (without building the car)."""
    if isinstance(base, str | Path):
        source = str(base)
        data = load_spec(base).model_dump(exclude_unset=True, by_alias=True)
    elif isinstance(base, VehicleSpec):
        source = "variant"
        data = base.model_dump(exclude_unset=True, by_alias=True)
    else:
        source = "variant"
        data = parse_spec(base).model_dump(exclude_unset=True, by_alias=True)
    problems: list[Problem] = []
    for path, value in changes.items():
        problem = _set(data, str(path), value)
        if problem is not None:
            problems.append(problem)
    problems += coast_down_conflicts(data, changes)
    if problems:
        raise InputError(f"{source} (variant)", problems)
    if name is not None:
        data["name"] = name
    elif "name" not in changes:
        shown = ", ".join(f"{p}={v}" for p, v in changes.items())
        data["name"] = f"{data.get('name', 'car')} ({shown})"[:200]
    return parse_spec(data, source=f"{source} (variant)")


#: Spec fields a measured coast-down (``road_load``) overrides: changing one of them on such a
#: car would change nothing, so a variant that does is refused.
COAST_DOWN_OVERRIDES = (
    "mass",
    "mass.curb",
    "mass.curb_definition",
    "body.drag_coefficient",
    "body.frontal_area",
    "body.width",
    "body.height",
    "tyres.rolling_resistance",
    "tyres.label_class",
)


def coast_down_conflicts(data: Mapping[str, Any], changes: Iterable[str]) -> list[Problem]:
    """Changes that a measured coast-down in ``data`` would silently override.

    A coast-down's f0/f1/f2 hold the rolling resistance and drag of the measured car at its
    test mass; a new curb mass, drag coefficient or frontal area leaves them (and the EPA
    test weight) as measured. Say so instead of returning a car that ignores the change.
    """
    road_load = data.get("road_load")
    paths = [str(p) for p in changes]
    if not isinstance(road_load, Mapping) or any(p.startswith("road_load") for p in paths):
        return []
    moved = [p for p in paths if p in COAST_DOWN_OVERRIDES]
    if not moved:
        return []
    measured = road_load.get("test_mass")
    at = "" if measured is None else f" at road_load.test_mass = {measured:g} kg"
    return [
        Problem(
            moved[0],
            f"the base car's road load is a measured coast-down{at}, which overrides this "
            "field; also set 'road_load': None (the physical road load from C_d, size, tyres "
            "and mass) or give road_load coefficients for the new design",
        )
    ]


def _set(data: dict[str, Any], path: str, value: Any) -> Problem | None:
    """Put ``value`` at ``path`` in nested spec data; a Problem if the path cannot exist."""
    parts = path.split(".")
    node: Any = data
    for depth, part in enumerate(parts):
        match = _PART.fullmatch(part)
        if match is None:
            return Problem(path, "is not a field path; expected e.g. 'motors[0].peak_power'")
        key, indices = match.group(1), [int(i) for i in re.findall(r"\[(\d+)\]", match.group(2))]
        last = depth == len(parts) - 1
        if not isinstance(node, dict):
            return Problem(path, f"'{'.'.join(parts[:depth])}' is not a section of fields")
        if not indices:
            if last:
                if value is None:
                    node.pop(key, None)  # None removes a field: the default applies
                else:
                    node[key] = value
                return None
            node = node.setdefault(key, {})
            continue
        items = node.get(key)
        if items is None:
            items = node[key] = []  # a table that gives every field builds the list
        if not isinstance(items, list):
            return Problem(path, f"'{key}' is not a list in the base spec")
        for n, i in enumerate(indices):
            if i == len(items):
                items.append({})  # the next item (a second motor...)
            if i > len(items):
                return Problem(
                    path, f"the spec has {len(items)} {key}; index {i} would leave a gap"
                )
            if last and n == len(indices) - 1:
                items[i] = value
                return None
            node = items[i]
            items = node
    return None
