"""The compiled charging kernel: N cars through one DC charging session.

:func:`run_sessions` integrates, for every car (row of ``cars``), the session of
:mod:`evforge.charging.session` on the shared state-of-charge grid: the explicit midpoint
rule on (time, battery temperature), the current the smallest of the four limits of
:mod:`evforge.charging.physics`. The formulas are those functions' expressions written out
for scalars, in the same order except that the divisions by a car's constants (its heat
capacity, the knee's voltage headroom, the Arrhenius factor of its resistance) are
multiplications by their reciprocals: a session agrees with the plain scalar loop of
:func:`evforge.charging.reference.charge_reference` to rounding (1e-14 relative on the
bundled cars; ``tests/test_charging_batch.py`` checks 1e-9).

Speed. Cars run in blocks of ``LANES``, the blocks spread over the cores
(``numba.prange``; a batch of one block runs on the calling thread alone). Within a block
every step is taken for all its cars before the next step, so that the processor overlaps
the cars' chains of divisions, square roots and exponentials, which one car alone would take
one after another. Helpers are inlined and tables indexed in place (no counted array
references in the loops); division is IEEE's, without Python's zero checks. The
open-circuit voltage is a lookup that keeps its table segment between steps (the states of
charge only grow) and evaluates :func:`numpy.interp`'s expression, ends and NaN handling
included. A car's results do not depend on the other cars of the batch or on its place.

Parameters are one float64 matrix ``cars[N, N_CAR]`` with columns named by the ``C_*``
constants, the session's options one vector ``opts[N_OPT]`` (``O_*``); the results are
``out[N, N_OUT]`` (``R_*``, in SI units) and a status per car (``STATUS_*``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final, TypeVar

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "N_CAR",
    "N_OPT",
    "N_OUT",
    "STATUS_INPUT",
    "STATUS_NO_CURRENT",
    "STATUS_OK",
    "STATUS_VOLTAGE",
    "run_sessions",
]

_F = TypeVar("_F", bound=Callable[..., Any])
# IEEE division (x / 0 is inf or NaN, as NumPy's): no zero checks in the loops. Helpers are
# inlined into the loops at numba's level: no call, no counted array reference.
_serial: Any = numba.njit(cache=True, fastmath=False, nogil=True, error_model="numpy")
_inline: Any = numba.njit(
    cache=True, fastmath=False, nogil=True, error_model="numpy", inline="always"
)
_parallel: Any = numba.njit(
    cache=True, fastmath=False, nogil=True, error_model="numpy", parallel=True
)


def _jit(fn: _F) -> _F:
    """Compile ``fn`` (nopython, cached); the typed signature stays ``fn``'s."""
    out: _F = _serial(fn)
    return out


def _ijit(fn: _F) -> _F:
    """Compile ``fn`` to be inlined where it is called."""
    out: _F = _inline(fn)
    return out


def _pjit(fn: _F) -> _F:
    """Compile ``fn`` with ``numba.prange`` loops spread over the cores."""
    out: _F = _parallel(fn)
    return out


#: Molar gas constant [J/(mol·K)] (:data:`evforge.charging.physics.GAS_CONSTANT`).
_GAS_CONSTANT: Final = 8.314462618

# --- car columns ------------------------------------------------------------------------------
C_CAPACITY: Final = 0  # usable charge Q [C]
C_RESISTANCE: Final = 1  # pack resistance at the reference temperature [Ω]
C_MAX_VOLTAGE: Final = 2  # pack voltage at the cells' upper cut-off [V]
C_PEAK_POWER: Final = 3  # rated peak charge power [W]
C_MAX_CURRENT: Final = 4  # rated peak charge current [A], if C_HAS_MAX_CURRENT
C_HAS_MAX_CURRENT: Final = 5  # 1: the spec gives the peak current; 0: from the peak power
C_HEAT_CAPACITY: Final = 6  # pack heat capacity m c_p [J/K]
C_AUX: Final = 7  # always-on load [W]
C_NOMINAL: Final = 8  # nominal pack voltage [V]
N_CAR: Final = 9

# --- options ----------------------------------------------------------------------------------
O_SOC_FROM: Final = 0  # [-]
O_SOC_TO: Final = 1  # [-]
O_DS: Final = 2  # grid step [-]
O_KNEE: Final = 3  # knee state of charge [-]
O_T_REF: Final = 4  # reference temperature [K]
O_T_TARGET: Final = 5  # preconditioning target, heater off at and above it [K]
O_T_COOL: Final = 6  # cooling temperature [K]
O_T_START: Final = 7  # battery temperature at plug-in [K]
O_HEATER: Final = 8  # battery heater power [W]
O_E_RESISTANCE: Final = 9  # activation energy of the resistance [J/mol]
O_E_ACCEPTANCE: Final = 10  # activation energy of the charge acceptance [J/mol]
O_CH_POWER: Final = 11  # charger power [W]
O_CH_CURRENT: Final = 12  # charger current [A]
O_CH_VOLTAGE: Final = 13  # charger top voltage [V]
O_BOOST_MIN_NOMINAL: Final = 14  # nominal voltage from which a car steps up [V]
O_BOOST_MAX_RATIO: Final = 15  # largest step-up ratio [-]
N_OPT: Final = 16

# --- results ----------------------------------------------------------------------------------
R_TIME: Final = 0  # session time [s]
R_INLET: Final = 1  # energy at the inlet [J]
R_STORED: Final = 2  # energy stored [J]
R_LOSS: Final = 3  # battery loss [J]
R_HEATER: Final = 4  # heater energy [J]
R_PEAK: Final = 5  # peak inlet power [W]
R_T_START: Final = 6  # battery temperature at the start [K]
R_T_END: Final = 7  # ... at the end [K]
R_T_MAX: Final = 8  # ... highest [K]
R_OCV_FROM: Final = 9  # open-circuit voltage at the start [V]
R_OCV_TO: Final = 10  # ... at the end [V]
R_STEP: Final = 11  # grid point where the session stopped (STATUS_NO_CURRENT)
N_OUT: Final = 12

#: Cars integrated side by side in one block (one block per thread at a time).
LANES: Final = 8
# The rows of a block's lane state.
_L_PEAK_I: Final = 0  # peak (constant-current) BMS current [A]
_L_KNEE_OCV: Final = 1  # open-circuit voltage at the knee [V]
_L_INLET_CAP: Final = 2  # inlet power cap with step-up conversion [W]
_L_TEMP: Final = 3  # battery temperature [K]
_L_T_MID: Final = 4  # ... at the step's midpoint [K]
_L_T_MAX: Final = 5  # highest battery temperature [K]
_L_TIME: Final = 6  # time [s]
_L_PEAK_W: Final = 7  # highest inlet power [W]
_L_STORED: Final = 8  # energies [J]
_L_LOSS: Final = 9
_L_HEATER: Final = 10
_L_INLET: Final = 11
_L_R0: Final = 12  # pack resistance at the reference temperature [Ω]
_L_V_MAX: Final = 13  # pack voltage at the cells' cut-off [V]
_L_INV_SPAN: Final = 14  # 1 / (V_max - V_oc,knee), the headroom at the knee [1/V]
_L_PEAK_P: Final = 15  # rated peak charge power [W]
_L_AUX: Final = 16  # always-on load [W]
_L_Q_DS: Final = 17  # charge of a step, Q Δs [C]
_L_INV_C_TH: Final = 18  # 1 / heat capacity [K/J]
_L_BELOW: Final = 19  # 1: the charger's top voltage is below the pack's cut-off
_L_BOOST: Final = 20  # 1: ... and the car steps the charger's voltage up
_N_LANE: Final = 21
# A block's constants.
_G_K_RES: Final = 0  # E_a/R_gas of the resistance [K]
_G_K_ACC: Final = 1  # E_a/R_gas of the charge acceptance [K]
_G_INV_REF: Final = 2  # 1/T_ref [1/K]
_G_T_REF: Final = 3  # T_ref [K]
_G_HEATER: Final = 4  # heater power [W]
_G_T_TARGET: Final = 5  # heater off at and above [K]
_G_CH_POWER: Final = 6  # charger power [W]
_G_CH_VOLTAGE: Final = 7  # charger top voltage [V]
_G_CH_CURRENT: Final = 8  # charger current [A]
_N_G: Final = 9

STATUS_OK: Final = 0
#: The charger's top voltage cannot reach the pack's (``session.voltage_problem``).
STATUS_VOLTAGE: Final = 1
#: No current flows at some state of charge (every limit zero or not a number).
STATUS_NO_CURRENT: Final = 2
#: Not run: the car's attributes could not be gathered (set by the caller).
STATUS_INPUT: Final = 3


@_ijit
def _interp(
    x: float, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], c: int, n: int
) -> float:
    """``np.interp(x, xs[c, :n], ys[c, :n])`` for one point (NumPy's expression and ends).

    The tables are indexed in place, never sliced: a slice in compiled code is a counted
    reference, whose atomic updates would serialise the lanes of a block.
    """
    if x != x:
        return x
    if x < xs[c, 0]:
        return float(ys[c, 0])
    if x >= xs[c, n - 1]:
        return float(ys[c, n - 1])
    j = 0
    while xs[c, j + 1] <= x:
        j += 1
    return _segment_value(x, xs, ys, c, j)


@_ijit
def _segment_value(
    x: float, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], c: int, j: int
) -> float:
    """NumPy's interpolation in row ``c`` on segment ``j`` (``xs[c, j] <= x < xs[c, j + 1]``)."""
    x0 = xs[c, j]
    y0 = ys[c, j]
    if x0 == x:
        return float(y0)
    x1 = xs[c, j + 1]
    y1 = ys[c, j + 1]
    slope = (y1 - y0) / (x1 - x0)
    value = slope * (x - x0) + y0
    if value != value:  # NaN one way: try the other (NumPy >= 1.17)
        value = slope * (x - x1) + y1
        if value != value and y0 == y1:
            value = y0
    return float(value)


@_ijit
def _ocv_at(
    s: float,
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    c: int,
    nk: int,
    seg: int,
) -> tuple[float, int]:
    """``np.interp(s, xs[c, :nk], ys[c, :nk])`` and its segment, from that of a smaller s.

    ``seg`` is -1 below the table, ``nk - 1`` at and above its end, else ``j`` with
    ``xs[c, j] <= s < xs[c, j + 1]`` (the segment NumPy's search finds).
    """
    while seg < nk - 1 and xs[c, seg + 1] <= s:
        seg += 1
    if s != s:
        return s, seg
    if seg < 0:
        return float(ys[c, 0]), seg
    if seg >= nk - 1:
        return float(ys[c, nk - 1]), seg
    return _segment_value(s, xs, ys, c, seg), seg


@_ijit
def _plc(power_w: float, ocv: float, r: float) -> float:
    """:func:`evforge.charging.physics.power_limited_current` for scalars."""
    disc = ocv * ocv + 4.0 * r * power_w
    return 2.0 * power_w / (ocv + math.sqrt(disc))


@_ijit
def _arrhenius(temp_k: float, e_a: float, ref_k: float) -> float:
    """:func:`evforge.charging.physics.arrhenius` for scalars."""
    return math.exp(e_a / _GAS_CONSTANT * (1.0 / ref_k - 1.0 / temp_k))


@_ijit
def _rates(
    temp_k: float, ocv: float, f: npt.NDArray[np.float64], b: int, g: npt.NDArray[np.float64]
) -> tuple[float, float, float, float, int]:
    """(current, terminal power, joule heat, heater power, index of the limit) at (s, T).

    The four limits of :mod:`evforge.charging.physics` (battery, car, charger power,
    charger current), the first smallest taken as ``np.argmin`` takes it (a NaN limit
    first), as in :func:`evforge.charging.reference.charge_reference`. ``f[:, b]`` is the
    lane's state (rows ``_L_*``), ``g`` the block's constants (``_G_*``). The current is not
    > 0 where the car cannot charge.
    """
    # arrhenius(T) = exp[(E_a/R)(1/T_ref - 1/T)], E_a/R and 1/T_ref taken once per block;
    # R(T) = R_ref / arrhenius(T) = R_ref exp[(E_a/R)(1/T - 1/T_ref)] (a multiplication).
    inv_t = 1.0 / temp_k
    r = f[_L_R0, b] * math.exp(g[_G_K_RES] * (inv_t - g[_G_INV_REF]))
    heat_on = g[_G_HEATER] if temp_k < g[_G_T_TARGET] else 0.0
    # min(1, arrhenius): exactly 1 at and above the reference temperature (1/T <= 1/T_ref).
    acc = 1.0
    if not temp_k >= g[_G_T_REF]:
        acc = min(1.0, math.exp(g[_G_K_ACC] * (g[_G_INV_REF] - inv_t)))
        if temp_k != temp_k:
            acc = temp_k
    headroom = (f[_L_V_MAX, b] - ocv) * f[_L_INV_SPAN, b]
    clipped = min(max(headroom, 0.0), 1.0) if headroom == headroom else headroom
    l0 = f[_L_PEAK_I, b] * clipped * acc
    # The car's and the charger's power limits solve the same circuit, I = plc(P), which
    # grows with P: only the smaller power's is taken (the car's on a tie, as np.argmin).
    p_car = f[_L_PEAK_P, b]
    own_w = f[_L_AUX, b] + heat_on
    if f[_L_BOOST, b] != 0.0:
        avail = f[_L_INLET_CAP, b] - own_w
        l3 = math.inf
    else:
        avail = g[_G_CH_POWER] - own_w
        headroom_a = (g[_G_CH_VOLTAGE] - ocv) / r if f[_L_BELOW, b] != 0.0 else math.inf
        h = 0.0 if headroom_a < 0.0 else headroom_a
        ch_i = g[_G_CH_CURRENT]
        l3 = h if h < ch_i else ch_i
    p_ch = 0.0 if avail < 0.0 else avail
    k_p = 1 if p_car <= p_ch or p_car != p_car else 2
    l12 = _plc(p_car if k_p == 1 else p_ch, ocv, r)
    # np.argmin over (battery, car, charger power, charger current): the first smallest, or
    # the first NaN.
    k = 0
    best = l0
    if best == best and (l12 != l12 or l12 < best):
        k, best = k_p, l12
    if best == best and (l3 != l3 or l3 < best):
        k, best = 3, l3
    current = best
    return current, (ocv + r * current) * current, r * current * current, heat_on, k


@_jit
def _block(
    start: int,
    nb: int,
    cars: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    ocv_len: npt.NDArray[np.int64],
    grid: npt.NDArray[np.float64],
    opts: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    status: npt.NDArray[np.int64],
    tr_time: npt.NDArray[np.float64],
    tr_temp: npt.NDArray[np.float64],
    tr_current: npt.NDArray[np.float64],
    tr_inlet: npt.NDArray[np.float64],
    tr_limit: npt.NDArray[np.int64],
    record: bool,
) -> None:
    """Cars ``start`` .. ``start + nb - 1`` (at most ``LANES``): their sessions side by side.

    Each step is taken for every car of the block before the next, so that the processor
    overlaps the cars' chains of divisions, square roots and exponentials (one car's step
    depends on its previous one; the cars' do not depend on each other). A car's arithmetic
    is that of a session alone. Results go into ``out``, ``status`` (and the trace); a car
    whose status is not ``STATUS_OK`` on entry is left as it is.
    """
    soc_from = opts[O_SOC_FROM]
    soc_to = opts[O_SOC_TO]
    volts = opts[O_CH_VOLTAGE]
    t_start = opts[O_T_START]
    t_cool = opts[O_T_COOL]
    ds = opts[O_DS]
    n = grid.shape[0] - 1
    g = np.empty(_N_G)
    g[_G_K_RES] = opts[O_E_RESISTANCE] / _GAS_CONSTANT
    g[_G_K_ACC] = opts[O_E_ACCEPTANCE] / _GAS_CONSTANT
    g[_G_INV_REF] = 1.0 / opts[O_T_REF]
    g[_G_T_REF] = opts[O_T_REF]
    g[_G_HEATER] = opts[O_HEATER]
    g[_G_T_TARGET] = opts[O_T_TARGET]
    g[_G_CH_POWER] = opts[O_CH_POWER]
    g[_G_CH_VOLTAGE] = volts
    g[_G_CH_CURRENT] = opts[O_CH_CURRENT]
    live = np.zeros(LANES, dtype=np.bool_)
    seg = np.zeros(LANES, dtype=np.int64)
    seg_mid = np.zeros(LANES, dtype=np.int64)
    nks = np.zeros(LANES, dtype=np.int64)
    f = np.zeros((_N_LANE, LANES))  # the lanes' state, rows _L_*
    for b in range(nb):
        c = start + b
        if status[c] != STATUS_OK:
            continue
        nk = ocv_len[c]
        knee_ocv = _interp(opts[O_KNEE], ocv_soc, ocv_v, c, nk)
        peak_i = _plc(cars[c, C_PEAK_POWER], knee_ocv, cars[c, C_RESISTANCE])
        if cars[c, C_HAS_MAX_CURRENT] != 0.0:
            peak_i = cars[c, C_MAX_CURRENT]
        ocv_from = _interp(soc_from, ocv_soc, ocv_v, c, nk)
        ocv_to = _interp(soc_to, ocv_soc, ocv_v, c, nk)
        out[c, R_OCV_FROM] = ocv_from
        out[c, R_OCV_TO] = ocv_to
        step_up = cars[c, C_NOMINAL] >= opts[O_BOOST_MIN_NOMINAL]
        reach = volts * opts[O_BOOST_MAX_RATIO] >= ocv_from if step_up else volts >= ocv_to
        if not reach:
            status[c] = STATUS_VOLTAGE
            continue
        live[b] = True
        v_max = cars[c, C_MAX_VOLTAGE]
        below = v_max > volts
        boost = below and step_up
        if boost:
            p_ch = opts[O_CH_POWER]
            p_cable = opts[O_CH_CURRENT] * volts
            f[_L_INLET_CAP, b] = p_cable if p_cable < p_ch else p_ch
        f[_L_BELOW, b] = 1.0 if below else 0.0
        f[_L_BOOST, b] = 1.0 if boost else 0.0
        f[_L_PEAK_I, b] = peak_i
        f[_L_KNEE_OCV, b] = knee_ocv
        f[_L_R0, b] = cars[c, C_RESISTANCE]
        f[_L_V_MAX, b] = v_max
        f[_L_INV_SPAN, b] = 1.0 / (v_max - knee_ocv)
        f[_L_PEAK_P, b] = cars[c, C_PEAK_POWER]
        f[_L_AUX, b] = cars[c, C_AUX]
        f[_L_Q_DS, b] = cars[c, C_CAPACITY] * ds
        f[_L_INV_C_TH, b] = 1.0 / cars[c, C_HEAT_CAPACITY]
        f[_L_TEMP, b] = t_start
        f[_L_T_MAX, b] = t_start
        f[_L_PEAK_W, b] = -math.inf
        # The OCV table segment of the grid point and of the midpoint (SOCs only grow).
        first_x = ocv_soc[c, 0]
        last_x = ocv_soc[c, nk - 1]
        seg[b] = nk - 1 if soc_from >= last_x else (-1 if soc_from < first_x else 0)
        seg_mid[b] = seg[b]
        nks[b] = nk

    half = ds / 2
    for j in range(n + 1):
        s = grid[j]
        for b in range(nb):
            if not live[b]:
                continue
            c = start + b
            temp = f[_L_TEMP, b]
            ocv, seg[b] = _ocv_at(s, ocv_soc, ocv_v, c, nks[b], seg[b])
            i, p, joule, heat, k = _rates(temp, ocv, f, b, g)
            if not i > 0.0:
                status[c] = STATUS_NO_CURRENT
                out[c, R_STEP] = j
                live[b] = False
                continue
            p_in = p + f[_L_AUX, b] + heat
            if p_in > f[_L_PEAK_W, b] or p_in != p_in:
                f[_L_PEAK_W, b] = p_in
            if record:
                tr_time[c, j] = f[_L_TIME, b]
                tr_temp[c, j] = temp
                tr_current[c, j] = i
                tr_inlet[c, j] = p_in
                tr_limit[c, j] = k
            # Explicit midpoint rule on (t, T): a half step for T, then the full step with
            # the rates at the midpoint.
            d_t_half = (joule + heat) * f[_L_INV_C_TH, b] * (f[_L_Q_DS, b] / i) * 0.5
            f[_L_T_MID, b] = temp + d_t_half
        if j == n:
            break
        s_mid = s + half
        for b in range(nb):
            if not live[b]:
                continue
            c = start + b
            ocv_m, seg_mid[b] = _ocv_at(s_mid, ocv_soc, ocv_v, c, nks[b], seg_mid[b])
            i_m, p_m, joule_m, heat_m, _ = _rates(f[_L_T_MID, b], ocv_m, f, b, g)
            if not i_m > 0.0:
                status[c] = STATUS_NO_CURRENT
                out[c, R_STEP] = j
                live[b] = False
                continue
            q_ds = f[_L_Q_DS, b]
            step_t = q_ds / i_m
            f[_L_TIME, b] = f[_L_TIME, b] + step_t
            # Cooling holds the pack at t_cool (a pack already above it is held where it is).
            temp = f[_L_TEMP, b]
            hold = temp if temp > t_cool else t_cool
            warmed = temp + (joule_m + heat_m) * f[_L_INV_C_TH, b] * step_t
            temp = hold if hold < warmed else warmed
            f[_L_TEMP, b] = temp
            if temp > f[_L_T_MAX, b]:
                f[_L_T_MAX, b] = temp
            # Energies over the step at the midpoint state: terminal energy p_m·Δt splits
            # exactly into stored V_oc·Q·Δs and the loss R I²·Δt.
            f[_L_STORED, b] += ocv_m * q_ds
            f[_L_LOSS, b] += joule_m * step_t
            f[_L_HEATER, b] += heat_m * step_t
            f[_L_INLET, b] += (p_m + f[_L_AUX, b] + heat_m) * step_t
    for b in range(nb):
        if not live[b]:
            continue
        c = start + b
        out[c, R_TIME] = f[_L_TIME, b]
        out[c, R_INLET] = f[_L_INLET, b]
        out[c, R_STORED] = f[_L_STORED, b]
        out[c, R_LOSS] = f[_L_LOSS, b]
        out[c, R_HEATER] = f[_L_HEATER, b]
        out[c, R_PEAK] = f[_L_PEAK_W, b]
        out[c, R_T_START] = t_start
        out[c, R_T_END] = f[_L_TEMP, b]
        out[c, R_T_MAX] = f[_L_T_MAX, b]
        out[c, R_STEP] = n


def run_sessions(
    cars: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    ocv_len: npt.NDArray[np.int64],
    grid: npt.NDArray[np.float64],
    opts: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    status: npt.NDArray[np.int64],
    trace: tuple[
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
        npt.NDArray[np.int64],
    ]
    | None = None,
) -> None:
    """Run every car's session; write ``out`` and ``status`` (and ``trace``).

    Parameters
    ----------
    cars : (N, N_CAR) array
        Car parameters, columns ``C_*``.
    ocv_soc, ocv_v : (N, K) arrays
        Each car's open-circuit-voltage table: state of charge [-] (non-decreasing) and pack
        voltage [V], the first ``ocv_len[c]`` entries used.
    ocv_len : (N,) int array
        Length of each car's table, >= 2.
    grid : (n + 1,) array
        The session's state-of-charge grid (``np.linspace(soc_from, soc_to, n + 1)``).
    opts : (N_OPT,) array
        The session's options, entries ``O_*``.
    out : (N, N_OUT) array
        Output, ``R_*`` columns; of a car whose status is not OK only ``R_OCV_*`` (and
        ``R_STEP`` for ``STATUS_NO_CURRENT``) are written.
    status : (N,) int array
        ``STATUS_*`` per car: on entry ``STATUS_OK`` for the cars to run (any other is left
        as it is and the car not run), on return the outcome.
    trace : tuple of five (N, n + 1) arrays, optional
        Output per grid point: time [s], battery temperature [K], current [A], inlet power
        [W] and the index of the limit (``ChargeBatch.LIMITS``). Not recorded if None.
    """
    record = trace is not None
    if trace is None:
        empty = np.zeros((0, 0))
        trace = (empty, empty, empty, empty, np.zeros((0, 0), dtype=np.int64))
    run = _run_serial if cars.shape[0] <= _SERIAL_MAX else _run_parallel
    run(cars, ocv_soc, ocv_v, ocv_len, grid, opts, out, status, *trace, record)


#: Largest batch run on the calling thread alone (below it, starting threads costs more).
_SERIAL_MAX: Final = LANES


# Two functions, not one compiled twice: numba's cache does not tell compilations of one
# function with other options apart (as in :mod:`evforge.sim.kernel`).
@_pjit
def _run_parallel(
    cars: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    ocv_len: npt.NDArray[np.int64],
    grid: npt.NDArray[np.float64],
    opts: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    status: npt.NDArray[np.int64],
    tr_time: npt.NDArray[np.float64],
    tr_temp: npt.NDArray[np.float64],
    tr_current: npt.NDArray[np.float64],
    tr_inlet: npt.NDArray[np.float64],
    tr_limit: npt.NDArray[np.int64],
    record: bool,
) -> None:
    """:func:`run_sessions`: the blocks in parallel."""
    n = cars.shape[0]
    for blk in numba.prange((n + LANES - 1) // LANES):
        start = blk * LANES
        nb = min(LANES, n - start)
        _block(
            start,
            nb,
            cars,
            ocv_soc,
            ocv_v,
            ocv_len,
            grid,
            opts,
            out,
            status,
            tr_time,
            tr_temp,
            tr_current,
            tr_inlet,
            tr_limit,
            record,
        )


@_jit
def _run_serial(
    cars: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    ocv_len: npt.NDArray[np.int64],
    grid: npt.NDArray[np.float64],
    opts: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64],
    status: npt.NDArray[np.int64],
    tr_time: npt.NDArray[np.float64],
    tr_temp: npt.NDArray[np.float64],
    tr_current: npt.NDArray[np.float64],
    tr_inlet: npt.NDArray[np.float64],
    tr_limit: npt.NDArray[np.int64],
    record: bool,
) -> None:
    """:func:`run_sessions`: the blocks one after another, on the calling thread."""
    n = cars.shape[0]
    for start in range(0, n, LANES):
        nb = min(LANES, n - start)
        _block(
            start,
            nb,
            cars,
            ocv_soc,
            ocv_v,
            ocv_len,
            grid,
            opts,
            out,
            status,
            tr_time,
            tr_temp,
            tr_current,
            tr_inlet,
            tr_limit,
            record,
        )
