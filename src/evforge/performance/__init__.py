"""Acceleration, top speed and gradeability (``evforge perf``).

:mod:`~evforge.performance.forces` turns a :class:`~evforge.vehicle.Vehicle` into its
tractive-force curve (motors, tyres with load transfer, battery); :mod:`~evforge.performance.solve`
integrates full-demand runs from it. Equations and sources: ``docs/performance.md``.
"""

from evforge.performance.forces import (
    ForceModel,
    force_model,
    pack_limited,
    peak_electrical_demand_w,
)
from evforge.performance.solve import (
    QUARTER_MILE_M,
    ROLLOUT_M,
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
    "ForceModel",
    "PerfResult",
    "Run",
    "TopSpeedLimit",
    "force_model",
    "gradeability",
    "integrate_run",
    "launch_phase",
    "pack_limited",
    "peak_electrical_demand_w",
    "performance",
    "standing_run",
    "top_speed",
]
