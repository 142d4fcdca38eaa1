"""Official-style test procedures: EPA, WLTP, CLTC and NEDC range and consumption.

Each procedure is a small module that cites its clauses; the rules and how far each was
verified are in ``docs/regulations-verified.md``.
"""

from evforge.procedures.common import DepletionTest, run_depletion
from evforge.procedures.run import PROCEDURES, RangeResult, run_procedure

__all__ = ["PROCEDURES", "DepletionTest", "RangeResult", "run_depletion", "run_procedure"]
