"""Coupled mass and cost model (issue 12, item 1): size a car from its components.

``resolve_design(spec)`` fills ``mass.curb`` (and ``battery.mass``) of a spec with a
``design:`` section from glider + pack + motors + inverters + on-board charger + secondary
structure (the mass spiral, solved as a fixed point) and prices the bill of materials. The
coefficients are a versioned data file (``load_sizing``); docs/design-model.md has the
equations and every coefficient's source.
"""

from __future__ import annotations

from evforge.sizing.coefficients import Coefficient, SizingSet, load_sizing, parse_sizing
from evforge.sizing.model import (
    CostLine,
    MassSolution,
    closed_form_curb_mass,
    glider_cost,
    motor_mass,
    pack_mass,
    solve_curb_mass,
)
from evforge.sizing.resolve import SizingReport, resolve_design

__all__ = [
    "Coefficient",
    "CostLine",
    "MassSolution",
    "SizingReport",
    "SizingSet",
    "closed_form_curb_mass",
    "glider_cost",
    "load_sizing",
    "motor_mass",
    "pack_mass",
    "parse_sizing",
    "resolve_design",
    "solve_curb_mass",
]
