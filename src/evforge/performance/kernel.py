"""The force model and the full-demand runs as compiled kernels over a batch of cars.

:class:`~evforge.performance.forces.ForceModel` in array form: each car is one row of a
parameter table (:data:`N_PARAMS` columns, the ``P_*`` and ``A_*`` indices below), and
:func:`perf_kernel` rates every row in one numba call (``prange`` over the cars). Per car it
does what :mod:`evforge.performance.solve` describes, step for step and in the same floating
point order (up to a division by a constant taken as a product with its reciprocal), so
its figures agree with the per-car functions of that module to rounding (1e-14 relative on
the bundled examples and the benchmark designs; ``tests/test_performance_batch.py``):

* the net force F(v, θ) of :meth:`~evforge.performance.forces.ForceModel.net_force`: motor
  envelopes (:func:`~evforge.physics.motor.motor_max_torque`), the tyre limit under load
  transfer (:func:`~evforge.physics.traction.traction_limited_force`; its fixed point is
  solved here in closed form on the piecewise-linear map, :func:`_traction`, with the plain
  iteration as the fallback), the pack and system-power scale factor; the divisions by a
  car's constants are done once per car (:func:`_derive`), and two shortcuts that give the
  same numbers skip work that cannot matter (:func:`_derive_shortcuts`);
* the top speed of :func:`~evforge.performance.solve.top_speed`: the first speed of the
  0.05 m/s grid where F ≤ 0 (the grid is scanned 1 m/s at a time, then point by point in
  the interval found: the net force of a car falls with speed near its top speed), refined
  with Brent's method (:func:`_brentq`, the algorithm of ``scipy.optimize.brentq`` [1]);
* the launch ramp of :func:`~evforge.performance.solve.launch_phase` (RK4 in time on F and
  R tabulated every 0.01 m/s, the table filled only where the ramp reaches) and the
  midpoint quadrature in speed of :func:`~evforge.performance.solve.integrate_run`, with the
  times and distances of interest interpolated (as :func:`numpy.interp`) while it runs;
* gradeability (:func:`~evforge.performance.solve.gradeability`), the tyre-limited speed
  range and the motors' peak electrical demand
  (:func:`~evforge.performance.forces.peak_electrical_demand_w`, for the pack warning).

References
----------
.. [1] R. P. Brent, *Algorithms for Minimization without Derivatives*, Prentice-Hall, 1973,
   ch. 4; the variant with inverse quadratic extrapolation of SciPy's ``brentq``
   (``scipy/optimize/Zeros/brentq.c``, C. Harris), whose steps :func:`_brentq` follows.
"""

from __future__ import annotations

import math
from typing import Final

import numba
import numpy as np
import numpy.typing as npt

from evforge.units import G_STANDARD_MPS2, KMH_PER_MPS, M_PER_MI

__all__ = [
    "LIMIT_ELECTRONIC",
    "LIMIT_MOTOR_SPEED",
    "LIMIT_POWER",
    "N_OUT",
    "N_PARAMS",
    "STATUS_CANNOT_MOVE",
    "STATUS_OK",
    "STATUS_RAMP_SLOWS",
    "STATUS_SOLVER",
    "perf_kernel",
    "top_speed_kernel",
]

FloatArray = npt.NDArray[np.float64]

# --- the parameter table: one row per car --------------------------------------------------
P_M_EFF: Final = 0  # inertial mass at the test mass [kg]
P_MASS: Final = 1  # test mass [kg]
P_F0: Final = 2  # road load f0 at the test mass [N]
P_F1: Final = 3  # f1 [N/(m/s)]
P_F2: Final = 4  # f2 [N/(m/s)²]
P_GEAR: Final = 5  # reduction ratio [-]
P_ETA: Final = 6  # gear efficiency [-]
P_AUX: Final = 7  # always-on electrical load [W]
P_BATTERY: Final = 8  # pack discharge power at the test SOC [W]
P_SYSTEM: Final = 9  # system power rating [W]; inf when none
P_PSI: Final = 10  # static front-axle load share [-]
P_COG: Final = 11  # CoG height [m]
P_WHEELBASE: Final = 12  # wheelbase [m]
P_MU: Final = 13  # tyre friction [-]
P_LIMIT: Final = 14  # electronic speed limit [m/s]; inf when none
P_RAMP: Final = 15  # launch ramp time [s]
P_AXLE: Final = 16  # first column of the front axle; the rear's is P_AXLE + A_STRIDE
# Per axle, from its first column:
A_POWER: Final = 0  # peak power [W]; 0: not driven
A_TORQUE: Final = 1  # peak torque [N·m]
A_MAX_SPEED: Final = 2  # maximum motor speed [rad/s]
A_RADIUS: Final = 3  # wheel radius [m]
A_LOSS_SCALE: Final = 4  # loss scale S [W]
A_C0: Final = 5  # loss coefficients: constant, iron, windage, copper [-]
A_CI: Final = 6
A_CW: Final = 7
A_CCU: Final = 8
A_STRIDE: Final = 9
#: Columns of the parameter table.
N_PARAMS: Final = P_AXLE + 2 * A_STRIDE

# --- the result table: one row per car ------------------------------------------------------
O_STATUS: Final = 0  # STATUS_*
O_T100: Final = 1  # 0-100 km/h [s]; NaN: not reached
O_T60: Final = 2  # 0-60 mph [s]
O_T_ROLLOUT: Final = 3  # time to cover the 1-ft rollout [s]
O_T80: Final = 4  # time to 80 km/h [s]
O_T120: Final = 5  # time to 120 km/h [s]
O_T_QM: Final = 6  # quarter-mile time [s]
O_V_QM: Final = 7  # trap speed [m/s]
O_V_TOP: Final = 8  # top speed [m/s]
O_LIMIT: Final = 9  # LIMIT_*
O_V_UNLIMITED: Final = 10  # top speed without the electronic limit [m/s]
O_GRADE_START: Final = 11  # gradeability from standstill [%]; NaN: none
O_GRADE_100: Final = 12  # gradeability at 100 km/h [%]
O_TRACTION_BELOW: Final = 13  # tyre-limited below this speed [m/s]
O_DEMAND: Final = 14  # peak electrical demand of the motors [W]
#: Columns of the result table.
N_OUT: Final = 15

STATUS_OK: Final = 0
STATUS_CANNOT_MOVE: Final = 1  # no net force at standstill
STATUS_RAMP_SLOWS: Final = 2  # the car slows down during the launch ramp
STATUS_SOLVER: Final = 3  # a root bracket failed (non-finite forces)
LIMIT_POWER: Final = 0
LIMIT_MOTOR_SPEED: Final = 1
LIMIT_ELECTRONIC: Final = 2

# --- constants of evforge.performance.solve (the same values; solve.py is the reference) ----
_G: Final = G_STANDARD_MPS2
_MPH: Final = M_PER_MI / 3600.0
_V60MPH: Final = 60.0 * _MPH
_V80: Final = 80.0 / KMH_PER_MPS
_V100: Final = 100.0 / KMH_PER_MPS
_V120: Final = 120.0 / KMH_PER_MPS
_QUARTER_MILE_M: Final = 402.336
#: The target speeds a launch to 100 km/h passes (80 km/h, 60 mph, 100 km/h: the first three).
_LAUNCH_SPEEDS: Final = 3
_ROLLOUT_M: Final = 0.3048
_SEARCH_STEP_MPS: Final = 0.05
_SEARCH_POINTS: Final = 4001  # np.arange(0, 200 + 0.05, 0.05): 0, 0.05, ..., 200 m/s
_MAX_SEARCH_MPS: Final = 200.0
_COARSE: Final = 20  # grid points per coarse step of the top-speed scan (1 m/s)
_RAMP_STEPS: Final = 200
_RAMP_GRID_MPS: Final = 0.01
_TOP_XTOL: Final = 1e-9
_GRADE_XTOL: Final = 1e-10
_BRENT_RTOL: Final = 4.0 * 2.220446049250313e-16  # scipy.optimize.brentq's default
_BRENT_MAXITER: Final = 100
_MAX_GRADE_RAD: Final = math.radians(80.0)
_DEMAND_POINTS: Final = 401  # np.linspace(0, 100, 401) of peak_electrical_demand_w
_DEMAND_TOP_MPS: Final = 100.0
_TRACTION_ITERATIONS: Final = 60  # evforge.physics.traction._FIXED_POINT_ITERATIONS
_BLOCK: Final = 256  # quadrature steps per block (_quadrature)


# --- the derived table of one car (kernel-internal): what the force model needs per speed,
# with the divisions by constants done once ----------------------------------------------
Q_M_EFF: Final = 0
Q_MASS: Final = 1
Q_F0: Final = 2
Q_F1: Final = 3
Q_F2: Final = 4
Q_AUX: Final = 5
Q_BATTERY: Final = 6
Q_SYSTEM: Final = 7
Q_PSI: Final = 8
Q_K: Final = 9  # h / L
Q_MU: Final = 10
Q_WEIGHT: Final = 11  # m g
Q_LIMIT: Final = 12
Q_RAMP: Final = 13
Q_INV_RAMP: Final = 14  # 1 / t_r [1/s]; inf without a ramp
Q_INV_M_EFF: Final = 15
Q_LEVEL_MODE: Final = 16  # LEVEL_*: how the level-road tyre limit is solved
Q_LEVEL_GRIP: Final = 17  # level road, one driven axle: its force at the grip limit [N]
Q_PACK_FREE: Final = 18  # 1: neither the pack nor the system rating ever binds
Q_AXLE: Final = 19
QA_POWER: Final = 0  # 0 on an axle without a motor (and every term below zero)
QA_TORQUE: Final = 1
QA_INV_TORQUE: Final = 2
QA_MAX_SPEED: Final = 3  # inf on an axle without a motor
QA_INV_MAX_SPEED: Final = 4
QA_GR: Final = 5  # G / r: motor speed per road speed
QA_GE: Final = 6  # G η / r: ground force per motor torque
QA_INV_GE: Final = 7
QA_LOSS_SCALE: Final = 8
QA_C0: Final = 9
QA_CI: Final = 10
QA_CW: Final = 11
QA_SCALE_CCU: Final = 12  # S c_cu
QA_CORNER: Final = 13  # road speed at the maximum motor speed [m/s]; NaN: no motor
QA_STRIDE: Final = 14
N_DERIVED: Final = Q_AXLE + 2 * QA_STRIDE
LEVEL_GENERAL: Final = 0  # the closed form of _traction (two driven axles, or a lifting one)
LEVEL_FRONT: Final = 1  # front-wheel drive: F_f = min(F_f,mot, Q_LEVEL_GRIP)
LEVEL_REAR: Final = 2  # rear-wheel drive: F_r = min(F_r,mot, Q_LEVEL_GRIP)


@numba.njit(cache=True, nogil=True)
def _derive(p: FloatArray) -> FloatArray:
    """One car's derived table (the Q_* and QA_* columns) from its parameter row."""
    q = np.zeros(N_DERIVED)
    q[Q_M_EFF] = p[P_M_EFF]
    q[Q_MASS] = p[P_MASS]
    q[Q_F0] = p[P_F0]
    q[Q_F1] = p[P_F1]
    q[Q_F2] = p[P_F2]
    q[Q_AUX] = p[P_AUX]
    q[Q_BATTERY] = p[P_BATTERY]
    q[Q_SYSTEM] = p[P_SYSTEM]
    q[Q_PSI] = p[P_PSI]
    q[Q_K] = p[P_COG] / p[P_WHEELBASE]
    q[Q_MU] = p[P_MU]
    q[Q_WEIGHT] = p[P_MASS] * _G
    q[Q_LIMIT] = p[P_LIMIT]
    q[Q_RAMP] = p[P_RAMP]
    q[Q_INV_RAMP] = 1.0 / p[P_RAMP] if p[P_RAMP] > 0.0 else math.inf
    q[Q_INV_M_EFF] = 1.0 / p[P_M_EFF]
    g = p[P_GEAR]
    for i in range(2):
        a = P_AXLE + i * A_STRIDE
        b = Q_AXLE + i * QA_STRIDE
        r = p[a + A_RADIUS]
        q[b + QA_GR] = g / r
        q[b + QA_GE] = g * p[P_ETA] / r
        q[b + QA_INV_GE] = r / (g * p[P_ETA])
        if not p[a + A_POWER] > 0.0:
            q[b + QA_MAX_SPEED] = math.inf
            q[b + QA_CORNER] = math.nan
            continue
        q[b + QA_POWER] = p[a + A_POWER]
        q[b + QA_TORQUE] = p[a + A_TORQUE]
        q[b + QA_INV_TORQUE] = 1.0 / p[a + A_TORQUE]
        q[b + QA_MAX_SPEED] = p[a + A_MAX_SPEED]
        q[b + QA_INV_MAX_SPEED] = 1.0 / p[a + A_MAX_SPEED]
        q[b + QA_LOSS_SCALE] = p[a + A_LOSS_SCALE]
        q[b + QA_C0] = p[a + A_C0]
        q[b + QA_CI] = p[a + A_CI]
        q[b + QA_CW] = p[a + A_CW]
        q[b + QA_SCALE_CCU] = p[a + A_LOSS_SCALE] * p[a + A_CCU]
        q[b + QA_CORNER] = p[a + A_MAX_SPEED] * r / g
    _derive_shortcuts(q)
    return q


@numba.njit(cache=True, nogil=True)
def _derive_shortcuts(q: FloatArray) -> None:
    """The derived table's shortcuts: they give what the general path gives, with less work.

    * One driven axle on level road: the fixed point of the tyre limit is F_mot where the
      motor is below the grip-limited force G / (1 ± μ k) and that force above it (the map
      is monotone with slope ±μ k, |μ k| < 1), so F = min(F_mot, F_grip) with F_grip solved
      once (:func:`_traction` with an unbounded motor) while both axles stay loaded.
    * The pack: the mechanical power T ω ≤ P of each axle (the envelope; less at the tyre
      limit), the copper term ≤ S c_cu (T ≤ T_pk) and the no-load term ≤ S (c_0 + c_i + c_w)
      (w ≤ 1), so when their sums with the always-on load stay below the pack's and the
      system's power (with a margin above rounding) the scale factor is 1 at every speed.
    """
    f = Q_AXLE
    r = Q_AXLE + QA_STRIDE
    front = q[f + QA_POWER] > 0.0
    rear = q[r + QA_POWER] > 0.0
    q[Q_LEVEL_MODE] = LEVEL_GENERAL
    if front != rear:
        big = 1e300
        mf, mr = (big, 0.0) if front else (0.0, big)
        ff, fr = _traction(q, mf, mr, 1.0, q[Q_F0])
        _, _, loaded = _axle_limits(q, mf, mr, ff + fr, q[Q_WEIGHT], q[Q_F0])
        if loaded and ff + fr < big:
            q[Q_LEVEL_MODE] = LEVEL_FRONT if front else LEVEL_REAR
            q[Q_LEVEL_GRIP] = ff if front else fr
    mech = q[f + QA_POWER] + q[r + QA_POWER]
    demand = mech + q[Q_AUX]
    nonnegative = True
    for b in (f, r):
        demand += q[b + QA_LOSS_SCALE] * (q[b + QA_C0] + q[b + QA_CI] + q[b + QA_CW])
        demand += q[b + QA_SCALE_CCU]
        for c in (QA_LOSS_SCALE, QA_C0, QA_CI, QA_CW, QA_SCALE_CCU):
            nonnegative = nonnegative and q[b + c] >= 0.0
    margin = 1.0 - 1e-12
    free = nonnegative and demand <= q[Q_BATTERY] * margin and mech <= q[Q_SYSTEM] * margin
    q[Q_PACK_FREE] = 1.0 if free else 0.0


@numba.njit(cache=True, nogil=True)
def _motor(q: FloatArray, b: int, v: float) -> tuple[float, float]:
    """(motor torque [N·m], motor speed [rad/s]) of one axle at full demand: the envelope of
    :func:`~evforge.physics.motor.motor_max_torque` (zero past the maximum speed)."""
    omega = v * q[b + QA_GR]
    if omega > q[b + QA_MAX_SPEED]:
        return 0.0, omega
    torque = q[b + QA_TORQUE]
    power = q[b + QA_POWER]
    if omega * torque <= power:  # below base speed (and no motor: 0 <= 0)
        return torque, omega
    return min(torque, power / omega), omega


@numba.njit(cache=True, nogil=True)
def _axle_limits(
    q: FloatArray, mf: float, mr: float, total: float, weight: float, rolling: float
) -> tuple[float, float, bool]:
    """Each axle's force min(F_mot, μ max(W(F), 0)) at the total force F = ``total``, and
    whether F is the fixed point's piece: each axle in the state (motor-, grip- or
    lift-limited) that gave F."""
    mu = q[Q_MU]
    transfer = (total - rolling) * q[Q_K]
    wf = q[Q_PSI] * weight - transfer
    wr = (1.0 - q[Q_PSI]) * weight + transfer
    return min(mf, mu * max(wf, 0.0)), min(mr, mu * max(wr, 0.0)), wf > 0.0 and wr > 0.0


@numba.njit(cache=True, nogil=True)
def _traction(
    q: FloatArray, mf: float, mr: float, cos_grade: float, rolling: float
) -> tuple[float, float]:
    """Tractive force of each axle under the tyre limit [N] (traction_limited_force).

    The fixed point F = Σ min(F_mot, μ W(F)) of the module notes of
    :mod:`evforge.physics.traction`, solved in closed form: with G_f = μ (ψ W + R k) and
    G_r = μ ((1 - ψ) W - R k) (k = h / L) an axle at its grip gives G_f - μ k F or
    G_r + μ k F, so F is F_f,mot + F_r,mot (neither axle at its grip), (G_f + F_r,mot) /
    (1 + μ k), (F_f,mot + G_r) / (1 - μ k) or G_f + G_r = μ W (both), whichever is
    consistent (each axle's motor force above its grip exactly where the grip is taken);
    the plain fixed-point iteration where none is (a lifting axle).
    """
    weight = q[Q_WEIGHT] * cos_grade
    mu = q[Q_MU]
    ff, fr, loaded = _axle_limits(q, mf, mr, mf + mr, weight, rolling)
    if ff == mf and fr == mr:
        return mf, mr
    if loaded:
        mk = mu * q[Q_K]
        grip_f = mu * (q[Q_PSI] * weight + rolling * q[Q_K])
        grip_r = mu * ((1.0 - q[Q_PSI]) * weight - rolling * q[Q_K])
        for case in range(3):
            if case == 0:  # front at its grip
                f = (grip_f + mr) / (1.0 + mk)
            elif case == 1:  # rear at its grip
                f = (mf + grip_r) / (1.0 - mk)
            else:  # both
                f = grip_f + grip_r
            ff, fr, loaded = _axle_limits(q, mf, mr, f, weight, rolling)
            front_grip = ff < mf
            rear_grip = fr < mr
            if loaded and front_grip == (case != 1) and rear_grip == (case != 0):
                return ff, fr
    f = mf + mr
    for _ in range(_TRACTION_ITERATIONS):
        ff, fr, loaded = _axle_limits(q, mf, mr, f, weight, rolling)
        f = ff + fr
    return ff, fr


@numba.njit(cache=True, nogil=True)
def _scale(q: FloatArray, tf: float, of: float, tr: float, o_r: float) -> float:
    """Factor s ≤ 1 on the axle torques (ForceModel._battery_scale) from each axle's torque
    [N·m] and speed [rad/s]: pack power (P(s) = s A + B + s² C) and system rating."""
    f = Q_AXLE
    r = Q_AXLE + QA_STRIDE
    lin = tf * of + tr * o_r  # A
    # Past ω_max the motor gives no torque; its no-load loss is taken at ω_max.
    wf = min(of * q[f + QA_INV_MAX_SPEED], 1.0)
    wr = min(o_r * q[r + QA_INV_MAX_SPEED], 1.0)
    const = (  # B
        q[Q_AUX]
        + q[f + QA_LOSS_SCALE] * (q[f + QA_C0] + q[f + QA_CI] * wf + q[f + QA_CW] * wf * wf * wf)
        + q[r + QA_LOSS_SCALE] * (q[r + QA_C0] + q[r + QA_CI] * wr + q[r + QA_CW] * wr * wr * wr)
    )
    xf = tf * q[f + QA_INV_TORQUE]
    xr = tr * q[r + QA_INV_TORQUE]
    quad = q[f + QA_SCALE_CCU] * (xf * xf) + q[r + QA_SCALE_CCU] * (xr * xr)  # C
    budget = max(q[Q_BATTERY] - const, 0.0)
    system = q[Q_SYSTEM]
    # Where neither limit binds (A + C < budget, A < P_sys, with a margin far above the
    # rounding of the root below) the root is ≥ 1 and s = 1.
    if lin + quad <= budget * (1.0 - 1e-12) and lin <= system * (1.0 - 1e-12):
        return 1.0
    disc = lin * lin + 4.0 * quad * budget
    # Largest s in [0, 1] with C s² + A s ≤ budget: (-A + sqrt(A² + 4 C budget)) / (2C),
    # written to stay finite as C -> 0.
    root = 2.0 * budget / max(lin + math.sqrt(disc), 1e-300)
    root = min(root, system / max(lin, 1e-300))
    return float(min(max(root, 0.0), 1.0))


@numba.njit(cache=True, nogil=True, inline="always")
def _tractive(q: FloatArray, v: float, cos_grade: float) -> float:
    """Total force at the ground the car can deliver [N] (ForceModel.tractive_force):
    motors, tyres, pack (with the shortcuts of :func:`_derive_shortcuts` on level road)."""
    tf, of = _motor(q, Q_AXLE, v)
    tr, o_r = _motor(q, Q_AXLE + QA_STRIDE, v)
    mf = tf * q[Q_AXLE + QA_GE]
    mr = tr * q[Q_AXLE + QA_STRIDE + QA_GE]
    mode = q[Q_LEVEL_MODE] if cos_grade == 1.0 else LEVEL_GENERAL
    if mode == LEVEL_FRONT:
        ff, fr = min(mf, q[Q_LEVEL_GRIP]), mr
    elif mode == LEVEL_REAR:
        ff, fr = mf, min(mr, q[Q_LEVEL_GRIP])
    else:
        ff, fr = _traction(q, mf, mr, cos_grade, q[Q_F0] * cos_grade)
    if q[Q_PACK_FREE] == 1.0:
        return float(ff + fr)  # s = 1
    if ff != mf:
        tf = ff * q[Q_AXLE + QA_INV_GE]
    if fr != mr:
        tr = fr * q[Q_AXLE + QA_STRIDE + QA_INV_GE]
    s = _scale(q, tf, of, tr, o_r)
    return float(ff * s + fr * s)


@numba.njit(cache=True, nogil=True)
def _road_load(q: FloatArray, v: float, cos_grade: float, sin_grade: float) -> float:
    """Resistance [N]: f0 cos θ + f1 v + f2 v² + m g sin θ (ForceModel.road_load)."""
    return float(q[Q_F0] * cos_grade + q[Q_F1] * v + q[Q_F2] * v * v + q[Q_WEIGHT] * sin_grade)


@numba.njit(cache=True, nogil=True)
def _net(q: FloatArray, v: float, cos_grade: float, sin_grade: float) -> float:
    """Net force at full demand [N] (ForceModel.net_force)."""
    return _tractive(q, v, cos_grade) - _road_load(q, v, cos_grade, sin_grade)


@numba.njit(cache=True, nogil=True)
def _f(q: FloatArray, mode: int, x: float, speed: float) -> float:
    """The function a root is sought of: mode 0 net force at speed x on level road; mode 1
    net force at ``speed`` on grade angle x."""
    if mode == 0:
        return _net(q, x, 1.0, 0.0)
    return _net(q, speed, math.cos(x), math.sin(x))


@numba.njit(cache=True, nogil=True)
def _brentq(
    q: FloatArray, mode: int, speed: float, xa: float, xb: float, xtol: float
) -> tuple[float, bool]:
    """Root of :func:`_f` in [xa, xb] by Brent's method [1] (module notes); (x, converged).

    The steps, tolerances (``xtol`` + 4 ε |x|) and iteration cap (100) of
    ``scipy.optimize.brentq``; not converged when the signs at the ends agree.
    """
    xpre = xa
    xcur = xb
    xblk = 0.0
    fblk = 0.0
    spre = 0.0
    scur = 0.0
    fpre = _f(q, mode, xpre, speed)
    fcur = _f(q, mode, xcur, speed)
    if fpre * fcur > 0.0 or math.isnan(fpre * fcur):
        return 0.0, False
    if fpre == 0.0:
        return xpre, True
    if fcur == 0.0:
        return xcur, True
    for _ in range(_BRENT_MAXITER):
        if fpre * fcur < 0.0:
            xblk = xpre
            fblk = fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre = xcur
            xcur = xblk
            xblk = xpre
            fpre = fcur
            fcur = fblk
            fblk = fpre
        delta = (xtol + _BRENT_RTOL * abs(xcur)) / 2.0
        sbis = (xblk - xcur) / 2.0
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur, True
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:
                stry = -fcur * (xcur - xpre) / (fcur - fpre)  # secant
            else:
                dpre = (fpre - fcur) / (xpre - xcur)  # inverse quadratic
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):
                spre = scur
                scur = stry
            else:
                spre = sbis
                scur = sbis
        else:
            spre = sbis
            scur = sbis
        xpre = xcur
        fpre = fcur
        if abs(scur) > delta:
            xcur += scur
        else:
            xcur += delta if sbis > 0.0 else -delta
        fcur = _f(q, mode, xcur, speed)
    return xcur, False


@numba.njit(cache=True, nogil=True)
def _top_speed(q: FloatArray) -> tuple[float, float, int, bool]:
    """(top speed, top speed without the electronic limit [m/s], LIMIT_*, solved): solve.top_speed.

    0 when the car cannot move (net force ≤ 0 at standstill).
    """
    if not _net(q, 0.0, 1.0, 0.0) > 0.0:
        return 0.0, 0.0, LIMIT_POWER, True
    last = _SEARCH_POINTS - 1
    k = -1
    lo = 0  # net > 0 at grid point lo
    while lo < last:  # 1 m/s at a time, then point by point in the interval found
        hi = min(lo + _COARSE, last)
        if _net(q, hi * _SEARCH_STEP_MPS, 1.0, 0.0) <= 0.0:
            for i in range(lo + 1, hi + 1):
                if _net(q, i * _SEARCH_STEP_MPS, 1.0, 0.0) <= 0.0:
                    k = i
                    break
            break
        lo = hi
    solved = True
    if k < 0:
        v_phys = _MAX_SEARCH_MPS
    else:
        v_phys, solved = _brentq(
            q, 0, 0.0, (k - 1) * _SEARCH_STEP_MPS, k * _SEARCH_STEP_MPS, _TOP_XTOL
        )
    unlimited = v_phys
    limit = LIMIT_POWER
    for i in range(2):  # motor-speed limited: the force steps down at a motor's max speed
        corner = q[Q_AXLE + i * QA_STRIDE + QA_CORNER]
        if abs(corner - v_phys) <= 1e-6 * corner:
            unlimited = corner
            limit = LIMIT_MOTOR_SPEED
            break
    if q[Q_LIMIT] <= v_phys:
        return q[Q_LIMIT], unlimited, LIMIT_ELECTRONIC, solved
    return unlimited, unlimited, limit, solved


@numba.njit(cache=True, nogil=True)
def _gradeability(q: FloatArray, speed: float) -> tuple[float, bool]:
    """Steepest grade [%] with a surplus at ``speed`` (solve.gradeability); NaN: none."""
    if not _net(q, speed, 1.0, 0.0) > 0.0:
        return math.nan, True
    if _net(q, speed, math.cos(_MAX_GRADE_RAD), math.sin(_MAX_GRADE_RAD)) > 0.0:
        return 100.0 * math.tan(_MAX_GRADE_RAD), True
    theta, ok = _brentq(q, 1, speed, 0.0, _MAX_GRADE_RAD, _GRADE_XTOL)
    return 100.0 * math.tan(theta), ok


@numba.njit(cache=True, nogil=True)
def _traction_limited_below(q: FloatArray, v_top: float) -> float:
    """Highest speed of the 0.05 m/s grid below v_top at which the tyres limit the force [m/s]
    (solve._traction_limited_below); scanned down from the top."""
    n = math.ceil(v_top / _SEARCH_STEP_MPS)  # len(np.arange(0, v_top, 0.05))
    if q[Q_LEVEL_MODE] != LEVEL_GENERAL:
        # One driven axle: limited iff F_grip < F_mot (1 - 1e-9), and F_mot falls with
        # speed, so the limited grid points are the first ones: bisect for the last.
        if not _tyre_limited(q, 0.0):
            return 0.0
        lo, hi = 0, n  # limited at lo; not limited at hi (or hi = n)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _tyre_limited(q, mid * _SEARCH_STEP_MPS):
                lo = mid
            else:
                hi = mid
        return float(lo * _SEARCH_STEP_MPS)
    for i in range(n - 1, -1, -1):
        v = i * _SEARCH_STEP_MPS
        if _tyre_limited(q, v):
            return float(v)
    return 0.0


@numba.njit(cache=True, nogil=True)
def _tyre_limited(q: FloatArray, v: float) -> bool:
    """Whether the tyres, not the motors, limit the force at speed v on level road."""
    mf = _motor(q, Q_AXLE, v)[0] * q[Q_AXLE + QA_GE]
    mr = _motor(q, Q_AXLE + QA_STRIDE, v)[0] * q[Q_AXLE + QA_STRIDE + QA_GE]
    mode = q[Q_LEVEL_MODE]
    if mode == LEVEL_FRONT:
        ff, fr = min(mf, q[Q_LEVEL_GRIP]), mr
    elif mode == LEVEL_REAR:
        ff, fr = mf, min(mr, q[Q_LEVEL_GRIP])
    else:
        ff, fr = _traction(q, mf, mr, 1.0, q[Q_F0])
    return bool(ff + fr < (mf + mr) * (1.0 - 1e-9))


@numba.njit(cache=True, nogil=True)
def _peak_demand(q: FloatArray) -> float:
    """Largest electrical power the motors can ask for [W] (peak_electrical_demand_w)."""
    step = _DEMAND_TOP_MPS / (_DEMAND_POINTS - 1)
    best = -math.inf
    for k in range(_DEMAND_POINTS):
        v = k * step if k < _DEMAND_POINTS - 1 else _DEMAND_TOP_MPS
        mech = 0.0
        loss = 0.0
        for i in range(2):
            b = Q_AXLE + i * QA_STRIDE
            if not q[b + QA_POWER] > 0.0:
                continue
            torque, omega = _motor(q, b, v)
            mech += torque * omega
            w = omega * q[b + QA_INV_MAX_SPEED]
            x = torque * q[b + QA_INV_TORQUE]
            loss += (
                q[b + QA_LOSS_SCALE] * (q[b + QA_C0] + q[b + QA_CI] * w + q[b + QA_CW] * w * w * w)
                + q[b + QA_SCALE_CCU] * x * x
            )
        mech = min(mech, q[Q_SYSTEM])
        best = max(best, mech + loss)
    return float(best + q[Q_AUX])


@numba.njit(cache=True, nogil=True)
def _ramp_cells(
    q: FloatArray, tab: FloatArray, first: int, last: int, n_grid: int, d: float, end: float
) -> None:
    """Fill rows ``first`` to ``last`` of the launch-ramp table (rows below ``first`` are
    filled): cell j of the 0.01 m/s grid, nodes x_j and x_j+1, as x_j, F(x_j), R(x_j), the
    slopes of F and R across the cell (as numpy.interp), F(x_j+1), R(x_j+1)."""
    for j in range(first, last + 1):
        x0 = j * d
        x1 = end if j + 1 == n_grid else (j + 1) * d
        f0 = tab[j - 1, 5] if j > 0 else _tractive(q, x0, 1.0)
        f1 = _tractive(q, x1, 1.0)
        r0 = _road_load(q, x0, 1.0, 0.0)
        r1 = _road_load(q, x1, 1.0, 0.0)
        tab[j, 0] = x0
        tab[j, 1] = f0
        tab[j, 2] = r0
        tab[j, 3] = (f1 - f0) / (x1 - x0)
        tab[j, 4] = (r1 - r0) / (x1 - x0)
        tab[j, 5] = f1
        tab[j, 6] = r1


@numba.njit(cache=True, nogil=True, inline="always")
def _ramp_cell_index(v: float, n_grid: int, d: float, inv_d: float, end: float) -> int:
    """The cell j of the ramp grid with x_j ≤ v < x_j+1 (the first or last at the ends)."""
    if v >= end:
        return n_grid - 1
    if v <= 0.0:
        return 0
    j = min(int(v * inv_d), n_grid - 1)
    while j > 0 and j * d > v:
        j -= 1
    while j + 1 < n_grid and (j + 1) * d <= v:
        j += 1
    return j


@numba.njit(cache=True, nogil=True, inline="always")
def _ramp_accel(q: FloatArray, tab: FloatArray, j: int, end: float, t: float, v: float) -> float:
    """dv/dt during the ramp: (min(t / t_r, 1) F(v) - R(v)) / m_eff, F and R linear across
    cell ``j`` (a filled row of the table) of the 0.01 m/s grid, as numpy.interp on
    solve.launch_phase's table."""
    if v >= end:
        f = tab[j, 5]
        r = tab[j, 6]
    elif v <= 0.0 or tab[j, 0] == v:
        f = tab[j, 1]
        r = tab[j, 2]
    else:
        f = tab[j, 3] * (v - tab[j, 0]) + tab[j, 1]
        r = tab[j, 4] * (v - tab[j, 0]) + tab[j, 2]
    force = min(t * q[Q_INV_RAMP], 1.0) * f
    a = (force - r) * q[Q_INV_M_EFF]
    return max(a, 0.0) if v <= 0.0 else float(a)


@numba.njit(cache=True, nogil=True)
def _lerp(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    """numpy.interp on one segment x0 ≤ x < x1."""
    if x == x0:
        return y0
    return (y1 - y0) / (x1 - x0) * (x - x0) + y0


@numba.njit(cache=True, nogil=True)
def _visit(
    seg: FloatArray,
    speeds: FloatArray,
    dists: FloatArray,
    found: FloatArray,
    ks: int,
    kd: int,
) -> tuple[int, int]:
    """Interpolate the targets the segment ``seg`` = (v0, t0, x0, v1, t1, x1) of the run
    passes (v0 ≤ target < v1, x0 ≤ target < x1) into ``found`` (t at each target speed,
    then (t, v) at each target distance); the next pending target indices (ks, kd)."""
    v0, t0, x0, v1, t1, x1 = seg[0], seg[1], seg[2], seg[3], seg[4], seg[5]
    while ks < speeds.size and speeds[ks] < v1:
        found[ks] = _lerp(speeds[ks], v0, v1, t0, t1)
        ks += 1
    while kd < dists.size and dists[kd] < x1:
        found[speeds.size + 2 * kd] = _lerp(dists[kd], x0, x1, t0, t1)
        found[speeds.size + 2 * kd + 1] = _lerp(dists[kd], x0, x1, v0, v1)
        kd += 1
    return ks, kd


@numba.njit(cache=True, nogil=True)
def _quadrature(
    q: FloatArray,
    v_top: float,
    step: float,
    v0: float,
    t0: float,
    x0: float,
    speeds: FloatArray,
    dists: FloatArray,
    found: FloatArray,
    ks: int,
    kd: int,
    stop_ks: int,
    stop_kd: int,
) -> tuple[float, float, float, int, int]:
    """The midpoint quadrature of solve.integrate_run from (v0, t0, x0) to v_top, its
    segments visited in order (:func:`_visit`); the last point (v, t, x) and (ks, kd).
    It stops at the step that passes the last target wanted (speeds below ``stop_ks`` and
    distances below ``stop_kd`` passed; most often well below the top speed): the steps
    after it change none of the figures wanted.

    The steps run in stretches up to the next step that passes a target (no stores in
    them); a car with one driven axle takes a loop with the level-road force written out
    (:func:`_net`'s operations on that car, in its order: the same numbers).
    """
    m = q[Q_M_EFF]
    n = max(math.ceil((v_top - v0) / step), 1)
    dv_grid = (v_top - v0) / n  # np.linspace(v0, v_top, n + 1): v_i = i Δ + v0, v_n = v_top
    seg = np.zeros(6)
    sum_t = 0.0
    sum_x = 0.0
    vp, tp, xp = v0, t0, x0
    mode = q[Q_LEVEL_MODE]
    b = Q_AXLE if mode == LEVEL_FRONT else Q_AXLE + QA_STRIDE
    one_axle = mode != LEVEL_GENERAL
    # The driven axle's constants, for the one-axle loop.
    gr = q[b + QA_GR]
    w_max = q[b + QA_MAX_SPEED]
    t_pk = q[b + QA_TORQUE]
    p_pk = q[b + QA_POWER]
    ge = q[b + QA_GE]
    inv_ge = q[b + QA_INV_GE]
    grip = q[Q_LEVEL_GRIP]
    pack_free = q[Q_PACK_FREE] == 1.0
    inv_w = q[b + QA_INV_MAX_SPEED]
    s_w = q[b + QA_LOSS_SCALE]
    c0, ci, cw = q[b + QA_C0], q[b + QA_CI], q[b + QA_CW]
    inv_t = q[b + QA_INV_TORQUE]
    s_cu = q[b + QA_SCALE_CCU]
    aux = q[Q_AUX]
    battery = q[Q_BATTERY]
    system = q[Q_SYSTEM]
    f0, f1, f2 = q[Q_F0], q[Q_F1], q[Q_F2]
    i = 0
    while i < n:
        next_v = speeds[ks] if ks < speeds.size else math.inf
        next_x = dists[kd] if kd < dists.size else math.inf
        v_lo, t, x = vp, tp, xp
        while True:
            v_hi = v_top if i == n - 1 else (i + 1) * dv_grid + v0
            mid = 0.5 * (v_hi + v_lo)
            if one_axle:
                omega = mid * gr
                if omega > w_max:
                    torque = 0.0
                elif omega * t_pk <= p_pk:
                    torque = t_pk
                else:
                    torque = min(t_pk, p_pk / omega)
                motor = torque * ge
                tyre = min(motor, grip)
                if pack_free:
                    tractive = tyre + 0.0
                else:
                    if tyre != motor:
                        torque = tyre * inv_ge
                    # _scale with the other axle's terms zero (adding 0.0 changes nothing).
                    lin = torque * omega + 0.0
                    w = min(omega * inv_w, 1.0)
                    const = aux + s_w * (c0 + ci * w + cw * w * w * w) + 0.0
                    xq = torque * inv_t
                    quad = s_cu * (xq * xq) + 0.0
                    budget = max(battery - const, 0.0)
                    if lin + quad <= budget * (1.0 - 1e-12) and lin <= system * (1.0 - 1e-12):
                        scale = 1.0
                    else:
                        disc = lin * lin + 4.0 * quad * budget
                        root = 2.0 * budget / max(lin + math.sqrt(disc), 1e-300)
                        root = min(root, system / max(lin, 1e-300))
                        scale = min(max(root, 0.0), 1.0)
                    tractive = tyre * scale + 0.0 * scale
                force = tractive - (f0 * 1.0 + f1 * mid + f2 * mid * mid + q[Q_WEIGHT] * 0.0)
            else:
                force = _tractive(q, mid, 1.0) - _road_load(q, mid, 1.0, 0.0)  # _net
            dt = m * (v_hi - v_lo) / force
            sum_t += dt
            sum_x += mid * dt
            t_lo, x_lo = t, x
            t = t0 + sum_t
            x = x0 + sum_x
            i += 1
            if i == n or next_v < v_hi or next_x < x:
                break
            v_lo = v_hi
        seg[0], seg[1], seg[2], seg[3], seg[4], seg[5] = v_lo, t_lo, x_lo, v_hi, t, x
        ks, kd = _visit(seg, speeds, dists, found, ks, kd)
        vp, tp, xp = v_hi, t, x
        if ks >= stop_ks and kd >= stop_kd:
            break  # every target wanted passed: the rest of the run changes none of them
    return vp, tp, xp, ks, kd


@numba.njit(cache=True, nogil=True)
def _run(q: FloatArray, v_top: float, step: float, out: FloatArray, launch: bool) -> bool:
    """The standing run (solve.standing_run) and its figures into ``out``; False if the car
    slows down during the launch ramp. ``launch``: only to 100 km/h (the times to 80 km/h,
    60 mph and 100 km/h; the others are left NaN).

    The points of the run are visited in order, (v, t, x) from the ramp's RK4 steps and
    then the speed grid; each target speed and distance is interpolated on the segment
    that contains it, as :func:`numpy.interp` on the whole run would.
    """
    # Targets in increasing order: speeds 80 km/h, 60 mph, 100 km/h, 120 km/h; distances.
    speeds = np.array((_V80, _V60MPH, _V100, _V120))
    dists = np.array((_ROLLOUT_M, _QUARTER_MILE_M))
    found = np.full(speeds.size + 2 * dists.size, np.nan)
    seg = np.zeros(6)
    ks = 0
    kd = 0
    vp = 0.0  # the last point (v, t, x)
    tp = 0.0
    xp = 0.0
    ramp = q[Q_RAMP]
    if ramp > 0.0:  # solve.launch_phase
        n_grid = max(math.ceil(v_top / _RAMP_GRID_MPS), 1)
        d = v_top / n_grid
        inv_d = 1.0 / d
        tab = np.empty((min(512, n_grid), 7))  # cells 0 to `filled`, grown as needed
        filled = -1
        j = 0
        h = ramp / _RAMP_STEPS
        t = 0.0
        v = 0.0
        x = 0.0
        for _ in range(_RAMP_STEPS):
            k1 = k2 = k3 = k4 = 0.0
            for stage in range(4):  # RK4: the stages at (t, v), twice (t + h/2, ·), (t + h, ·)
                if stage == 0:
                    ts, vs = t, v
                elif stage == 1:
                    ts, vs = t + h / 2, v + h * k1 / 2
                elif stage == 2:
                    ts, vs = t + h / 2, v + h * k2 / 2
                else:
                    ts, vs = t + h, v + h * k3
                # The cell of the last stage, most often still the right one.
                x_next = v_top if j + 1 == n_grid else (j + 1) * d
                if not (0.0 < vs < v_top and j * d <= vs < x_next):
                    j = _ramp_cell_index(vs, n_grid, d, inv_d, v_top)
                if j > filled:
                    if j >= tab.shape[0]:
                        grown = np.empty((min(max(2 * tab.shape[0], j + 1), n_grid), 7))
                        grown[: filled + 1] = tab[: filled + 1]
                        tab = grown
                    _ramp_cells(q, tab, filled + 1, j, n_grid, d, v_top)
                    filled = j
                a = _ramp_accel(q, tab, j, v_top, ts, vs)
                if stage == 0:
                    k1 = a
                elif stage == 1:
                    k2 = a
                elif stage == 2:
                    k3 = a
                else:
                    k4 = a
            v_new = v + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
            x += h * (v + 2 * (v + h * k1 / 2) + 2 * (v + h * k2 / 2) + (v + h * k3)) / 6
            t, v = t + h, v_new
            if v >= v_top:
                break
            if v < vp:
                return False
            if (ks < speeds.size and speeds[ks] < v) or (kd < dists.size and dists[kd] < x):
                seg[0], seg[1], seg[2], seg[3], seg[4], seg[5] = vp, tp, xp, v, t, x
                ks, kd = _visit(seg, speeds, dists, found, ks, kd)
            vp, tp, xp = v, t, x
    # The speed-domain quadrature from the last point of the ramp (solve.integrate_run).
    stop_ks, stop_kd = (_LAUNCH_SPEEDS, 0) if launch else (speeds.size, dists.size)
    vp, tp, xp, ks, kd = _quadrature(
        q, v_top, step, vp, tp, xp, speeds, dists, found, ks, kd, stop_ks, stop_kd
    )
    # At the end: a target speed equal to v_top is reached at the end, a higher one never;
    # past the last distance the car holds v_top.
    for k in range(ks, speeds.size):
        if speeds[k] <= vp:
            found[k] = tp
    for k in range(kd, dists.size):
        if dists[k] <= xp:
            found[speeds.size + 2 * k] = tp
            found[speeds.size + 2 * k + 1] = vp
        else:
            found[speeds.size + 2 * k] = tp + (dists[k] - xp) / v_top
            found[speeds.size + 2 * k + 1] = v_top
    out[O_T80] = found[0]
    out[O_T60] = found[1]
    out[O_T100] = found[2]
    if launch:
        return True
    out[O_T120] = found[3]
    out[O_T_ROLLOUT] = found[4]
    out[O_T_QM] = found[6]
    out[O_V_QM] = found[7]
    return True


@numba.njit(cache=True, nogil=True)
def _rate(q: FloatArray, step: float, out: FloatArray, launch: bool) -> None:
    """Every figure of one car (its derived table ``q``) into its result row
    (solve.performance); ``launch``: as :func:`perf_kernel`'s."""
    out[:] = np.nan
    out[O_DEMAND] = _peak_demand(q)
    v_top, unlimited, limit, solved = _top_speed(q)
    out[O_V_TOP] = v_top
    out[O_V_UNLIMITED] = unlimited
    out[O_LIMIT] = limit
    if not solved:
        out[O_STATUS] = STATUS_SOLVER
        return
    if not v_top > 0.0:
        out[O_STATUS] = STATUS_CANNOT_MOVE
        return
    if not _run(q, v_top, step, out, launch):
        out[O_STATUS] = STATUS_RAMP_SLOWS
        return
    grade, ok_start = _gradeability(q, 0.0)
    out[O_GRADE_START] = grade
    ok_100 = True
    if v_top > _V100:
        grade, ok_100 = _gradeability(q, _V100)
        out[O_GRADE_100] = grade
    if not launch:
        out[O_TRACTION_BELOW] = _traction_limited_below(q, v_top)
    out[O_STATUS] = STATUS_OK if ok_start and ok_100 else STATUS_SOLVER


@numba.njit(cache=True, nogil=True, parallel=True)
def perf_kernel(
    params: FloatArray, valid: npt.NDArray[np.bool_], step: float, launch: bool = False
) -> FloatArray:
    """Rate every valid row of the parameter table; one result row (``O_*``) per car.

    Parameters
    ----------
    params : array (N, N_PARAMS)
        The cars (the ``P_*``/``A_*`` columns).
    valid : bool array (N,)
        Rows to rate; the others are left NaN.
    step : float
        Speed step of the quadrature [m/s].
    launch : bool
        Only what a launch to 100 km/h gives, with the top speed and gradeability: the run
        stops at 100 km/h, and the time to 120 km/h, the quarter mile, the rollout and the
        tyre-limited speed range are left NaN (the other figures are the same to the bit).

    Returns
    -------
    array (N, N_OUT)
    """
    n = params.shape[0]
    out = np.full((n, N_OUT), np.nan)
    for j in numba.prange(n):
        if valid[j]:
            _rate(_derive(params[j]), step, out[j], launch)
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def top_speed_kernel(params: FloatArray, valid: npt.NDArray[np.bool_]) -> FloatArray:
    """Top speed of every valid row: columns (v_top [m/s], v without the electronic limit
    [m/s], LIMIT_*, 1 if solved); NaN rows where not valid."""
    n = params.shape[0]
    out = np.full((n, 4), np.nan)
    for j in numba.prange(n):
        if valid[j]:
            v_top, unlimited, limit, solved = _top_speed(_derive(params[j]))
            out[j, 0] = v_top
            out[j, 1] = unlimited
            out[j, 2] = limit
            out[j, 3] = 1.0 if solved else 0.0
    return out
