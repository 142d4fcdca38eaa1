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

Speed, with the results of the plain scalar loop to the last bit. What depends on the cycle
alone (step length, target speed, cos and sin of the grade) is computed once per cycle
(:func:`cycle_table`). Vehicles run in blocks of ``LANES``, the blocks in parallel on the
cores, each block's parameters and state in a struct-of-arrays workspace. Every step of a
block is first taken for all its lanes by :func:`_fast_step`, a copy of :func:`_step` as
asked written without branches, that the compiler vectorises (SIMD); the lanes it cannot
settle (a motor, pack-power or charge-power limit reached, the charge running out, an empty
pack, anything not finite) are solved by the scalar :func:`_solve_step`, with its
bisections. The open-circuit voltage is an O(1) lookup (each lane keeps its segment of the
OCV table) that gives :func:`numpy.interp`'s value to the last bit. ``run_batch(...,
fast=False)`` takes every step by the scalar path: the reference the fast path is checked
against (``benchmarks/bench_kernel.py`` checks it on 1,000 designs).
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

__all__ = ["ENERGY_FIELDS", "N_PARAMS", "TRACE_FIELDS", "cycle_table", "run_batch"]

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


#: Outputs of one step (:func:`_step`), in this order: forces [N] at the mean speed, powers [W],
#: current [A].
#: (F_aero, F_roll, F_grade, F_inertia, P_wheel, F_regen, F_friction, P_gear, P_motor_loss,
#: P_motor_elec, P_terminal, I, P_battery_loss)
StepOut = tuple[
    float, float, float, float, float, float, float, float, float, float, float, float, float
]
#: Positions in StepOut that the depletion programs (:mod:`evforge.sim.program`) read and set.
O_INERTIA: Final = 3
O_TERMINAL: Final = 10
O_CURRENT: Final = 11
O_BATTERY_LOSS: Final = 12


@_jit
def _axle_envelope(
    p: npt.NDArray[np.float64], base: int, v: float, gear: float, eta: float, powered: bool
) -> tuple[float, float, float, float]:
    """One axle's motor speed [rad/s], torque limit [N·m] and the largest traction and
    regeneration wheel forces [N] it gives: ``(omega, t_max, f_trac, f_regen)``, all zero
    for an axle without a motor or an unpowered car."""
    if p[base] > 0.0 and powered:
        r = p[base + 3]
        omega = v * gear / r
        t_max = _motor_max_torque(omega, p[base + 1], p[base], p[base + 2])
        return omega, t_max, t_max * gear * eta / r, t_max * gear / (eta * r)
    return 0.0, 0.0, 0.0, 0.0


@_jit
def _axle_power(
    p: npt.NDArray[np.float64], base: int, f: float, omega: float, v: float, gear: float, eta: float
) -> tuple[float, float, float]:
    """One driven axle carrying the wheel force ``f`` [N] (positive = traction) at motor
    speed ``omega``: ``(gear loss, motor loss, motor mechanical power)`` [W]."""
    r = p[base + 3]
    # Gear losses oppose the power flow: the motor gives more than the wheel receives when
    # driving, and receives less than the wheel gives when regenerating.
    torque = f * r / (gear * eta) if f >= 0.0 else f * r * eta / gear
    p_mech = torque * omega
    loss = _motor_loss_power(
        torque,
        omega,
        p[base + 4],
        p[base + 1],
        p[base + 2],
        p[base + 5],
        p[base + 6],
        p[base + 7],
        p[base + 8],
    )
    return p_mech - f * v, loss, p_mech


@_jit
def _step(
    p: npt.NDArray[np.float64],
    primary: int,
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
) -> tuple[int, StepOut]:
    """Evaluate one step from speed v0 to v1: ``(status, outputs)`` (``OK``..., ``StepOut``).

    ``primary`` is the AWD car's primary axle (0, 1), or -1: torque split in proportion to
    the axles' limits, or one driven axle (:func:`_primary_axle`). ``regen_scale`` (0-1) caps
    regeneration below the motors' envelope, to respect the pack's charge-power limit.
    Everything lives in registers: the step reads ``p`` and writes no memory.

    A step that asks for traction is ``OVER_TRACTION`` when it would draw more than
    ``charge_c``, the charge left in the pack [C] (``math.inf``: no limit): the caller then
    solves for the speed the charge left can reach. Not ``powered`` (the pack is empty, its
    contactors open): no traction, no regeneration (friction brakes only), and nothing drawn
    from the pack, auxiliaries and motor losses included; the car coasts.
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
    base0 = P_AXLE0
    base1 = P_AXLE0 + AXLE_STRIDE
    has0 = p[base0] > 0.0
    has1 = p[base1] > 0.0

    # Available motor torque on each axle, and the wheel force it gives.
    omega0, _t0, f_trac0, f_reg0 = _axle_envelope(p, base0, v, gear, eta, powered)
    omega1, _t1, f_trac1, f_reg1 = _axle_envelope(p, base1, v, gear, eta, powered)
    f_max_trac = 0.0
    f_max_regen = 0.0
    if has0 and powered:
        f_max_trac += f_trac0
        f_max_regen += f_reg0
    if has1 and powered:
        f_max_trac += f_trac1
        f_max_regen += f_reg1

    status = OK
    f_regen = 0.0
    f_friction = 0.0
    wheel0 = 0.0  # wheel force per axle, positive = traction
    wheel1 = 0.0
    if f_wheel > 0.0:
        if f_wheel > f_max_trac or soc <= 0.0 or not powered:
            status = OVER_TRACTION
        if f_max_trac > 0.0:
            if primary >= 0:
                # Primary axle first; the other takes only what the primary cannot give.
                f_first = min(f_wheel, f_trac0 if primary == 0 else f_trac1)
                if primary == 0:
                    wheel0 = f_first
                    wheel1 = f_wheel - f_first
                else:
                    wheel1 = f_first
                    wheel0 = f_wheel - f_first
            else:
                if has0:
                    wheel0 = f_wheel * f_trac0 / f_max_trac
                if has1:
                    wheel1 = f_wheel * f_trac1 / f_max_trac
    elif f_wheel < 0.0:
        braking = -f_wheel
        fade = (v - p[P_REGEN_ZERO]) / (p[P_REGEN_FULL] - p[P_REGEN_ZERO])
        fade = min(max(fade, 0.0), 1.0)
        f_regen = min(braking, fade * f_max_regen * regen_scale)
        if f_regen > 0.0:
            if primary >= 0:
                f_first = min(f_regen, f_reg0 if primary == 0 else f_reg1)
                if primary == 0:
                    wheel0 = -f_first
                    wheel1 = f_first - f_regen
                else:
                    wheel1 = -f_first
                    wheel0 = f_first - f_regen
            else:
                if has0:
                    wheel0 = -f_regen * (f_reg0 / f_max_regen)
                if has1:
                    wheel1 = -f_regen * (f_reg1 / f_max_regen)
        f_friction = braking - f_regen

    p_gear = 0.0
    p_loss = 0.0
    p_elec = 0.0
    if moving and powered:
        # A secondary axle that carries no torque idles: its inverter is off and (disconnected
        # or de-energised) its motor draws nothing; its drag is in the road load.
        if has0 and not (primary == 1 and wheel0 == 0.0):
            gear_k, loss_k, mech_k = _axle_power(p, base0, wheel0, omega0, v, gear, eta)
            p_gear += gear_k
            p_loss += loss_k
            p_elec += mech_k + loss_k
        if has1 and not (primary == 0 and wheel1 == 0.0):
            gear_k, loss_k, mech_k = _axle_power(p, base1, wheel1, omega1, v, gear, eta)
            p_gear += gear_k
            p_loss += loss_k
            p_elec += mech_k + loss_k
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
    return status, (
        f_aero,
        f_roll,
        f_grade,
        f_inertia,
        f_wheel * v,
        f_regen,
        f_friction,
        p_gear,
        p_loss,
        p_elec,
        p_term,
        current,
        resistance * current * current,
    )


@_jit
def _solve_step(
    p: npt.NDArray[np.float64],
    primary: int,
    v0: float,
    v1: float,
    dt: float,
    cos_g: float,
    sin_g: float,
    voc: float,
    soc: float,
    charge_c: float,
    powered: bool,
) -> tuple[float, bool, StepOut]:
    """The step towards the trace's speed ``v1``: as asked, or the highest speed the motors,
    the battery power and the charge left can reach (then it is a trace miss), with
    regeneration cut to the pack's charge-power limit: ``(reached speed, missed, outputs)``
    (outputs as :func:`_step`)."""
    status, out = _step(p, primary, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, 1.0, powered)
    missed = status == OVER_TRACTION
    if missed:
        # Highest reachable speed by bisection (speed 0 is always reachable: braking).
        lo = 0.0
        hi = v1
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            trial, _out = _step(
                p, primary, v0, mid, dt, cos_g, sin_g, voc, soc, charge_c, 1.0, powered
            )
            if trial != OVER_TRACTION:
                lo = mid
            else:
                hi = mid
        v1 = lo
        status, out = _step(p, primary, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, 1.0, powered)
    if status == OVER_CHARGE:
        # Largest share of regeneration the pack accepts; friction brakes the rest.
        lo = 0.0
        hi = 1.0
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (lo + hi)
            trial, _out = _step(
                p, primary, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, mid, powered
            )
            if trial == OK:
                lo = mid
            else:
                hi = mid
        status, out = _step(p, primary, v0, v1, dt, cos_g, sin_g, voc, soc, charge_c, lo, powered)
    return v1, missed, out


@_jit
def _primary_axle(p: npt.NDArray[np.float64]) -> int:
    """The AWD car's primary axle (0, 1), or -1: proportional split or one driven axle."""
    primary = int(p[P_PRIMARY_AXLE])
    if primary >= 0 and p[P_AXLE0 + AXLE_STRIDE * (1 - primary)] <= 0.0:
        primary = -1  # one driven axle: nothing to split
    return primary


#: Columns of the per-step cycle table (:func:`cycle_table`), the cycle-only quantities of
#: every step, computed once per cycle instead of once per vehicle and step.
C_TIME: Final = 0  # time since the start of the cycle [s]
C_TARGET: Final = 1  # trace speed at the end of the step [m/s]
C_DT: Final = 2  # step length [s] (row 0: 0)
C_COS: Final = 3  # cos θ of the step's grade
C_SIN: Final = 4  # sin θ of the step's grade
N_CYCLE: Final = 5


@_jit
def cycle_table(
    time_s: npt.NDArray[np.float64],
    target_mps: npt.NDArray[np.float64],
    grade: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The cycle as the kernel reads it: ``table[T, N_CYCLE]``, columns ``C_*``.

    Row ``i`` holds the step that ends at ``time_s[i]`` (row 0: the start, zero step).
    """
    steps = time_s.shape[0]
    table = np.zeros((steps, N_CYCLE))
    for i in range(steps):
        table[i, C_TIME] = time_s[i] - time_s[0]
        table[i, C_TARGET] = target_mps[i]
        theta = math.atan(grade[i])
        table[i, C_COS] = math.cos(theta)
        table[i, C_SIN] = math.sin(theta)
        if i > 0:
            table[i, C_DT] = time_s[i] - time_s[i - 1]
    return table


# --- the vector fast path ---------------------------------------------------------------------
# Vehicles run in blocks of LANES. A block keeps its vehicles' parameters, state, step outputs
# and totals in one flat workspace ``w``, a row of LANES doubles per quantity (struct of
# arrays) at offsets fixed at compile time, so the compiler sees that the lanes are
# independent and turns each loop over them into SIMD code (no calls, no exceptions, selects
# instead of branches). The fast step is :func:`_step` as asked (full regeneration, pack
# powered), line by line, so a lane it accepts gets the result the scalar step would give, to
# the last bit; any lane it does not accept (a limit reached: motors, pack power, charge-power
# limit, charge left; an empty pack; a zero denominator or a result that is not finite) is
# solved by the scalar :func:`_solve_step` instead.

#: Vehicles per block (a multiple of the 8 doubles of an AVX-512 register).
LANES: Final = 64

_vjit: Any = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")
# The physics again, without the division-by-zero checks that stop vectorisation. Not cached
# on their own: numba's cache does not tell them from the scalar ones above (same function,
# other error model); they are compiled into the cached fast-path functions that call them.
_vjit_helper: Any = numba.njit(cache=False, fastmath=False, nogil=True, error_model="numpy")
_v_coastdown_force: Any = _vjit_helper(_road.coastdown_force)
_v_grade_force: Any = _vjit_helper(_road.grade_force)
_v_motor_max_torque: Any = _vjit_helper(_motor.motor_max_torque)
_v_motor_loss_power: Any = _vjit_helper(_motor.motor_loss_power)
_v_battery_current: Any = _vjit_helper(_battery.battery_current)
_v_max_discharge_power: Any = _vjit_helper(_battery.max_discharge_power)

# Workspace rows: the parameters (rows P_*), then the lane state, the outputs of the step (as
# _step returns them) and the totals (rows ENERGY_FIELDS). Flags are 0.0 / 1.0.
W_SOC: Final = N_PARAMS  # state of charge [-]
W_V: Final = N_PARAMS + 1  # speed at the start of the step [m/s]
W_V1: Final = N_PARAMS + 2  # speed reached at the end of the step [m/s]
W_VOC: Final = N_PARAMS + 3  # open-circuit voltage at the start of the step [V]
W_EMPTY: Final = N_PARAMS + 4  # the pack has run empty
W_POWERED: Final = N_PARAMS + 5  # the pack delivered in this step
W_MISSED: Final = N_PARAMS + 6  # this step fell behind the trace
W_OK: Final = N_PARAMS + 7  # the fast step holds for this step
W_FAST: Final = N_PARAMS + 8  # the lane may take the fast step at all (_fast_ok)
W_PRIMARY: Final = N_PARAMS + 9  # primary axle (0, 1) or -1 (_primary_axle)
W_SEG: Final = N_PARAMS + 10  # OCV table segment of the state of charge (_ocv_segment) ...
W_X0: Final = N_PARAMS + 11  # ... its ends [-] ...
W_X1: Final = N_PARAMS + 12
W_Y0: Final = N_PARAMS + 13  # ... the voltages there [V] ...
W_Y1: Final = N_PARAMS + 14
W_SLOPE: Final = N_PARAMS + 15  # ... and the slope between them [V]
W_OUT: Final = N_PARAMS + 16  # 13 rows: the step's outputs (StepOut)
N_OUT: Final = 13
W_ACC: Final = W_OUT + N_OUT  # len(ENERGY_FIELDS) rows: the totals
N_W: Final = W_ACC + len(ENERGY_FIELDS)


@_vjit
def _ocv_segment(
    w: npt.NDArray[np.float64], xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], b: int
) -> None:
    """Find lane ``b``'s OCV table segment and keep it in the ``W_SEG`` .. ``W_SLOPE`` rows.

    The segment is ``j`` with ``xs[j] <= soc < xs[j + 1]``, the one :func:`numpy.interp`
    finds (0 below the table and for NaN, K - 2 at and above its end); the slope is the
    same expression as numpy's (not finite only for a segment of zero width, at an end of
    the table, where the value is clamped and the slope not used).
    """
    j = _segment_of(w[W_SOC * LANES + b], xs)
    w[W_SEG * LANES + b] = j
    w[W_X0 * LANES + b] = xs[j]
    w[W_X1 * LANES + b] = xs[j + 1]
    w[W_Y0 * LANES + b] = ys[j, b]
    w[W_Y1 * LANES + b] = ys[j + 1, b]
    w[W_SLOPE * LANES + b] = (ys[j + 1, b] - ys[j, b]) / (xs[j + 1] - xs[j])


@_vjit
def _segment_of(soc: float, xs: npt.NDArray[np.float64]) -> int:
    """The OCV table segment ``j`` with ``xs[j] <= soc < xs[j + 1]``, the one
    :func:`numpy.interp` finds (0 below the table and for NaN, K - 2 at and above its end)."""
    j = 0
    for m in range(1, xs.shape[0] - 1):
        if soc >= xs[m]:
            j = m
    return j


@_vjit
def _ocv_value(w: npt.NDArray[np.float64], b: int, x_first: float, x_last: float) -> float:
    """Lane ``b``'s ``np.interp(soc, xs, ys)`` from its segment (:func:`_ocv_segment`), by
    :func:`_segment_value`."""
    value: float = _segment_value(
        w[W_SOC * LANES + b],
        w[W_X0 * LANES + b],
        w[W_X1 * LANES + b],
        w[W_Y0 * LANES + b],
        w[W_Y1 * LANES + b],
        w[W_SLOPE * LANES + b],
        x_first,
        x_last,
    )
    return value


@_vjit
def _segment_value(
    s: float,
    x0: float,
    x1: float,
    y0: float,
    y1: float,
    slope: float,
    x_first: float,
    x_last: float,
) -> float:
    """``np.interp(s, xs, ys)`` from the segment ``x0 <= s < x1`` of the table (ends ``y0``,
    ``y1``, ``slope`` between them): the expression :func:`numpy.interp` evaluates (numba's
    copy of NumPy's C code), with its ends (``x_first``, ``x_last``: the table's), its
    clamping beyond them and its NaN handling, as selects, to the last bit."""
    value = slope * (s - x0) + y0
    # NaN one way: try the other (NumPy >= 1.17).
    other = slope * (s - x1) + y1
    other = y0 if other != other and y0 == y1 else other
    value = other if value != value else value
    value = y0 if x0 == s else value
    value = y0 if s < x_first else value  # segment 0: y0 = ys[0]
    value = y1 if s >= x_last else value  # segment K - 2: y1 = ys[K - 1]
    return s if s != s else value


@_vjit
def _ocv_moved(w: npt.NDArray[np.float64], b: int, last: float) -> bool:
    """Whether lane ``b``'s state of charge has left its OCV segment (``last``: the last
    segment's index, K - 2)."""
    s = w[W_SOC * LANES + b]
    seg = w[W_SEG * LANES + b]
    below: bool = s < w[W_X0 * LANES + b] and seg > 0.0
    above: bool = s >= w[W_X1 * LANES + b] and seg < last
    return below or above


@_vjit
def _ocv_refresh(
    w: npt.NDArray[np.float64],
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    nb: int,
) -> None:
    """Find the segment again for the lanes whose state of charge has left theirs."""
    for b in range(nb):
        if _ocv_moved(w, b, xs.shape[0] - 2):
            _ocv_segment(w, xs, ys, b)


@_vjit
def _fast_step(
    w: npt.NDArray[np.float64],
    x_first: float,
    x_last: float,
    target: float,
    dt: float,
    cos_g: float,
    sin_g: float,
    past_empty: bool,
    two: bool,
    nb: int,
) -> int:
    """:func:`_step` from row ``W_V`` to ``target`` for every lane of a block, as asked.

    First the open-circuit voltage (:func:`_ocv_value`; ``x_first``, ``x_last``: the ends
    of the OCV table), into row ``W_VOC``. Then fills the ``W_OUT`` rows, ``W_V1``,
    ``W_MISSED`` and ``W_POWERED`` as the scalar step would where it returns ``OK`` with the
    pack powered and not emptied by the step; the other lanes are flagged (``W_OK`` = 0) and
    counted, the count is returned. ``two``:
    some lane has a motor on the rear axle (else the rear-axle terms are skipped; they are
    zero). Where the scalar step divides in two branches, the division here takes the
    branch's operands, one division (the same operation, so the same result).
    """
    a0 = P_AXLE0 * LANES
    a1 = (P_AXLE0 + AXLE_STRIDE) * LANES
    o = W_OUT * LANES
    flagged = 0
    for b in range(nb):
        voc = _ocv_value(w, b, x_first, x_last)
        w[W_VOC * LANES + b] = voc
        v0 = w[W_V * LANES + b]
        v1 = target
        soc = w[W_SOC * LANES + b]
        primary = w[W_PRIMARY * LANES + b]
        charge_c = math.inf if past_empty else soc * w[P_CAPACITY * LANES + b]
        v = 0.5 * (v0 + v1)
        moving = v > 0.0
        f_inertia = w[P_INERTIAL_MASS * LANES + b] * (v1 - v0) / dt
        f_aero = w[P_AERO * LANES + b] * v * v if moving else 0.0
        f_roll = _v_coastdown_force(v, w[P_ROLL * LANES + b] * cos_g, w[P_LINEAR * LANES + b], 0.0)
        f_roll = f_roll if moving else 0.0
        f_grade = _v_grade_force(w[P_MASS * LANES + b], sin_g) if moving else 0.0
        f_wheel = f_inertia + f_aero + f_roll + f_grade
        gear = w[P_GEAR * LANES + b]
        eta = w[P_GEAR_EFF * LANES + b]
        traction = f_wheel > 0.0
        braking_step = f_wheel < 0.0

        # Axles (see _axle_envelope), powered: the largest wheel force, traction
        # (t·G·η/r) or regeneration (t·G/(η·r)) as the step asks.
        has0 = w[a0 + b] > 0.0
        r0 = w[a0 + 3 * LANES + b]
        omega0 = v * gear / r0 if has0 else 0.0
        t_max0 = _v_motor_max_torque(omega0, w[a0 + LANES + b], w[a0 + b], w[a0 + 2 * LANES + b])
        t_max0 = t_max0 if has0 else 0.0
        f_lim0 = (t_max0 * gear * eta if traction else t_max0 * gear) / (
            r0 if traction else eta * r0
        )
        f_lim0 = f_lim0 if has0 else 0.0
        has1 = False
        r1 = 0.0
        omega1 = 0.0
        f_lim1 = 0.0
        if two:
            has1 = w[a1 + b] > 0.0
            r1 = w[a1 + 3 * LANES + b]
            omega1 = v * gear / r1 if has1 else 0.0
            t_max1 = _v_motor_max_torque(
                omega1, w[a1 + LANES + b], w[a1 + b], w[a1 + 2 * LANES + b]
            )
            t_max1 = t_max1 if has1 else 0.0
            f_lim1 = (t_max1 * gear * eta if traction else t_max1 * gear) / (
                r1 if traction else eta * r1
            )
            f_lim1 = f_lim1 if has1 else 0.0
        f_max = 0.0
        f_max = f_max + f_lim0 if has0 else f_max
        f_max = f_max + f_lim1 if has1 else f_max

        over = traction and (f_wheel > f_max or soc <= 0.0)
        first0 = primary == 0.0
        by_primary = primary >= 0.0
        # Regeneration (see _step), before the split that needs it.
        braking = -f_wheel
        fade = (v - w[P_REGEN_ZERO * LANES + b]) / (
            w[P_REGEN_FULL * LANES + b] - w[P_REGEN_ZERO * LANES + b]
        )
        fade = min(max(fade, 0.0), 1.0)
        f_regen = min(braking, fade * f_max * 1.0)
        f_regen = f_regen if braking_step else 0.0
        regen = f_regen > 0.0
        f_friction = braking - f_regen
        f_friction = f_friction if braking_step else 0.0
        # The split between the axles: primary axle first, or in proportion to the limits
        # (traction: F·lim/Σlim; regeneration: -F_regen·(lim/Σlim)).
        f_ask = f_wheel if traction else f_regen
        f_first = min(f_ask, f_lim0 if first0 else f_lim1)
        share0 = (f_wheel * f_lim0 if traction else f_lim0) / f_max
        share0 = share0 if traction else -f_regen * share0
        if traction:
            wheel0 = f_first if first0 else f_wheel - f_first
        else:
            wheel0 = -f_first if first0 else f_first - f_regen
        wheel0 = wheel0 if by_primary else (share0 if has0 else 0.0)
        wheel0 = wheel0 if (traction and f_max > 0.0) or regen else 0.0
        wheel1 = 0.0
        if two:
            share1 = (f_wheel * f_lim1 if traction else f_lim1) / f_max
            share1 = share1 if traction else -f_regen * share1
            if traction:
                wheel1 = f_wheel - f_first if first0 else f_first
            else:
                wheel1 = f_first - f_regen if first0 else -f_first
            wheel1 = wheel1 if by_primary else (share1 if has1 else 0.0)
            wheel1 = wheel1 if (traction and f_max > 0.0) or regen else 0.0

        # Motor power per axle (see _axle_power); an idle secondary axle draws nothing.
        on0 = moving and has0 and not (primary == 1.0 and wheel0 == 0.0)
        forward0 = wheel0 >= 0.0
        torque0 = (wheel0 * r0 if forward0 else wheel0 * r0 * eta) / (
            gear * eta if forward0 else gear
        )
        mech0 = torque0 * omega0
        loss0 = _v_motor_loss_power(
            torque0,
            omega0,
            w[a0 + 4 * LANES + b],
            w[a0 + LANES + b],
            w[a0 + 2 * LANES + b],
            w[a0 + 5 * LANES + b],
            w[a0 + 6 * LANES + b],
            w[a0 + 7 * LANES + b],
            w[a0 + 8 * LANES + b],
        )
        p_gear = 0.0
        p_loss = 0.0
        p_elec = 0.0
        p_gear = p_gear + (mech0 - wheel0 * v) if on0 else p_gear
        p_loss = p_loss + loss0 if on0 else p_loss
        p_elec = p_elec + (mech0 + loss0) if on0 else p_elec
        if two:
            on1 = moving and has1 and not (primary == 0.0 and wheel1 == 0.0)
            forward1 = wheel1 >= 0.0
            torque1 = (wheel1 * r1 if forward1 else wheel1 * r1 * eta) / (
                gear * eta if forward1 else gear
            )
            mech1 = torque1 * omega1
            loss1 = _v_motor_loss_power(
                torque1,
                omega1,
                w[a1 + 4 * LANES + b],
                w[a1 + LANES + b],
                w[a1 + 2 * LANES + b],
                w[a1 + 5 * LANES + b],
                w[a1 + 6 * LANES + b],
                w[a1 + 7 * LANES + b],
                w[a1 + 8 * LANES + b],
            )
            p_gear = p_gear + (mech1 - wheel1 * v) if on1 else p_gear
            p_loss = p_loss + loss1 if on1 else p_loss
            p_elec = p_elec + (mech1 + loss1) if on1 else p_elec

        p_term = p_elec + w[P_AUX * LANES + b]
        resistance = w[P_RESISTANCE * LANES + b]
        p_max = _BATTERY_MARGIN * _v_max_discharge_power(voc, resistance)
        over = over or p_term > p_max
        over = over or (p_term < -w[P_MAX_CHARGE * LANES + b] and regen)
        current = _v_battery_current(p_term, voc, resistance)
        over = over or current * dt > charge_c  # the pack would empty within the step
        p_batt = resistance * current * current
        p_wheel = f_wheel * v
        total = (
            f_aero
            + f_roll
            + f_grade
            + f_inertia
            + p_wheel
            + f_regen
            + f_friction
            + p_gear
            + p_loss
            + p_elec
            + p_term
            + current
            + p_batt
        )
        over = over or total - total != 0.0  # not everything finite
        over = over or w[W_FAST * LANES + b] == 0.0
        over = over or (not past_empty and w[W_EMPTY * LANES + b] != 0.0)
        flagged += 1 if over else 0
        w[W_OK * LANES + b] = 0.0 if over else 1.0
        w[W_V1 * LANES + b] = target
        w[W_MISSED * LANES + b] = 0.0
        w[W_POWERED * LANES + b] = 1.0
        w[o + b] = f_aero
        w[o + LANES + b] = f_roll
        w[o + 2 * LANES + b] = f_grade
        w[o + 3 * LANES + b] = f_inertia
        w[o + 4 * LANES + b] = p_wheel
        w[o + 5 * LANES + b] = f_regen
        w[o + 6 * LANES + b] = f_friction
        w[o + 7 * LANES + b] = p_gear
        w[o + 8 * LANES + b] = p_loss
        w[o + 9 * LANES + b] = p_elec
        w[o + 10 * LANES + b] = p_term
        w[o + 11 * LANES + b] = current
        w[o + 12 * LANES + b] = p_batt
    return flagged


@_vjit
def _accumulate(w: npt.NDArray[np.float64], time: float, dt: float, last: float, nb: int) -> int:
    """Add one step's work (rows ``W_OUT``) to the totals (rows ``W_ACC``) of every lane
    and move the state on (charge, speed, empty); returns how many lanes' state of charge
    left its OCV segment (``last``: the index of the table's last segment)."""
    o = W_OUT * LANES
    a = W_ACC * LANES
    moved = 0
    for b in range(nb):
        v_prev = w[W_V * LANES + b]
        v1 = w[W_V1 * LANES + b]
        v_mean = 0.5 * (v_prev + v1)
        d = v_mean * dt
        w[a + E_AERO * LANES + b] += w[o + b] * d
        w[a + E_ROLL * LANES + b] += w[o + LANES + b] * d
        w[a + E_GRADE * LANES + b] += w[o + 2 * LANES + b] * d
        w[a + E_KINETIC * LANES + b] += w[o + 3 * LANES + b] * d
        w[a + E_TRACTION * LANES + b] += max(w[o + 4 * LANES + b], 0.0) * dt
        w[a + E_REGEN * LANES + b] += w[o + 5 * LANES + b] * d
        w[a + E_FRICTION * LANES + b] += w[o + 6 * LANES + b] * d
        w[a + E_GEAR * LANES + b] += w[o + 7 * LANES + b] * dt
        w[a + E_MOTOR * LANES + b] += w[o + 8 * LANES + b] * dt
        e_aux = w[a + E_AUX * LANES + b]
        e_aux_on = e_aux + w[P_AUX * LANES + b] * dt
        w[a + E_AUX * LANES + b] = e_aux_on if w[W_POWERED * LANES + b] != 0.0 else e_aux
        p_term = w[o + 10 * LANES + b]
        p_batt = w[o + 12 * LANES + b]
        w[a + E_BATT_LOSS * LANES + b] += p_batt * dt
        w[a + E_CHEM * LANES + b] += (p_term + p_batt) * dt
        w[a + E_TERM * LANES + b] += p_term * dt
        w[a + E_REGEN_BATT * LANES + b] += max(-w[o + 9 * LANES + b], 0.0) * dt
        distance = w[a + E_DIST * LANES + b] + d
        w[a + E_DIST * LANES + b] = distance
        e_miss = w[a + E_MISS * LANES + b]
        e_miss_on = e_miss + dt
        w[a + E_MISS * LANES + b] = e_miss_on if w[W_MISSED * LANES + b] != 0.0 else e_miss
        soc = w[W_SOC * LANES + b] - w[o + 11 * LANES + b] * dt / w[P_CAPACITY * LANES + b]
        w[W_SOC * LANES + b] = soc
        _mark_empty(w, b, soc, time, distance)
        w[W_V * LANES + b] = v1
        moved += 1 if _ocv_moved(w, b, last) else 0
    return moved


@_vjit
def _mark_empty(w: npt.NDArray[np.float64], b: int, soc: float, time: float, dist: float) -> None:
    """After lane ``b``'s step to state of charge ``soc``: the pack's empty flag, and the time
    and distance [s, m] where it first ran empty (as selects, so the lane loop vectorises)."""
    a = W_ACC * LANES
    empty = (w[W_EMPTY * LANES + b] != 0.0) | (soc <= EMPTY_SOC)
    w[W_EMPTY * LANES + b] = 1.0 if empty else 0.0
    first = empty & (w[a + E_EMPTY_TIME * LANES + b] < 0.0)
    e_time = w[a + E_EMPTY_TIME * LANES + b]
    e_dist = w[a + E_EMPTY_DIST * LANES + b]
    w[a + E_EMPTY_TIME * LANES + b] = time if first else e_time
    w[a + E_EMPTY_DIST * LANES + b] = dist if first else e_dist


@_jit
def _fast_ok(p: npt.NDArray[np.float64]) -> bool:
    """Whether a vehicle may take the fast step: every denominator of :func:`_step` that
    depends on the vehicle alone is nonzero (else the scalar step raises, as it always has)."""
    ok: bool = p[P_REGEN_FULL] != p[P_REGEN_ZERO] and p[P_RESISTANCE] != 0.0
    ok = ok and p[P_CAPACITY] != 0.0 and p[P_GEAR] != 0.0 and p[P_GEAR_EFF] != 0.0
    for k in range(2):
        base = P_AXLE0 + AXLE_STRIDE * k
        if p[base] > 0.0:
            ok = ok and p[base + 1] != 0.0 and p[base + 2] != 0.0 and p[base + 3] != 0.0
    return ok


@_jit
def _load_lanes(
    w: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    params: npt.NDArray[np.float64],
    start: int,
    nb: int,
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    v_start: float,
    fast: bool,
) -> bool:
    """Load vehicles ``start .. start + nb - 1`` into a block's workspace ``w`` (parameters,
    initial state, OCV segment) and their OCV tables into ``ys``; returns whether any has a
    motor on the rear axle (the fast step's ``two``)."""
    k = ocv_soc.shape[0]
    acc = W_ACC * LANES
    two = False
    for b in range(nb):
        p = params[start + b]
        two = two or p[P_AXLE0 + AXLE_STRIDE] > 0.0
        for c in range(N_PARAMS):
            w[c * LANES + b] = p[c]
        for m in range(k):
            ys[m, b] = ocv_v[start + b, m]
        soc = p[P_SOC0]
        w[W_SOC * LANES + b] = soc
        w[W_V * LANES + b] = v_start
        w[W_PRIMARY * LANES + b] = _primary_axle(p)
        # (a one-point OCV table, a constant voltage: by the scalar step)
        w[W_FAST * LANES + b] = 1.0 if fast and k > 1 and _fast_ok(p) else 0.0
        empty = soc <= EMPTY_SOC
        w[W_EMPTY * LANES + b] = 1.0 if empty else 0.0
        w[acc + E_EMPTY_TIME * LANES + b] = 0.0 if empty else NOT_EMPTY
        w[acc + E_EMPTY_DIST * LANES + b] = 0.0 if empty else NOT_EMPTY
        if k > 1:
            _ocv_segment(w, ocv_soc, ys, b)
    return two


@_jit
def _run_block(
    params: npt.NDArray[np.float64],
    start: int,
    nb: int,
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    cycle: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    trace: npt.NDArray[np.float64],
    record: bool,
    past_empty: bool,
    fast: bool,
) -> None:
    """Vehicles ``start .. start + nb - 1`` (``nb <= LANES``) over the cycle (:func:`run_batch`)."""
    k = ocv_soc.shape[0]
    steps = cycle.shape[0]
    w = np.zeros(N_W * LANES)
    ys = np.empty((k, LANES))
    out = W_OUT * LANES
    acc = W_ACC * LANES
    v_start = cycle[0, C_TARGET]
    x_first = ocv_soc[0]
    x_last = ocv_soc[k - 1]
    last = k - 2.0  # index of the OCV table's last segment
    two = _load_lanes(w, ys, params, start, nb, ocv_soc, ocv_v, v_start, fast)
    if record:
        for b in range(nb):
            row = trace[start + b, 0]
            row[:] = 0.0
            row[0] = v_start
            row[1] = v_start
            row[16] = _ocv_value(w, b, x_first, x_last) if k > 1 else ys[0, b]
            row[17] = w[W_SOC * LANES + b]
    for i in range(1, steps):
        dt = cycle[i, C_DT]
        target = cycle[i, C_TARGET]
        cos_g = cycle[i, C_COS]
        sin_g = cycle[i, C_SIN]
        flagged = _fast_step(w, x_first, x_last, target, dt, cos_g, sin_g, past_empty, two, nb)
        for b in range(nb if flagged else 0):
            if w[W_OK * LANES + b] != 0.0:
                continue
            # The scalar step: limits, bisection, an empty pack.
            p = params[start + b]
            primary = int(w[W_PRIMARY * LANES + b])
            v_prev = w[W_V * LANES + b]
            voc = w[W_VOC * LANES + b] if k > 1 else ys[0, b]
            w[W_VOC * LANES + b] = voc
            soc = w[W_SOC * LANES + b]
            empty = w[W_EMPTY * LANES + b] != 0.0
            powered = past_empty or not empty
            charge = math.inf if past_empty else soc * p[P_CAPACITY]
            v1, missed, res = _solve_step(
                p, primary, v_prev, target, dt, cos_g, sin_g, voc, soc, charge, powered
            )
            if powered and res[11] * dt > charge:
                # The pack empties within this step on a draw that is not traction (the
                # auxiliaries, or motor losses while coasting): it is empty from here on and
                # the step is driven unpowered; what was left (less than this step's draw)
                # stays in the pack.
                empty = True
                powered = False
                v1, missed, res = _solve_step(
                    p, primary, v_prev, target, dt, cos_g, sin_g, voc, soc, 0.0, False
                )
            for c in range(N_OUT):
                w[out + c * LANES + b] = res[c]
            w[W_V1 * LANES + b] = v1
            w[W_MISSED * LANES + b] = 1.0 if missed else 0.0
            w[W_POWERED * LANES + b] = 1.0 if powered else 0.0
            w[W_EMPTY * LANES + b] = 1.0 if empty else 0.0
        if record:
            for b in range(nb):
                v_prev = w[W_V * LANES + b]
                v1 = w[W_V1 * LANES + b]
                v_mean = 0.5 * (v_prev + v1)
                row = trace[start + b, i]
                row[0] = v1
                row[1] = target
                row[3] = (v1 - v_prev) / dt
                row[4] = w[out + 4 * LANES + b]
                row[5] = w[out + b] * v_mean
                row[6] = w[out + LANES + b] * v_mean
                row[7] = w[out + 2 * LANES + b] * v_mean
                row[8] = w[out + 5 * LANES + b] * v_mean
                row[9] = w[out + 6 * LANES + b] * v_mean
                row[10] = w[out + 7 * LANES + b]
                row[11] = w[out + 8 * LANES + b]
                row[12] = w[out + 9 * LANES + b]
                row[13] = w[out + 10 * LANES + b]
                row[14] = w[out + 12 * LANES + b]
                row[15] = w[out + 11 * LANES + b]
                row[16] = (
                    w[W_VOC * LANES + b] - w[out + 11 * LANES + b] * w[P_RESISTANCE * LANES + b]
                )
                row[18] = w[W_MISSED * LANES + b]
        if _accumulate(w, cycle[i, C_TIME], dt, last, nb):
            _ocv_refresh(w, ocv_soc, ys, nb)
        if record:
            for b in range(nb):
                row = trace[start + b, i]
                row[2] = w[acc + E_DIST * LANES + b]
                row[17] = w[W_SOC * LANES + b]
    for b in range(nb):
        for c in range(len(ENERGY_FIELDS)):
            totals[start + b, c] = w[acc + c * LANES + b]


def run_batch(
    params: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    cycle: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    trace: npt.NDArray[np.float64],
    record: bool,
    past_empty: bool,
    fast: bool = True,
) -> None:
    """Simulate every vehicle (row of ``params``) over the trace; write ``totals`` (and ``trace``).

    Blocks of ``LANES`` vehicles run in parallel, one block per thread at a time (one block
    runs on the calling thread alone); the memory used is a few tens of kB per block, whatever
    the number of vehicles.

    Parameters
    ----------
    params : (N, N_PARAMS) array
        Vehicle parameters, columns ``P_*``.
    ocv_soc : (K,) array
        State-of-charge grid of the OCV tables [-], non-decreasing.
    ocv_v : (N, K) array
        Pack open-circuit voltage per vehicle [V].
    cycle : (T, N_CYCLE) array
        The cycle, from :func:`cycle_table`.
    totals : (N, len(ENERGY_FIELDS)) array
        Output, every element written.
    trace : (N, T, N_TRACE) array
        Output if ``record``; otherwise may be any shape (not touched).
    record : bool
        Whether to write the per-step trace.
    past_empty : bool
        False: the pack never delivers more than it holds; once empty it delivers nothing
        (the car coasts, its auxiliaries off). True (the range procedures' break-off, see
        :func:`evforge.sim.simulate`): it delivers through the step in which it empties, and
        then all but traction, until the car first falls behind the trace.
    fast : bool
        Take the vector fast step where it holds (default). False: every step by the scalar
        :func:`_solve_step` (the reference the fast step is checked against; same results).
    """
    run = _run_serial if params.shape[0] <= LANES else _run_parallel
    run(params, ocv_soc, ocv_v, cycle, totals, trace, record, past_empty, fast)


# Two functions, not one compiled twice: numba's cache does not tell compilations of one
# function with other options apart.
@numba.njit(cache=True, parallel=True, nogil=True)
def _run_parallel(
    params: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    cycle: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    trace: npt.NDArray[np.float64],
    record: bool,
    past_empty: bool,
    fast: bool,
) -> None:
    """:func:`run_batch`: the blocks in parallel."""
    n = params.shape[0]
    blocks = (n + LANES - 1) // LANES
    for blk in numba.prange(blocks):
        start = blk * LANES
        nb = min(LANES, n - start)
        _run_block(
            params, start, nb, ocv_soc, ocv_v, cycle, totals, trace, record, past_empty, fast
        )


@_jit
def _run_serial(
    params: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    cycle: npt.NDArray[np.float64],
    totals: npt.NDArray[np.float64],
    trace: npt.NDArray[np.float64],
    record: bool,
    past_empty: bool,
    fast: bool,
) -> None:
    """:func:`run_batch`: the blocks one after another, on the calling thread."""
    n = params.shape[0]
    for start in range(0, n, LANES):
        nb = min(LANES, n - start)
        _run_block(
            params, start, nb, ocv_soc, ocv_v, cycle, totals, trace, record, past_empty, fast
        )
