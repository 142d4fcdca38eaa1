"""Depletion programs: N vehicles driven from full charge over a sequence of cycles and
constant-speed holds until each breaks off, in one compiled call, with no per-step trace.

The range procedures (EPA MCT and single-cycle tests, WLTP STP and CCP, the CLTC methods)
all drive a car from full charge over a fixed sequence until it first falls behind the
trace with an empty pack (the break-off), and read the battery energy and distance at a
few points of that sequence (cycle and phase boundaries) and at the break-off. A *program*
is that sequence as one table of kernel steps (:func:`program`): the cycles' steps, shared
by every vehicle, and *hold rows*, each a constant-speed hold whose number of one-second
steps is per vehicle (the mid-test constant-speed segment, sized for each car, and the
end-of-test segment, driven until break-off). :func:`run_program` steps every vehicle
through it with the kernel's own step (:mod:`evforge.sim.kernel`: the vector fast step,
the scalar step where a limit is reached), so a vehicle's numbers are the ones a single
trace-recording run gives, to the last bit, whatever the batch around it.

A car breaks off at its first trace miss on a cycle the procedure prescribes. On the rows
this model adds to the rules, the 1 m/s² ramps into and out of a constant-speed segment
(:class:`Soft` pieces) and the holds, a miss counts only once the pack is empty: a car too
weak for the assumed ramp reaches the segment's speed a little later, as a driver in the
laboratory would take it, and is not broken off with charge left.

Vehicles run in blocks of :data:`~evforge.sim.kernel.LANES`. In a hold row the lanes of a
block step together for the longest hold among them; a lane whose own hold is over keeps
its state aside (and is restored after the row), a lane that has broken off stops counting.
Vehicles are ordered by their hold lengths before blocking, so a block's lanes finish
their holds close together and little of the work is thrown away.

Two shortcuts take the steps where only the battery's numbers move, by the full step's own
expressions, so the numbers a program reads (chemical energy and distance at the marks and
at the break-off, the state of charge, the empty marks) are those of the full step to the
last bit; the totals it does not read (aero, rolling, ...) are not kept up in them:

- *Steady holds.* Once every lane of a block holds steady (on the trace at the hold's
  speed), the steps up to the next lane's end of hold run in one tight loop over a scratch
  copy of the lanes' state (:func:`_steady_run`): 2.2-2.5 ns a lane-step, against 14 ns
  for the full step it replaced (one core, 512 cars holding 8,000 steps;
  ``benchmarks/bench_holds.py``).
- *Cycles driven again* (the EPA MCT's four UDDS and two HWFET, CLTC's repeats): the first
  drive of such a cycle records each lane's terminal power per step, and a later drive
  replays it (:func:`_replay`) wherever every lane of the block can (on the trace, charge
  left, the pack able to deliver that power at its present voltage), since the step's
  mechanics do not depend on the charge; elsewhere (near empty, off the trace) the full step.
  7.7-9.1 ns a lane-step against 17-18 ns for the first drive (``benchmarks/bench_holds.py``).
  Not with a per-car auxiliary-power schedule (the climate runs), which changes the power
  from one drive to the next.

(Those figures are from the 0.4.0 runs. In the 0.5.0 runs, with the machine about 1.5 times
as fast by FASTSim's time per car, the same command gave 0.9-2.3 ns a held step, 10-17 ns a first
drive's step and 4.1-6.4 ns a replayed one: the machine is shared and noisy, the ratios are
what carries over.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numba
import numpy as np
import numpy.typing as npt

from evforge.cycles import Cycle
from evforge.sim import kernel as k
from evforge.sim.params import pack
from evforge.vehicle import Vehicle

__all__ = ["Hold", "Program", "ProgramResult", "Soft", "program", "run_program"]

#: Vehicles per compiled call (packed, run, outputs copied out): memory stays flat.
CHUNK: Final = 4096
#: ``kind`` of a row that is a plain step of a shared cycle, and of one of a :class:`Soft` one.
_STEP: Final = -1
_SOFT: Final = -2
#: ``stop`` columns: battery energy [J] and distance [m] at the break-off, and its row.
S_ENERGY: Final = 0
S_DISTANCE: Final = 1
S_ROW: Final = 2
#: ... and the state of charge at the end of the program, and whether the pack ran empty.
S_SOC: Final = 3
S_EMPTY: Final = 4
N_STOP: Final = 5


@dataclass(frozen=True)
class Hold:
    """A constant-speed hold on level road: ``speed_mps`` for a per-vehicle number of
    one-second steps (column ``index`` of the ``holds`` matrix of :func:`run_program`)."""

    speed_mps: float
    index: int


@dataclass(frozen=True)
class Soft:
    """A cycle of the model's own making (a ramp into a constant-speed segment): a trace
    miss on it does not break the car off while the pack has charge."""

    cycle: Cycle


@dataclass(frozen=True)
class Program:
    """A sequence as kernel rows.

    Attributes
    ----------
    table : (R, N_CYCLE) array
        The rows (:func:`evforge.sim.kernel.cycle_table` columns); row 0 is the start.
    kind : (R,) int array
        ``-1`` for a step of a shared cycle, ``-2`` of a :class:`Soft` one, else the hold
        index of a hold row.
    begin, end : tuple of int
        Per piece, the row of its first sample (shared with the previous piece's last) and
        of its last.
    again : (R, 2) int array
        For the steps of a cycle the program drives again later (the EPA MCT's four UDDS):
        column 0, the step's row in the recording of that cycle (else -1); for the steps of
        a cycle driven again, column 1, the row of the recording it replays (else -1).
    """

    table: npt.NDArray[np.float64]
    kind: npt.NDArray[np.int64]
    begin: tuple[int, ...]
    end: tuple[int, ...]
    again: npt.NDArray[np.int64]

    @property
    def holds(self) -> int:
        """How many hold columns the program reads."""
        return int(self.kind.max()) + 1 if self.kind.size and self.kind.max() >= 0 else 0


def program(pieces: Sequence[Cycle | Soft | Hold]) -> Program:
    """The rows of a sequence of cycles and holds, driven back to back.

    Consecutive pieces share their joining sample (every cycle starts and ends at rest, as
    :func:`evforge.procedures.segments.run_segmented` joins them); a hold is one row.
    """
    tables: list[npt.NDArray[np.float64]] = []
    kinds: list[npt.NDArray[np.int64]] = []
    begin: list[int] = []
    end: list[int] = []
    # A cycle driven again is replayed from the recording of its first drive; the first
    # drives of the cycles that come again are recorded (their rows, and where in the
    # recording each step goes).
    seen: list[tuple[Cycle, int, list[int]]] = []  # (cycle, first recording row, its rows)
    replays: list[tuple[list[int], int]] = []  # (rows of a drive again, recording row)
    recorded = 0
    row = 0
    offset = 0.0
    for n, piece in enumerate(pieces):
        begin.append(row)
        if isinstance(piece, Hold):
            part = np.zeros((1, k.N_CYCLE))
            part[0, k.C_TIME] = offset + 1.0
            part[0, k.C_TARGET] = piece.speed_mps
            part[0, k.C_DT] = 1.0
            part[0, k.C_COS] = 1.0
            kinds.append(np.array([piece.index], dtype=np.int64))
            tables.append(part)
            row += 1
            offset += 1.0
        else:
            cycle = piece.cycle if isinstance(piece, Soft) else piece
            part = k.cycle_table(cycle.time_s, cycle.speed_mps, cycle.grade)
            part[:, k.C_TIME] += offset
            skip = 0 if n == 0 else 1
            tables.append(part[skip:])
            code = _SOFT if isinstance(piece, Soft) else _STEP
            kinds.append(np.full(part.shape[0] - skip, code, dtype=np.int64))
            steps = list(range(row + 1, row + part.shape[0]))  # the rows of samples 1..L-1
            if isinstance(piece, Cycle):
                first = next((f for f in seen if _same_trace(f[0], piece)), None)
                if first is None:
                    seen.append((piece, -1, steps))
                else:
                    replays.append((steps, seen.index(first)))
            row += part.shape[0] - 1
            offset = part[-1, k.C_TIME]
        end.append(row)
    if not isinstance(pieces[0], Cycle):
        raise ValueError("a program starts with a cycle")
    table = np.concatenate(tables)
    again = np.full((table.shape[0], 2), -1, dtype=np.int64)
    base: dict[int, int] = {}
    for _, source in replays:  # record only the cycles that come again
        if source not in base:
            base[source] = recorded
            rows = seen[source][2]
            again[rows, 0] = np.arange(recorded, recorded + len(rows))
            recorded += len(rows)
    for rows, source in replays:
        again[rows, 1] = np.arange(base[source], base[source] + len(rows))
    return Program(table, np.concatenate(kinds), tuple(begin), tuple(end), again)


def _same_trace(a: Cycle, b: Cycle) -> bool:
    """Whether two cycles are the same steps (speeds, grades and step lengths)."""
    if a is b:
        return True
    return (
        a.speed_mps.shape == b.speed_mps.shape
        and np.array_equal(a.speed_mps, b.speed_mps)
        and np.array_equal(a.grade, b.grade)
        and np.array_equal(np.diff(a.time_s), np.diff(b.time_s))
    )


@dataclass(frozen=True)
class ProgramResult:
    """What :func:`run_program` reads off each vehicle's run.

    Attributes
    ----------
    energy_j, distance_m : (N, M) arrays
        Battery (DC, chemical) energy drawn and distance driven from the start to the end of
        each marked row; NaN where the vehicle had broken off before that row.
    ube_j, stop_distance_m : (N,) arrays
        Energy and distance to the break-off (the last sample before the vehicle first fell
        behind the trace); NaN if it never broke off.
    stop_row : (N,) int array
        The row in which it fell behind; -1 if it never did.
    end_soc : (N,) array
        State of charge at the end of the program (NaN for a car that broke off).
    ran_empty : (N,) bool array
        Whether the pack ran empty (state of charge at or below ``EMPTY_SOC``) at any point.
    """

    energy_j: npt.NDArray[np.float64]
    distance_m: npt.NDArray[np.float64]
    ube_j: npt.NDArray[np.float64]
    stop_distance_m: npt.NDArray[np.float64]
    stop_row: npt.NDArray[np.int64]
    end_soc: npt.NDArray[np.float64]
    ran_empty: npt.NDArray[np.bool_]


def run_program(
    vehicles: Sequence[Vehicle],
    prog: Program,
    holds: npt.NDArray[np.int64],
    marks: Sequence[int],
    *,
    key: npt.NDArray[np.int64] | None = None,
    aux_rows: npt.NDArray[np.int64] | None = None,
    aux_w: npt.NDArray[np.float64] | None = None,
    break_off: bool = True,
    fast: bool = True,
    initial_soc: npt.NDArray[np.float64] | None = None,
) -> ProgramResult:
    """Drive every vehicle through ``prog`` from its initial charge until it breaks off.

    Parameters
    ----------
    vehicles : sequence of Vehicle
        The batch (cars with different OCV state-of-charge grids run as separate batches).
    prog : Program
        From :func:`program`.
    holds : (N, H) int array
        Steps of each hold, per vehicle (``H = prog.holds``; >= 0).
    marks : sequence of int
        Distinct rows (>= 1) after which the energy and distance are read.
    key : (N,) int array, optional
        Order the vehicles are blocked in (default: by hold lengths); cars that break off
        close together should share blocks, since a block runs until its last car stops.
    aux_rows, aux_w : (N, S) arrays, optional
        A per-car schedule of the always-on power: from the step after row ``aux_rows[j, s]``
        car ``j`` draws ``aux_w[j, s]`` [W] (``aux_rows[j, 0]`` = 0, non-decreasing), in place
        of its ``auxiliary_power_w`` (the climate runs: each segment its mean HVAC power,
        :func:`evforge.sim.ambient.run_at_ambient_batch`).
    break_off : bool
        True (the range procedures): a car stops at its first trace miss, the pack
        delivering past empty. False: every car drives the whole program, a miss is just a
        miss (the pack still delivers past empty: a run that empties it is flagged in
        ``ran_empty``, and is the caller's to refuse).
    fast : bool
        As for :func:`evforge.sim.kernel.run_batch`.
    initial_soc : (N,) array, optional
        Each car's state of charge at the start [-], in place of its ``initial_soc`` (the
        same numbers as a car changed to it, without making the changed cars).
    """
    n = len(vehicles)
    holds = np.ascontiguousarray(holds, dtype=np.int64).reshape(n, prog.holds)
    if not prog.holds:
        holds = np.zeros((n, 1), dtype=np.int64)  # the kernel reads no column
    if holds.size and holds.min() < 0:
        raise ValueError("hold lengths must be >= 0")
    mark_of = np.full(prog.table.shape[0], -1, dtype=np.int64)
    for m, row in enumerate(marks):
        if not 1 <= row < mark_of.size or mark_of[row] >= 0:
            raise ValueError(f"marks must be distinct rows of the program (>= 1), got {row}")
        mark_of[row] = m
    # Lanes of a block finish together when sorted by hold length (or by the caller's key).
    if key is not None:
        order = np.argsort(key, kind="stable")
    elif prog.holds:
        order = np.lexsort(holds.T[::-1])
    else:
        order = np.arange(n)
    scheduled = aux_rows is not None and aux_w is not None
    if aux_rows is None or aux_w is None:
        aux_rows = np.zeros((n, 1), dtype=np.int64)
        aux_w = np.zeros((n, 1))
    aux_rows = np.ascontiguousarray(aux_rows, dtype=np.int64)
    aux_w = np.ascontiguousarray(aux_w, dtype=np.float64)
    energy = np.full((n, len(marks)), np.nan)
    distance = np.full((n, len(marks)), np.nan)
    stop = np.full((n, N_STOP), np.nan)
    # One kernel batch per OCV state-of-charge grid, in chunks (memory stays flat).
    groups: dict[tuple[float, ...], list[int]] = {}
    for i in order:
        groups.setdefault(tuple(vehicles[i].ocv_soc), []).append(int(i))
    chunks = [
        np.asarray(g[a : a + CHUNK], dtype=np.int64)
        for g in groups.values()
        for a in range(0, len(g), CHUNK)
    ]
    for idx in chunks:
        part = [vehicles[i] for i in idx]
        params, soc_grid, ocv = pack(part)
        if initial_soc is not None:
            params[:, k.P_SOC0] = initial_soc[idx]
        marked = np.full((len(part), len(marks), 2), np.nan)
        out = np.full((len(part), N_STOP), np.nan)
        run = _program_parallel if len(part) > k.LANES else _program_serial
        run(
            params,
            soc_grid,
            ocv,
            prog.table,
            prog.kind,
            prog.again,
            holds[idx],
            mark_of,
            marked,
            out,
            aux_rows[idx],
            aux_w[idx],
            scheduled,
            break_off,
            fast,
            fast and not scheduled,  # a schedule changes the power from one drive to the next
        )
        energy[idx] = marked[:, :, 0]
        distance[idx] = marked[:, :, 1]
        stop[idx] = out
    stop_row = np.where(np.isnan(stop[:, S_ROW]), -1, stop[:, S_ROW]).astype(np.int64)
    return ProgramResult(
        energy,
        distance,
        stop[:, S_ENERGY],
        stop[:, S_DISTANCE],
        stop_row,
        stop[:, S_SOC],
        stop[:, S_EMPTY] == 1.0,
    )


_jit: Any = k._jit


@_jit
def _advance(
    w: npt.NDArray[np.float64],
    params: npt.NDArray[np.float64],
    start: int,
    nb: int,
    ocv_soc: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    two: bool,
    time: float,
    target: float,
    dt: float,
    cos_g: float,
    sin_g: float,
    row: int,
    frozen: npt.NDArray[np.bool_],
    stopped: npt.NDArray[np.bool_],
    stop: npt.NDArray[np.float64],
    break_off: bool,
    soft: bool,
) -> int:
    """One step of every lane (as :func:`evforge.sim.kernel._run_block` takes it, with the
    pack delivering past empty); a lane not ``frozen`` that falls behind the trace breaks
    off (on a ``soft`` row only with its pack empty): its energy and distance so far go to
    ``stop`` and it is ``stopped``. A frozen or
    stopped lane is kept charged (its numbers are not used), so it takes the fast step.
    Returns how many lanes broke off in this step."""
    kk = ocv_soc.shape[0]
    x_first = ocv_soc[0]
    x_last = ocv_soc[kk - 1]
    out = k.W_OUT * k.LANES
    acc = k.W_ACC * k.LANES
    flagged = k._fast_step(w, x_first, x_last, target, dt, cos_g, sin_g, True, two, nb)
    for b in range(nb if flagged else 0):
        if w[k.W_OK * k.LANES + b] != 0.0:
            continue
        p = params[start + b]
        primary = int(w[k.W_PRIMARY * k.LANES + b])
        v_prev = w[k.W_V * k.LANES + b]
        voc = w[k.W_VOC * k.LANES + b] if kk > 1 else ys[0, b]
        w[k.W_VOC * k.LANES + b] = voc
        soc = w[k.W_SOC * k.LANES + b]
        v1, missed, res = k._solve_step(
            p, primary, v_prev, target, dt, cos_g, sin_g, voc, soc, math.inf, True
        )
        for c in range(k.N_OUT):
            w[out + c * k.LANES + b] = res[c]
        w[k.W_V1 * k.LANES + b] = v1
        w[k.W_MISSED * k.LANES + b] = 1.0 if missed else 0.0
        w[k.W_POWERED * k.LANES + b] = 1.0
    broke = 0
    for b in range(nb if break_off else 0):
        missed = w[k.W_MISSED * k.LANES + b] != 0.0 and not frozen[b] and not stopped[b]
        if missed and (not soft or w[k.W_SOC * k.LANES + b] <= k.EMPTY_SOC):
            stop[start + b, S_ENERGY] = w[acc + k.E_CHEM * k.LANES + b]
            stop[start + b, S_DISTANCE] = w[acc + k.E_DIST * k.LANES + b]
            stop[start + b, S_ROW] = row
            stopped[b] = True
            broke += 1
    if k._accumulate(w, time, dt, kk - 2.0, nb):
        k._ocv_refresh(w, ocv_soc, ys, nb)
    for b in range(nb if break_off else 0):
        if (frozen[b] or stopped[b]) and w[k.W_SOC * k.LANES + b] < 0.5:
            _recharge(w, ocv_soc, ys, b)
    return broke


#: A lane takes the steady step only with this much charge left [-] (well above empty).
_STEADY_MIN_SOC: Final = 1e-4


@k._vjit
def _steady(
    w: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    nb: int,
    target: float,
    dt: float,
    time: float,
    frozen: npt.NDArray[np.bool_],
    stopped: npt.NDArray[np.bool_],
) -> bool:
    """One more step of a hold for every lane, if every lane is steady; False (nothing done)
    otherwise.

    A lane is steady when its last step was a step of the same hold taken by the fast path
    (``W_OK``), on the trace and at the hold's speed: then every output of the next step is
    the same but the battery's, whose open-circuit voltage has moved with the charge. The
    step recomputes only those (voltage, current, resistive loss, by the fast step's own
    expressions) and adds it up with the kernel's own :func:`~evforge.sim.kernel._accumulate`,
    so it gives what the full step would, to the last bit. It is refused (the caller takes
    the full step) when some lane is not steady, is nearly empty, or would exceed the pack's
    power at the new voltage: the cases where the full step would take another branch.
    """
    lanes = k.LANES
    kk = ocv_soc.shape[0]
    x_first = ocv_soc[0]
    x_last = ocv_soc[kk - 1]
    o = k.W_OUT * lanes
    ok = True
    for b in range(nb):
        steady = w[k.W_OK * lanes + b] != 0.0 and w[k.W_FAST * lanes + b] != 0.0
        steady = steady and w[k.W_MISSED * lanes + b] == 0.0
        # On the trace at the hold's speed, after a step at constant speed (no inertia force).
        steady = steady and w[k.W_V * lanes + b] == target and w[o + k.O_INERTIA * lanes + b] == 0.0
        steady = steady and w[k.W_SOC * lanes + b] > _STEADY_MIN_SOC
        voc = k._ocv_value(w, b, x_first, x_last)
        w[k.W_VOC * lanes + b] = voc  # (a full step, if one follows, sets it again)
        resistance = w[k.P_RESISTANCE * lanes + b]
        p_max = k._BATTERY_MARGIN * k._v_max_discharge_power(voc, resistance)
        steady = steady and w[o + k.O_TERMINAL * lanes + b] <= p_max
        ok = ok and steady
    if not ok:
        return False
    for b in range(nb):
        voc = w[k.W_VOC * lanes + b]
        resistance = w[k.P_RESISTANCE * lanes + b]
        current = k._v_battery_current(w[o + k.O_TERMINAL * lanes + b], voc, resistance)
        w[o + k.O_CURRENT * lanes + b] = current
        w[o + k.O_BATTERY_LOSS * lanes + b] = resistance * current * current
    if k._accumulate(w, time, dt, kk - 2.0, nb):
        k._ocv_refresh(w, ocv_soc, ys, nb)
    for b in range(nb):
        if (frozen[b] or stopped[b]) and w[k.W_SOC * lanes + b] < 0.5:
            _recharge(w, ocv_soc, ys, b)
    return True


# Rows of the scratch of :func:`_steady_run`: a block's lanes' state while they hold, kept
# apart from the workspace so the step is one tight pass over them.
_L_SOC, _L_X0, _L_X1, _L_Y0, _L_Y1, _L_SLOPE, _L_VOC, _L_R, _L_TERM, _L_CAP = range(10)
_L_CURRENT, _L_LOSS, _L_SEG = 10, 11, 12
_L_ACC: Final = 13  # the totals (rows E_*) ...
_L_INC: Final = _L_ACC + len(k.ENERGY_FIELDS)  # ... and what each steady step adds to them
N_LOCAL: Final = _L_INC + len(k.ENERGY_FIELDS)  # (of the increments, only distance is kept)


@k._vjit
def _hold_load(
    w: npt.NDArray[np.float64], loc: npt.NDArray[np.float64], nb: int, dt: float
) -> None:
    """The lanes' state into the scratch, and a steady step's distance as
    :func:`~evforge.sim.kernel._accumulate` computes it (W_V = W_V1 on the trace)."""
    lanes = k.LANES
    o = k.W_OUT * lanes
    a = k.W_ACC * lanes
    for b in range(nb):
        loc[_L_SOC, b] = w[k.W_SOC * lanes + b]
        loc[_L_X0, b] = w[k.W_X0 * lanes + b]
        loc[_L_X1, b] = w[k.W_X1 * lanes + b]
        loc[_L_Y0, b] = w[k.W_Y0 * lanes + b]
        loc[_L_Y1, b] = w[k.W_Y1 * lanes + b]
        loc[_L_SLOPE, b] = w[k.W_SLOPE * lanes + b]
        loc[_L_R, b] = w[k.P_RESISTANCE * lanes + b]
        loc[_L_TERM, b] = w[o + k.O_TERMINAL * lanes + b]
        loc[_L_CAP, b] = w[k.P_CAPACITY * lanes + b]
        loc[_L_SEG, b] = w[k.W_SEG * lanes + b]
        for r in range(len(k.ENERGY_FIELDS)):
            loc[_L_ACC + r, b] = w[a + r * lanes + b]
        d = 0.5 * (w[k.W_V * lanes + b] + w[k.W_V1 * lanes + b]) * dt
        loc[_L_INC + k.E_DIST, b] = d


@k._vjit
def _hold_store(w: npt.NDArray[np.float64], loc: npt.NDArray[np.float64], nb: int) -> None:
    """The scratch's moving rows back into the workspace."""
    lanes = k.LANES
    o = k.W_OUT * lanes
    a = k.W_ACC * lanes
    for b in range(nb):
        w[k.W_SOC * lanes + b] = loc[_L_SOC, b]
        w[k.W_VOC * lanes + b] = loc[_L_VOC, b]
        w[k.W_SEG * lanes + b] = loc[_L_SEG, b]
        w[k.W_X0 * lanes + b] = loc[_L_X0, b]
        w[k.W_X1 * lanes + b] = loc[_L_X1, b]
        w[k.W_Y0 * lanes + b] = loc[_L_Y0, b]
        w[k.W_Y1 * lanes + b] = loc[_L_Y1, b]
        w[k.W_SLOPE * lanes + b] = loc[_L_SLOPE, b]
        w[o + k.O_CURRENT * lanes + b] = loc[_L_CURRENT, b]
        w[o + k.O_BATTERY_LOSS * lanes + b] = loc[_L_LOSS, b]
        for r in range(len(k.ENERGY_FIELDS)):
            w[a + r * lanes + b] = loc[_L_ACC + r, b]


@k._vjit
def _hold_add(loc: npt.NDArray[np.float64], steps: int) -> None:
    """``steps`` steady steps' distance added to the distance total, one step at a time (the
    addition :func:`~evforge.sim.kernel._accumulate` makes, so the same sum). The other
    totals a steady step would move by a constant (aero, rolling, ...) are not read from a
    program and are not kept up."""
    acc = loc[_L_ACC + k.E_DIST]
    inc = loc[_L_INC + k.E_DIST]
    for _ in range(steps):
        for b in range(k.LANES):
            acc[b] += inc[b]


@_jit
def _hold_segment(
    loc: npt.NDArray[np.float64],
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    b: int,
) -> None:
    """:func:`~evforge.sim.kernel._ocv_segment` on the scratch."""
    j = k._segment_of(loc[_L_SOC, b], xs)
    loc[_L_SEG, b] = j
    loc[_L_X0, b] = xs[j]
    loc[_L_X1, b] = xs[j + 1]
    loc[_L_Y0, b] = ys[j, b]
    loc[_L_Y1, b] = ys[j + 1, b]
    loc[_L_SLOPE, b] = (ys[j + 1, b] - ys[j, b]) / (xs[j + 1] - xs[j])


@k._vjit
def _steady_run(
    w: npt.NDArray[np.float64],
    loc: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    nb: int,
    target: float,
    dt: float,
    time: float,
    first: int,
    steps: int,
    frozen: npt.NDArray[np.bool_],
    stopped: npt.NDArray[np.bool_],
) -> int:
    """Up to ``steps`` steady steps of a hold (steps ``first``, ``first + 1``, ... of the
    row), each exactly as :func:`_steady` takes it; returns how many were taken (0: the
    first was refused, the caller takes the full step).

    The first is :func:`_steady` itself (which checks that every lane is steady). A steady
    step leaves what made the lanes steady as it was (the fast-path flags, the speed, the
    step's outputs but the battery's), so the next ones check only what moves with the
    charge: the charge left and the pack's power at the new voltage. The lanes' state is
    copied into the scratch ``loc`` (:func:`_hold_load`), where each step is two branch-free
    passes over the lanes (the check, then the battery's outputs and the totals a program
    reads: chemical energy and distance), by :func:`_steady`'s and
    :func:`~evforge.sim.kernel._accumulate`'s own expressions (the same operations in the
    same order, so the same results to the last bit; the totals a program does not read are
    not kept up). The rare events (a lane's charge leaves its OCV segment, runs empty, or a
    frozen or stopped lane is recharged) are handled on the scratch as the kernel's own
    functions handle them on the workspace.
    """
    if steps <= 0 or not _steady(w, ocv_soc, ys, nb, target, dt, time + first, frozen, stopped):
        return 0
    lanes = k.LANES
    kk = ocv_soc.shape[0]
    x_first = ocv_soc[0]
    x_last = ocv_soc[kk - 1]
    last = kk - 2.0
    keep = np.zeros(lanes)  # 1: a frozen or stopped lane (recharged below half charge)
    for b in range(nb):
        keep[b] = 1.0 if frozen[b] or stopped[b] else 0.0
    _hold_load(w, loc, nb, dt)
    done = 1  # steps whose constant increments are in the totals (the first: _steady's)
    for j in range(1, steps):
        bad = 0
        for b in range(nb):
            s = loc[_L_SOC, b]
            voc = k._segment_value(
                s,
                loc[_L_X0, b],
                loc[_L_X1, b],
                loc[_L_Y0, b],
                loc[_L_Y1, b],
                loc[_L_SLOPE, b],
                x_first,
                x_last,
            )
            loc[_L_VOC, b] = voc
            resistance = loc[_L_R, b]
            p_max = k._BATTERY_MARGIN * (voc * voc / (4.0 * resistance))
            bad += (s <= _STEADY_MIN_SOC) | (loc[_L_TERM, b] > p_max)
        if bad:
            _hold_add(loc, j - done)
            _hold_store(w, loc, nb)
            return j
        events = 0
        for b in range(nb):
            voc = loc[_L_VOC, b]
            resistance = loc[_L_R, b]
            p_term = loc[_L_TERM, b]
            current = 2.0 * p_term / (voc + np.sqrt(voc * voc - 4.0 * resistance * p_term))
            p_batt = resistance * current * current
            loc[_L_CURRENT, b] = current
            loc[_L_LOSS, b] = p_batt
            loc[_L_ACC + k.E_BATT_LOSS, b] += p_batt * dt
            loc[_L_ACC + k.E_CHEM, b] += (p_term + p_batt) * dt
            soc = loc[_L_SOC, b] - current * dt / loc[_L_CAP, b]
            loc[_L_SOC, b] = soc
            # the rare events: left the segment (k._ocv_moved), empty, recharge
            seg = loc[_L_SEG, b]
            event = ((soc < loc[_L_X0, b]) & (seg > 0.0)) | ((soc >= loc[_L_X1, b]) & (seg < last))
            event = event | (soc <= k.EMPTY_SOC)
            event = event | ((keep[b] != 0.0) & (soc < 0.5))
            events += event
        if not events:
            continue
        # As _accumulate, _ocv_refresh and _recharge take them, on the scratch.
        for b in range(nb):
            if loc[_L_SOC, b] <= k.EMPTY_SOC:
                w[k.W_EMPTY * lanes + b] = 1.0
                if loc[_L_ACC + k.E_EMPTY_TIME, b] < 0.0:
                    _hold_add(loc, j + 1 - done)  # the distance so far
                    done = j + 1
                    loc[_L_ACC + k.E_EMPTY_TIME, b] = time + (first + j)
                    loc[_L_ACC + k.E_EMPTY_DIST, b] = loc[_L_ACC + k.E_DIST, b]
        for b in range(nb):
            soc = loc[_L_SOC, b]
            seg = loc[_L_SEG, b]
            if (soc < loc[_L_X0, b] and seg > 0.0) or (soc >= loc[_L_X1, b] and seg < last):
                _hold_segment(loc, ocv_soc, ys, b)
        for b in range(nb):
            if keep[b] != 0.0 and loc[_L_SOC, b] < 0.5:
                loc[_L_SOC, b] = 1.0
                w[k.W_EMPTY * lanes + b] = 0.0
                if kk > 1:
                    _hold_segment(loc, ocv_soc, ys, b)
    _hold_add(loc, steps - done)
    _hold_store(w, loc, nb)
    return steps


@_jit
def _recharge(
    w: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    b: int,
) -> None:
    """Put a lane whose numbers no longer count back at full charge (fast steps only)."""
    w[k.W_SOC * k.LANES + b] = 1.0
    w[k.W_EMPTY * k.LANES + b] = 0.0
    if ocv_soc.shape[0] > 1:
        k._ocv_segment(w, ocv_soc, ys, b)


@_jit
def _program_block(
    params: npt.NDArray[np.float64],
    start: int,
    nb: int,
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    kind: npt.NDArray[np.int64],
    again: npt.NDArray[np.int64],
    holds: npt.NDArray[np.int64],
    mark_of: npt.NDArray[np.int64],
    marked: npt.NDArray[np.float64],
    stop: npt.NDArray[np.float64],
    aux_rows: npt.NDArray[np.int64],
    aux_w: npt.NDArray[np.float64],
    scheduled: bool,
    break_off: bool,
    fast: bool,
    replay: bool,
) -> None:
    """Vehicles ``start .. start + nb - 1`` through the program (:func:`run_program`)."""
    lanes = k.LANES
    kk = ocv_soc.shape[0]
    rows = table.shape[0]
    w = np.zeros(k.N_W * lanes)
    saved = np.zeros((k.N_W, lanes))
    loc = np.zeros((N_LOCAL, lanes))
    ys = np.empty((kk, lanes))
    acc = k.W_ACC * lanes
    v_start = table[0, k.C_TARGET]
    frozen = np.zeros(lanes, dtype=np.bool_)
    stopped = np.zeros(lanes, dtype=np.bool_)
    ran_empty = np.zeros(lanes, dtype=np.bool_)
    segment = np.zeros(lanes, dtype=np.int64)
    segments = aux_rows.shape[1]
    # The recording of the cycles driven again: per step and lane, the terminal power and
    # whether the step can be replayed (1.0), or not (0.0).
    recorded = max(int(again[:, 0].max()) + 1, 1) if replay else 1
    rec_power = np.zeros((recorded, lanes))
    rec_ok = np.zeros((recorded, lanes))
    v_before = np.zeros(lanes)
    two = k._load_lanes(w, ys, params, start, nb, ocv_soc, ocv_v, v_start, fast)
    if scheduled:
        for b in range(nb):
            w[k.P_AUX * lanes + b] = aux_w[start + b, 0]
    alive = nb
    for i in range(1, rows):
        if scheduled:
            for b in range(nb):
                seg = segment[b]
                while seg + 1 < segments and i > aux_rows[start + b, seg + 1]:
                    seg += 1
                if seg != segment[b]:
                    segment[b] = seg
                    w[k.P_AUX * lanes + b] = aux_w[start + b, seg]
        time = table[i, k.C_TIME]
        target = table[i, k.C_TARGET]
        dt = table[i, k.C_DT]
        cos_g = table[i, k.C_COS]
        sin_g = table[i, k.C_SIN]
        h = kind[i]
        replayed = False
        if h < 0 and replay and again[i, 1] >= 0:
            v_prev = table[i - 1, k.C_TARGET]
            replayed = _replay(
                w,
                ocv_soc,
                ys,
                nb,
                rec_power,
                rec_ok,
                again[i, 1],
                v_prev,
                target,
                dt,
                time,
                stopped,
                break_off,
            )
        if h < 0 and not replayed:  # a step of a cycle
            q = again[i, 0] if replay else -1
            if q >= 0:
                for b in range(nb):
                    v_before[b] = w[k.W_V * lanes + b]
            alive -= _advance(
                w,
                params,
                start,
                nb,
                ocv_soc,
                ys,
                two,
                time,
                target,
                dt,
                cos_g,
                sin_g,
                i,
                frozen,
                stopped,
                stop,
                break_off,
                h == _SOFT,
            )
            if q >= 0:
                _record(w, nb, rec_power, rec_ok, q, v_before, table[i - 1, k.C_TARGET])
        elif not replayed:
            longest = 0
            for b in range(nb):
                frozen[b] = False
                count = holds[start + b, h]
                if not stopped[b]:
                    longest = max(longest, count)
                    if count == 0:
                        _save(w, saved, b)
                        frozen[b] = True
            s = 0
            while s < longest:
                # steady steps up to the next lane whose hold ends (then a full one)
                ends = longest
                for b in range(nb):
                    count = holds[start + b, h]
                    if not frozen[b] and not stopped[b] and s < count < ends:
                        ends = count
                taken = (
                    0
                    if s == 0
                    else _steady_run(
                        w, loc, ocv_soc, ys, nb, target, dt, time, s, ends - s, frozen, stopped
                    )
                )
                s += taken
                if taken == 0:
                    alive -= _advance(
                        w,
                        params,
                        start,
                        nb,
                        ocv_soc,
                        ys,
                        two,
                        time + s,
                        target,
                        dt,
                        cos_g,
                        sin_g,
                        i,
                        frozen,
                        stopped,
                        stop,
                        break_off,
                        True,
                    )
                    s += 1
                for b in range(nb):
                    if not frozen[b] and not stopped[b] and holds[start + b, h] == s:
                        _save(w, saved, b)
                        frozen[b] = True
                if alive == 0:
                    break
            for b in range(nb):
                if frozen[b] and not stopped[b]:
                    _restore(w, saved, b)
                    if kk > 1:
                        k._ocv_segment(w, ocv_soc, ys, b)
                frozen[b] = False
        m = mark_of[i]
        if m >= 0:
            for b in range(nb):
                if not stopped[b]:
                    marked[start + b, m, 0] = w[acc + k.E_CHEM * lanes + b]
                    marked[start + b, m, 1] = w[acc + k.E_DIST * lanes + b]
        if not break_off:
            for b in range(nb):
                ran_empty[b] = ran_empty[b] or w[k.W_EMPTY * lanes + b] != 0.0
        if alive == 0:
            break
    for b in range(nb):
        if not stopped[b]:
            stop[start + b, S_SOC] = w[k.W_SOC * lanes + b]
        stop[start + b, S_EMPTY] = 1.0 if ran_empty[b] else 0.0


@k._vjit
def _record(
    w: npt.NDArray[np.float64],
    nb: int,
    rec_power: npt.NDArray[np.float64],
    rec_ok: npt.NDArray[np.float64],
    q: int,
    v_before: npt.NDArray[np.float64],
    v_prev: float,
) -> None:
    """Row ``q`` of the recording, after the step: each lane's terminal power, and whether
    a later drive of the cycle can replay it: a fast-path step (``W_OK``) from the trace
    (``v_before`` = the trace's previous speed ``v_prev``) to the trace (not missed)."""
    lanes = k.LANES
    o = k.W_OUT * lanes
    for b in range(nb):
        rec_power[q, b] = w[o + k.O_TERMINAL * lanes + b]
        on = w[k.W_OK * lanes + b] != 0.0 and w[k.W_MISSED * lanes + b] == 0.0
        rec_ok[q, b] = 1.0 if on and v_before[b] == v_prev else 0.0


@k._vjit
def _replay(
    w: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    nb: int,
    rec_power: npt.NDArray[np.float64],
    rec_ok: npt.NDArray[np.float64],
    r: int,
    v_prev: float,
    target: float,
    dt: float,
    time: float,
    stopped: npt.NDArray[np.bool_],
    break_off: bool,
) -> bool:
    """A step of a cycle driven again, from row ``r`` of its first drive's recording, if
    every lane can take it; False (nothing done: the caller takes the full step) otherwise.

    A lane can when its recorded step was a fast-path step from the trace to the trace, it
    is on the trace now (speed ``v_prev``, the trace's previous speed), has charge left and
    the pack can deliver the recorded terminal power at its present voltage: then the step's
    mechanics are those of the recording (they do not depend on the charge), and only the
    battery's numbers move, computed by the fast step's and
    :func:`~evforge.sim.kernel._accumulate`'s own expressions. The totals a program reads
    (chemical energy and distance), the state of charge and the empty marks are therefore
    those of the full step to the last bit; the totals it does not read (aero, rolling,
    ...) are not kept up in a replayed step.
    """
    lanes = k.LANES
    kk = ocv_soc.shape[0]
    x_first = ocv_soc[0]
    x_last = ocv_soc[kk - 1]
    o = k.W_OUT * lanes
    a = k.W_ACC * lanes
    ok = True
    for b in range(nb):
        voc = k._ocv_value(w, b, x_first, x_last)
        w[k.W_VOC * lanes + b] = voc
        resistance = w[k.P_RESISTANCE * lanes + b]
        p_max = k._BATTERY_MARGIN * k._v_max_discharge_power(voc, resistance)
        can = rec_ok[r, b] != 0.0 and w[k.W_V * lanes + b] == v_prev
        can = can and w[k.W_MISSED * lanes + b] == 0.0
        can = can and w[k.W_SOC * lanes + b] > _STEADY_MIN_SOC
        can = can and rec_power[r, b] <= p_max
        ok = ok and can
    if not ok:
        return False
    moved = 0
    for b in range(nb):
        voc = w[k.W_VOC * lanes + b]
        resistance = w[k.P_RESISTANCE * lanes + b]
        p_term = rec_power[r, b]
        current = k._v_battery_current(p_term, voc, resistance)
        p_batt = resistance * current * current
        w[o + k.O_INERTIA * lanes + b] = math.nan  # not a steady step (a hold's first step is full)
        w[o + k.O_TERMINAL * lanes + b] = p_term
        w[o + k.O_CURRENT * lanes + b] = current
        w[o + k.O_BATTERY_LOSS * lanes + b] = p_batt
        w[k.W_V1 * lanes + b] = target
        w[k.W_OK * lanes + b] = 1.0
        w[k.W_POWERED * lanes + b] = 1.0
        d = 0.5 * (w[k.W_V * lanes + b] + target) * dt
        w[a + k.E_CHEM * lanes + b] += (p_term + p_batt) * dt
        distance = w[a + k.E_DIST * lanes + b] + d
        w[a + k.E_DIST * lanes + b] = distance
        soc = w[k.W_SOC * lanes + b] - current * dt / w[k.P_CAPACITY * lanes + b]
        w[k.W_SOC * lanes + b] = soc
        k._mark_empty(w, b, soc, time, distance)
        w[k.W_V * lanes + b] = target
        moved += 1 if k._ocv_moved(w, b, kk - 2.0) else 0
    if moved:
        k._ocv_refresh(w, ocv_soc, ys, nb)
    for b in range(nb if break_off else 0):  # as _advance keeps a stopped lane charged
        if stopped[b] and w[k.W_SOC * lanes + b] < 0.5:
            _recharge(w, ocv_soc, ys, b)
    return True


@_jit
def _save(w: npt.NDArray[np.float64], saved: npt.NDArray[np.float64], b: int) -> None:
    for r in range(k.N_W):
        saved[r, b] = w[r * k.LANES + b]


@_jit
def _restore(w: npt.NDArray[np.float64], saved: npt.NDArray[np.float64], b: int) -> None:
    for r in range(k.N_W):
        w[r * k.LANES + b] = saved[r, b]


@numba.njit(cache=True, parallel=True, nogil=True)
def _program_parallel(
    params: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    kind: npt.NDArray[np.int64],
    again: npt.NDArray[np.int64],
    holds: npt.NDArray[np.int64],
    mark_of: npt.NDArray[np.int64],
    marked: npt.NDArray[np.float64],
    stop: npt.NDArray[np.float64],
    aux_rows: npt.NDArray[np.int64],
    aux_w: npt.NDArray[np.float64],
    scheduled: bool,
    break_off: bool,
    fast: bool,
    replay: bool,
) -> None:
    """:func:`run_program`: the blocks in parallel."""
    n = params.shape[0]
    blocks = (n + k.LANES - 1) // k.LANES
    for blk in numba.prange(blocks):
        start = blk * k.LANES
        nb = min(k.LANES, n - start)
        _program_block(
            params,
            start,
            nb,
            ocv_soc,
            ocv_v,
            table,
            kind,
            again,
            holds,
            mark_of,
            marked,
            stop,
            aux_rows,
            aux_w,
            scheduled,
            break_off,
            fast,
            replay,
        )


@_jit
def _program_serial(
    params: npt.NDArray[np.float64],
    ocv_soc: npt.NDArray[np.float64],
    ocv_v: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    kind: npt.NDArray[np.int64],
    again: npt.NDArray[np.int64],
    holds: npt.NDArray[np.int64],
    mark_of: npt.NDArray[np.int64],
    marked: npt.NDArray[np.float64],
    stop: npt.NDArray[np.float64],
    aux_rows: npt.NDArray[np.int64],
    aux_w: npt.NDArray[np.float64],
    scheduled: bool,
    break_off: bool,
    fast: bool,
    replay: bool,
) -> None:
    """:func:`run_program`: the blocks one after another, on the calling thread."""
    n = params.shape[0]
    for start in range(0, n, k.LANES):
        nb = min(k.LANES, n - start)
        _program_block(
            params,
            start,
            nb,
            ocv_soc,
            ocv_v,
            table,
            kind,
            again,
            holds,
            mark_of,
            marked,
            stop,
            aux_rows,
            aux_w,
            scheduled,
            break_off,
            fast,
            replay,
        )
