"""Drive cycles: the bundled standard tables (with provenance) and custom CSV files."""

from evforge.cycles.core import Cycle, CycleStats, cycle_names, load_cycle

__all__ = ["Cycle", "CycleStats", "cycle_names", "load_cycle"]
