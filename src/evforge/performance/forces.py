"""The tractive force a car can put on the road at each speed, and what opposes it.

Three limits act in series, each a pure function of :mod:`evforge.physics`:

1. **Motors** (:func:`~evforge.physics.motor.motor_max_torque`): on each axle the torque
   envelope at motor speed ω = v G / r, through the reduction gear: F = T G η_g / r.
2. **Tyres** (:func:`~evforge.physics.traction.traction_limited_force`): the friction limit
   μ W of each axle under longitudinal load transfer; on an AWD car each axle gets what its
   motor can give up to its own limit (the split follows the dynamic axle loads).
3. **Battery**: the electrical power the motors draw, mechanical power plus the motor and
   inverter losses of :func:`~evforge.physics.motor.motor_loss_power`, plus the auxiliary and
   base loads, may not exceed the pack's discharge power at the test state of charge: the
   spec's ``battery.peak_discharge_power`` or, if not given, the equivalent circuit's
   V_min (V_oc - V_min) / R (:func:`~evforge.physics.battery.max_discharge_power_at_min_voltage`):
   a pack built for its motors. :func:`pack_limited` warns when the motors ask for more than
   the stated pack power, or (none stated) than a typical pack of the chemistry and size
   (``PEAK_DISCHARGE_C_RATE`` × usable energy) gives.
   When it binds, every axle's torque is scaled by the same factor s, found in closed form
   from P(s) = s A + B + s² C (mechanical, constant and copper terms).
4. **System power**: where the spec gives the maker's combined rating
   (``performance.system_power``, e.g. 420 kW for a Taycan 4S whose motors are rated 175 and
   320 kW), the motors' summed shaft power may not exceed it; the same factor s then scales
   both axles (s = P_sys / A when that is the smaller). Makers rate dual-motor cars below the
   sum of the motors because the pack and inverters cannot feed both at full power at once.

The road load is the vehicle's own (coast-down f0, f1, f2 or the physical model), with
f0 cos θ and the grade force m g sin θ on a grade.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evforge.errors import EvforgeError
from evforge.physics.battery import max_discharge_power_at_min_voltage
from evforge.physics.motor import motor_loss_power, motor_max_torque
from evforge.physics.traction import traction_limited_force
from evforge.units import G_STANDARD_MPS2
from evforge.vehicle import PerformanceParams, Vehicle

__all__ = [
    "ForceModel",
    "force_model",
    "pack_limited",
    "pack_warning",
    "peak_electrical_demand_w",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ForceModel:
    """A car at its acceleration-test mass and state of charge, as forces vs speed.

    Build it with :func:`force_model`. All methods take speeds in m/s (arrays) and a grade
    angle θ in radians, and return forces in N.
    """

    vehicle: Vehicle
    params: PerformanceParams
    battery_power_w: float

    @property
    def inertial_mass_kg(self) -> float:
        """Mass plus the equivalent mass of the wheels and rotors [kg]."""
        return self.vehicle.inertial_mass_kg

    def motor_forces(self, speed_mps: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Force each axle's motors can give at the ground [N] (front, rear)."""
        v = self.vehicle
        out = []
        for axle in v.axles:
            if not axle.driven:
                out.append(np.zeros_like(speed_mps))
                continue
            omega = speed_mps * v.gear_ratio / axle.wheel_radius_m
            torque = motor_max_torque(
                omega, axle.peak_torque_nm, axle.peak_power_w, axle.max_speed_rad_s
            )
            out.append(torque * v.gear_ratio * v.gear_efficiency / axle.wheel_radius_m)
        return out[0], out[1]

    def rolling_force(self, cos_grade: float) -> float:
        """Speed-independent road-load term f0 cos θ [N]."""
        return self.vehicle.rolling_n * cos_grade

    def road_load(self, speed_mps: FloatArray, grade_rad: float = 0.0) -> FloatArray:
        """Resistance [N]: f0 cos θ + f1 v + f2 v² + m g sin θ."""
        v = self.vehicle
        result: FloatArray = (
            self.rolling_force(math.cos(grade_rad))
            + v.linear_n_per_mps * speed_mps
            + v.aero_n_per_mps2 * speed_mps * speed_mps
            + v.mass_kg * G_STANDARD_MPS2 * math.sin(grade_rad)
        )
        return result

    def axle_forces(
        self, speed_mps: FloatArray, grade_rad: float = 0.0
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Tractive force of each axle after all three limits, and the unlimited motor forces.

        Returns
        -------
        (front, rear, front_motor, rear_motor) : arrays [N]
        """
        p = self.params
        speed = np.asarray(speed_mps, dtype=np.float64)
        mot_f, mot_r = self.motor_forces(speed)
        cos = math.cos(grade_rad)
        ff, fr = traction_limited_force(
            mot_f,
            mot_r,
            self.vehicle.mass_kg,
            cos,
            self.rolling_force(cos),
            p.front_axle_share,
            p.cog_height_m,
            p.wheelbase_m,
            p.tyre_friction,
        )
        scale = self._battery_scale(speed, ff, fr)
        return ff * scale, fr * scale, mot_f, mot_r

    def tractive_force(self, speed_mps: FloatArray, grade_rad: float = 0.0) -> FloatArray:
        """Total force at the ground the car can deliver [N]."""
        ff, fr, _, _ = self.axle_forces(speed_mps, grade_rad)
        total: FloatArray = ff + fr
        return total

    def net_force(self, speed_mps: FloatArray, grade_rad: float = 0.0) -> FloatArray:
        """Tractive force minus resistance [N]: m_eff × acceleration at full demand."""
        net: FloatArray = self.tractive_force(speed_mps, grade_rad) - self.road_load(
            speed_mps, grade_rad
        )
        return net

    def _battery_scale(self, speed: FloatArray, ff: FloatArray, fr: FloatArray) -> FloatArray:
        """Factor s ≤ 1 on all axle torques: pack power and system rating (items 3 and 4)."""
        v = self.vehicle
        lin = np.zeros_like(speed)  # A: mechanical power at s = 1
        const = np.full_like(speed, v.auxiliary_power_w)  # B
        quad = np.zeros_like(speed)  # C: copper loss at s = 1
        for axle, force in zip(v.axles, (ff, fr), strict=True):
            if not axle.driven:
                continue
            c0, ci, cw, ccu = axle.loss_coefficients
            omega = speed * v.gear_ratio / axle.wheel_radius_m
            torque = force * axle.wheel_radius_m / (v.gear_ratio * v.gear_efficiency)
            # Past ω_max the motor gives no torque; its no-load loss is taken at ω_max.
            w = np.minimum(omega / axle.max_speed_rad_s, 1.0)
            lin += torque * omega
            const += axle.loss_scale_w * (c0 + ci * w + cw * w**3)
            quad += axle.loss_scale_w * ccu * (torque / axle.peak_torque_nm) ** 2
        # Where the pack cannot even cover the no-load losses, no tractive force (s = 0).
        budget = np.maximum(self.battery_power_w - const, 0.0)
        # Largest s in [0, 1] with C s² + A s ≤ budget (C, A ≥ 0).
        disc = lin * lin + 4.0 * quad * budget
        # s = (-A + sqrt(A² + 4 C budget)) / (2C), written to stay finite as C -> 0.
        root = 2.0 * budget / np.maximum(lin + np.sqrt(disc), 1e-300)
        system = self.params.system_power_w
        if system is not None:
            root = np.minimum(root, system / np.maximum(lin, 1e-300))
        scale: FloatArray = np.clip(root, 0.0, 1.0)
        return scale


def force_model(vehicle: Vehicle) -> ForceModel:
    """The car at its acceleration-test mass (curb + driver) and state of charge.

    Raises
    ------
    EvforgeError
        If the vehicle was not built from a spec (no performance parameters).
    """
    params = vehicle.performance
    if params is None:
        raise EvforgeError(f"{vehicle.name}: no performance parameters (build it from a spec)")
    car = vehicle.with_mass(params.mass_kg)
    if params.max_discharge_power_w is not None:
        power = params.max_discharge_power_w
    else:
        ocv = float(np.interp(params.test_soc, vehicle.ocv_soc, vehicle.ocv_v))
        power = float(
            max_discharge_power_at_min_voltage(ocv, vehicle.resistance_ohm, params.min_voltage_v)
        )
    return ForceModel(car, params, power)


def peak_electrical_demand_w(model: ForceModel, top_speed_mps: float = 100.0) -> float:
    """Largest electrical power the motors can ask for at full demand [W].

    At each speed up to ``top_speed_mps`` every driven axle at its torque envelope
    (:func:`~evforge.physics.motor.motor_max_torque`), mechanical power T ω (capped at the
    system rating where the spec gives one) plus the motor and inverter losses of
    :func:`~evforge.physics.motor.motor_loss_power`, plus the always-on load; the tyres'
    limit is not applied (it depends on the launch, the pack is sized for the motors).
    """
    v = model.vehicle
    speed = np.linspace(0.0, top_speed_mps, 401)
    mech = np.zeros_like(speed)
    loss = np.zeros_like(speed)
    for axle in v.axles:
        if not axle.driven:
            continue
        omega = speed * v.gear_ratio / axle.wheel_radius_m
        torque = motor_max_torque(
            omega, axle.peak_torque_nm, axle.peak_power_w, axle.max_speed_rad_s
        )
        mech += torque * omega
        loss += motor_loss_power(
            torque,
            omega,
            axle.loss_scale_w,
            axle.peak_torque_nm,
            axle.max_speed_rad_s,
            *axle.loss_coefficients,
        )
    system = model.params.system_power_w
    if system is not None:
        mech = np.minimum(mech, system)
    return float(np.max(mech + loss)) + v.auxiliary_power_w


def pack_limited(vehicle: Vehicle) -> str | None:
    """A warning when the motors' peak electrical demand exceeds what the pack gives, naming
    both powers; None when it does not.

    With ``battery.peak_discharge_power`` in the spec the pack limits acceleration and the
    warning says so. Without it the model lets the pack deliver what the motors draw (a
    production car's pack is built for its motors), and warns when that is more than a
    typical pack of the same chemistry and size gives (``PEAK_DISCHARGE_C_RATE``), so that a
    design pairing a small pack with large motors is not silently credited with it.
    """
    model = force_model(vehicle)
    return pack_warning(vehicle, model.battery_power_w, peak_electrical_demand_w(model))


def pack_warning(vehicle: Vehicle, battery_power_w: float, demand_w: float) -> str | None:
    """:func:`pack_limited`'s warning from the pack's power and the motors' peak demand.

    Parameters
    ----------
    vehicle : Vehicle
        The car (its name, chemistry, usable energy and performance parameters).
    battery_power_w : float
        The pack's discharge power at the test state of charge [W]
        (:attr:`ForceModel.battery_power_w`).
    demand_w : float
        The motors' peak electrical demand [W] (:func:`peak_electrical_demand_w`).
    """
    params = vehicle.performance
    if params is None:
        raise EvforgeError(f"{vehicle.name}: no performance parameters (build it from a spec)")
    demand = demand_w
    if params.max_discharge_power_w is not None:
        pack = battery_power_w
        if demand <= pack:
            return None
        return (
            f"{vehicle.name}: the motors can draw {demand / 1e3:.0f} kW at full demand, more "
            f"than the pack's {pack / 1e3:.0f} kW peak discharge power; acceleration is "
            "battery-limited"
        )
    typical = params.typical_discharge_power_w
    if typical is None or demand <= typical:
        return None
    rate = typical / vehicle.usable_energy_j * 3600.0  # W per J, per hour: the C-rate
    return (
        f"{vehicle.name}: the motors can draw {demand / 1e3:.0f} kW at full demand, more than "
        f"a typical {vehicle.chemistry.value} pack of this size gives ({rate:.1f}C: "
        f"{typical / 1e3:.0f} kW, spec/defaults.py PEAK_DISCHARGE_C_RATE); the results assume "
        "this pack delivers it: give battery.peak_discharge_power if it cannot"
    )
