"""From a validated spec to the SI :class:`~evforge.vehicle.Vehicle` the simulator runs.

Each parameter is either taken from the spec (source ``"spec"``), derived from spec values by a
stated formula, or filled from a default: a coefficient of the parameter set (``params``,
default the shipped one; :mod:`evforge.params`) or one of the physical constants and
regulation values of :mod:`evforge.spec.defaults`. The provenance of every value is kept on
the vehicle for ``evforge check``, with the set's name and version (``parameter_set``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from evforge.climate.params import ClimateParams, Heating
from evforge.enums import Axle, Chemistry, CurbDefinition, Layout, MotorTechnology, TorqueSplit
from evforge.params import LOSS_PARTS, Default, ParameterSet, load_parameters
from evforge.physics import battery as battery_model
from evforge.physics import road_load
from evforge.physics.motor import loss_scale_power
from evforge.physics.tyres import drum_to_flat_rolling_resistance, rolling_radius_m
from evforge.spec import defaults as d
from evforge.spec.schema import BatterySpec, MotorSpec, StaggeredTyres, VehicleSpec, parse_tyre_size
from evforge.units import J_PER_KWH, KMH_PER_MPS
from evforge.vehicle import AxleDrive, Derived, PerformanceParams, Vehicle

__all__ = ["build_vehicle", "curb_without_driver"]

_RPM_TO_RAD_S = 2.0 * math.pi / 60.0
_SPEC = "spec"


class _Log:
    def __init__(self) -> None:
        self.items: list[Derived] = []
        self._new = Derived._make

    def add(self, name: str, value: float | str, unit: str, source: str) -> None:
        self.items.append(self._new((name, value, unit, source)))


def build_vehicle(spec: VehicleSpec, params: ParameterSet | None = None) -> Vehicle:
    """Build the simulator's vehicle from a validated spec, filling documented defaults.

    Parameters
    ----------
    spec : VehicleSpec
        A validated spec (see :func:`evforge.spec.load_spec`).
    params : ParameterSet, optional
        The global model coefficients (:func:`evforge.params.load_parameters`); default the
        shipped set.

    Returns
    -------
    Vehicle
        SI parameters, with ``provenance`` listing each value's source; its first row,
        ``parameter_set``, names the set (name and version; source: its file).
    """
    p = params if params is not None else load_parameters()
    log = _Log()
    log.add("parameter_set", p.label, "", p.location)
    if spec.design is not None:
        # The coupled mass model (evforge.sizing) fills mass.curb and battery.mass from the
        # components: the one place a design: section turns into masses.
        from evforge.sizing import resolve_design

        spec, sizing = resolve_design(spec)
        if sizing is not None:
            log.add(
                "design.curb_mass",
                sizing.curb_mass_kg,
                "kg",
                f"coupled mass model (docs/design-model.md), {sizing.iterations} iterations"
                + ("" if sizing.curb_mass_spec_kg is None else "; the spec's mass.curb is used"),
            )
            log.add("design.cost", sizing.cost_usd, "USD", "bill of materials (evforge.sizing)")
    mass_kg = _mass(spec, log)
    radii = _wheel_radii(spec, log)
    rolling, linear, aero, crr = _road_load(spec, mass_kg, p, log)
    speed_coeff = p.value("rolling_speed_coefficient") if crr is not None else None
    driveline = p.value("driveline_linear_drag") if crr is not None else None
    front = _axle(spec, Axle.FRONT, radii[0], p, log)
    rear = _axle(spec, Axle.REAR, radii[1], p, log)
    gear = _gear_ratio(spec, (front, rear), p, log)

    wheel_j = p.value("wheel_inertia")
    rotating = sum(d.WHEELS / 2 * wheel_j / r**2 for r in radii)
    for axle in (front, rear):
        if axle.driven:
            rotor_j = p.value("rotor_inertia_per_torque") * axle.peak_torque_nm
            rotating += rotor_j * gear**2 / axle.wheel_radius_m**2
    log.add("wheel_inertia", wheel_j, "kg*m^2 per wheel", p["wheel_inertia"].source)
    log.add(
        "rotor_inertia_per_torque",
        p.value("rotor_inertia_per_torque"),
        "kg*m^2/(N*m)",
        p["rotor_inertia_per_torque"].source,
    )
    log.add(
        "inertial_mass",
        mass_kg + rotating,
        "kg",
        "mass + Σ J_wheel/r² + Σ J_rotor G²/r² (equivalent translating mass)",
    )
    gear_eff = p.value("gear_efficiency")
    log.add("gear_efficiency", gear_eff, "1", p["gear_efficiency"].source)

    split, split_source = _torque_split(spec, front, rear)
    if spec.layout is Layout.AWD:
        log.add("torque_split", split.value, "", split_source)
    battery = _battery(spec, p, log)
    performance = _performance(spec, battery, p, log)
    aux = _value(spec.auxiliary_power, p.default("auxiliary_power"), "auxiliary_power", log)
    log.add(
        "charger_efficiency",
        p.value("charger_efficiency"),
        "1",
        p["charger_efficiency"].source,
    )
    log.add("ac_charge_power", d.AC_CHARGE_POWER.value, "kW", d.AC_CHARGE_POWER.source)
    log.add(
        "regen_zero_speed",
        p.value("regen_zero_speed"),
        "km/h",
        p["regen_zero_speed"].source,
    )
    log.add(
        "regen_full_speed",
        p.value("regen_full_speed"),
        "km/h",
        p["regen_full_speed"].source,
    )
    climate = _climate(spec, battery.usable_energy_j, p, log)

    return Vehicle(
        name=spec.name,
        layout=spec.layout,
        mass_kg=mass_kg,
        inertial_mass_kg=mass_kg + rotating,
        rolling_n=rolling,
        linear_n_per_mps=linear,
        aero_n_per_mps2=aero,
        front=front,
        rear=rear,
        gear_ratio=gear,
        gear_efficiency=gear_eff,
        auxiliary_power_w=aux,
        charger_efficiency=p.value("charger_efficiency"),
        ac_charge_power_w=d.AC_CHARGE_POWER.value * 1e3,
        regen_zero_speed_mps=p.value("regen_zero_speed") / KMH_PER_MPS,
        regen_full_speed_mps=p.value("regen_full_speed") / KMH_PER_MPS,
        torque_split=split,
        chemistry=battery.chemistry,
        usable_energy_j=battery.usable_energy_j,
        nominal_voltage_v=battery.nominal_voltage_v,
        ocv_soc=d.OCV_SOC,
        ocv_v=battery.ocv_v,
        capacity_c=battery.capacity_c,
        resistance_ohm=battery.resistance_ohm,
        max_charge_power_w=battery.max_charge_power_w,
        initial_soc=d.INITIAL_SOC.value,
        curb_mass_kg=curb_without_driver(spec),
        max_laden_mass_kg=spec.mass.max_laden,
        test_mass_kg=spec.road_load.test_mass if spec.road_load is not None else None,
        rolling_resistance=crr,
        rolling_speed_coefficient=speed_coeff,
        driveline_linear_drag=driveline,
        climate=climate,
        battery_mass_kg=battery.mass_kg,
        max_charge_current_a=battery.max_charge_current_a,
        performance=performance,
        provenance=tuple(log.items),
        spec=spec,
    )


def _torque_split(spec: VehicleSpec, front: AxleDrive, rear: AxleDrive) -> tuple[TorqueSplit, str]:
    """The spec's split; else, when exactly one axle has a permanent-magnet machine and the
    other an induction or wound-rotor one, that axle first (the other idles unexcited, with
    no drag: Tesla dual motor, VW MEB and Audi Q4 front ASM); else proportional."""
    if spec.torque_split is not None:
        return spec.torque_split, _SPEC
    pm = MotorTechnology.PMSM
    if spec.layout is Layout.AWD and (front.technology is pm) != (rear.technology is pm):
        first = TorqueSplit.REAR_FIRST if rear.technology is pm else TorqueSplit.FRONT_FIRST
        return first, d.TORQUE_SPLIT_MIXED_SOURCE
    return d.TORQUE_SPLIT, d.TORQUE_SPLIT_SOURCE


def _climate(
    spec: VehicleSpec, usable_energy_j: float, p: ParameterSet, log: _Log
) -> ClimateParams:
    """Cabin, HVAC and pack-thermal parameters: spec values where given, else defaults."""
    c = spec.climate
    if c.heating is not None:
        heating = c.heating
        log.add("climate.heating", heating.value, "", _SPEC)
    else:
        heating = Heating(d.HEATING)
        log.add("climate.heating", heating.value, "", d.HEATING_SOURCE)
    setpoint = _value(c.cabin_setpoint, d.CABIN_SETPOINT, "climate.cabin_setpoint", log)
    heater_kw = _value(c.heater_power, p.default("heater_max_power"), "climate.heater_power", log)
    if c.battery_heating is not None:
        battery_heating = c.battery_heating
        log.add("climate.battery_heating", str(battery_heating).lower(), "", _SPEC)
    else:
        battery_heating = d.BATTERY_HEATING
        log.add("climate.battery_heating", "false", "", d.BATTERY_HEATING_SOURCE)
    fixed = (
        ("climate.cabin_envelope_ua", p.default("cabin_envelope_ua")),
        ("climate.ventilation", p.default("cabin_ventilation")),
        ("climate.cabin_capacitance", p.default("cabin_capacitance")),
        ("climate.cooler_power", p.default("cooler_max_power")),
        ("climate.occupant_gain", p.default("occupant_gain")),
        ("climate.solar_area", p.default("solar_area")),
        ("climate.blower_power", p.default("blower_power")),
        ("climate.heat_pump_second_law_efficiency", p.default("heat_pump_second_law")),
        ("climate.ac_second_law_efficiency", p.default("ac_second_law")),
        ("climate.battery_activation_energy", p.default("battery_activation_energy")),
        ("climate.battery_reference_temperature", p.default("battery_reference_temperature")),
        ("climate.pack_specific_energy", p.default("pack_specific_energy")),
        ("climate.battery_min_temperature", p.default("battery_min_temperature")),
    )
    for name, dflt in fixed:
        log.add(name, dflt.value, dflt.unit, dflt.source)
    pack_mass = usable_energy_j / J_PER_KWH * 1e3 / p.value("pack_specific_energy")
    return ClimateParams(
        heating=heating,
        setpoint_c=setpoint,
        envelope_w_per_k=p.value("cabin_envelope_ua"),
        ventilation_kg_per_s=p.value("cabin_ventilation"),
        capacitance_j_per_k=p.value("cabin_capacitance"),
        heater_max_w=heater_kw * 1e3,
        cooler_max_w=p.value("cooler_max_power") * 1e3,
        occupant_gain_w=p.value("occupant_gain"),
        solar_area_m2=p.value("solar_area"),
        blower_w=p.value("blower_power"),
        heat_pump_eta=p.value("heat_pump_second_law"),
        ac_eta=p.value("ac_second_law"),
        supply_c=p.value("heat_pump_supply"),
        evaporator_approach_k=p.value("evaporator_approach"),
        ac_evaporator_c=p.value("ac_evaporator"),
        condenser_approach_k=p.value("condenser_approach"),
        coil_humidity_ratio=d.COIL_HUMIDITY_RATIO.value,
        battery_ea_j_per_mol=p.value("battery_activation_energy"),
        battery_reference_c=p.value("battery_reference_temperature"),
        battery_mass_kg=pack_mass,
        battery_cp_j_per_kg_k=p.value("pack_specific_heat"),
        battery_heating=battery_heating,
        battery_min_c=p.value("battery_min_temperature"),
    )


def _value(given: float | None, default: Default, name: str, log: _Log) -> float:
    if given is not None:
        log.add(name, given, default.unit, _SPEC)
        return given
    log.add(name, default.value, default.unit, default.source)
    return default.value


def curb_without_driver(spec: VehicleSpec) -> float | None:
    """The spec's curb mass as a mass without driver [kg] (``mass.curb_definition``): an EU
    mass in running order includes a 75 kg driver (Regulation (EU) 2017/1151 Art. 2;
    1230/2012 Art. 2(4)); US curb weight, DIN 70020 and GB/T 3730.2 masses do not."""
    curb = spec.mass.curb
    if curb is None:
        return None
    if spec.mass.curb_definition is CurbDefinition.EU_RUNNING_ORDER:
        return curb - d.DRIVER_MASS.value
    return curb


def _mass(spec: VehicleSpec, log: _Log) -> float:
    if spec.road_load is not None and spec.road_load.test_mass is not None:
        log.add("mass", spec.road_load.test_mass, "kg", "spec: road_load.test_mass")
        return spec.road_load.test_mass
    curb = curb_without_driver(spec)
    assert curb is not None  # guaranteed by VehicleSpec validation
    definition = spec.mass.curb_definition or d.CURB_DEFINITION
    if definition is CurbDefinition.EU_RUNNING_ORDER:
        log.add(
            "mass.curb_without_driver",
            curb,
            "kg",
            f"mass in running order - {d.DRIVER_MASS.value:g} kg driver; {d.DRIVER_MASS.source}",
        )
    else:
        source = _SPEC if spec.mass.curb_definition is not None else d.CURB_DEFINITION_SOURCE
        log.add("mass.curb_definition", definition.value, "", source)
    payload = _value(spec.mass.payload, d.PAYLOAD, "mass.payload", log)
    log.add("mass", curb + payload, "kg", "curb + payload")
    return curb + payload


def _wheel_radii(spec: VehicleSpec, log: _Log) -> tuple[float, float]:
    size = spec.tyres.size
    if size is None:
        r = rolling_radius_m(*parse_tyre_size(d.TYRE_SIZE))
        log.add("wheel_radius", r, "m", f"{d.TYRE_SIZE_SOURCE}; ETRTO rolling circumference")
        return r, r
    sizes = (size.front, size.rear) if isinstance(size, StaggeredTyres) else (size, size)
    radii = tuple(rolling_radius_m(*parse_tyre_size(s)) for s in sizes)
    for axle, s, r in zip(("front", "rear"), sizes, radii, strict=True):
        log.add(f"wheel_radius.{axle}", r, "m", f"spec tyre {s}: ETRTO rolling radius 3.05 D / 2π")
    return radii[0], radii[1]


def _road_load(
    spec: VehicleSpec, mass_kg: float, p: ParameterSet, log: _Log
) -> tuple[float, float, float, float | None]:
    """(f0, f1, f2, C_rr): C_rr is None when coast-down coefficients are given."""
    if spec.road_load is not None:
        rl = spec.road_load
        log.add("road_load.f0", rl.f0, "N", _SPEC)
        log.add("road_load.f1", rl.f1, "N/(m/s)", _SPEC)
        log.add("road_load.f2", rl.f2, "N/(m/s)^2", _SPEC)
        return rl.f0, rl.f1, rl.f2, None
    cd = spec.body.drag_coefficient
    assert cd is not None  # guaranteed by VehicleSpec validation
    log.add("body.drag_coefficient", cd, "1", _SPEC)
    area = _frontal_area(spec, mass_kg, p, log)
    rho = d.AIR_DENSITY.value
    log.add("air_density", rho, "kg/m^3", d.AIR_DENSITY.source)
    crr = _rolling_resistance(spec, p, log)
    cv, bd = p.default("rolling_speed_coefficient"), p.default("driveline_linear_drag")
    log.add("rolling_speed_coefficient", cv.value, cv.unit, cv.source)
    log.add("driveline_linear_drag", bd.value, bd.unit, bd.source)
    rolling, linear = road_load.physical_rolling_terms(mass_kg, crr, cv.value, bd.value)
    aero = 0.5 * rho * cd * area
    log.add("road_load.f0", rolling, "N", "C_rr × mass × g")
    log.add("road_load.f1", linear, "N/(m/s)", "c_v × mass × g + b_d")
    log.add("road_load.f2", aero, "N/(m/s)^2", "½ ρ C_d A")
    return rolling, linear, aero, crr


def _rolling_resistance(spec: VehicleSpec, p: ParameterSet, log: _Log) -> float:
    """The spec's coefficient; else from the EU tyre-label class, converted from the ISO 28580
    drum to a flat road for the spec's tyre; else the fitted vehicle-level default.

    The label path gives the tyres alone: the zero-torque brake and driveline drag that the
    fitted default contains is not known per car and is not added (docs/model.md).
    """
    label = spec.tyres.label_class
    if label is None:
        return _value(
            spec.tyres.rolling_resistance,
            p.default("rolling_resistance"),
            "tyres.rolling_resistance",
            log,
        )
    drum = d.TYRE_LABEL_RRC[label.value]
    size = spec.tyres.size
    text = d.TYRE_SIZE if size is None else size.rear if isinstance(size, StaggeredTyres) else size
    radius = rolling_radius_m(*parse_tyre_size(text))
    crr = drum_to_flat_rolling_resistance(drum.value, radius)
    log.add(
        "tyres.rolling_resistance",
        crr,
        "1",
        f"{drum.source}, on the ISO 28580 drum; C_flat = C_drum / √(1 + r/1.0 m) with r = "
        f"{radius:.3f} m (Clark & Dodge 1979)",
    )
    return crr


def _frontal_area(spec: VehicleSpec, mass_kg: float, p: ParameterSet, log: _Log) -> float:
    body = spec.body
    if body.frontal_area is not None:
        log.add("body.frontal_area", body.frontal_area, "m^2", _SPEC)
        return body.frontal_area
    if body.width is not None and body.height is not None:
        k = p.value("frontal_area_factor")
        area = k * body.width / 1000.0 * body.height / 1000.0
        log.add(
            "body.frontal_area",
            area,
            "m^2",
            f"{k} × width × height; {p['frontal_area_factor'].source}",
        )
        return area
    given = curb_without_driver(spec)
    curb = given if given is not None else mass_kg
    area = p.value("frontal_area_base") + p.value("frontal_area_slope") * (
        curb - p.value("frontal_area_mass_offset")
    )
    log.add("body.frontal_area", area, "m^2", f"from curb mass: {p['frontal_area_base'].source}")
    return area


def _gear_ratio(
    spec: VehicleSpec, axles: tuple[AxleDrive, AxleDrive], p: ParameterSet, log: _Log
) -> float:
    """The spec's single-speed ratio; else the design rule from the top-speed limit; else 9.0.

    A single reduction is sized so that the motor reaches its maximum speed at the car's
    maximum speed, G = ω_max r / v_max (d.GEAR_RATIO_RULE); with the spec's electronic limit
    as v_max and the slowest driven axle's ω_max r, the motors can just reach the limit.
    """
    if spec.gear_ratio is not None:
        log.add("gear_ratio", spec.gear_ratio, "1", _SPEC)
        return spec.gear_ratio
    limit = spec.performance.top_speed_limit
    if limit is None:
        return _value(None, p.default("gear_ratio"), "gear_ratio", log)
    reach = min(a.max_speed_rad_s * a.wheel_radius_m for a in axles if a.driven)
    gear = reach / (limit / KMH_PER_MPS)
    log.add(
        "gear_ratio",
        gear,
        "1",
        f"ω_max r / v_max with v_max = performance.top_speed_limit; {d.GEAR_RATIO_RULE}",
    )
    return gear


def _axle(spec: VehicleSpec, axle: Axle, radius: float, p: ParameterSet, log: _Log) -> AxleDrive:
    motors = [(i, m) for i, m in enumerate(spec.motors) if m.axle is axle]
    if not motors:
        return AxleDrive(0.0, 0.0, math.inf, radius, 0.0)
    power = sum(m.peak_power for _, m in motors) * 1e3
    torque = 0.0
    speeds = []
    for i, motor in motors:
        rpm = _value(motor.max_speed, p.default("motor_max_speed"), f"motors[{i}].max_speed", log)
        speeds.append(rpm * _RPM_TO_RAD_S)
        torque += _torque(motor, i, speeds[-1], p, log)
    # VehicleSpec validation guarantees one technology per axle.
    i, first = motors[0]
    technology = first.technology if first.technology is not None else d.MOTOR_TECHNOLOGY
    source = _SPEC if first.technology is not None else d.MOTOR_TECHNOLOGY_SOURCE
    log.add(f"motors[{i}].technology", technology.value, "", source)
    coefficients = tuple(p.default(f"motor_losses.{technology.value}.{k}") for k in LOSS_PARTS)
    for name, c in zip(("const", "iron", "windage", "copper"), coefficients, strict=True):
        log.add(f"motor_loss_{name}.{axle.value}", c.value, "1", f"{technology.value}: {c.source}")
    ref, alpha = (
        p.value("motor_loss_reference_power") * 1e3,
        p.value("motor_loss_size_exponent"),
    )
    scale = loss_scale_power(power, ref, alpha)
    log.add(
        f"motor_loss_scale.{axle.value}",
        scale / 1e3,
        "kW",
        f"{ref / 1e3:g} kW × (P / {ref / 1e3:g} kW)^{alpha:g}; "
        f"{p['motor_loss_size_exponent'].source}",
    )
    values = tuple(c.value for c in coefficients)
    assert len(values) == 4
    return AxleDrive(
        power,
        torque,
        min(speeds),
        radius,
        scale,
        loss_coefficients=(values[0], values[1], values[2], values[3]),
        technology=technology,
    )


def _torque(motor: MotorSpec, i: int, max_speed: float, p: ParameterSet, log: _Log) -> float:
    if motor.peak_torque is not None:
        log.add(f"motors[{i}].peak_torque", motor.peak_torque, "N*m", _SPEC)
        return motor.peak_torque
    cpsr = p.value("constant_power_speed_ratio")
    torque = motor.peak_power * 1e3 / (max_speed / cpsr)
    log.add(
        f"motors[{i}].peak_torque",
        torque,
        "N*m",
        f"P / (ω_max / {cpsr}); {p['constant_power_speed_ratio'].source}",
    )
    return torque


def _performance(
    spec: VehicleSpec, battery: _Battery, p: ParameterSet, log: _Log
) -> PerformanceParams:
    """Parameters of acceleration and top-speed runs (``evforge perf``)."""
    perf = spec.performance
    payload = _value(perf.payload, d.PERF_PAYLOAD, "performance.payload", log)
    curb = curb_without_driver(spec)
    if curb is not None:
        mass = curb + payload
        log.add("performance.mass", mass, "kg", "curb + performance.payload")
    else:
        # No curb mass: VehicleSpec validation guarantees road_load.test_mass, taken as an
        # EPA equivalent test weight (curb + 300 lb, rounded to its inertia class).
        assert spec.road_load is not None
        assert spec.road_load.test_mass is not None
        allowance = d.EPA_LOADED_ALLOWANCE
        mass = spec.road_load.test_mass - allowance.value + payload
        log.add(
            "performance.mass",
            mass,
            "kg",
            f"road_load.test_mass - {allowance.value:.1f} kg + performance.payload (no curb "
            f"mass); {allowance.source}",
        )
    cog_mm = spec.body.cog_height
    cog = _value(
        None if cog_mm is None else cog_mm / 1000.0, p.default("cog_height"), "body.cog_height", log
    )
    wb_mm = spec.body.wheelbase
    wheelbase = _value(
        None if wb_mm is None else wb_mm / 1000.0, p.default("wheelbase"), "body.wheelbase", log
    )
    share = _value(
        spec.mass.front_axle_share,
        p.default(f"front_axle_share.{spec.layout.value.lower()}"),
        "mass.front_axle_share",
        log,
    )
    mu = _value(
        spec.tyres.friction_coefficient,
        p.default("tyre_friction"),
        "tyres.friction_coefficient",
        log,
    )
    soc = _value(perf.test_soc, p.default("test_soc"), "performance.test_soc", log)
    ramp = _value(
        perf.launch_ramp_time, p.default("launch_ramp_time"), "performance.launch_ramp_time", log
    )
    if perf.top_speed_limit is not None:
        limit = perf.top_speed_limit / KMH_PER_MPS
        log.add("performance.top_speed_limit", perf.top_speed_limit, "km/h", _SPEC)
    else:
        limit = math.inf
        log.add("performance.top_speed_limit", "none", "", "not given: no electronic limit")
    cutoff = d.MIN_CELL_VOLTAGE[battery.chemistry]
    cell_ocv = d.OCV_TABLES[battery.chemistry][0]
    cells = battery.nominal_voltage_v / (sum(cell_ocv) / len(cell_ocv))
    v_min = cutoff.value * cells
    log.add(
        "battery.min_voltage",
        v_min,
        "V",
        f"{cutoff.value:g} V × {cells:.0f} cells (nominal voltage / mean cell OCV); "
        f"{cutoff.source}",
    )
    system = perf.system_power
    if system is not None:
        log.add("performance.system_power", system, "kW", _SPEC)
    discharge = spec.battery.peak_discharge_power
    if discharge is not None:
        log.add("battery.peak_discharge_power", discharge, "kW", _SPEC)
    else:
        log.add(
            "battery.peak_discharge_power",
            "as the motors demand",
            "",
            "not given: the pack is taken to deliver what the rated motors draw (makers rate "
            "the motors their pack can feed), up to the cells' V_min (V_oc - V_min) / R; "
            "evforge perf warns when that exceeds battery.typical_peak_discharge_power",
        )
    rate = p.default(f"peak_discharge_c_rate.{battery.chemistry.value.lower()}")
    usable_kwh = battery.usable_energy_j / J_PER_KWH
    typical = rate.value * usable_kwh
    log.add(
        "battery.typical_peak_discharge_power",
        typical,
        "kW",
        f"{rate.value:g}C × {usable_kwh:.1f} kWh usable ({battery.chemistry.value}): {rate.source}",
    )
    return PerformanceParams(
        mass_kg=mass,
        cog_height_m=cog,
        wheelbase_m=wheelbase,
        front_axle_share=share,
        tyre_friction=mu,
        top_speed_limit_mps=limit,
        test_soc=soc,
        min_voltage_v=v_min,
        max_discharge_power_w=None if discharge is None else discharge * 1e3,
        typical_discharge_power_w=typical * 1e3,
        system_power_w=None if system is None else system * 1e3,
        launch_ramp_s=ramp,
    )


class _Battery(NamedTuple):
    chemistry: Chemistry
    usable_energy_j: float
    nominal_voltage_v: float
    ocv_v: tuple[float, ...]
    capacity_c: float
    resistance_ohm: float
    max_charge_power_w: float
    mass_kg: float
    max_charge_current_a: float | None


def _battery(spec: VehicleSpec, p: ParameterSet, log: _Log) -> _Battery:
    b = spec.battery
    if b.usable_energy is not None:
        usable = b.usable_energy
        log.add("battery.usable_energy", usable, "kWh", _SPEC)
    else:
        assert b.nominal_energy is not None  # guaranteed by VehicleSpec validation
        fraction = p["usable_fraction"]
        usable = b.nominal_energy * fraction.value
        log.add(
            "battery.usable_energy",
            usable,
            "kWh",
            f"nominal_energy × {fraction.value}; {fraction.source}",
        )
    chemistry = b.chemistry if b.chemistry is not None else d.CHEMISTRY
    log.add("battery.chemistry", chemistry.value, "", _SPEC if b.chemistry else d.CHEMISTRY_SOURCE)
    voltage = _value(
        b.nominal_voltage, p.default("nominal_voltage"), "battery.nominal_voltage", log
    )
    cell_ocv, ocv_source = d.OCV_TABLES[chemistry]
    nominal_cell = sum(cell_ocv) / len(cell_ocv)
    ocv_pack = tuple(v * voltage / nominal_cell for v in cell_ocv)
    log.add("battery.ocv_table", f"{ocv_pack[0]:.0f}-{ocv_pack[-1]:.0f}", "V", ocv_source)
    # Mean OCV over the usable window (trapezoid on the table grid): Q = E / mean(V_oc) makes
    # ∫ V_oc dQ over the window equal the usable energy exactly.
    mean_ocv = _trapezoid_mean(d.OCV_SOC, ocv_pack)
    usable_j = usable * J_PER_KWH
    capacity = usable_j / mean_ocv
    drop = p.default(f"drop_at_1c.{chemistry.value.lower()}")
    resistance = battery_model.pack_resistance_ohm(drop.value, voltage, usable * 1e3)
    log.add("battery.resistance", resistance, "ohm", f"ΔV/V at 1C = {drop.value}; {drop.source}")
    if b.peak_charge_power is not None:
        charge = b.peak_charge_power
        log.add("battery.peak_charge_power", charge, "kW", _SPEC)
    else:
        rate = p["max_charge_c_rate"]
        charge = rate.value * usable
        log.add(
            "battery.peak_charge_power",
            charge,
            "kW",
            f"{rate.value}C × usable energy; {rate.source}",
        )
    log.add("battery.initial_soc", d.INITIAL_SOC.value, "1", d.INITIAL_SOC.source)
    mass, current = _charging(b, chemistry, usable, p, log)
    return _Battery(
        chemistry, usable_j, voltage, ocv_pack, capacity, resistance, charge * 1e3, mass, current
    )


def _charging(
    b: BatterySpec, chemistry: Chemistry, usable_kwh: float, p: ParameterSet, log: _Log
) -> tuple[float, float | None]:
    """Battery mass and charge-current limit, and the DC-charging defaults (for ``check``)."""
    if b.mass is not None:
        mass = b.mass
        log.add("battery.mass", mass, "kg", _SPEC)
    else:
        mass = usable_kwh * 1e3 / p.value("pack_specific_energy")
        log.add(
            "battery.mass",
            mass,
            "kg",
            f"usable energy / {p.value('pack_specific_energy'):g} Wh/kg; "
            f"{p['pack_specific_energy'].source}",
        )
    if b.max_charge_current is not None:
        log.add("battery.max_charge_current", b.max_charge_current, "A", _SPEC)
    else:
        log.add(
            "battery.max_charge_current",
            "from peak_charge_power",
            "A",
            "peak_charge_power / terminal voltage at the knee state of charge "
            "(evforge.charging.peak_charge_current)",
        )
    cell_max = d.MAX_CELL_VOLTAGE[chemistry]
    log.add("battery.max_cell_voltage", cell_max.value, "V", cell_max.source)
    for name, dflt in (
        ("charge_knee_soc", p.default("charge_knee_soc")),
        ("charge_reference_temperature", p.default("charge_reference_temperature")),
        ("charge_acceptance_activation_energy", p.default("charge_acceptance_activation_energy")),
        ("resistance_activation_energy", p.default("resistance_activation_energy")),
        ("precondition_temperature", p.default("precondition_temperature")),
        ("battery_cooling_temperature", p.default("battery_cooling_temperature")),
        ("battery_heater_power", p.default("battery_heater_power")),
        ("cell_specific_heat", p.default("cell_specific_heat")),
        ("dc_charger_efficiency", p.default("dc_charger_efficiency")),
    ):
        log.add(name, dflt.value, dflt.unit, dflt.source)
    return mass, b.max_charge_current


def _trapezoid_mean(x: tuple[float, ...], y: tuple[float, ...]) -> float:
    area = sum((x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0 for i in range(len(x) - 1))
    return area / (x[-1] - x[0])
