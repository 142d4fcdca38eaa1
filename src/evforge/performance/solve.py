"""Acceleration runs, top speed and gradeability from the force curve.

**Integration in the speed domain.** At full demand the net force F(v) depends on speed only
(the grade is fixed during a run), so Newton's law m_eff dv/dt = F(v) integrates exactly by
quadrature over speed instead of time stepping::

    t(v) = ∫₀ᵛ m_eff / F(u) du,      x(v) = ∫₀ᵛ m_eff u / F(u) du

:func:`integrate_run` takes fixed speed steps Δv (default 0.01 m/s) with the midpoint rule.
There is no step-size stability limit, a constant force is integrated exactly, and the
error of a smooth F is O(Δv²): halving Δv moves every reported time by less than 0.1 ms on the
bundled examples (``tests/test_performance.py::test_step_convergence``). The run stops at the
top speed v_top; near an equilibrium top speed, where F → 0 and the exact t(v) diverges
logarithmically, the last Δv is taken as reached and the car continues at v_top, an error of
Δv / v_top (< 0.03 %) in speed over that stretch.

**Launch.** A car does not put its full force down at t = 0: the drive controller limits the
torque gradient at drive-off so that the driveline's torsional shuffle is not excited
(reference filters with a gradient limit of 1,000-7,000 N·m/s, Bauer et al. [3]), and the
traction control builds up slip. :func:`launch_phase` models both as a linear rise of the
available tractive force from zero to full over a ramp time t_r (``performance.
launch_ramp_time``), integrated in time with RK4 (the force then depends on t and v); the run
then continues in the speed domain from where the ramp ends. For a constant force F the ramp
costs exactly t_r / 2 (``tests/test_performance.py``). The rolling 80-120 km/h figure is
taken on the same run after the ramp, i.e. without a second ramp at the kick-down.

**Quantities** (SAE J1491 [1] for the vehicle-acceleration definitions; the rest are the
definitions the motoring press uses):

* 0-100 km/h and 0-60 mph from standstill; 0-60 mph "with 1-ft rollout", the US magazine
  convention of starting the clock after the car has moved 1 ft (0.3048 m), as a drag strip's
  timing beam does [2];
* 80-120 km/h, the rolling overtaking figure (full demand from a steady 80 km/h);
* the quarter mile (1320 ft = 402.336 m, exact) from standstill, elapsed time and trap speed
  (the speed at the line);
* top speed: the lowest of the speed where tractive force meets road load, the speed where a
  motor reaches its maximum speed, and the electronic limit when the spec gives one;
* gradeability: the steepest grade (percent, 100 tan θ) on which the car can still
  accelerate from standstill, and on which it can hold 100 km/h [1].

References
----------
.. [1] SAE J1491, *Vehicle Acceleration Measurement*, 2006 (0-speed and passing acceleration
   procedures); SAE J2188 (gradeability definitions for commercial vehicles) for the
   grade convention 100 tan θ.
.. [2] Car and Driver, "How We Test" (test procedures: 0-60 mph times with a 1-ft rollout
   subtracted, as at a drag strip).
.. [3] F. Bauer et al., "Drivability Optimization by Reducing Oscillation of Electric Vehicle
   Drivetrains", World Electric Vehicle Journal 11 (2020) 68, doi:10.3390/wevj11040068, §4.1
   (torque-gradient limitation at drive-off, 1,000-7,000 N·m/s).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

from evforge.errors import EvforgeError
from evforge.performance.forces import ForceModel
from evforge.units import KMH_PER_MPS, M_PER_MI
from evforge.vehicle import Vehicle

__all__ = [
    "QUARTER_MILE_M",
    "ROLLOUT_M",
    "SPEED_STEP_MPS",
    "PerfResult",
    "Run",
    "TopSpeedLimit",
    "gradeability",
    "integrate_run",
    "launch_phase",
    "performance",
    "standing_run",
    "top_speed",
]

FloatArray = npt.NDArray[np.float64]

#: Quarter mile [m]: 1320 ft × 0.3048 m/ft, exact.
QUARTER_MILE_M: Final = 402.336
#: The 1-ft rollout of US magazine 0-60 mph times [m], exact.
ROLLOUT_M: Final = 0.3048
#: Default speed step of the integration [m/s].
SPEED_STEP_MPS: Final = 0.01
_MPH: Final = M_PER_MI / 3600.0  # m/s per mph, exact
_V100: Final = 100.0 / KMH_PER_MPS
_SEARCH_STEP_MPS: Final = 0.05
#: RK4 steps over the launch ramp: the force is smooth in t there, so the error is ~1e-12 s.
_RAMP_STEPS: Final = 200
_RAMP_GRID_MPS: Final = 0.01
_MAX_SEARCH_MPS: Final = 200.0  # 720 km/h: no road car's power curve reaches further


class TopSpeedLimit(StrEnum):
    """What sets the top speed."""

    POWER = "power"  # tractive force meets road load
    MOTOR_SPEED = "motor speed"  # a motor reaches its maximum speed
    ELECTRONIC = "electronic limit"  # the spec's top_speed_limit


@dataclass(frozen=True, slots=True)
class Run:
    """A full-demand run from standstill on a speed grid: t(v) and x(v).

    Attributes
    ----------
    speed_mps, time_s, distance_m : array
        Speed grid [m/s] and the time [s] and distance [m] at which each speed is reached.
    """

    speed_mps: FloatArray
    time_s: FloatArray
    distance_m: FloatArray

    def time_to_speed(self, speed_mps: float) -> float | None:
        """Time [s] to reach a speed from standstill; None if the car never reaches it."""
        if speed_mps > self.speed_mps[-1]:
            return None
        return float(np.interp(speed_mps, self.speed_mps, self.time_s))

    def at_distance(self, distance_m: float) -> tuple[float, float]:
        """(time [s], speed [m/s]) when the car has covered a distance from standstill.

        Past the end of the grid the car holds its top speed.
        """
        x_end = float(self.distance_m[-1])
        if distance_m <= x_end:
            t = float(np.interp(distance_m, self.distance_m, self.time_s))
            return t, float(np.interp(distance_m, self.distance_m, self.speed_mps))
        v_top = float(self.speed_mps[-1])
        return float(self.time_s[-1]) + (distance_m - x_end) / v_top, v_top


def integrate_run(
    net_force: Any,
    inertial_mass_kg: float,
    end_speed_mps: float,
    step_mps: float,
    start: Run | None = None,
) -> Run:
    """Integrate m_eff dv/dt = F(v) from standstill to ``end_speed_mps`` (module notes).

    Parameters
    ----------
    net_force : callable
        F(v) [N] on an array of speeds [m/s]; must be > 0 on (0, end_speed_mps).
    inertial_mass_kg : float
        m_eff [kg].
    end_speed_mps : float
        Last speed of the grid [m/s].
    step_mps : float
        Speed step Δv [m/s]; the grid is ``(end - v0) / ceil((end - v0) / Δv)``.
    start : Run, optional
        The run so far (a :func:`launch_phase`); the integration continues from its last
        point (v0, t0, x0) and the result includes it. Default: from standstill.

    Returns
    -------
    Run
    """
    v0, t0, x0 = (
        (0.0, 0.0, 0.0)
        if start is None
        else (float(start.speed_mps[-1]), float(start.time_s[-1]), float(start.distance_m[-1]))
    )
    n = max(math.ceil((end_speed_mps - v0) / step_mps), 1)
    v = np.linspace(v0, end_speed_mps, n + 1)
    mid = 0.5 * (v[1:] + v[:-1])
    force = np.asarray(net_force(mid), dtype=np.float64)
    dv = np.diff(v)
    dt = inertial_mass_kg * dv / force
    t = t0 + np.concatenate(([0.0], np.cumsum(dt)))
    x = x0 + np.concatenate(([0.0], np.cumsum(mid * dt)))
    if start is None:
        return Run(v, t, x)
    return Run(
        np.concatenate((start.speed_mps[:-1], v)),
        np.concatenate((start.time_s[:-1], t)),
        np.concatenate((start.distance_m[:-1], x)),
    )


def launch_phase(
    tractive_force: Any,
    resistance: Any,
    inertial_mass_kg: float,
    ramp_s: float,
    end_speed_mps: float,
) -> Run | None:
    """The standing start while the tractive force ramps up (module notes, "Launch").

    m_eff dv/dt = (t / t_r) F(v) - R(v) for 0 ≤ t ≤ t_r, integrated with classical RK4 in
    time; the car stays put while (t / t_r) F(0) ≤ R(0) (static friction holds it).

    Parameters
    ----------
    tractive_force, resistance : callable
        F(v) and R(v) [N] on an array of speeds [m/s], tabulated every 0.01 m/s.
    inertial_mass_kg : float
        m_eff [kg].
    ramp_s : float
        Ramp time t_r [s]; 0 gives None (no ramp phase).
    end_speed_mps : float
        The run's last speed [m/s]; the ramp stops early if the car gets there.

    Returns
    -------
    Run or None
        t, v, x at the RK4 steps, ending at t_r (or at ``end_speed_mps``).
    """
    if ramp_s <= 0.0:
        return None
    # F and R tabulated once on a fine speed grid (linear in between: exact for the constant
    # and piecewise-linear forces of the closed-form tests, O(Δv²) otherwise).
    grid = np.linspace(0.0, end_speed_mps, max(math.ceil(end_speed_mps / _RAMP_GRID_MPS), 1) + 1)
    f_tab = np.asarray(tractive_force(grid), dtype=np.float64)
    r_tab = np.asarray(resistance(grid), dtype=np.float64)

    def accel(t: float, v: float) -> float:
        force = min(t / ramp_s, 1.0) * float(np.interp(v, grid, f_tab))
        a = (force - float(np.interp(v, grid, r_tab))) / inertial_mass_kg
        return max(a, 0.0) if v <= 0.0 else a

    h = ramp_s / _RAMP_STEPS
    ts, vs, xs = [0.0], [0.0], [0.0]
    t = v = x = 0.0
    for _ in range(_RAMP_STEPS):
        k1 = accel(t, v)
        k2 = accel(t + h / 2, v + h * k1 / 2)
        k3 = accel(t + h / 2, v + h * k2 / 2)
        k4 = accel(t + h, v + h * k3)
        v_new = v + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        # Distance: the same RK4 stages for dx/dt = v.
        x += h * (v + 2 * (v + h * k1 / 2) + 2 * (v + h * k2 / 2) + (v + h * k3)) / 6
        t, v = t + h, v_new
        if v >= end_speed_mps:
            break
        ts.append(t)
        vs.append(v)
        xs.append(x)
    speed = np.array(vs)
    if np.any(np.diff(speed) < 0.0):
        raise EvforgeError("launch ramp: the car slows down while the force ramps up")
    return Run(speed, np.array(ts), np.array(xs))


def standing_run(
    model: ForceModel, end_speed_mps: float, ramp_s: float, step_mps: float = SPEED_STEP_MPS
) -> Run:
    """A full-demand run from standstill: the launch ramp, then the speed-domain integration.

    Parameters
    ----------
    model : ForceModel
        The car's forces (:func:`~evforge.performance.forces.force_model`).
    end_speed_mps : float
        Last speed of the run [m/s], normally the top speed.
    ramp_s : float
        Launch ramp time t_r [s] (:func:`launch_phase`); 0 for a step.
    step_mps : float
        Speed step of the integration [m/s].
    """
    m = model.inertial_mass_kg
    ramp = launch_phase(model.tractive_force, model.road_load, m, ramp_s, end_speed_mps)
    return integrate_run(model.net_force, m, end_speed_mps, step_mps, start=ramp)


def top_speed(model: ForceModel, grade_rad: float = 0.0) -> tuple[float, TopSpeedLimit]:
    """Top speed [m/s] and what sets it (see the module notes).

    The first speed where the net force falls to zero is bracketed on a 0.05 m/s grid and
    refined with Brent's method; at a motor's maximum speed the force drops to zero in a
    step, which the bracket finds the same way.
    """
    limit = model.params.top_speed_limit_mps
    grid = np.arange(0.0, _MAX_SEARCH_MPS + _SEARCH_STEP_MPS, _SEARCH_STEP_MPS)
    net = model.net_force(grid, grade_rad)
    if net[0] <= 0.0:
        return 0.0, TopSpeedLimit.POWER
    below = np.nonzero(net <= 0.0)[0]
    if below.size == 0:
        v_phys = _MAX_SEARCH_MPS
    else:
        k = int(below[0])

        def f(s: float) -> float:
            return float(model.net_force(np.array([s]), grade_rad)[0])

        v_phys = float(brentq(f, grid[k - 1], grid[k], xtol=1e-9))
    if limit <= v_phys:
        return limit, TopSpeedLimit.ELECTRONIC
    # Motor-speed limited if the motors deliver zero force just above v_phys.
    car = model.vehicle
    for axle in car.axles:
        corner = axle.max_speed_rad_s * axle.wheel_radius_m / car.gear_ratio
        if axle.driven and abs(corner - v_phys) <= 1e-6 * corner:
            # The force steps down at this axle's maximum motor speed: report it exactly.
            return corner, TopSpeedLimit.MOTOR_SPEED
    return v_phys, TopSpeedLimit.POWER


def gradeability(model: ForceModel, speed_mps: float) -> float | None:
    """Steepest grade [%] (100 tan θ) on which the car can still accelerate at a speed.

    Returns None when the car cannot even hold the speed on level ground.
    """
    v = np.array([speed_mps])

    def surplus(theta: float) -> float:
        return float(model.net_force(v, theta)[0])

    if surplus(0.0) <= 0.0:
        return None
    hi = math.radians(80.0)
    if surplus(hi) > 0.0:
        return 100.0 * math.tan(hi)
    theta = float(brentq(surplus, 0.0, hi, xtol=1e-10))
    return 100.0 * math.tan(theta)


@dataclass(frozen=True, slots=True)
class PerfResult:
    """Acceleration, top speed and gradeability of one car (None: not reachable).

    Times in s, speeds in km/h, grades in percent (100 tan θ). ``warnings``: what the user
    should know about the result, one sentence each (e.g. :func:`pack_limited`'s).
    """

    vehicle: str
    zero_to_100_kmh_s: float | None
    zero_to_60_mph_s: float | None
    zero_to_60_mph_rollout_s: float | None
    eighty_to_120_kmh_s: float | None
    quarter_mile_s: float
    quarter_mile_trap_kmh: float
    top_speed_kmh: float
    top_speed_limited_by: str
    top_speed_unlimited_kmh: float
    gradeability_start_pct: float | None
    gradeability_100_kmh_pct: float | None
    traction_limited_below_kmh: float
    battery_power_kw: float
    test_mass_kg: float
    test_soc: float
    warnings: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """The result as a plain dict (JSON-ready; ``warnings`` a list of strings)."""
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        return out


def performance(vehicle: Vehicle, *, step_mps: float = SPEED_STEP_MPS) -> PerfResult:
    """Acceleration, top speed and gradeability of a car at full demand on a level road.

    Parameters
    ----------
    vehicle : Vehicle
        A car built from a spec (:func:`evforge.load_vehicle`), which carries its
        acceleration-test mass, CoG, friction and state of charge.
    step_mps : float
        Speed step of the integration [m/s].

    Returns
    -------
    PerfResult

    Raises
    ------
    EvforgeError
        If the car cannot be rated (no performance parameters, it cannot move, it slows
        down during the launch ramp).

    Notes
    -----
    The batch of one of :func:`~evforge.performance.batch.performance_batch`, whose kernel
    (:mod:`evforge.performance.kernel`) runs the steps of this module's functions.
    """
    from evforge.performance.batch import performance_batch

    return performance_batch([vehicle], step_mps=step_mps).result(0)
