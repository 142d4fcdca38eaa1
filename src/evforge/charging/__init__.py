"""DC fast charging: the charging curve from the battery, the car's and the charger's limits.

``charge(vehicle, 0.10, 0.80)`` gives the time, energies, peak and mean power and the trace;
``docs/charging.md`` has the equations and their sources.
"""

from evforge.charging.chargers import CHARGER_CLASSES, DEFAULT_CHARGER, Charger, parse_charger
from evforge.charging.session import ChargeResult, charge

__all__ = [
    "CHARGER_CLASSES",
    "DEFAULT_CHARGER",
    "ChargeResult",
    "Charger",
    "charge",
    "parse_charger",
]
