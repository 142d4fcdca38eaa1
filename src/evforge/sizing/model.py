"""Coupled mass and cost model: small pure functions in SI units (kg, J, W, USD).

Equations and sources: docs/design-model.md. The coefficients come from a
:class:`~evforge.sizing.coefficients.SizingSet`; these functions take plain numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

__all__ = [
    "MAX_CURB_MASS_KG",
    "CostLine",
    "MassSolution",
    "closed_form_curb_mass",
    "glider_cost",
    "motor_mass",
    "pack_mass",
    "solve_curb_mass",
]

#: Above this the spiral is called divergent (the schema's upper bound of a curb mass).
MAX_CURB_MASS_KG: Final = 10_000.0
_J_PER_WH: Final = 3600.0


def pack_mass(energy_j: float, specific_energy_j_per_kg: float, base_mass_kg: float = 0.0) -> float:
    """Battery pack mass [kg] = base + E / e_pack.

    ``energy_j`` is the nominal (total) energy [J]; ``specific_energy_j_per_kg`` the pack-level
    specific energy on nominal energy [J/kg]. FASTSim's ``set_veh_mass`` uses the same form,
    ``ess_kwh * ess_kg_per_kwh + ess_base_kg`` (NREL/fastsim python/fastsim/vehicle.py).
    """
    return base_mass_kg + energy_j / specific_energy_j_per_kg


def motor_mass(power_w: float, specific_power_w_per_kg: float, base_mass_kg: float = 0.0) -> float:
    """Traction machine mass [kg] = base + P / p_motor (APC UK roadmap indicators; FASTSim's
    ``mc_pe_base_kg + mc_pe_kg_per_kw * mc_max_kw`` has the same form)."""
    return base_mass_kg + power_w / specific_power_w_per_kg


def glider_cost(mass_kg: float, slope_per_kg: float, intercept: float) -> float:
    """Glider cost = slope x glider mass + intercept (carculator ``set_costs``, Hirschberg et
    al. 2016), in the currency of the coefficients."""
    return slope_per_kg * mass_kg + intercept


def closed_form_curb_mass(glider_kg: float, components_kg: float, secondary: float) -> float:
    """The fixed point of :func:`solve_curb_mass` in closed form: m = m_g + m_c / (1 - s);
    infinite for s >= 1 (the spiral diverges)."""
    if secondary >= 1.0:
        return math.inf
    return glider_kg + components_kg / (1.0 - secondary)


@dataclass(frozen=True, slots=True)
class MassSolution:
    """The result of the mass spiral.

    Attributes
    ----------
    curb_kg : float
        Curb mass (no driver) at the last iterate; meaningless when not converged.
    secondary_kg : float
        Supporting structure added for what the glider carries: m - m_glider - m_components
        (s (m - m_glider) at the fixed point).
    iterations : int
        Iterations done.
    converged : bool
        True when the iterate is within ``tolerance_kg`` of the fixed point; False when the
        spiral diverged (mass above :data:`MAX_CURB_MASS_KG`) or ran out of iterations: the
        design is infeasible, as TUM AuVeCoDe marks non-converged concepts (Error=99).
    """

    curb_kg: float
    secondary_kg: float
    iterations: int
    converged: bool


def solve_curb_mass(
    glider_kg: float,
    components_kg: float,
    secondary: float,
    *,
    tolerance_kg: float = 0.1,
    max_iterations: int = 100,
) -> MassSolution:
    """Solve m = m_g + m_c + s (m - m_g) by fixed-point iteration (the mass spiral).

    Starts from m_0 = m_g + m_c (no secondary mass). Each pass adds the structure needed to
    carry the mass of the previous pass (AuVeCoDe's iteration loop, TUMFTM/AuVeCoDe
    MAIN_AuVeCoDe.m). With s < 1 the error shrinks by s per pass; the loop stops when the step
    bounds the remaining error below ``tolerance_kg`` (|step| s / (1 - s) < tol). With s >= 1
    it diverges and the result is flagged ``converged=False``.
    """
    m = glider_kg + components_kg
    for i in range(1, max_iterations + 1):
        new = glider_kg + components_kg + secondary * (m - glider_kg)
        step = abs(new - m)
        m = new
        if not math.isfinite(m) or m > MAX_CURB_MASS_KG:
            return MassSolution(m, m - glider_kg - components_kg, i, False)
        if secondary < 1.0 and step * secondary / (1.0 - secondary) < tolerance_kg:
            return MassSolution(m, m - glider_kg - components_kg, i, True)
    return MassSolution(m, m - glider_kg - components_kg, max_iterations, False)


@dataclass(frozen=True, slots=True)
class CostLine:
    """One line of the bill of materials.

    ``quantity`` in ``quantity_unit`` times ``rate`` in ``rate_unit`` (times an exchange rate
    where the rate is in EUR) gives ``cost_usd``; ``source`` names the coefficient(s).
    """

    item: str
    quantity: float
    quantity_unit: str
    rate: float
    rate_unit: str
    cost_usd: float
    source: str
