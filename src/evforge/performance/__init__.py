"""Acceleration, top speed and gradeability (``evforge perf``).

:mod:`~evforge.performance.forces` turns a :class:`~evforge.vehicle.Vehicle` into its
tractive-force curve (motors, tyres with load transfer, battery); :mod:`~evforge.performance.solve`
integrates full-demand runs from it. Equations and sources: ``docs/performance.md``.
:func:`~evforge.performance.batch.performance_batch` rates a batch of cars in one compiled,
parallel kernel (:mod:`~evforge.performance.kernel`); :func:`performance` is its batch of one.
"""

from evforge.performance.batch import PerfBatch, performance_batch, top_speed_batch
from evforge.performance.forces import (
    ForceModel,
    force_model,
    pack_limited,
    pack_warning,
    peak_electrical_demand_w,
)
from evforge.performance.solve import (
    QUARTER_MILE_M,
    ROLLOUT_M,
    SPEED_STEP_MPS,
    PerfResult,
    Run,
    TopSpeedLimit,
    gradeability,
    integrate_run,
    launch_phase,
    performance,
    standing_run,
    top_speed,
)

__all__ = [
    "QUARTER_MILE_M",
    "ROLLOUT_M",
    "SPEED_STEP_MPS",
    "ForceModel",
    "PerfBatch",
    "PerfResult",
    "Run",
    "TopSpeedLimit",
    "force_model",
    "gradeability",
    "integrate_run",
    "launch_phase",
    "pack_limited",
    "pack_warning",
    "peak_electrical_demand_w",
    "performance",
    "performance_batch",
    "standing_run",
    "top_speed",
    "top_speed_batch",
]
