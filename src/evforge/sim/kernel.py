"""The compiled batch kernel: N vehicles over one speed trace.

Backward-facing with a forward check: each time step asks for the force that takes the car
from its current speed to the trace's next speed; when the motors or the battery cannot give
it, the step is solved for the highest speed they can reach (bisection) and the car falls
behind the trace until it can catch up. Speeds vary linearly within a step, so road-load
forces are taken at the step's mean speed and the work of every force is force × distance;
this makes the kinetic-energy term exact and the energy balance close to rounding error.

Parameters are passed as one float64 matrix ``params[N, N_PARAMS]`` whose columns are named
by the ``P_*`` constants below (a struct of arrays the compiler can see through). The physics
comes from :mod:`evforge.physics`, compiled here, so the kernel runs the same formulas the
tests check.

Sign conventions: powers are positive when they flow from the battery towards the road;
energies in the totals are all positive magnitudes except the net battery terms.
"""

from __future__ import annotations

import math
from typing import Any, Final

import numba
import numpy as np
import numpy.typing as npt

from evforge.physics import battery as _battery
from evforge.physics import motor as _motor
from evforge.physics import road_load as _road

__all__ = ["ENERGY_FIELDS", "N_PARAMS", "TRACE_FIELDS", "run_batch"]

_jit: Any = numba.njit(cache=True, fastmath=False, nogil=True)
_coastdown_force: Any = _jit(_road.coastdown_force)
_grade_force: Any = _jit(_road.grade_force)
_motor_max_torque: Any = _jit(_motor.motor_max_torque)
_motor_loss_power: Any = _jit(_motor.motor_loss_power)
_battery_current: Any = _jit(_battery.battery_current)
_max_discharge_power: Any = _jit(_battery.max_discharge_power)

# --- parameter columns ------------------------------------------------------------------------
P_MASS: Final = 0  # vehicle mass [kg]
P_INERTIAL_MASS: Final = 1  # mass + rotating equivalent [kg]
P_ROLL: Final = 2  # constant road-load term on level road [N]
P_LINEAR: Final = 3  # linear road-load term [N/(m/s)]
P_AERO: Final = 4  # quadratic road-load term [N/(m/s)²]
P_GEAR: Final = 5  # overall reduction ratio [-]
P_GEAR_EFF: Final = 6  # gear efficiency [-]
P_AUX: Final = 7  # always-on (auxiliary) power [W]
P_CAPACITY: Final = 8  # usable charge [C]
P_RESISTANCE: Final = 9  # pack resistance [Ω]
P_MAX_CHARGE: Final = 10  # largest charging power the pack accepts [W]
P_SOC0: Final = 11  # initial state of charge [-]
P_REGEN_ZERO: Final = 12  # regen fades to zero at this speed [m/s]
P_REGEN_FULL: Final = 13  # full regen above this speed [m/s]
P_PRIMARY_AXLE: Final = 14  # AWD torque split: -1 proportional, else the primary axle (0, 1)
P_AXLE0: Final = 15  # per axle (front, rear): peak power [W], torque [N·m], ω_max [rad/s],
#: r_wheel [m], loss scale [W], then the axle's four motor loss coefficients [-] (constant,
#: iron, windage, copper; :func:`evforge.physics.motor.motor_loss_power`)
AXLE_STRIDE: Final = 9
N_PARAMS: Final = P_AXLE0 + 2 * AXLE_STRIDE

# --- outputs ----------------------------------------------------------------------------------
#: Energy totals, columns of the ``totals[N, len(ENERGY_FIELDS)]`` output [J] (distance [m],
#: time [s]).
ENERGY_FIELDS: Final = (
    "aero",
    "rolling",
    "grade",
    "kinetic",
    "traction",
    "regen_wheel",
    "friction_brake",
    "gear_loss",
    "motor_loss",
    "auxiliary",
    "battery_loss",
    "battery_chemical",
    "battery_terminal",
    "regen_to_battery",
    "distance",
    "trace_miss_time",
    "empty_time",
    "empty_distance",
)
(
    E_AERO,
    E_ROLL,
    E_GRADE,
    E_KINETIC,
    E_TRACTION,
    E_REGEN,
    E_FRICTION,
    E_GEAR,
    E_MOTOR,
    E_AUX,
    E_BATT_LOSS,
    E_CHEM,
    E_TERM,
    E_REGEN_BATT,
    E_DIST,
    E_MISS,
    E_EMPTY_TIME,
    E_EMPTY_DIST,
) = range(len(ENERGY_FIELDS))
#: ``totals`` value of ``empty_time`` and ``empty_distance`` when the pack never ran empty.
NOT_EMPTY: Final = -1.0

#: Per-step trace columns (the value over the step ending at each time; row 0 is the start).
TRACE_FIELDS: Final = (
    "speed_mps",
    "target_speed_mps",
    "distance_m",
    "accel_mps2",
    "wheel_power_w",
    "aero_power_w",
    "rolling_power_w",
    "grade_power_w",
    "regen_wheel_power_w",
    "friction_brake_power_w",
    "gear_loss_w",
    "motor_loss_w",
    "motor_electric_power_w",
    "battery_terminal_power_w",
    "battery_loss_w",
    "battery_current_a",
    "battery_voltage_v",
    "soc",
    "trace_miss",
)
N_TRACE: Final = len(TRACE_FIELDS)

_BISECTION_STEPS: Final = 40
OK: Final = 0  # step as asked
OVER_TRACTION: Final = 1  # motors or battery cannot deliver the traction asked for
OVER_CHARGE: Final = 2  # regeneration would exceed the pack's charge-power limit
_BATTERY_MARGIN: Final = 0.999  # stay just inside V_oc²/4R, where dI/dP diverges
#: State of charge at or below which the pack counts as empty [-]: a step limited by the
#: charge left ends within rounding of zero (the bisection's 2⁻⁴⁰ in speed leaves ~1e-14).
EMPTY_SOC: Final = 1e-9


@_jit
def _step(
    p: npt.NDArray[np.float64],
    v0: float,
    v1: float,
    dt: float,
    cos_g: float,
    sin_g: float,
    voc: float,
    soc: float,
    charge_c: float,
    regen_scale: float,
    powered: bool,
    out: npt.NDArray[np.float64],
    work: npt.NDArray[np.float64],
) -> int:
    """Evaluate one step from speed v0 to v1; fill ``out``; return a status (``OK``...).

    ``regen_scale`` (0-1) caps regeneration below the motors' envelope, to respect the
    pack's charge-power limit. ``work`` is a (3, 2) scratch array (per-axle motor speed,
    torque limit and wheel force), passed in so the step allocates nothing.

    A step that asks for traction is ``OVER_TRACTION`` when it would draw more than
    ``charge_c``, the charge left in the pack [C] (``math.inf``: no limit): the caller then
    solves for the speed the charge left can reach. Not ``powered`` (the pack is empty, its
    contactors open): no traction, no regeneration (friction brakes only), and nothing drawn
    from the pack, auxiliaries and motor losses included; the car coasts.

    ``out`` = [F_aero, F_roll, F_grade, F_inertia, P_wheel, F_regen, F_friction, P_gear,
    P_motor_loss, P_motor_elec, P_terminal, I, P_battery_loss].
    """
    v = 0.5 * (v0 + v1)
    moving = v > 0.0
    f_inertia = p[P_INERTIAL_MASS] * (v1 - v0) / dt
    f_aero = 0.0
    f_roll = 0.0
    f_grade = 0.0
    if moving:
        f_aero = p[P_AERO] * v * v
        f_roll = _coastdown_force(v, p[P_ROLL] * cos_g, p[P_LINEAR], 0.0)
        f_grade = _grade_force(p[P_MASS], sin_g)
    f_wheel = f_inertia + f_aero + f_roll + f_grade
    gear = p[P_GEAR]
    eta = p[P_GEAR_EFF]
    primary = int(p[P_PRIMARY_AXLE])
    if primary >= 0 and p[P_AXLE0 + AXLE_STRIDE * (1 - primary)] <= 0.0:
        primary = -1  # one driven axle: nothing to split

    # Available motor torque on each axle, and the wheel force it gives.
    f_max_trac = 0.0
    f_max_regen = 0.0
    omega = work[0]
    t_max = work[1]
    wheel_force = work[2]  # per axle, positive = traction
    work[:] = 0.0
    for k in range(2):
        base = P_AXLE0 + AXLE_STRIDE * k
        if p[base] > 0.0 and powered:
            r = p[base + 3]
            omega[k] = v * gear / r
            t_max[k] = _motor_max_torque(omega[k], p[base + 1], p[base], p[base + 2])
            f_max_trac += t_max[k] * gear * eta / r
            f_max_regen += t_max[k] * gear / (eta * r)

    status = OK
    f_regen = 0.0
    f_friction = 0.0
    if f_wheel > 0.0:
        if f_wheel > f_max_trac or soc <= 0.0 or not powered:
            status = OVER_TRACTION
        if f_max_trac > 0.0:
            if primary >= 0:
                # Primary axle first; the other takes only what the primary cannot give.
                base = P_AXLE0 + AXLE_STRIDE * primary
                f_first = min(f_wheel, t_max[primary] * gear * eta / p[base + 3])
                wheel_force[primary] = f_first
                wheel_force[1 - primary] = f_wheel - f_first
            else:
                for k in range(2):
                    base = P_AXLE0 + AXLE_STRIDE * k
                    if p[base] > 0.0:
                        wheel_force[k] = (
                            f_wheel * (t_max[k] * gear * eta / p[base + 3]) / f_max_trac
                        )
    elif f_wheel < 0.0:
        braking = -f_wheel
        fade = (v - p[P_REGEN_ZERO]) / (p[P_REGEN_FULL] - p[P_REGEN_ZERO])
        fade = min(max(fade, 0.0), 1.0)
        f_regen = min(braking, fade * f_max_regen * regen_scale)
        if f_regen > 0.0:
            if primary >= 0:
                base = P_AXLE0 + AXLE_STRIDE * primary
                f_first = min(f_regen, t_max[primary] * gear / (eta * p[base + 3]))
                wheel_force[primary] = -f_first
                wheel_force[1 - primary] = f_first - f_regen
            else:
                for k in range(2):
                    base = P_AXLE0 + AXLE_STRIDE * k
                    if p[base] > 0.0:
                        share = (t_max[k] * gear / (eta * p[base + 3])) / f_max_regen
                        wheel_force[k] = -f_regen * share
        f_friction = braking - f_regen

    p_gear = 0.0
    p_loss = 0.0
    p_elec = 0.0
    for k in range(2):
        base = P_AXLE0 + AXLE_STRIDE * k
        # A secondary axle that carries no torque idles: its inverter is off and (disconnected
        # or de-energised) its motor draws nothing; its drag is in the road load.
        idle = k != primary and primary >= 0 and wheel_force[k] == 0.0
        if p[base] > 0.0 and moving and not idle and powered:
            r = p[base + 3]
            f = wheel_force[k]
            # Gear losses oppose the power flow: the motor gives more than the wheel receives
            # when driving, and receives less than the wheel gives when regenerating.
            torque = f * r / (gear * eta) if f >= 0.0 else f * r * eta / gear
            p_mech = torque * omega[k]
            p_gear += p_mech - f * v
            loss = _motor_loss_power(
                torque,
                omega[k],
                p[base + 4],
                p[base + 1],
                p[base + 2],
                p[base + 5],
                p[base + 6],
                p[base + 7],
                p[base + 8],
            )
            p_loss += loss
            p_elec += p_mech + loss
    p_term = p_elec + p[P_AUX] if powered else 0.0
    resistance = p[P_RESISTANCE]
    p_max = _BATTERY_MARGIN * _max_discharge_power(voc, resistance)
    if p_term > p_max:
        status = OVER_TRACTION
        p_term = p_max  # keeps the current real; the caller solves for a reachable speed
    elif p_term < -p[P_MAX_CHARGE] and f_regen > 0.0:
        status = OVER_CHARGE
    current = _battery_current(p_term, voc, resistance)
    if f_wheel > 0.0 and current * dt > charge_c:
        status = OVER_TRACTION  # this step would empty the pack: solve for what is left
    out[0] = f_aero
    out[1] = f_roll
    out[2] = f_grade
    out[3] = f_inertia
    out[4] = f_wheel * v
    out[5] = f_regen
    out[6] = f_friction
    out[7] = p_gear
    out[8] = p_loss
    out[9] = p_elec
    out[10] = p_term
    out[11] = current
    out[12] = resistance * current * current
    return status


@_jit
def _solve_step(
    p: npt.NDArray[np.float64],
    v0: float,
    v1: float,
    dt: float,
    cos_g: float,
    sin_g: float,
    voc: float,
    soc: float,
    charge_c: float,
    powered: bool,
    out: npt.NDArray[np.float64],
    work: npt.NDArray[np.float64],
) -> tuple[float, bool]:
    """The step towards the trace's speed ``v1``: as asked, or the highest speed the motors,
    the battery power and the charge left can reach (then it is a trace miss), with
    regeneration cut to the pack's charge-power limit; fills ``out`` (:func:`_step`) and
    returns ``(reached speed, missed)``."""
    status = _step(p, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, 1.0, powered, out, work)
    missed = status == OVER_TRACTION
    if missed:
        # Highest reachable speed by bisection (speed 0 is always reachable: braking).
        lo = 0.0
        hi = v1
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            if (
                _step(p, v0, mid, dt, cos_g, sin_g, voc, soc, charge_c, 1.0, powered, out, work)
                != OVER_TRACTION
            ):
                lo = mid
            else:
                hi = mid
        v1 = lo
        status = _step(p, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, 1.0, powered, out, work)
    if status == OVER_CHARGE:
        # Largest share of regeneration the pack accepts; friction brakes the rest.
        lo = 0.0
        hi = 1.0
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            if (
                _step(p, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, mid, powered, out, work)
                == OK
            ):
                lo = mid
            else:
                hi = mid
        _step(p, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, lo, powered, out, work)
    return v1, missed


@numba.njit(cache=True, parallel=True, nogil=True)
def run_batch(
    params: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    time_s: npt.NDArray[np.float64],
    target_mps: npt.NDArray[np.float64],
    grade: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    trace: npt.NDArray[np.float64],
    record: bool,
    past_empty: bool,
) -> None:
    """Simulate every vehicle (row of ``params``) over the trace; write ``totals`` (and ``trace``).

    Parameters
    ----------
    params : (N, N_PARAMS) array
        Vehicle parameters, columns ``P_*``.
    ocv_soc : (K,) array
        State-of-charge grid of the OCV tables [-].
    ocv_v : (N, K) array
        Pack open-circuit voltage per vehicle [V].
    time_s, target_mps, grade : (T,) arrays
        The cycle: times [s], target speeds [m/s], grade rise/run [-].
    totals : (N, len(ENERGY_FIELDS)) array
        Output, zeroed here.
    trace : (N, T, N_TRACE) array
        Output if ``record``; otherwise may be any shape (not touched).
    record : bool
        Whether to write the per-step trace.
    past_empty : bool
        False: the pack never delivers more than it holds; once empty it delivers nothing
        (the car coasts, its auxiliaries off). True (the range procedures' break-off, see
        :func:`evforge.sim.simulate`): it delivers through the step in which it empties, and
        then all but traction, until the car first falls behind the trace.
    """
    n = params.shape[0]
    steps = time_s.shape[0]
    for j in numba.prange(n):
        p = params[j]
        acc = totals[j]
        acc[:] = 0.0
        out = np.empty(13)
        work = np.empty((3, 2))
        soc = p[P_SOC0]
        v_prev = target_mps[0]
        distance = 0.0
        acc[E_EMPTY_TIME] = NOT_EMPTY
        acc[E_EMPTY_DIST] = NOT_EMPTY
        empty = soc <= EMPTY_SOC
        if empty:
            acc[E_EMPTY_TIME] = 0.0
            acc[E_EMPTY_DIST] = 0.0
        if record:
            voc0 = np.interp(soc, ocv_soc, ocv_v[j])
            trace[j, 0, :] = 0.0
            trace[j, 0, 0] = v_prev
            trace[j, 0, 1] = v_prev
            trace[j, 0, 16] = voc0
            trace[j, 0, 17] = soc
        for i in range(1, steps):
            dt = time_s[i] - time_s[i - 1]
            theta = math.atan(grade[i])
            cos_g = math.cos(theta)
            sin_g = math.sin(theta)
            voc = np.interp(soc, ocv_soc, ocv_v[j])
            powered = past_empty or not empty
            charge = math.inf if past_empty else soc * p[P_CAPACITY]
            v1, missed = _solve_step(
                p, v_prev, target_mps[i], dt, cos_g, sin_g, voc, soc, charge, powered, out, work
            )
            if powered and out[11] * dt > charge:
                # The pack empties within this step on a draw that is not traction (the
                # auxiliaries, or motor losses while coasting): it is empty from here on and
                # the step is driven unpowered; what was left (less than this step's draw)
                # stays in the pack.
                empty = True
                powered = False
                v1, missed = _solve_step(
                    p, v_prev, target_mps[i], dt, cos_g, sin_g, voc, soc, 0.0, False, out, work
                )
            v_mean = 0.5 * (v_prev + v1)
            d = v_mean * dt
            acc[E_AERO] += out[0] * d
            acc[E_ROLL] += out[1] * d
            acc[E_GRADE] += out[2] * d
            acc[E_KINETIC] += out[3] * d
            acc[E_TRACTION] += max(out[4], 0.0) * dt
            acc[E_REGEN] += out[5] * d
            acc[E_FRICTION] += out[6] * d
            acc[E_GEAR] += out[7] * dt
            acc[E_MOTOR] += out[8] * dt
            if powered:
                acc[E_AUX] += p[P_AUX] * dt
            acc[E_BATT_LOSS] += out[12] * dt
            acc[E_CHEM] += (out[10] + out[12]) * dt
            acc[E_TERM] += out[10] * dt
            acc[E_REGEN_BATT] += max(-out[9], 0.0) * dt
            acc[E_DIST] += d
            if missed:
                acc[E_MISS] += dt
            soc -= out[11] * dt / p[P_CAPACITY]
            distance += d
            if not empty and soc <= EMPTY_SOC:
                empty = True
            if empty and acc[E_EMPTY_TIME] < 0.0:
                acc[E_EMPTY_TIME] = time_s[i] - time_s[0]
                acc[E_EMPTY_DIST] = distance
            if record:
                row = trace[j, i]
                row[0] = v1
                row[1] = target_mps[i]
                row[2] = distance
                row[3] = (v1 - v_prev) / dt
                row[4] = out[4]
                row[5] = out[0] * v_mean
                row[6] = out[1] * v_mean
                row[7] = out[2] * v_mean
                row[8] = out[5] * v_mean
                row[9] = out[6] * v_mean
                row[10] = out[7]
                row[11] = out[8]
                row[12] = out[9]
                row[13] = out[10]
                row[14] = out[12]
                row[15] = out[11]
                row[16] = voc - out[11] * p[P_RESISTANCE]
                row[17] = soc
                row[18] = 1.0 if missed else 0.0
            v_prev = v1
