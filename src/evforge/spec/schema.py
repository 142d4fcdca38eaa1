"""Vehicle spec schema v1: the typed, strict model of a spec file.

The layout of a spec file is a public contract (issue #2). Every quantity accepts a bare number
in the field's documented unit or a string with units parsed by pint. Validation is strict:
unknown keys, wrong dimensions, missing required fields and non-finite, zero, negative or
physically absurd values are rejected. The plausible ranges below are deliberately wide: they
catch unit slips (a mass typed in tonnes, a power in W instead of kW), not unusual cars.
"""

from __future__ import annotations

import functools
import re
import typing
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from evforge.climate.params import Heating
from evforge.enums import Axle, Chemistry, CurbDefinition, Layout, MotorTechnology, TorqueSplit
from evforge.units import QuantityError, parse_quantity

__all__ = [
    "SCHEMA_VERSION",
    "Axle",
    "BatterySpec",
    "BodySpec",
    "Chemistry",
    "ClimateSpec",
    "DesignSpec",
    "Layout",
    "MassSpec",
    "MotorSpec",
    "PackTechnology",
    "PerformanceSpec",
    "RoadLoadSpec",
    "SizeClass",
    "StaggeredTyres",
    "TyreLabelClass",
    "TyresSpec",
    "VehicleSpec",
    "parse_tyre_size",
]

SCHEMA_VERSION: Final = 1


def _quantity(
    unit: str,
    kind: str,
    example: str,
    lo: float,
    hi: float,
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
) -> BeforeValidator:
    """A validator for a float field read with :func:`parse_quantity` and range-checked.

    ``lo``/``hi`` bound the magnitude (in ``unit``) to a physically plausible range.
    """
    unit_text = "" if unit == "1" else f" {unit}"
    bounds = f"{lo:g}{unit_text} to {hi:g}{unit_text}"

    def validate(value: object) -> float:
        try:
            x = parse_quantity(value, unit, kind=kind, example=example)
        except QuantityError as exc:
            raise PydanticCustomError("quantity", str(exc)) from None
        shown = f"{value!r}" if isinstance(value, str) else f"{x:g}"
        if isinstance(value, str) and unit_text and not value.strip().endswith(unit):
            shown += f" (= {x:g}{unit_text})"
        if x == 0 and not allow_zero:
            raise PydanticCustomError(
                "quantity", f"got {shown}; expected a non-zero {kind} ({bounds})"
            )
        if x < 0 and not allow_negative:
            raise PydanticCustomError(
                "quantity", f"got {shown}, which is negative; expected a positive {kind} ({bounds})"
            )
        if not (lo <= x <= hi) and not (x == 0 and allow_zero):
            raise PydanticCustomError(
                "quantity",
                f"got {shown}, outside the physically plausible range for a {kind} ({bounds})",
            )
        return x

    validate.unit = unit  # type: ignore[attr-defined]  # read by spec_leaves()
    validate.bounds = (lo, hi)  # type: ignore[attr-defined]  # read by field_bounds()
    return BeforeValidator(validate)


# ISO 4000-1 / ETRTO metric tyre designation: section width (mm) / aspect ratio (%), radial
# construction "R" (or "ZR"), rim diameter (inch); an optional service description follows.
_TYRE_RE = re.compile(
    r"^\s*(?P<width>\d{3})\s*/\s*(?P<aspect>\d{2,3})\s*Z?R\s*F?\s*(?P<rim>\d{2}(?:\.\d)?)"
    r"(?:\s+\d{2,3}\s*[A-Z]{1,2})?\s*$"
)


@functools.lru_cache(maxsize=1024)
def parse_tyre_size(text: str) -> tuple[float, float, float]:
    """Split a metric tyre size into (section width [mm], aspect ratio [%], rim diameter [in]).

    Raises
    ------
    ValueError
        If ``text`` is not a metric radial tyre size such as ``"215/55 R17"``.
    """
    match = _TYRE_RE.match(text)
    if match is None:
        raise ValueError(text)
    return float(match["width"]), float(match["aspect"]), float(match["rim"])


def _tyre_size(value: object) -> str:
    expected = "expected a metric tyre size such as '215/55 R17'"
    if not isinstance(value, str):
        raise PydanticCustomError("tyre_size", f"got {value!r}; {expected}")
    try:
        width, aspect, rim = parse_tyre_size(value)
    except ValueError:
        raise PydanticCustomError("tyre_size", f"got {value!r}; {expected}") from None
    if not (125 <= width <= 405 and 20 <= aspect <= 90 and 10 <= rim <= 24):
        raise PydanticCustomError(
            "tyre_size",
            f"got {value!r}; expected width 125-405 mm, aspect 20-90 %, rim 10-24 in",
        )
    return value.strip()


TyreSize = Annotated[str, BeforeValidator(_tyre_size)]


def _tyre_sizes(value: object) -> object:
    """One size for all four wheels, or a mapping ``{front: ..., rear: ...}``."""
    if not isinstance(value, dict):
        return _tyre_size(value)
    for key in value:
        if key not in ("front", "rear"):
            raise PydanticCustomError(
                "sub_field",
                "{message}",
                {"sub": str(key), "message": "unknown field; expected one of: front, rear"},
            )
    sizes = {}
    for key in ("front", "rear"):
        if key not in value:
            raise PydanticCustomError(
                "sub_field",
                "{message}",
                {"sub": key, "message": "is missing; expected a tyre size for each axle"},
            )
        try:
            sizes[key] = _tyre_size(value[key])
        except PydanticCustomError as exc:
            raise PydanticCustomError(
                "sub_field", "{message}", {"sub": key, "message": exc.message()}
            ) from None
    return StaggeredTyres(front=sizes["front"], rear=sizes["rear"])


# Plausible ranges. Masses: lightest road BEVs ~500 kg (quadricycles), heaviest light-duty
# ~4,500 kg (GMC Hummer EV); wide margins on both sides.
Mass = Annotated[float, _quantity("kg", "mass", "1650 kg", 200.0, 10_000.0)]
Payload = Annotated[float, _quantity("kg", "mass", "136 kg", 0.0, 3_000.0, allow_zero=True)]
DragCoefficient = Annotated[float, _quantity("1", "drag coefficient", "0.27", 0.1, 1.5)]
Area = Annotated[float, _quantity("m^2", "frontal area", "2.25 m^2", 0.5, 10.0)]
Width = Annotated[float, _quantity("mm", "width", "1850 mm", 1_000.0, 3_000.0)]
Height = Annotated[float, _quantity("mm", "height", "1550 mm", 800.0, 4_000.0)]
Wheelbase = Annotated[float, _quantity("mm", "wheelbase", "2770 mm", 1_500.0, 6_000.0)]
RollingResistance = Annotated[
    float, _quantity("1", "rolling resistance coefficient", "0.008", 0.002, 0.05)
]
F0 = Annotated[float, _quantity("N", "constant road-load term f0", "30.1 lbf", 1.0, 3_000.0)]
F1 = Annotated[
    float,
    _quantity(
        "N*s/m",
        "linear road-load term f1",
        "0.20 lbf/mph",
        -200.0,
        200.0,
        allow_zero=True,
        allow_negative=True,
    ),
]
F2 = Annotated[
    float, _quantity("N*s^2/m^2", "quadratic road-load term f2", "0.0185 lbf/mph^2", 0.05, 5.0)
]
Power = Annotated[float, _quantity("kW", "power", "150 kW", 1.0, 2_000.0)]
Torque = Annotated[float, _quantity("N*m", "torque", "310 N*m", 10.0, 20_000.0)]
MotorSpeed = Annotated[float, _quantity("rpm", "rotational speed", "16000 rpm", 1_000.0, 40_000.0)]
GearRatio = Annotated[float, _quantity("1", "gear ratio", "9.1", 1.0, 30.0)]
Energy = Annotated[float, _quantity("kWh", "battery energy", "58 kWh", 1.0, 500.0)]
Voltage = Annotated[float, _quantity("V", "voltage", "400 V", 48.0, 1_500.0)]
ChargePower = Annotated[float, _quantity("kW", "charging power", "170 kW", 1.0, 1_500.0)]
ChargeCurrent = Annotated[float, _quantity("A", "charging current", "500 A", 1.0, 3_000.0)]
BatteryMass = Annotated[float, _quantity("kg", "battery mass", "450 kg", 5.0, 3_000.0)]
AuxPower = Annotated[float, _quantity("W", "power", "300 W", 0.0, 20_000.0, allow_zero=True)]
CabinTemperature = Annotated[
    float, _quantity("degC", "cabin temperature", "22 degC", 10.0, 32.0, allow_negative=False)
]
HeaterPower = Annotated[float, _quantity("kW", "heater power", "6 kW", 0.5, 30.0)]
# Performance fields (issue #4). CoG heights: sports cars ~0.40 m, full-size pickups ~0.75 m.
CogHeight = Annotated[float, _quantity("mm", "centre-of-gravity height", "520 mm", 250.0, 1_500.0)]
AxleShare = Annotated[float, _quantity("1", "front-axle load share", "0.55", 0.2, 0.8)]
Friction = Annotated[float, _quantity("1", "tyre-road friction coefficient", "0.9", 0.3, 2.0)]
DischargePower = Annotated[float, _quantity("kW", "discharge power", "160 kW", 1.0, 3_000.0)]
TopSpeed = Annotated[float, _quantity("km/h", "speed", "180 km/h", 30.0, 500.0)]
TestSoc = Annotated[float, _quantity("1", "state of charge", "0.9", 0.05, 1.0)]
RampTime = Annotated[float, _quantity("s", "time", "0.5 s", 0.0, 5.0, allow_zero=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class MassSpec(_Strict):
    """Masses. ``payload`` is added to ``curb`` to give the simulated mass."""

    curb: Mass | None = None
    curb_definition: CurbDefinition | None = None
    max_laden: Mass | None = None
    payload: Payload | None = None
    front_axle_share: AxleShare | None = None


class BodySpec(_Strict):
    """Body: aerodynamic drag and dimensions."""

    drag_coefficient: DragCoefficient | None = None
    frontal_area: Area | None = None
    width: Width | None = None
    height: Height | None = None
    wheelbase: Wheelbase | None = None
    cog_height: CogHeight | None = None


class StaggeredTyres(_Strict):
    """Different tyre sizes front and rear."""

    front: TyreSize
    rear: TyreSize


class TyreLabelClass(StrEnum):
    """EU tyre-label rolling-resistance class of a C1 tyre (Regulation (EU) 2020/740)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class TyresSpec(_Strict):
    """Tyres: size (for the wheel radius) and rolling resistance coefficient."""

    size: Annotated[str | StaggeredTyres, BeforeValidator(_tyre_sizes)] | None = None
    rolling_resistance: RollingResistance | None = None
    label_class: TyreLabelClass | None = None
    friction_coefficient: Friction | None = None


class RoadLoadSpec(_Strict):
    """Coast-down / dynamometer target coefficients: F = f0 + f1·v + f2·v²."""

    f0: F0
    f1: F1
    f2: F2
    test_mass: Mass | None = None


class MotorSpec(_Strict):
    """One traction motor (with its inverter)."""

    axle: Axle
    peak_power: Power
    peak_torque: Torque | None = None
    max_speed: MotorSpeed | None = None
    technology: MotorTechnology | None = None


class BatterySpec(_Strict):
    """Traction battery."""

    usable_energy: Energy | None = None
    nominal_energy: Energy | None = None
    nominal_voltage: Voltage | None = None
    chemistry: Chemistry | None = None
    peak_charge_power: ChargePower | None = None
    peak_discharge_power: DischargePower | None = None
    max_charge_current: ChargeCurrent | None = None
    mass: BatteryMass | None = None


class ClimateSpec(_Strict):
    """Cabin heating and battery thermal management (all optional; defaults in defaults.py)."""

    heating: Heating | None = None
    cabin_setpoint: CabinTemperature | None = None
    heater_power: HeaterPower | None = None
    battery_heating: bool | None = None


class PerformanceSpec(_Strict):
    """Acceleration-test conditions and limits (``evforge perf``)."""

    top_speed_limit: TopSpeed | None = None
    test_soc: TestSoc | None = None
    payload: Payload | None = None
    launch_ramp_time: RampTime | None = None
    system_power: Power | None = None


class PackTechnology(StrEnum):
    """How cells are built into the traction pack (docs/design-model.md)."""

    MODULE = "module"  # cells in modules, modules in a pack housing
    CELL_TO_PACK = "cell_to_pack"  # cells straight into the pack housing (CATL CTP, BYD Blade)


class SizeClass(StrEnum):
    """Vehicle size class of the glider (carculator's size classes, docs/design-model.md)."""

    MINI = "mini"
    SMALL = "small"
    LOWER_MEDIUM = "lower_medium"
    MEDIUM = "medium"
    LARGE = "large"
    MEDIUM_SUV = "medium_suv"
    LARGE_SUV = "large_suv"


# A glider (body, chassis, interior; no powertrain or battery): quadricycles ~300 kg, full-size
# SUVs ~2,000 kg; wide margins.
GliderMass = Annotated[float, _quantity("kg", "glider mass", "1000 kg", 100.0, 5_000.0)]


def _design_year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2010 <= value <= 2050:
        raise PydanticCustomError(
            "design_year", f"got {value!r}; expected a model year from 2010 to 2050, e.g. 2025"
        )
    return value


def _coefficients_path(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError(
            "coefficients_path", f"got {value!r}; expected the path of a sizing coefficient file"
        )
    return value.strip()


class DesignSpec(_Strict):
    """Design section (issue 12): the coupled mass and cost model fills ``mass.curb``
    (and ``battery.mass``) from the components (evforge.sizing.resolve_design)."""

    size_class: SizeClass | None = None
    glider_mass: GliderMass | None = None
    pack_technology: PackTechnology | None = None
    year: Annotated[int, BeforeValidator(_design_year)] | None = None
    coefficients: Annotated[str, BeforeValidator(_coefficients_path)] | None = None


_MAX_MOTORS: Final = 4
_MAX_ROAD_LOAD_SPEED_MPS: Final = 70.0  # 252 km/h: the road-load curve must stay positive to here


class VehicleSpec(_Strict):
    """A battery-electric car as described in a spec file (schema v1)."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    layout: Layout
    mass: MassSpec = MassSpec()
    body: BodySpec = BodySpec()
    tyres: TyresSpec = TyresSpec()
    road_load: RoadLoadSpec | None = None
    motors: Annotated[list[MotorSpec], Field(min_length=1, max_length=_MAX_MOTORS)]
    gear_ratio: GearRatio | None = None
    torque_split: TorqueSplit | None = None
    battery: BatterySpec
    auxiliary_power: AuxPower | None = None
    climate: ClimateSpec = ClimateSpec()
    performance: PerformanceSpec = PerformanceSpec()
    design: DesignSpec | None = None

    @model_validator(mode="after")
    def _cross_checks(self) -> VehicleSpec:
        if self.name.strip() == "":
            raise _problem("name", "got a blank name; expected a non-empty string")
        if (
            self.mass.curb is None
            and self.design is None
            and (self.road_load is None or self.road_load.test_mass is None)
        ):
            raise _problem(
                "mass.curb", "is missing; expected a curb mass unless road_load.test_mass is given"
            )
        if self.design is not None and self.design.size_class is None:
            raise _problem(
                "design.size_class",
                "is missing; expected a size class (mini, small, lower_medium, medium, "
                "large, medium_suv, large_suv): it sets the glider mass and cost",
            )
        if self.body.drag_coefficient is None and self.road_load is None:
            raise _problem(
                "body.drag_coefficient",
                "is missing; expected a drag coefficient unless road_load is given",
            )
        laden, curb = self.mass.max_laden, self.mass.curb
        if laden is not None and curb is not None and laden <= curb:
            raise _problem(
                "mass.max_laden",
                f"got {laden:g} kg, not above mass.curb {curb:g} kg; "
                "expected the technically permissible maximum laden mass",
            )
        battery = self.battery
        if battery.usable_energy is None and battery.nominal_energy is None:
            raise _problem(
                "battery.usable_energy",
                "is missing; expected a usable energy unless battery.nominal_energy is given",
            )
        if (
            battery.usable_energy is not None
            and battery.nominal_energy is not None
            and battery.usable_energy > battery.nominal_energy
        ):
            raise _problem(
                "battery.usable_energy",
                f"got {battery.usable_energy:g} kWh, more than nominal_energy "
                f"{battery.nominal_energy:g} kWh; expected usable <= nominal",
            )
        self._check_motors()
        if self.road_load is not None:
            rl = self.road_load
            v = _MAX_ROAD_LOAD_SPEED_MPS
            # F(v) = f0 + f1 v + f2 v² is convex; its minimum on [0, v] must be positive.
            v_min = min(max(-rl.f1 / (2.0 * rl.f2), 0.0), v)
            if rl.f0 + rl.f1 * v_min + rl.f2 * v_min**2 <= 0.0:
                raise _problem(
                    "road_load.f1",
                    f"got {rl.f1:g} N/(m/s), which makes the road load negative at "
                    f"{v_min * 3.6:.0f} km/h; expected f0 + f1 v + f2 v² > 0",
                )
        return self

    def _check_motors(self) -> None:
        axles = {m.axle for m in self.motors}
        required = {
            Layout.FWD: {Axle.FRONT},
            Layout.RWD: {Axle.REAR},
            Layout.AWD: {Axle.FRONT, Axle.REAR},
        }[self.layout]
        if axles != required:
            given = ", ".join(sorted(a.value for a in axles))
            need = " and ".join(sorted(a.value for a in required))
            raise _problem(
                "motors",
                f"layout {self.layout.value} with motors on {given}; "
                f"expected motors on the {need} axle{'s' if len(required) > 1 else ''} only",
            )
        for axle in axles:
            kinds = {m.technology for m in self.motors if m.axle is axle}
            if len(kinds) > 1:
                shown = ", ".join(sorted("default" if k is None else k.value for k in kinds))
                raise _problem(
                    "motors",
                    f"motors on the {axle.value} axle have different technologies ({shown}); "
                    "expected one technology per axle (they are lumped into one machine)",
                )
        if self.tyres.label_class is not None and self.tyres.rolling_resistance is not None:
            raise _problem(
                "tyres.label_class",
                "got both a label class and tyres.rolling_resistance; expected one of them",
            )
        if self.torque_split is not None and self.layout is not Layout.AWD:
            raise _problem(
                "torque_split",
                f"got {self.torque_split.value!r} on a {self.layout.value} car; "
                "expected torque_split only with layout AWD",
            )


def _problem(path: str, message: str) -> PydanticCustomError:
    """A cross-field error; the loader reads the path back from the message prefix."""
    return PydanticCustomError(
        "cross_field", "{path}|{message}", {"path": path, "message": message}
    )


def spec_leaves(spec: BaseModel) -> list[tuple[str, object, str]]:
    """Every value a spec sets, as (field path, value, unit): the unit a bare number of that
    field means (``"1"`` for a dimensionless quantity, ``""`` for text and choices)."""
    out: list[tuple[str, object, str]] = []
    _leaves(spec, "", out)
    return out


def _leaves(model: BaseModel, prefix: str, out: list[tuple[str, object, str]]) -> None:
    fields = type(model).model_fields
    for name in fields:
        if name not in model.model_fields_set:
            continue
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            _leaves(value, f"{path}.", out)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    _leaves(item, f"{path}[{i}].", out)
                else:
                    out.append((f"{path}[{i}]", item, ""))
        elif value is not None:
            out.append((path, getattr(value, "value", value), _field_unit(type(model), name)))


@functools.cache
def _field_unit(model: type[BaseModel], name: str) -> str:
    """:func:`_unit_of` of a model's field, once per field (a table of designs asks it for
    every value of every row)."""
    info = model.model_fields[name]
    return _unit_of(info.metadata, info.annotation)


def _unit_of(metadata: list[object], annotation: object) -> str:
    """The documented unit of a quantity field (its validator's), or "" for other fields."""
    for meta in metadata:
        unit = getattr(getattr(meta, "func", None), "unit", None)
        if isinstance(unit, str):
            return unit
    for arg in typing.get_args(annotation):
        found = _unit_of(list(getattr(arg, "__metadata__", ())), arg)
        if found:
            return found
    return ""


def field_units() -> dict[str, str]:
    """Every quantity field of schema v1 and its documented unit: ``{"mass.curb": "kg",
    "motors[].peak_power": "kW", ...}`` (list items written ``[]``)."""
    out: dict[str, str] = {}
    _field_units(VehicleSpec, "", out, 0)
    return out


def _field_units(model: type[BaseModel], prefix: str, out: dict[str, str], depth: int) -> None:
    if depth > 6:
        return
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        unit = _unit_of(info.metadata, info.annotation)
        if unit:
            out[path] = unit
        for arg in (info.annotation, *typing.get_args(info.annotation)):
            inner = [arg, *typing.get_args(arg)]
            for candidate in inner:
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    is_list = typing.get_origin(arg) is list
                    _field_units(candidate, f"{path}[]." if is_list else f"{path}.", out, depth + 1)


def field_bounds(path: str) -> tuple[float, float] | None:
    """The plausible range (in the documented unit) schema v1 accepts for a quantity field
    path (``motors[0].peak_power`` or ``motors[].peak_power``), or None for other fields."""
    import re

    key = re.sub(r"\[\d+\]", "[]", path)
    model: Any = VehicleSpec
    parts = key.replace("[]", "").split(".")
    for depth, name in enumerate(parts):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        info = model.model_fields.get(name)
        if info is None:
            return None
        if depth == len(parts) - 1:
            return _bounds_of(info.metadata, info.annotation)
        model = _inner_model(info.annotation)
    return None


def _bounds_of(metadata: list[object], annotation: object) -> tuple[float, float] | None:
    for meta in metadata:
        bounds = getattr(getattr(meta, "func", None), "bounds", None)
        if bounds is not None:
            return (float(bounds[0]), float(bounds[1]))
    for arg in typing.get_args(annotation):
        found = _bounds_of(list(getattr(arg, "__metadata__", ())), arg)
        if found is not None:
            return found
    return None


def _inner_model(annotation: object) -> object:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None
