"""A DC charging session: integrate the charge-current limits over the state of charge.

The state is (time t, battery temperature T) as functions of the state of charge s over the
usable window. With the pack charge Q [C] (see :mod:`evforge.spec.derive`) and the charging
current I(s, T) from :mod:`evforge.charging.physics`::

    dt/ds = Q / I(s, T)
    dT/ds = (R(T) I² + P_heater) / C_th · dt/ds      (cooled to stay at or below T_cool)

integrated on a fixed grid of at most ``MAX_SOC_STEP`` with the explicit midpoint rule
(second order; the convergence is checked in tests/test_charging.py: halving the step
changes the time by less than 0.05 %). The charger meters the energy at the car's inlet:
terminal power plus the car's own draw (12 V auxiliaries, vehicle-on base load and the
battery heater); the grid supplies that divided by the charger's efficiency.

:func:`charge_batch` runs one session for many cars at once, in the compiled kernel of
:mod:`evforge.charging.kernel`; :func:`charge` is the batch of one car with its per-step
trace. :mod:`evforge.charging.reference` keeps the plain scalar loop the kernel reproduces.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import numpy as np
import numpy.typing as npt

from evforge.charging import kernel as k
from evforge.charging import physics as ph
from evforge.charging.chargers import CHARGER_CLASSES, DEFAULT_CHARGER, Charger, check_limit
from evforge.errors import InputError, Problem
from evforge.params import ParameterSet, load_parameters
from evforge.spec import defaults as d
from evforge.vehicle import Vehicle

__all__ = [
    "MAX_SOC_STEP",
    "ChargeBatch",
    "ChargeResult",
    "charge",
    "charge_batch",
    "precondition_energy_j",
]

#: Largest state-of-charge step of the integration [-] (0.1 % of the usable window).
MAX_SOC_STEP: Final = 0.001
#: Battery temperatures the model is meant for [°C]: cells are neither charged below -30 °C
#: nor above 60 °C (the reference cells' data run from -10 to 45 °C).
AMBIENT_RANGE_C: Final = (-30.0, 50.0)

_LIMITS: Final = ("battery", "car", "charger power", "charger current")
#: Nominal pack voltage from which a car is taken to have on-board step-up conversion for
#: chargers whose output stops below the pack's voltage [V]: the 800 V-class platforms
#: (Hyundai-Kia E-GMP, Porsche J1) charge on 400 V-class chargers that way; 400 V-class
#: packs (300-450 V nominal) do not (assumption from the makers' platform descriptions).
BOOST_MIN_NOMINAL_V: Final = 600.0
#: Largest step-up ratio of that conversion [-]: a 400 V-class charger to an 800 V pack.
BOOST_MAX_RATIO: Final = 2.0


@dataclass(frozen=True)
class ChargeResult:
    """A charging session from ``soc_from`` to ``soc_to``.

    Scalars are in the units their names carry; the arrays are the trace on the SOC grid.
    ``energy_inlet_kwh`` is what the charger meters (DC at the car's inlet), the figure a
    driver pays for; ``energy_stored_kwh`` is the chemical energy added to the cells.

    ``precondition_energy_kwh`` and ``precondition_time_min`` are what warming a pack colder
    than the preconditioning target took *before* plugging in (``preconditioned``; 0 when
    the pack was not colder or not preconditioned): the heat m c_p ΔT of the lumped pack
    (:func:`precondition_energy_j`) from the car's own pack at the heater's power, neither
    metered by the charger nor counted in ``time_min``.

    ``temperature_start_c``, ``temperature_end_c`` and ``temperature_max_c`` are the battery
    temperature at plug-in, at the end and its highest [°C]. The trace (``soc`` to
    ``limit``) is empty for a session taken from a :class:`ChargeBatch` run without one.
    """

    vehicle: str
    charger: str
    soc_from: float
    soc_to: float
    ambient_c: float
    preconditioned: bool
    time_min: float
    energy_inlet_kwh: float
    energy_stored_kwh: float
    energy_grid_kwh: float
    battery_loss_kwh: float
    heater_kwh: float
    peak_power_kw: float
    mean_power_kw: float
    precondition_energy_kwh: float
    precondition_time_min: float
    temperature_start_c: float
    temperature_end_c: float
    temperature_max_c: float
    soc: npt.NDArray[np.float64] = field(repr=False)
    time_s: npt.NDArray[np.float64] = field(repr=False)
    power_inlet_w: npt.NDArray[np.float64] = field(repr=False)
    current_a: npt.NDArray[np.float64] = field(repr=False)
    temperature_c: npt.NDArray[np.float64] = field(repr=False)
    limit: tuple[str, ...] = field(repr=False)

    def time_to_min(self, soc: float) -> float:
        """Minutes from the start to reach ``soc`` (a fraction within the session)."""
        if self.soc.size == 0:
            raise ValueError("the session has no trace (a ChargeBatch run without trace=True)")
        if not self.soc[0] <= soc <= self.soc[-1]:
            raise ValueError(f"soc {soc} outside the session {self.soc[0]}-{self.soc[-1]}")
        return float(np.interp(soc, self.soc, self.time_s)) / 60.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready record of the scalars (percentages in %, temperatures in °C)."""
        return {
            "vehicle": self.vehicle,
            "charger": self.charger,
            "soc_from_pct": self.soc_from * 100.0,
            "soc_to_pct": self.soc_to * 100.0,
            "ambient_c": self.ambient_c,
            "preconditioned": self.preconditioned,
            "time_min": self.time_min,
            "energy_kwh": self.energy_inlet_kwh,
            "energy_stored_kwh": self.energy_stored_kwh,
            "energy_grid_kwh": self.energy_grid_kwh,
            "battery_loss_kwh": self.battery_loss_kwh,
            "heater_kwh": self.heater_kwh,
            "precondition_energy_kwh": self.precondition_energy_kwh,
            "precondition_time_min": self.precondition_time_min,
            "peak_power_kw": self.peak_power_kw,
            "mean_power_kw": self.mean_power_kw,
            "battery_temperature_c": {
                "start": self.temperature_start_c,
                "end": self.temperature_end_c,
                "max": self.temperature_max_c,
            },
        }


def _check_inputs(soc_from: float, soc_to: float, ambient_c: float) -> None:
    problems = []
    for option, value in (("--from", soc_from), ("--to", soc_to)):
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            problems.append(
                Problem(option, f"got {value * 100:g} %; expected a state of charge of 0 to 100 %")
            )
    if not problems and soc_from >= soc_to:
        problems.append(
            Problem(
                "--from",
                f"got {soc_from * 100:g} %, not below --to {soc_to * 100:g} %; expected from < to",
            )
        )
    lo, hi = AMBIENT_RANGE_C
    if not (math.isfinite(ambient_c) and lo <= ambient_c <= hi):
        problems.append(
            Problem(
                "--ambient",
                f"got {ambient_c:g} °C; expected {lo:g} to {hi:g} °C (the range the battery "
                "temperature model covers)",
            )
        )
    if problems:
        raise InputError("charge", problems)


def precondition_energy_j(
    heat_capacity_j_per_k: float, ambient_c: float, target_c: float, aux_w: float, heater_w: float
) -> tuple[float, float]:
    """Electrical energy [J] and time [s] to warm a soaked pack to the charging target.

    The same lumped pack as the session (C dT/dt = P_heater, heat capacity C = m c_p): a PTC
    heater (COP 1) at ``heater_w`` raises it by ΔT = target − ambient in C ΔT / P_heater,
    while the car draws its always-on load ``aux_w`` as well. Heat lost to the surroundings
    over that time is neglected (an adiabatic pack: a lower bound on both figures). Zero
    when the pack is already at or above the target.

    Parameters
    ----------
    heat_capacity_j_per_k : float
        Pack heat capacity C [J/K] (cells' mass × specific heat).
    ambient_c, target_c : float
        Soak (ambient) and preconditioning target temperatures [°C].
    aux_w, heater_w : float
        Always-on load and heater electrical power [W].

    Returns
    -------
    (float, float)
        Energy drawn from the pack [J], time [s].
    """
    rise = max(target_c - ambient_c, 0.0)
    time = heat_capacity_j_per_k * rise / heater_w
    return (heater_w + aux_w) * time, time


def voltage_problem(
    nominal_voltage_v: float,
    ocv_from_v: float,
    ocv_to_v: float,
    charger_voltage_v: float,
    soc_from: float,
    soc_to: float,
) -> str | None:
    """Why a charger's top voltage cannot reach a pack's, or None when it can.

    A DC charger drives current into the pack only above the pack's open-circuit voltage:
    its top output voltage must reach the pack's voltage over the session, directly or, for
    an 800 V-class car (nominal at least ``BOOST_MIN_NOMINAL_V``), through the car's step-up
    conversion (at most ``BOOST_MAX_RATIO``).

    Parameters
    ----------
    nominal_voltage_v : float
        The pack's nominal voltage [V].
    ocv_from_v, ocv_to_v : float
        The pack's open-circuit voltage at the start and end of the session [V].
    charger_voltage_v : float
        The charger's top output voltage [V].
    soc_from, soc_to : float
        The session's states of charge [-].
    """
    volts = charger_voltage_v
    if nominal_voltage_v >= BOOST_MIN_NOMINAL_V:
        if volts * BOOST_MAX_RATIO >= ocv_from_v:
            return None
        return (
            f"{volts:g} V is below half the pack's {ocv_from_v:.0f} V open-circuit voltage at "
            f"{soc_from * 100:g} % SOC; the car's step-up conversion (800 V-class packs) at "
            f"most doubles a charger's voltage"
        )
    if volts >= ocv_to_v:
        return None
    at, soc = (ocv_from_v, soc_from) if volts < ocv_from_v else (ocv_to_v, soc_to)
    return (
        f"{volts:g} V is below the pack's {at:.0f} V open-circuit voltage at "
        f"{soc * 100:g} % SOC; a DC charger cannot charge a pack above its voltage"
    )


#: The per-car scalars of a :class:`ChargeBatch` (and of :class:`ChargeResult`).
_SCALARS: Final = (
    "time_min",
    "energy_inlet_kwh",
    "energy_stored_kwh",
    "energy_grid_kwh",
    "battery_loss_kwh",
    "heater_kwh",
    "peak_power_kw",
    "mean_power_kw",
    "precondition_energy_kwh",
    "precondition_time_min",
    "temperature_start_c",
    "temperature_end_c",
    "temperature_max_c",
)
_EMPTY: Final = np.zeros(0)
_EMPTY.flags.writeable = False


@dataclass(frozen=True)
class ChargeBatch:
    """One charging session for each of N cars: the scalars of :class:`ChargeResult` as arrays.

    Every array has one entry per car, in the order the cars were given, in the units the
    names carry (as :class:`ChargeResult`'s fields); a car that could not be rated has NaN
    there and its reason in ``error``. The arrays are read-only.

    Attributes
    ----------
    vehicle : tuple of str
        The cars' names.
    charger : str
        The charger's name.
    soc_from, soc_to, ambient_c, preconditioned
        The session's options, shared by every car.
    time_min, energy_inlet_kwh, energy_stored_kwh, energy_grid_kwh, battery_loss_kwh : (N,) arrays
        As in :class:`ChargeResult`.
    heater_kwh, peak_power_kw, mean_power_kw, precondition_energy_kwh : (N,) arrays
        As in :class:`ChargeResult`.
    precondition_time_min, temperature_start_c, temperature_end_c, temperature_max_c : (N,) arrays
        As in :class:`ChargeResult`.
    error : tuple of (str or None)
        Per car: None, or why it could not be rated (``"charge: <option>: <message>"``, the
        lines of the :class:`InputError` that :func:`charge` raises for it).
    soc : (n + 1,) array
        The state-of-charge grid of the session [-] (empty without ``trace``).
    time_s, power_inlet_w, current_a, temperature_c : (N, n + 1) arrays or None
        The per-step trace (``charge_batch(..., trace=True)``), else None.
    limit : (N, n + 1) int array or None
        Which limit set the current at each step, an index into ``LIMITS``.
    """

    vehicle: tuple[str, ...]
    charger: str
    soc_from: float
    soc_to: float
    ambient_c: float
    preconditioned: bool
    time_min: npt.NDArray[np.float64] = field(repr=False)
    energy_inlet_kwh: npt.NDArray[np.float64] = field(repr=False)
    energy_stored_kwh: npt.NDArray[np.float64] = field(repr=False)
    energy_grid_kwh: npt.NDArray[np.float64] = field(repr=False)
    battery_loss_kwh: npt.NDArray[np.float64] = field(repr=False)
    heater_kwh: npt.NDArray[np.float64] = field(repr=False)
    peak_power_kw: npt.NDArray[np.float64] = field(repr=False)
    mean_power_kw: npt.NDArray[np.float64] = field(repr=False)
    precondition_energy_kwh: npt.NDArray[np.float64] = field(repr=False)
    precondition_time_min: npt.NDArray[np.float64] = field(repr=False)
    temperature_start_c: npt.NDArray[np.float64] = field(repr=False)
    temperature_end_c: npt.NDArray[np.float64] = field(repr=False)
    temperature_max_c: npt.NDArray[np.float64] = field(repr=False)
    error: tuple[str | None, ...] = field(repr=False)
    soc: npt.NDArray[np.float64] = field(repr=False)
    time_s: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    power_inlet_w: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    current_a: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    temperature_c: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    limit: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    _problems: tuple[InputError | None, ...] = field(default=(), repr=False, compare=False)

    #: Names of the limits ``limit`` indexes.
    LIMITS: ClassVar[tuple[str, ...]] = _LIMITS

    def __len__(self) -> int:
        return len(self.vehicle)

    @property
    def ok(self) -> npt.NDArray[np.bool_]:
        """Per car: whether it was rated (no ``error``)."""
        return np.array([e is None for e in self.error], dtype=bool)

    def result(self, j: int) -> ChargeResult:
        """Car ``j``'s session as :func:`charge` gives it (with the trace if the batch has one).

        Raises
        ------
        InputError
            The car's error, if it could not be rated (what :func:`charge` raises for it).
        """
        if self.error[j] is not None:
            problem = self._problems[j] if self._problems else None
            raise problem or InputError("charge", [Problem("vehicle", str(self.error[j]))])
        traced = self.time_s is not None
        return ChargeResult(
            vehicle=self.vehicle[j],
            charger=self.charger,
            soc_from=self.soc_from,
            soc_to=self.soc_to,
            ambient_c=self.ambient_c,
            preconditioned=self.preconditioned,
            **{name: float(getattr(self, name)[j]) for name in _SCALARS},
            soc=self.soc if traced else _EMPTY,
            time_s=self.time_s[j] if self.time_s is not None else _EMPTY,
            power_inlet_w=self.power_inlet_w[j] if self.power_inlet_w is not None else _EMPTY,
            current_a=self.current_a[j] if self.current_a is not None else _EMPTY,
            temperature_c=self.temperature_c[j] if self.temperature_c is not None else _EMPTY,
            limit=tuple(_LIMITS[i] for i in self.limit[j]) if self.limit is not None else (),
        )


@dataclass(frozen=True, slots=True)
class _Cars:
    """The cars gathered for the kernel: its matrices and a problem per car."""

    cars: npt.NDArray[np.float64]
    ocv_soc: npt.NDArray[np.float64]
    ocv_v: npt.NDArray[np.float64]
    ocv_len: npt.NDArray[np.int64]
    problems: list[InputError | None]


def _gather(vehicles: Sequence[Vehicle], p: ParameterSet) -> _Cars:
    """The kernel's inputs from the cars' attributes (``_pack`` of the reference, per column).

    Cells in series are the pack's lowest table voltage over the chemistry's cell's; the pack
    mass, when the spec does not give it, is the usable energy over the pack specific energy
    (:data:`evforge.spec.defaults.PACK_SPECIFIC_ENERGY`).
    """
    n = len(vehicles)
    problems: list[InputError | None] = [None] * n
    rows = np.empty((n, 9))
    has = np.zeros((n, 2), dtype=bool)  # battery mass, peak current given
    cell = np.empty((n, 2))  # the cell's lowest OCV and its upper cut-off [V]
    cells: dict[Any, tuple[float, float]] = {}
    for j, v in enumerate(vehicles):
        try:
            chem = v.chemistry
            if chem not in cells:
                cells[chem] = (d.OCV_TABLES[chem][0][0], d.MAX_CELL_VOLTAGE[chem].value)
            mass_kg, current_a = v.battery_mass_kg, v.max_charge_current_a
            rows[j] = (
                v.capacity_c,
                v.resistance_ohm,
                v.ocv_v[0],
                v.max_charge_power_w,
                0.0 if current_a is None else current_a,
                v.usable_energy_j,
                0.0 if mass_kg is None else mass_kg,
                v.auxiliary_power_w,
                v.nominal_voltage_v,
            )
            cell[j] = cells[chem]
            has[j] = (mass_kg is not None, current_a is not None)
            if not 2 <= len(v.ocv_soc) == len(v.ocv_v):
                raise ValueError("the OCV table needs two or more points of (SOC, voltage)")
        except Exception as exc:  # a car that is not one: its own error, the others still run
            name = getattr(v, "name", f"car {j}")
            why = f"{name} cannot be charged ({type(exc).__name__}: {exc})"
            problems[j] = InputError("charge", [Problem("vehicle", why)])
            rows[j] = 1.0
            cell[j] = 1.0
            has[j] = False
    ok = [q is None for q in problems]
    try:
        if not all(ok):
            raise ValueError
        ocv_soc = np.array([v.ocv_soc for v in vehicles], dtype=np.float64)
        ocv_v = np.array([v.ocv_v for v in vehicles], dtype=np.float64)
        if ocv_soc.ndim != 2 or ocv_soc.shape != ocv_v.shape:
            raise ValueError
        ocv_len = np.full(n, ocv_soc.shape[1], dtype=np.int64)
    except ValueError:  # tables of different lengths (or a car in error): padded
        ocv_len = np.array(
            [len(v.ocv_soc) if q else 2 for v, q in zip(vehicles, ok, strict=True)],
            dtype=np.int64,
        )
        width = int(ocv_len.max()) if n else 2
        ocv_soc = np.ones((n, width))
        ocv_v = np.ones((n, width))
        for j, v in enumerate(vehicles):
            if ok[j]:
                ocv_soc[j, : ocv_len[j]] = v.ocv_soc
                ocv_v[j, : ocv_len[j]] = v.ocv_v
            else:
                ocv_soc[j, :2] = (0.0, 1.0)
    cars = np.empty((n, k.N_CAR))
    cars[:, k.C_CAPACITY] = rows[:, 0]
    cars[:, k.C_RESISTANCE] = rows[:, 1]
    cars[:, k.C_MAX_VOLTAGE] = cell[:, 1] * (rows[:, 2] / cell[:, 0])
    cars[:, k.C_PEAK_POWER] = rows[:, 3]
    cars[:, k.C_MAX_CURRENT] = rows[:, 4]
    cars[:, k.C_HAS_MAX_CURRENT] = has[:, 1]
    usable_kwh = rows[:, 5] / 3.6e6
    mass = np.where(has[:, 0], rows[:, 6], usable_kwh * 1e3 / p.value("pack_specific_energy"))
    cars[:, k.C_HEAT_CAPACITY] = mass * p.value("cell_specific_heat")
    cars[:, k.C_AUX] = rows[:, 7]
    cars[:, k.C_NOMINAL] = rows[:, 8]
    return _Cars(cars, ocv_soc, ocv_v, ocv_len, problems)


def charge_batch(
    vehicles: Sequence[Vehicle],
    soc_from: float = 0.10,
    soc_to: float = 0.80,
    *,
    charger: Charger | None = None,
    ambient_c: float = 25.0,
    preconditioned: bool = True,
    soc_step: float = MAX_SOC_STEP,
    knee_soc: float | None = None,
    params: ParameterSet | None = None,
    trace: bool = False,
) -> ChargeBatch:
    """Simulate one DC fast charge from ``soc_from`` to ``soc_to`` for each of many cars.

    The session of :func:`charge` (same options, same defaults) for every car, integrated in
    the compiled kernel :mod:`evforge.charging.kernel` over all cars at once, the cars spread
    over the cores. ``charge_batch(cars, a, b).result(j)`` is ``charge(cars[j], a, b)``.

    Parameters
    ----------
    vehicles : sequence of Vehicle
        The cars.
    soc_from, soc_to, charger, ambient_c, preconditioned, soc_step, knee_soc, params
        As in :func:`charge`, shared by every car.
    trace : bool
        Keep the per-step trace of every car (``(N, n + 1)`` arrays, n the number of steps);
        default off, the scalars only.

    Returns
    -------
    ChargeBatch
        One entry per car; a car that cannot be charged (the charger's voltage cannot reach
        its pack's, no current flows at some state of charge, attributes that do not describe
        a pack) has NaN results and its reason in ``error``; the others are rated.

    Raises
    ------
    InputError
        If a state of charge or the ambient temperature is out of range, or a charger limit
        is not a finite positive number (once, for the whole batch).
    ValueError
        If ``soc_step`` is outside (0, 0.05].
    """
    _check_inputs(soc_from, soc_to, ambient_c)
    if not 0.0 < soc_step <= 0.05:
        raise ValueError(f"soc_step {soc_step} outside (0, 0.05]")
    ch = charger if charger is not None else CHARGER_CLASSES[DEFAULT_CHARGER]
    check_limit("--charger", ch.max_power_w, "W")
    check_limit("--charger-current", ch.max_current_a, "A")
    check_limit("--charger-voltage", ch.max_voltage_v, "V")
    coeffs = params if params is not None else load_parameters()
    t_precondition = coeffs.value("precondition_temperature")
    heater_w = coeffs.value("battery_heater_power") * 1e3
    steps = max(1, math.ceil((soc_to - soc_from) / soc_step - 1e-9))
    grid = np.linspace(soc_from, soc_to, steps + 1)
    opts = np.empty(k.N_OPT)
    opts[k.O_SOC_FROM] = soc_from
    opts[k.O_SOC_TO] = soc_to
    opts[k.O_DS] = (soc_to - soc_from) / steps
    opts[k.O_KNEE] = coeffs.value("charge_knee_soc") if knee_soc is None else knee_soc
    opts[k.O_T_REF] = ph.celsius_to_kelvin(coeffs.value("charge_reference_temperature"))
    opts[k.O_T_TARGET] = ph.celsius_to_kelvin(t_precondition)
    opts[k.O_T_COOL] = ph.celsius_to_kelvin(coeffs.value("battery_cooling_temperature"))
    opts[k.O_T_START] = opts[k.O_T_TARGET] if preconditioned else ph.celsius_to_kelvin(ambient_c)
    opts[k.O_HEATER] = heater_w
    opts[k.O_E_RESISTANCE] = coeffs.value("resistance_activation_energy")
    opts[k.O_E_ACCEPTANCE] = coeffs.value("charge_acceptance_activation_energy")
    opts[k.O_CH_POWER] = ch.max_power_w
    opts[k.O_CH_CURRENT] = ch.max_current_a
    opts[k.O_CH_VOLTAGE] = ch.max_voltage_v
    opts[k.O_BOOST_MIN_NOMINAL] = BOOST_MIN_NOMINAL_V
    opts[k.O_BOOST_MAX_RATIO] = BOOST_MAX_RATIO

    gathered = _gather(vehicles, coeffs)
    n = len(vehicles)
    out = np.full((n, k.N_OUT), np.nan)
    status = np.full(n, k.STATUS_OK, dtype=np.int64)
    problems = gathered.problems
    bad = np.array([q is not None for q in problems], dtype=bool)
    status[bad] = k.STATUS_INPUT
    traces = None
    if trace:
        traces = (
            np.full((n, steps + 1), np.nan),
            np.full((n, steps + 1), np.nan),
            np.full((n, steps + 1), np.nan),
            np.full((n, steps + 1), np.nan),
            np.zeros((n, steps + 1), dtype=np.int64),
        )
    k.run_sessions(
        gathered.cars,
        gathered.ocv_soc,
        gathered.ocv_v,
        gathered.ocv_len,
        grid,
        opts,
        out,
        status,
        traces,
    )
    for j in map(int, np.flatnonzero(status != k.STATUS_OK)):
        if status[j] == k.STATUS_VOLTAGE:
            why = voltage_problem(
                gathered.cars[j, k.C_NOMINAL],
                out[j, k.R_OCV_FROM],
                out[j, k.R_OCV_TO],
                ch.max_voltage_v,
                soc_from,
                soc_to,
            )
            problems[j] = InputError("charge", [Problem("--charger-voltage", str(why))])
        elif status[j] == k.STATUS_NO_CURRENT:
            why = f"{ch.name} cannot charge {vehicles[j].name} at all"
            problems[j] = InputError("charge", [Problem("--charger", why)])
        out[j] = np.nan
    total_s = out[:, k.R_TIME]
    inlet_j = out[:, k.R_INLET]
    c_th = gathered.cars[:, k.C_HEAT_CAPACITY]
    aux_w = gathered.cars[:, k.C_AUX]
    if preconditioned:
        # precondition_energy_j, per car.
        rise = max(t_precondition - ambient_c, 0.0)
        pre_s = c_th * rise / heater_w
        pre_j = (heater_w + aux_w) * pre_s
    else:
        pre_s = pre_j = np.zeros(n)
    columns = {
        "time_min": total_s / 60.0,
        "energy_inlet_kwh": inlet_j / 3.6e6,
        "energy_stored_kwh": out[:, k.R_STORED] / 3.6e6,
        "energy_grid_kwh": inlet_j / coeffs.value("dc_charger_efficiency") / 3.6e6,
        "battery_loss_kwh": out[:, k.R_LOSS] / 3.6e6,
        "heater_kwh": out[:, k.R_HEATER] / 3.6e6,
        "peak_power_kw": out[:, k.R_PEAK] / 1e3,
        "mean_power_kw": inlet_j / total_s / 1e3,
        "precondition_energy_kwh": pre_j / 3.6e6,
        "precondition_time_min": pre_s / 60.0,
        "temperature_start_c": out[:, k.R_T_START] - 273.15,
        "temperature_end_c": out[:, k.R_T_END] - 273.15,
        "temperature_max_c": out[:, k.R_T_MAX] - 273.15,
    }
    failed = status != k.STATUS_OK
    columns["precondition_energy_kwh"][failed] = np.nan
    columns["precondition_time_min"][failed] = np.nan
    traced: dict[str, Any] = {}
    if traces is not None:
        traced = {
            "time_s": traces[0],
            "temperature_c": traces[1] - 273.15,
            "current_a": traces[2],
            "power_inlet_w": traces[3],
            "limit": traces[4],
        }
    for arr in (*columns.values(), *traced.values(), grid):
        arr.flags.writeable = False
    return ChargeBatch(
        vehicle=tuple(str(getattr(v, "name", f"car {j}")) for j, v in enumerate(vehicles)),
        charger=ch.name,
        soc_from=soc_from,
        soc_to=soc_to,
        ambient_c=ambient_c,
        preconditioned=preconditioned,
        **columns,
        error=tuple(None if q is None else "; ".join(q.lines()) for q in problems),
        soc=grid if trace else _EMPTY,
        **traced,
        _problems=tuple(problems),
    )


def charge(
    vehicle: Vehicle,
    soc_from: float = 0.10,
    soc_to: float = 0.80,
    *,
    charger: Charger | None = None,
    ambient_c: float = 25.0,
    preconditioned: bool = True,
    soc_step: float = MAX_SOC_STEP,
    knee_soc: float | None = None,
    params: ParameterSet | None = None,
) -> ChargeResult:
    """Simulate a DC fast charge from ``soc_from`` to ``soc_to``.

    The batch of one car of :func:`charge_batch`, with its per-step trace.

    Parameters
    ----------
    vehicle : Vehicle
        The car (its battery, peak charge power and auxiliary loads are used).
    soc_from, soc_to : float
        State of charge of the usable window at the start and end [-], 0 ≤ from < to ≤ 1.
    charger : Charger, optional
        The charger's limits; default the 350 kW class.
    ambient_c : float
        Ambient temperature [°C]; the battery starts at it unless ``preconditioned``.
    preconditioned : bool
        Whether the car warmed the pack to the preconditioning target before plugging in
        (makers quote their 10-80 % times this way). A cold pack is heated while charging.
    soc_step : float
        Largest integration step in state of charge [-].
    knee_soc : float, optional
        State of charge where the BMS current limit starts to fall [-]; default the global
        coefficient ``charge_knee_soc`` of ``params`` (the refit of ``evforge validate
        charge`` varies it).
    params : ParameterSet, optional
        The global coefficients of the charging model (knee, temperatures, activation
        energies, heater power, pack and cell specific values, DC charger efficiency); default
        the shipped set. Pass the set the vehicle was built with
        (:func:`evforge.spec.build_vehicle`), which records it in its ``parameter_set``
        provenance row. The reference cells' OCV tables and voltage limits are data of
        :mod:`evforge.spec.defaults`.

    Returns
    -------
    ChargeResult

    Raises
    ------
    InputError
        If a state of charge or the ambient temperature is out of range, a charger limit is
        not a finite positive number, or the charger's voltage cannot reach the pack's.
    """
    batch = charge_batch(
        [vehicle],
        soc_from,
        soc_to,
        charger=charger,
        ambient_c=ambient_c,
        preconditioned=preconditioned,
        soc_step=soc_step,
        knee_soc=knee_soc,
        params=params,
        trace=True,
    )
    return batch.result(0)
