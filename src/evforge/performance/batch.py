"""Performance of a batch of cars in one compiled call: :func:`performance_batch`.

The cars' parameters are gathered into one table (:mod:`evforge.performance.kernel`, one
row per car, the force model of :mod:`evforge.performance.forces` in array form) and rated
by one numba kernel that runs the cars in parallel; what :mod:`evforge.performance.solve`
describes (launch ramp, speed-domain quadrature, top speed, gradeability) happens inside it,
per car, in the same steps and floating-point order. :func:`evforge.performance.performance`
is the batch of one, so a car's figures do not depend on the batch it ran in or its place
there. A car that cannot be rated gets its reason in :attr:`PerfBatch.error`; the others
are rated.

:func:`top_speed_batch` is the top-speed solve alone (what a drive-cycle procedure needs to
pick its cycle class).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evforge.errors import EvforgeError
from evforge.performance import kernel as k
from evforge.performance.forces import force_model, pack_warning
from evforge.performance.solve import SPEED_STEP_MPS, PerfResult, TopSpeedLimit
from evforge.units import G_STANDARD_MPS2, KMH_PER_MPS
from evforge.vehicle import Vehicle

__all__ = ["PerfBatch", "performance_batch", "top_speed_batch"]

FloatArray = npt.NDArray[np.float64]

_LIMITS = {
    k.LIMIT_POWER: TopSpeedLimit.POWER,
    k.LIMIT_MOTOR_SPEED: TopSpeedLimit.MOTOR_SPEED,
    k.LIMIT_ELECTRONIC: TopSpeedLimit.ELECTRONIC,
}
#: Stand-ins for a car without performance parameters in :func:`top_speed_batch`: a pack
#: that never limits [W], no tyre limit (μ = ∞ without load transfer).
_UNLIMITED_PACK_W = 1e30
#: Columns that may be infinite (no rating, no limit); the others must be finite.
_MAY_BE_INFINITE = (
    k.P_SYSTEM,
    k.P_LIMIT,
    k.P_MU,
    k.P_AXLE + k.A_MAX_SPEED,
    k.P_AXLE + k.A_STRIDE + k.A_MAX_SPEED,
)


@dataclass(frozen=True)
class PerfBatch:
    """:class:`~evforge.performance.PerfResult` of every car of a batch, as arrays.

    One entry per car, in the order given; each field has the meaning and unit of the
    :class:`~evforge.performance.PerfResult` field of the same name, with NaN where that
    field is None (a speed not reached, no grade), and NaN (``top_speed_limited_by`` None,
    ``warnings`` empty) where ``error`` names why the car was not rated. The arrays are
    read-only.

    Attributes
    ----------
    vehicle : tuple of str
        The cars' names.
    zero_to_100_kmh_s, zero_to_60_mph_s, zero_to_60_mph_rollout_s, eighty_to_120_kmh_s : array
        Acceleration times [s].
    quarter_mile_s, quarter_mile_trap_kmh : array
        Quarter-mile time [s] and trap speed [km/h].
    top_speed_kmh, top_speed_unlimited_kmh : array
        Top speed and the top speed without the electronic limit [km/h].
    top_speed_limited_by : tuple of TopSpeedLimit or None
        What sets each top speed.
    gradeability_start_pct, gradeability_100_kmh_pct : array
        Steepest grades [%], 100 tan θ.
    traction_limited_below_kmh : array
        The tyres limit the force below this speed [km/h] (0: never).
    battery_power_kw, test_mass_kg, test_soc : array
        Pack discharge power at the test state of charge [kW], test mass [kg], state of
        charge [-].
    warnings : tuple of tuple of str
        Per car, what the user should know about its result.
    error : tuple of str or None
        Per car, why it was not rated; None when it was.
    """

    vehicle: tuple[str, ...]
    zero_to_100_kmh_s: FloatArray
    zero_to_60_mph_s: FloatArray
    zero_to_60_mph_rollout_s: FloatArray
    eighty_to_120_kmh_s: FloatArray
    quarter_mile_s: FloatArray
    quarter_mile_trap_kmh: FloatArray
    top_speed_kmh: FloatArray
    top_speed_limited_by: tuple[TopSpeedLimit | None, ...]
    top_speed_unlimited_kmh: FloatArray
    gradeability_start_pct: FloatArray
    gradeability_100_kmh_pct: FloatArray
    traction_limited_below_kmh: FloatArray
    battery_power_kw: FloatArray
    test_mass_kg: FloatArray
    test_soc: FloatArray
    warnings: tuple[tuple[str, ...], ...]
    error: tuple[str | None, ...]

    def __len__(self) -> int:
        return len(self.vehicle)

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Which cars were rated."""
        return np.array([e is None for e in self.error], dtype=bool)

    def result(self, j: int) -> PerfResult:
        """Car ``j``'s :class:`~evforge.performance.PerfResult`.

        Raises
        ------
        EvforgeError
            With the car's error message if it was not rated.
        """
        err = self.error[j]
        if err is not None:
            raise EvforgeError(err)
        limit = self.top_speed_limited_by[j]
        assert limit is not None
        return PerfResult(
            vehicle=self.vehicle[j],
            zero_to_100_kmh_s=_optional(self.zero_to_100_kmh_s[j]),
            zero_to_60_mph_s=_optional(self.zero_to_60_mph_s[j]),
            zero_to_60_mph_rollout_s=_optional(self.zero_to_60_mph_rollout_s[j]),
            eighty_to_120_kmh_s=_optional(self.eighty_to_120_kmh_s[j]),
            quarter_mile_s=float(self.quarter_mile_s[j]),
            quarter_mile_trap_kmh=float(self.quarter_mile_trap_kmh[j]),
            top_speed_kmh=float(self.top_speed_kmh[j]),
            top_speed_limited_by=limit.value,
            top_speed_unlimited_kmh=float(self.top_speed_unlimited_kmh[j]),
            gradeability_start_pct=_optional(self.gradeability_start_pct[j]),
            gradeability_100_kmh_pct=_optional(self.gradeability_100_kmh_pct[j]),
            traction_limited_below_kmh=float(self.traction_limited_below_kmh[j]),
            battery_power_kw=float(self.battery_power_kw[j]),
            test_mass_kg=float(self.test_mass_kg[j]),
            test_soc=float(self.test_soc[j]),
            warnings=self.warnings[j],
        )


def _optional(value: np.float64) -> float | None:
    return None if math.isnan(value) else float(value)


def _frozen(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a


def _row(car: Vehicle, lenient: bool) -> tuple[list[float], float]:
    """One car's parameter row (kernel.P_* / A_* columns) and its test state of charge.

    The pack power column is NaN when it comes from the equivalent circuit (filled in by
    :func:`_pack`). ``lenient``: a car without performance parameters is taken at its own
    mass with no pack, tyre or electronic limit (else: EvforgeError).
    """
    p = car.performance
    row = [0.0] * k.N_PARAMS
    if p is None:
        if not lenient:
            raise EvforgeError(f"{car.name}: no performance parameters (build it from a spec)")
        m = car.mass_kg
        row[k.P_M_EFF] = car.inertial_mass_kg
        row[k.P_F0] = car.rolling_n
        row[k.P_F1] = car.linear_n_per_mps
        row[k.P_BATTERY] = _UNLIMITED_PACK_W
        row[k.P_SYSTEM] = math.inf
        row[k.P_PSI] = 0.5
        row[k.P_COG] = 0.0
        row[k.P_WHEELBASE] = 1.0
        row[k.P_MU] = math.inf
        row[k.P_LIMIT] = math.inf
        soc = math.nan
    else:
        # Vehicle.with_mass(p.mass_kg), term by term in its order of operations.
        m = p.mass_kg
        rolling, linear = car.rolling_n, car.linear_n_per_mps
        if car.rolling_resistance is not None:
            rolling = car.rolling_resistance * m * G_STANDARD_MPS2
        if car.rolling_speed_coefficient is not None and car.driveline_linear_drag is not None:
            linear = car.rolling_speed_coefficient * m * G_STANDARD_MPS2 + car.driveline_linear_drag
        row[k.P_M_EFF] = car.inertial_mass_kg - car.mass_kg + m
        row[k.P_F0] = rolling
        row[k.P_F1] = linear
        row[k.P_BATTERY] = math.nan if p.max_discharge_power_w is None else p.max_discharge_power_w
        row[k.P_SYSTEM] = math.inf if p.system_power_w is None else p.system_power_w
        row[k.P_PSI] = p.front_axle_share
        row[k.P_COG] = p.cog_height_m
        row[k.P_WHEELBASE] = p.wheelbase_m
        row[k.P_MU] = p.tyre_friction
        row[k.P_LIMIT] = p.top_speed_limit_mps
        row[k.P_RAMP] = p.launch_ramp_s
        soc = p.test_soc
    row[k.P_MASS] = m
    row[k.P_F2] = car.aero_n_per_mps2
    row[k.P_GEAR] = car.gear_ratio
    row[k.P_ETA] = car.gear_efficiency
    row[k.P_AUX] = car.auxiliary_power_w
    for base, axle in ((k.P_AXLE, car.front), (k.P_AXLE + k.A_STRIDE, car.rear)):
        c0, ci, cw, ccu = axle.loss_coefficients
        row[base + k.A_POWER] = axle.peak_power_w
        row[base + k.A_TORQUE] = axle.peak_torque_nm
        row[base + k.A_MAX_SPEED] = axle.max_speed_rad_s
        row[base + k.A_RADIUS] = axle.wheel_radius_m
        row[base + k.A_LOSS_SCALE] = axle.loss_scale_w
        row[base + k.A_C0] = c0
        row[base + k.A_CI] = ci
        row[base + k.A_CW] = cw
        row[base + k.A_CCU] = ccu
    return row, soc


def _pack(
    vehicles: Sequence[Vehicle], lenient: bool = False
) -> tuple[FloatArray, FloatArray, list[str | None]]:
    """The parameter table of a batch (kernel.P_*), the test states of charge and a per-car
    error (None: valid).

    The pack's power at the test state of charge, where the spec states none, is the
    equivalent circuit's (:func:`~evforge.performance.forces.force_model`), evaluated for
    all cars that share an open-circuit-voltage table at once.
    """
    n = len(vehicles)
    rows: list[list[float]] = []
    socs = np.full(n, math.nan)
    errors: list[str | None] = [None] * n
    circuit: dict[tuple[int, int], list[tuple[int, float]]] = {}
    nan_row = [math.nan] * k.N_PARAMS
    fresh: list[int] = []  # cars whose rows are made here (then kept on the car)
    for j, car in enumerate(vehicles):
        cached = car.perf_row
        if cached is not None:  # made by an earlier batch (e.g. the WLTC class's top speed)
            rows.append(cached[0])
            socs[j] = cached[1]
            continue
        try:
            row, soc = _row(car, lenient)
        except (EvforgeError, ArithmeticError, ValueError) as exc:
            errors[j] = str(exc)
            rows.append(nan_row)
            continue
        rows.append(row)
        socs[j] = soc
        if car.performance is not None:  # the row does not depend on ``lenient``
            fresh.append(j)
        if math.isnan(row[k.P_BATTERY]):
            circuit.setdefault((id(car.ocv_soc), id(car.ocv_v)), []).append((j, soc))
    table = np.array(rows, dtype=np.float64).reshape(n, k.N_PARAMS)
    for members in circuit.values():
        first = vehicles[members[0][0]]
        members_j = [j for j, _ in members]
        idx = np.array(members_j, dtype=np.int64)
        ocv = np.interp(np.array([s for _, s in members]), first.ocv_soc, first.ocv_v)
        resistance = np.array([vehicles[i].resistance_ohm for i in members_j])
        v_min = np.array([_min_voltage_v(vehicles[i]) for i in members_j])
        # max_discharge_power_at_min_voltage, elementwise.
        v_t = np.maximum(v_min, 0.5 * ocv)
        table[idx, k.P_BATTERY] = np.maximum(v_t * (ocv - v_t), 0.0) / resistance
    for j in fresh:
        object.__setattr__(vehicles[j], "perf_row", (table[j].tolist(), float(socs[j])))
    must_be_finite = np.ones(k.N_PARAMS, dtype=bool)
    must_be_finite[list(_MAY_BE_INFINITE)] = False
    finite = np.isfinite(table[:, must_be_finite]).all(axis=1)
    for bad in np.flatnonzero(~finite).tolist():
        if errors[bad] is None:
            errors[bad] = f"{vehicles[bad].name}: a performance parameter is not a finite number"
    return table, socs, errors


def _min_voltage_v(car: Vehicle) -> float:
    assert car.performance is not None  # a pack power to compute: the car has parameters
    return car.performance.min_voltage_v


def performance_batch(
    vehicles: Sequence[Vehicle], *, step_mps: float = SPEED_STEP_MPS, launch_only: bool = False
) -> PerfBatch:
    """Acceleration, top speed and gradeability of every car, at full demand on a level road.

    Each car's figures are those of :func:`evforge.performance.performance` (which is this
    function on a batch of one), computed for all cars in one parallel kernel.

    Parameters
    ----------
    vehicles : sequence of Vehicle
        Cars built from specs (:func:`evforge.load_vehicle`), which carry their
        acceleration-test mass, CoG, friction and state of charge.
    step_mps : float
        Speed step of the integration [m/s].
    launch_only : bool
        Only the launch to 100 km/h (0-100 km/h, 0-60 mph), the top speed and the
        gradeability, the same to the bit: the run stops at 100 km/h, and 80-120 km/h, the
        quarter mile, the rollout-corrected 0-60 mph and the tyre-limited speed range are
        NaN (what :func:`evforge.evaluate` reports needs no more; it takes about half the
        time of the full run).

    Returns
    -------
    PerfBatch
        One entry per car; a car that cannot be rated has its reason in ``error`` and NaN
        figures.
    """
    if not step_mps > 0.0:
        raise EvforgeError(f"step_mps: got {step_mps!r}; expected a speed step > 0 m/s")
    table, soc, errors = _pack(vehicles)
    n = len(vehicles)
    valid = np.array([e is None for e in errors], dtype=bool)
    out: FloatArray = (
        k.perf_kernel(table, valid, float(step_mps), launch_only) if n else np.empty((0, k.N_OUT))
    )
    status = out[:, k.O_STATUS]
    limits: list[TopSpeedLimit | None] = [None] * n
    warnings: list[tuple[str, ...]] = [()] * n
    for j in range(n):
        if errors[j] is not None:
            continue
        code = int(status[j])
        if code != k.STATUS_OK:
            errors[j] = _status_error(vehicles[j], code)
            continue
        limits[j] = _LIMITS[int(out[j, k.O_LIMIT])]
        text = pack_warning(vehicles[j], float(table[j, k.P_BATTERY]), float(out[j, k.O_DEMAND]))
        if text is not None:
            warnings[j] = (text,)
    rated = np.array([e is None for e in errors], dtype=bool)
    out[~rated] = np.nan
    table = np.where(rated[:, None], table, np.nan)
    t60 = out[:, k.O_T60]
    return PerfBatch(
        vehicle=tuple(v.name for v in vehicles),
        zero_to_100_kmh_s=_frozen(out[:, k.O_T100].copy()),
        zero_to_60_mph_s=_frozen(t60.copy()),
        zero_to_60_mph_rollout_s=_frozen(t60 - out[:, k.O_T_ROLLOUT]),
        eighty_to_120_kmh_s=_frozen(out[:, k.O_T120] - out[:, k.O_T80]),
        quarter_mile_s=_frozen(out[:, k.O_T_QM].copy()),
        quarter_mile_trap_kmh=_frozen(out[:, k.O_V_QM] * KMH_PER_MPS),
        top_speed_kmh=_frozen(out[:, k.O_V_TOP] * KMH_PER_MPS),
        top_speed_limited_by=tuple(limits),
        top_speed_unlimited_kmh=_frozen(out[:, k.O_V_UNLIMITED] * KMH_PER_MPS),
        gradeability_start_pct=_frozen(out[:, k.O_GRADE_START].copy()),
        gradeability_100_kmh_pct=_frozen(out[:, k.O_GRADE_100].copy()),
        traction_limited_below_kmh=_frozen(out[:, k.O_TRACTION_BELOW] * KMH_PER_MPS),
        battery_power_kw=_frozen(table[:, k.P_BATTERY] / 1e3),
        test_mass_kg=_frozen(table[:, k.P_MASS].copy()),
        test_soc=_frozen(np.where(rated, soc, np.nan)),
        warnings=tuple(warnings),
        error=tuple(errors),
    )


def _status_error(vehicle: Vehicle, code: int) -> str:
    """The message for a car the kernel could not rate (as the per-car solver raised it)."""
    if code == k.STATUS_CANNOT_MOVE:
        model = force_model(vehicle)
        zero = np.zeros(1)
        return (
            f"{vehicle.name} cannot move on a level road: at standstill its tractive force "
            f"({float(model.tractive_force(zero)[0]):.0f} N) does not overcome the road load "
            f"({float(model.road_load(zero)[0]):.0f} N); check the motors' torque, the gear "
            "ratio and the mass"
        )
    if code == k.STATUS_RAMP_SLOWS:
        return "launch ramp: the car slows down while the force ramps up"
    return (
        f"{vehicle.name}: the top-speed or gradeability solve found no sign change of the net "
        "force (non-finite forces?)"
    )


def top_speed_batch(
    vehicles: Sequence[Vehicle],
) -> tuple[FloatArray, tuple[TopSpeedLimit | None, ...]]:
    """Top speed of every car on a level road and what sets it, in one parallel kernel.

    The top speed of :func:`evforge.performance.performance` (the first speed where the
    tractive force, after the tyre, pack and system-power limits, meets the road load; a
    motor's maximum speed; the electronic limit), at the acceleration-test mass and state of
    charge. A car without performance parameters (not built from a spec) is taken as given:
    its own mass, the motors' envelopes alone (no pack, tyre or electronic limit).

    Parameters
    ----------
    vehicles : sequence of Vehicle
        The cars.

    Returns
    -------
    (array, tuple)
        Top speeds [m/s] (0 for a car that cannot move; NaN where a parameter is not a
        finite number) and per car its :class:`~evforge.performance.TopSpeedLimit` (None
        where the speed is NaN).
    """
    table, _soc, errors = _pack(vehicles, lenient=True)
    valid = np.array([e is None for e in errors], dtype=bool)
    n = len(vehicles)
    out: FloatArray = k.top_speed_kernel(table, valid) if n else np.empty((0, 4))
    good = valid & (out[:, 3] == 1.0)
    speeds = np.where(good, out[:, 0], np.nan)
    limits = tuple(
        _LIMITS[int(code)] if ok else None for code, ok in zip(out[:, 2], good, strict=True)
    )
    return speeds, limits
