"""The one unit registry, and parsing of quantities at the file boundary.

Everything inside evforge is a plain ``float`` (or ``float64`` array) in SI units. Units are
parsed exactly once, here, when a spec or cycle file is read (see pint's performance notes,
``docs/advanced/performance.rst``: convert at the edges, compute on bare magnitudes).

Exact conversion factors used elsewhere in the package are defined here too, from their
definitions, so that no module carries a rounded copy.
"""

from __future__ import annotations

import math
import re
import reprlib
from functools import cache
from typing import Any, Final

import pint

__all__ = [
    "G_STANDARD_MPS2",
    "J_PER_KWH",
    "KMH_PER_MPS",
    "M_PER_MI",
    "QuantityError",
    "parse_quantity",
    "parse_temperature_c",
    "registry",
    "short_repr",
]

#: Standard acceleration of gravity [m/s²], exact by definition (3rd CGPM, 1901).
G_STANDARD_MPS2: Final = 9.80665
#: Metres per international mile, exact (International Yard and Pound Agreement, 1959).
M_PER_MI: Final = 1609.344
#: Joules per kilowatt-hour, exact.
J_PER_KWH: Final = 3.6e6
#: km/h per m/s, exact.
KMH_PER_MPS: Final = 3.6

# A quantity string: a plain decimal number, optionally followed by a unit expression.
# The number is read with ``float`` (never evaluated), so inputs such as ``9**9**9`` cannot
# make pint compute huge integers; the unit part may only hold unit names, powers and
# products/quotients.
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY_RE = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>.*?)\s*$")
_UNIT_RE = re.compile(r"^[A-Za-z_°µΩ][A-Za-z0-9_°µΩ\s\*/\^\.\(\)·-]*$")
_MAX_TEXT = 80


class QuantityError(ValueError):
    """A value could not be read as a quantity of the expected kind.

    The message is complete English without the field path, e.g.
    ``"got '5 kg'; expected a power in kW (e.g. '150 kW')"``.
    """


@cache
def registry() -> pint.UnitRegistry[Any]:
    """Return the package's single pint registry (created on first use, not at import)."""
    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(cache_folder=None)
    # pint reads "PS" as petasiemens; on a car spec sheet it is the metric horsepower
    # (DIN 66036: 1 PS = 75 kgf·m/s = 735.49875 W).
    ureg.define("PS = 75 * kilogram_force * meter / second = metric_hp_ps")
    return ureg


@cache
def _parse_units(text: str) -> Any:
    """Parse a unit expression once per distinct text (spec files repeat a few units)."""
    return registry().parse_units(text)


_REPR = reprlib.Repr()  # limits set as attributes: keyword arguments need Python 3.12
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxtuple = 3, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 50, 50, 40


def short_repr(value: object) -> str:
    """A bounded ``repr`` for messages: cost and length independent of the value's size.

    Nested or aliased values (YAML anchors) are cut after a few items and levels, so a small
    file cannot make a message expensive, and the result is always one line.
    """
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_quantity(value: object, unit: str, *, kind: str, example: str) -> float:
    """Read ``value`` as a quantity and return its magnitude in ``unit``.

    Parameters
    ----------
    value : object
        A bare number (taken to be in ``unit``) or a string such as ``"3637 lb"``.
    unit : str
        The field's documented unit, e.g. ``"kg"``; also the unit of the result. ``"1"`` for a
        dimensionless number.
    kind : str
        What the quantity is, for messages (``"mass"``).
    example : str
        An example of a valid value, for messages (``"1650 kg"``).

    Returns
    -------
    float
        The magnitude in ``unit``. Finite, but its sign and size are not checked here.

    Raises
    ------
    QuantityError
        If the value is not a number or a number with units of the right dimension.
    """
    if unit == "1":
        expected = f"expected a dimensionless {kind} (e.g. '{example}')"
    else:
        expected = f"expected a {kind} in {unit} (e.g. '{example}')"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise QuantityError(f"got {short_repr(value)}; {expected}")
    if isinstance(value, int | float):
        try:
            magnitude = float(value)
        except OverflowError:  # an int beyond the float range
            raise QuantityError(
                f"got {short_repr(value)}, which is not finite; {expected}"
            ) from None
    else:
        magnitude = _parse_text(value, unit, expected)
    if not math.isfinite(magnitude):
        raise QuantityError(f"got {short_repr(value)}, which is not finite; {expected}")
    return magnitude


def _parse_text(text: str, unit: str, expected: str) -> float:
    match = _QUANTITY_RE.match(text) if len(text) <= _MAX_TEXT else None
    if match is None:
        raise QuantityError(f"got {short_repr(text)}; {expected}")
    number = float(match["number"])
    unit_text = match["unit"]
    if not unit_text:
        return number
    if _UNIT_RE.match(unit_text) is None:
        raise QuantityError(f"got {short_repr(text)}: unreadable unit; {expected}")
    ureg = registry()
    try:
        given = _parse_units(unit_text)
        target = "dimensionless" if unit == "1" else unit
        magnitude = float(ureg.Quantity(number, given).to(target).magnitude)
    except pint.DimensionalityError:
        raise QuantityError(
            f"got {short_repr(text)}, a quantity of the wrong kind; {expected}"
        ) from None
    except Exception:  # pint raises many types for unknown or malformed units
        raise QuantityError(f"got {short_repr(text)}: unknown unit; {expected}") from None
    return magnitude


# Temperature suffixes people type on a command line; pint reads a bare "C" as coulomb.
_TEMPERATURE_UNITS: Final = {
    "c": "degC",
    "°c": "degC",
    "degc": "degC",
    "celsius": "degC",
    "f": "degF",
    "°f": "degF",
    "degf": "degF",
    "fahrenheit": "degF",
    "k": "kelvin",
    "kelvin": "kelvin",
}
_MIN_AMBIENT_C: Final = -50.0
_MAX_AMBIENT_C: Final = 60.0


def parse_temperature_c(text: str) -> float:
    """Read an ambient temperature such as ``-7C``, ``20 F``, ``266 K`` or ``-7`` (°C) [°C].

    Raises
    ------
    QuantityError
        If the text is not a temperature, or lies outside -50 to 60 °C (road conditions).
    """
    expected = "expected a temperature such as '-7C', '20F' or '266K' (-50 to 60 °C)"
    match = _QUANTITY_RE.match(text) if len(text) <= _MAX_TEXT else None
    if match is None:
        raise QuantityError(f"got {short_repr(text)}; {expected}")
    number = float(match["number"])
    unit = _TEMPERATURE_UNITS.get(match["unit"].strip().lower().replace(" ", ""), None)
    if match["unit"].strip() == "":
        unit = "degC"
    if unit is None or not math.isfinite(number):
        raise QuantityError(f"got {short_repr(text)}; {expected}")
    value = float(registry().Quantity(number, unit).to("degC").magnitude)
    if not _MIN_AMBIENT_C <= value <= _MAX_AMBIENT_C:
        raise QuantityError(f"got {short_repr(text)} (= {value:.1f} °C); {expected}")
    return value
