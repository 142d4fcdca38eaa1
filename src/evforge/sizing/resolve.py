"""Fill a spec's curb mass from its ``design:`` section, and price its bill of materials."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from evforge.enums import Chemistry, CurbDefinition
from evforge.errors import InputError, Problem
from evforge.sizing.coefficients import Coefficient, SizingSet, load_sizing
from evforge.sizing.model import (
    CostLine,
    glider_cost,
    motor_mass,
    pack_mass,
    solve_curb_mass,
)
from evforge.spec.schema import PackTechnology, VehicleSpec

__all__ = ["SizingReport", "resolve_design"]

_J_PER_KWH: Final = 3.6e6
_J_PER_WH: Final = 3600.0
_W_PER_KW: Final = 1000.0
#: EU mass in running order includes a 75 kg driver (Regulation (EU) No 1230/2012, Art. 2(4)).
_EU_DRIVER_KG: Final = 75.0
_DEFAULT_CHEMISTRY: Final = Chemistry.NMC  # docs/spec-format.md: battery.chemistry absent -> NMC
_DEFAULT_TECHNOLOGY: Final = PackTechnology.MODULE


@dataclass(frozen=True)
class SizingReport:
    """What the coupled mass and cost model found for one design.

    Masses in kg, costs in USD. ``curb_mass_kg`` is the model's curb mass (no driver);
    ``curb_mass_spec_kg`` the spec's own ``mass.curb`` when it gave one (then the spec's value
    is simulated and ``curb_mass_difference_kg`` = spec - model).
    """

    sizing_set: str
    year: int
    chemistry: str
    pack_technology: str
    size_class: str
    nominal_energy_kwh: float
    masses_kg: dict[str, float]
    curb_mass_kg: float
    curb_mass_spec_kg: float | None
    converged: bool
    iterations: int
    cost_lines: tuple[CostLine, ...]
    mass_sources: dict[str, str]

    @property
    def cost_usd(self) -> float:
        """Total of the bill of materials."""
        return sum(line.cost_usd for line in self.cost_lines)

    @property
    def curb_mass_difference_kg(self) -> float | None:
        """Spec curb mass minus model curb mass, when the spec gave one."""
        if self.curb_mass_spec_kg is None:
            return None
        return self.curb_mass_spec_kg - self.curb_mass_kg

    def as_dict(self) -> dict[str, float | int | str | bool | None]:
        """Flat mapping with units in the key names (``pack_mass_kg``, ``pack_cost_usd``)."""
        out: dict[str, float | int | str | bool | None] = {
            "sizing_set": self.sizing_set,
            "design_year": self.year,
            "chemistry": self.chemistry,
            "pack_technology": self.pack_technology,
            "size_class": self.size_class,
            "nominal_energy_kwh": self.nominal_energy_kwh,
            "curb_mass_kg": self.curb_mass_kg,
            "curb_mass_spec_kg": self.curb_mass_spec_kg,
            "curb_mass_difference_kg": self.curb_mass_difference_kg,
            "mass_converged": self.converged,
            "mass_iterations": self.iterations,
        }
        for part, kg in self.masses_kg.items():
            out[f"{part}_mass_kg"] = kg
        for line in self.cost_lines:
            out[f"{line.item}_cost_usd"] = line.cost_usd
        out["cost_usd"] = self.cost_usd
        return out


def _by_year(sizing: SizingSet, family: str, prefix: str, year: int, path: str) -> Coefficient:
    """The entry of ``prefix.<YEAR>`` with the latest year at or before ``year``."""
    found = {
        int(k.rsplit(".", 1)[1]): c
        for k, c in sizing.members(family).items()
        if k.rsplit(".", 1)[0] == prefix
    }
    earlier = [y for y in found if y <= year]
    if not earlier:
        have = ", ".join(str(y) for y in sorted(found)) or "none"
        raise InputError(
            "design",
            [Problem(path, f"got {year}; sizing set {sizing.label} has {prefix} for {have} only")],
        )
    return found[max(earlier)]


def _entry(sizing: SizingSet, key: str, path: str, hint: str) -> Coefficient:
    if key not in sizing.entries:
        raise InputError(
            "design", [Problem(path, f"sizing set {sizing.label} has no {key}; {hint}")]
        )
    return sizing.entries[key]


def resolve_design(
    spec: VehicleSpec, sizing: SizingSet | None = None, *, base_dir: str | Path | None = None
) -> tuple[VehicleSpec, SizingReport | None]:
    """Run the coupled mass and cost model on ``spec.design``.

    Returns the spec with ``mass.curb`` (and ``battery.mass``) filled where the spec leaves them
    out, and the report; a spec without a ``design:`` section comes back unchanged with None.
    When the spec gives ``mass.curb`` as well, the spec's value wins (it is a measurement) and
    the report carries both and their difference. ``battery.mass`` is filled with the pack mass
    (without its share of secondary structure) unless the spec gives it.

    ``sizing`` is the coefficient set; without it ``design.coefficients`` (a path, relative to
    ``base_dir`` or the working directory) or the shipped set.

    Raises
    ------
    InputError
        One line: a coefficient the design needs is not in the set (e.g. no LFP module pack),
        or the design year precedes every price in the set.
    """
    design = spec.design
    if design is None:
        return spec, None
    if sizing is None:
        if design.coefficients is not None:
            path = Path(design.coefficients)
            if not path.is_absolute() and base_dir is not None:
                path = Path(base_dir) / path
            sizing = load_sizing(path)
        else:
            sizing = load_sizing()
    assert design.size_class is not None  # the schema requires it with design:
    from evforge.params import load_parameters

    battery = spec.battery
    if battery.nominal_energy is not None:
        nominal_kwh = battery.nominal_energy
    else:
        assert battery.usable_energy is not None
        nominal_kwh = battery.usable_energy / load_parameters().value("usable_fraction")
    chemistry = battery.chemistry or _DEFAULT_CHEMISTRY
    technology = design.pack_technology or _DEFAULT_TECHNOLOGY
    size = design.size_class.value
    latest_price = max(int(k.rsplit(".", 1)[1]) for k in sizing.members("pack_price"))
    year = design.year if design.year is not None else latest_price

    e_key = f"pack_specific_energy.{chemistry.value}.{technology.value}"
    e_pack = _entry(
        sizing, e_key, "design.pack_technology", "give it in design.coefficients or pick another"
    )
    price = _by_year(sizing, "pack_price", f"pack_price.{chemistry.value}", year, "design.year")
    p_motor = _by_year(sizing, "motor_specific_power", "motor_specific_power", year, "design.year")
    c_motor = _by_year(sizing, "motor_cost", "motor_cost", year, "design.year")
    g_mass = (
        Coefficient(design.glider_mass, "kg", "spec design.glider_mass", year)
        if design.glider_mass is not None
        else _entry(sizing, f"glider_mass.{size}", "design.size_class", "give design.glider_mass")
    )
    g_slope = _entry(
        sizing, f"glider_cost_slope.{size}", "design.size_class", "add it to design.coefficients"
    )
    v = sizing.value
    fx = v("usd_per_eur")

    pack_kg = pack_mass(nominal_kwh * _J_PER_KWH, e_pack.value * _J_PER_WH, v("pack_base_mass"))
    powers_kw = [m.peak_power for m in spec.motors]
    motors_kg = sum(
        motor_mass(p * _W_PER_KW, p_motor.value * _W_PER_KW, v("motor_base_mass"))
        for p in powers_kw
    )
    n = len(powers_kw)
    masses = {
        "glider": g_mass.value,
        "pack": pack_kg,
        "motors": motors_kg,
        "inverters": n * v("inverter_mass"),
        "onboard_charger": v("onboard_charger_mass"),
        "reducers": n * v("reducer_mass"),
    }
    components = sum(kg for part, kg in masses.items() if part != "glider")
    solution = solve_curb_mass(g_mass.value, components, v("secondary_mass_coefficient"))
    masses["secondary"] = solution.secondary_kg
    mass_sources = {
        "glider": g_mass.source,
        "pack": f"{e_key}: {e_pack.source}",
        "motors": f"motor_specific_power.{p_motor.year}: {p_motor.source}",
        "inverters": sizing["inverter_mass"].source,
        "onboard_charger": sizing["onboard_charger_mass"].source,
        "reducers": sizing["reducer_mass"].source,
        "secondary": sizing["secondary_mass_coefficient"].source,
    }
    total_kw = sum(powers_kw)
    glider_eur = glider_cost(g_mass.value, g_slope.value, v("glider_cost_intercept"))
    lines = (
        CostLine(
            "pack",
            nominal_kwh,
            "kWh nominal",
            price.value,
            "USD/kWh nominal",
            nominal_kwh * price.value,
            f"pack_price.{chemistry.value}.{price.year}: {price.source}",
        ),
        CostLine(
            "motors",
            total_kw,
            "kW",
            c_motor.value,
            "USD/kW",
            total_kw * c_motor.value,
            f"motor_cost.{c_motor.year}: {c_motor.source}",
        ),
        CostLine(
            "inverters",
            total_kw,
            "kW",
            v("inverter_cost"),
            "EUR/kW",
            total_kw * v("inverter_cost") * fx,
            f"inverter_cost: {sizing['inverter_cost'].source}; usd_per_eur {fx:g}",
        ),
        CostLine(
            "onboard_charger",
            1.0,
            "piece",
            v("onboard_charger_cost"),
            "EUR",
            v("onboard_charger_cost") * fx,
            f"onboard_charger_cost: {sizing['onboard_charger_cost'].source}; usd_per_eur {fx:g}",
        ),
        CostLine(
            "glider",
            g_mass.value,
            "kg",
            g_slope.value,
            f"EUR/kg + {v('glider_cost_intercept'):g} EUR",
            glider_eur * fx,
            f"glider_cost_slope.{size}, glider_cost_intercept: {g_slope.source}; "
            f"usd_per_eur {fx:g}",
        ),
    )
    report = SizingReport(
        sizing_set=sizing.label,
        year=year,
        chemistry=chemistry.value,
        pack_technology=technology.value,
        size_class=size,
        nominal_energy_kwh=nominal_kwh,
        masses_kg=masses,
        curb_mass_kg=solution.curb_kg,
        curb_mass_spec_kg=spec.mass.curb,
        converged=solution.converged,
        iterations=solution.iterations,
        cost_lines=lines,
        mass_sources=mass_sources,
    )
    if not solution.converged:
        raise InputError(
            "design",
            [
                Problem(
                    "design",
                    f"infeasible: the mass spiral diverges (secondary_mass_coefficient "
                    f"{v('secondary_mass_coefficient'):g} in {sizing.label}, {solution.iterations}"
                    " iterations); expected a coefficient below 1",
                )
            ],
        )
    mass_update: dict[str, object] = {}
    if spec.mass.curb is None:
        curb = solution.curb_kg
        if spec.mass.curb_definition is CurbDefinition.EU_RUNNING_ORDER:
            curb += _EU_DRIVER_KG
        mass_update["curb"] = curb
    battery_update: dict[str, object] = {}
    if battery.mass is None:
        battery_update["mass"] = pack_kg
    new = spec
    if mass_update or battery_update:
        new = spec.model_copy(
            update={
                "mass": spec.mass.model_copy(update=mass_update),
                "battery": battery.model_copy(update=battery_update),
            }
        )
    return new, report
