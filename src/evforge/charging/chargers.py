"""DC chargers: power, current and voltage limits, and the named classes ``--charger`` takes.

A charger (EVSE) delivers at most its rated power, its cable's current and its output
voltage range. A pack whose voltage is above the charger's maximum output (an 800 V car on a
500 V charger) charges through the car's own step-up conversion, so the power it can draw is
the charger's current at its maximum voltage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final

from evforge.errors import InputError, Problem

__all__ = ["CHARGER_CLASSES", "Charger", "check_limit", "parse_charger"]


@dataclass(frozen=True, slots=True)
class Charger:
    """A DC charger's output limits.

    Attributes
    ----------
    name : str
        Label for reports (``"350kW"``).
    max_power_w : float
        Rated output power [W].
    max_current_a : float
        Output (cable) current limit [A].
    max_voltage_v : float
        Highest output voltage [V].
    source : str
        Where the limits come from.
    """

    name: str
    max_power_w: float
    max_current_a: float
    max_voltage_v: float
    source: str


_HPC_VOLTAGE = "output 200-920 V (Kempower-built 200-600 kW chargers, Epiroc technical data)"

#: Named charger classes. The 50 kW class is the common "500 V, 125 A" unit; 150 and 350 kW
#: are high-power chargers with liquid-cooled cables.
CHARGER_CLASSES: Final = {
    "50kW": Charger(
        "50kW",
        50e3,
        125.0,
        500.0,
        "125 A at 500 V, listed as 50 kW (BTC Power, 'Chevy Bolt EV owner's guide to BTC Power "
        "50 kW chargers')",
    ),
    "150kW": Charger(
        "150kW",
        150e3,
        375.0,
        920.0,
        f"{_HPC_VOLTAGE}; 375 A assumed (a 150 kW charger reaches its power at 400 V)",
    ),
    "350kW": Charger(
        "350kW",
        350e3,
        500.0,
        920.0,
        f"{_HPC_VOLTAGE}; 500 A assumed (liquid-cooled CCS cable)",
    ),
}
DEFAULT_CHARGER: Final = "350kW"

_POWER_RE = re.compile(r"^\s*(?P<kw>\d+(?:\.\d*)?)\s*kW\s*$", re.IGNORECASE)


def check_limit(option: str, value: float, unit: str) -> None:
    """Raise :class:`InputError` naming ``option`` unless ``value`` is a finite positive limit.

    A charger's power, current and voltage are physical ratings: zero, negative, infinite or
    NaN ones describe no charger.
    """
    if not (math.isfinite(value) and value > 0.0):
        raise InputError(
            option,
            [Problem(f"{value:g} {unit}", f"expected a finite positive {_QUANTITY[unit]}")],
        )


_QUANTITY: Final = {"V": "voltage", "A": "current", "W": "power"}


def parse_charger(
    text: str, *, max_voltage_v: float | None = None, max_current_a: float | None = None
) -> Charger:
    """A charger from a class name (``"150kW"``) or a power (``"120 kW"``).

    A power that is not one of :data:`CHARGER_CLASSES` takes the voltage and current of the
    smallest class at or above it (the 350 kW class above 350 kW). ``max_voltage_v`` and
    ``max_current_a`` override the class's limits.

    Raises
    ------
    InputError
        If the text is neither, or a limit is not positive.
    """
    key = text.strip().replace(" ", "")
    match = _POWER_RE.match(text)
    if match is None:
        names = ", ".join(CHARGER_CLASSES)
        raise InputError(
            "--charger",
            [
                Problem(
                    repr(text),
                    f"is not a charger; expected one of {names}, or a power such as '120 kW'",
                )
            ],
        )
    power_kw = float(match["kw"])
    if not 1.0 <= power_kw <= 2000.0:
        raise InputError(
            "--charger", [Problem(repr(text), "expected a charger power of 1 to 2000 kW")]
        )
    if key in CHARGER_CLASSES:
        base = CHARGER_CLASSES[key]
    else:
        above = [c for c in CHARGER_CLASSES.values() if c.max_power_w >= power_kw * 1e3]
        base = above[0] if above else CHARGER_CLASSES["350kW"]
        base = Charger(
            f"{power_kw:g}kW",
            power_kw * 1e3,
            base.max_current_a,
            base.max_voltage_v,
            f"{power_kw:g} kW; voltage and current of the {base.name} class: {base.source}",
        )
    for option, value, unit in (
        ("--charger-voltage", max_voltage_v, "V"),
        ("--charger-current", max_current_a, "A"),
    ):
        if value is not None:
            check_limit(option, value, unit)
    if max_voltage_v is None and max_current_a is None:
        return base
    return Charger(
        base.name,
        base.max_power_w,
        base.max_current_a if max_current_a is None else max_current_a,
        base.max_voltage_v if max_voltage_v is None else max_voltage_v,
        base.source + " (limits overridden)",
    )
