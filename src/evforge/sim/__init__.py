"""The simulator: the compiled batch kernel, its inputs and its results."""

from evforge.sim.results import BatchResult, EnergyBreakdown, SimResult
from evforge.sim.simulate import simulate

__all__ = ["BatchResult", "EnergyBreakdown", "SimResult", "simulate"]
