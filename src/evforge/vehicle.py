"""The vehicle as the simulator sees it: SI parameters, every one with its provenance.

A :class:`Vehicle` is built from a validated spec by :func:`evforge.spec.build_vehicle`, which
fills what the spec leaves out from documented defaults. Nothing here knows about files or
units: all values are floats in SI units.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, NamedTuple

from evforge.climate.params import ClimateParams
from evforge.enums import Chemistry, Layout, MotorTechnology, TorqueSplit
from evforge.units import G_STANDARD_MPS2

__all__ = ["AxleDrive", "Derived", "PerformanceParams", "Vehicle"]


class Derived(NamedTuple):
    """One parameter value and where it came from (``"spec"``, a default's source, a formula).

    A named tuple (immutable, read by name): a car is built with about 90 of them, and a
    tuple is made several times faster than a frozen dataclass.
    """

    name: str
    value: float | str
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class AxleDrive:
    """The motors on one axle, lumped into one equivalent machine (zero power: not driven).

    Attributes
    ----------
    peak_power_w : float
        Sum of the motors' peak mechanical power [W].
    peak_torque_nm : float
        Sum of the motors' peak torque at the motor shaft [N·m].
    max_speed_rad_s : float
        Maximum motor speed [rad/s].
    wheel_radius_m : float
        Dynamic rolling radius of this axle's tyres [m].
    loss_scale_w : float
        The power the motor loss coefficients are fractions of [W] (see
        :func:`evforge.physics.motor.loss_scale_power`).
    loss_coefficients : tuple of 4 floats
        Motor and inverter loss coefficients (constant, iron, windage, copper) [-] of this
        axle's machine technology, the losses *under load* beyond the zero-torque spin drag
        that the road load already contains (docs/model.md, energy accounting).
    technology : MotorTechnology
        Machine type (permanent magnet, induction, separately excited).
    """

    peak_power_w: float
    peak_torque_nm: float
    max_speed_rad_s: float
    wheel_radius_m: float
    loss_scale_w: float
    loss_coefficients: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    technology: MotorTechnology = MotorTechnology.PMSM

    @property
    def driven(self) -> bool:
        """Whether a motor drives this axle."""
        return self.peak_power_w > 0.0


@dataclass(frozen=True, slots=True)
class PerformanceParams:
    """What acceleration and top-speed runs need beyond the drive-cycle model.

    Attributes
    ----------
    mass_kg : float
        Mass for acceleration runs [kg] (curb + driver by default).
    cog_height_m : float
        Centre-of-gravity height [m].
    wheelbase_m : float
        Wheelbase [m].
    front_axle_share : float
        Static share of the weight on the front axle [-].
    tyre_friction : float
        Peak tyre-road friction coefficient μ [-].
    top_speed_limit_mps : float
        Electronic speed limit [m/s]; ``math.inf`` when none is given.
    test_soc : float
        State of charge at the start of a run [-], on the usable window.
    min_voltage_v : float
        Lowest pack terminal voltage the BMS allows under load [V].
    max_discharge_power_w : float | None
        Stated peak pack discharge power [W], or None: the pack delivers what the motors
        draw, up to the equivalent circuit's limit.
    typical_discharge_power_w : float | None
        Peak discharge power of a typical pack of this chemistry and size [W]
        (``PEAK_DISCHARGE_C_RATE`` × usable energy): what :func:`evforge.performance.
        pack_limited` compares the motors' demand with when the spec states no pack power.
    system_power_w : float | None
        The maker's combined (system) power rating [W]: caps the summed mechanical output of
        the motors; None when not given.
    launch_ramp_s : float
        Time [s] over which the tractive force rises from zero to full at a standing start
        (:func:`evforge.performance.launch_phase`); 0 is a step.
    """

    mass_kg: float
    cog_height_m: float
    wheelbase_m: float
    front_axle_share: float
    tyre_friction: float
    top_speed_limit_mps: float
    test_soc: float
    min_voltage_v: float
    max_discharge_power_w: float | None = None
    typical_discharge_power_w: float | None = None
    system_power_w: float | None = None
    launch_ramp_s: float = 0.0


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A battery-electric car in SI units, ready for the simulator.

    Road load is F = (rolling_n + linear_n_per_mps·v + aero_n_per_mps2·v²) on level road, from
    either the physical model (C_rr m g, 0, ½ρC_dA) or coast-down coefficients (f0, f1, f2);
    on a grade the constant term is scaled by cos θ and m g sin θ is added.
    """

    name: str
    layout: Layout
    mass_kg: float
    inertial_mass_kg: float
    rolling_n: float
    linear_n_per_mps: float
    aero_n_per_mps2: float
    front: AxleDrive
    rear: AxleDrive
    gear_ratio: float
    gear_efficiency: float
    chemistry: Chemistry
    usable_energy_j: float
    nominal_voltage_v: float
    ocv_soc: tuple[float, ...]
    ocv_v: tuple[float, ...]
    capacity_c: float
    resistance_ohm: float
    max_charge_power_w: float
    initial_soc: float
    auxiliary_power_w: float
    charger_efficiency: float
    ac_charge_power_w: float
    regen_zero_speed_mps: float
    regen_full_speed_mps: float
    torque_split: TorqueSplit = TorqueSplit.PROPORTIONAL
    curb_mass_kg: float | None = None
    max_laden_mass_kg: float | None = None
    test_mass_kg: float | None = None
    rolling_resistance: float | None = None
    rolling_speed_coefficient: float | None = None
    driveline_linear_drag: float | None = None
    climate: ClimateParams | None = None
    battery_mass_kg: float | None = None
    max_charge_current_a: float | None = None
    performance: PerformanceParams | None = None
    provenance: tuple[Derived, ...] = field(default=(), compare=False, repr=False)
    #: The validated spec it was built from (:func:`evforge.spec.build_vehicle`), or None.
    spec: Any = field(default=None, compare=False, repr=False)
    #: The kernel's parameter row, once :func:`evforge.sim.params.pack` has made it (a cache:
    #: never copied to a changed car).
    packed_row: Any = field(default=None, init=False, compare=False, repr=False)
    #: The performance kernel's parameter row and test state of charge, once
    #: :func:`evforge.performance.batch` has made them (a cache, as ``packed_row``).
    perf_row: Any = field(default=None, init=False, compare=False, repr=False)

    @property
    def axles(self) -> tuple[AxleDrive, AxleDrive]:
        """(front, rear)."""
        return (self.front, self.rear)

    @property
    def primary_axle_index(self) -> int:
        """Index (0 front, 1 rear) of the axle that drives first; -1 for a proportional split
        or a car with one driven axle."""
        if not (self.front.driven and self.rear.driven):
            return -1
        return {
            TorqueSplit.PROPORTIONAL: -1,
            TorqueSplit.FRONT_FIRST: 0,
            TorqueSplit.REAR_FIRST: 1,
        }[self.torque_split]

    @property
    def peak_power_w(self) -> float:
        """Sum of the motors' peak power [W]."""
        return self.front.peak_power_w + self.rear.peak_power_w

    def with_mass(self, mass_kg: float) -> Vehicle:
        """The same car at another (test) mass: inertia and, for the physical road-load model,
        the mass-proportional road-load terms (C_rr m g, c_v m g) follow; coast-down
        coefficients stay as measured."""
        rolling, linear = self.rolling_n, self.linear_n_per_mps
        if self.rolling_resistance is not None:
            rolling = self.rolling_resistance * mass_kg * G_STANDARD_MPS2
        if self.rolling_speed_coefficient is not None and self.driveline_linear_drag is not None:
            linear = (
                self.rolling_speed_coefficient * mass_kg * G_STANDARD_MPS2
                + self.driveline_linear_drag
            )
        return self.with_changes(
            mass_kg=mass_kg,
            inertial_mass_kg=self.inertial_mass_kg - self.mass_kg + mass_kg,
            rolling_n=rolling,
            linear_n_per_mps=linear,
        )

    def with_changes(self, **changes: Any) -> Vehicle:
        """The car with some fields changed: :func:`dataclasses.replace` without its
        per-call introspection of the fields (the batched procedures make several changed
        cars per design and test). The cached :attr:`packed_row` is not carried over.

        Raises
        ------
        TypeError
            If a name is not a field of :class:`Vehicle`.
        """
        values = list(_ALL_FIELDS(self))
        for name, value in changes.items():
            index = _INDEX.get(name)
            if index is None:
                raise TypeError(f"Vehicle has no field {name!r}")
            values[index] = value
        return Vehicle(*values)


#: Vehicle's init fields, in order, and a getter of all of them (:meth:`Vehicle.with_changes`).
_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Vehicle) if f.init)
_INDEX: dict[str, int] = {name: i for i, name in enumerate(_FIELDS)}
_ALL_FIELDS = attrgetter(*_FIELDS)
