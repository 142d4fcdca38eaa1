"""DC fast charging: the charging curve from the battery, the car's and the charger's limits.

``charge(vehicle, 0.10, 0.80)`` gives the time, energies, peak and mean power and the trace;
``charge_batch(vehicles, 0.10, 0.80)`` the same session for many cars at once (arrays, one
entry per car, in the compiled kernel); ``docs/charging.md`` has the equations and sources.
"""

from evforge.charging.chargers import CHARGER_CLASSES, DEFAULT_CHARGER, Charger, parse_charger
from evforge.charging.session import ChargeBatch, ChargeResult, charge, charge_batch

__all__ = [
    "CHARGER_CLASSES",
    "DEFAULT_CHARGER",
    "ChargeBatch",
    "ChargeResult",
    "Charger",
    "charge",
    "charge_batch",
    "parse_charger",
]
