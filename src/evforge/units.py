"""The one unit registry, and parsing of quantities at the file boundary.

Everything inside evforge is a plain ``float`` (or ``float64`` array) in SI units. Units are
parsed exactly once, here, when a spec or cycle file is read (see pint's performance notes,
``docs/advanced/performance.rst``: convert at the edges, compute on bare magnitudes).

Exact conversion factors used elsewhere in the package are defined here too, from their
definitions, so that no module carries a rounded copy.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import reprlib
import stat
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pint

from evforge.errors import InputError, Problem

__all__ = [
    "G_STANDARD_MPS2",
    "J_PER_KWH",
    "KMH_PER_MPS",
    "M_PER_MI",
    "QuantityError",
    "TextError",
    "decode_text",
    "parse_quantity",
    "parse_temperature_c",
    "read_input_file",
    "read_text_file",
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
def registry() -> pint.UnitRegistry[Any]:  # pint is imported here: `evforge --help` needs none
    """Return the package's single pint registry (created on first use, not at import)."""
    import pint

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
    import pint

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
# One ambient range for every command (range, simulate, charge): the range the battery and
# charging temperature model covers (evforge.charging.session.AMBIENT_RANGE_C).
_MIN_AMBIENT_C: Final = -30.0
_MAX_AMBIENT_C: Final = 50.0


def parse_temperature_c(text: str) -> float:
    """Read an ambient temperature such as ``-7C``, ``20 F``, ``266 K`` or ``-7`` (°C) [°C].

    Raises
    ------
    QuantityError
        If the text is not a temperature, or lies outside -50 to 60 °C (road conditions).
    """
    expected = "expected a temperature such as '-7C', '20F' or '266K' (-30 to 50 °C)"
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


# --- reading input files ------------------------------------------------------------------------

_FILE_KINDS: Final = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# Open without blocking (a FIFO with no writer would block open()), without becoming a
# terminal's controlling process, and in binary mode on Windows.
_OPEN_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)


def _not_regular(mode: int) -> str | None:
    """``None`` for a regular file, else a problem message naming what the path is."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
    return f"cannot be read: not a regular file ({kind})"


def read_input_file(path: Path, *, limit: int) -> bytes:
    """The bytes of an input file: a regular file of at most ``limit`` bytes.

    Anything else (a directory, a FIFO, a device such as ``/dev/zero``, a socket) is refused
    before it is read, so it cannot block or exhaust memory; at most ``limit + 1`` bytes are
    ever read, so a file that grows while it is read is caught too.

    Raises
    ------
    InputError
        With one ``<file>`` problem (source ``str(path)``).
    """
    source = str(path)

    def fail(message: str) -> InputError:
        return InputError(source, [Problem("<file>", message)])

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None
    except ValueError:  # a NUL character in the path
        raise fail("cannot be read (the path holds a NUL character)") from None
    problem = _not_regular(mode)
    if problem is not None:
        raise fail(problem)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)  # the file actually opened (it may have been replaced)
        problem = _not_regular(info.st_mode)
        if problem is not None:
            raise fail(problem)
        if info.st_size > limit:
            raise fail(f"is {info.st_size} bytes; expected at most {limit}")
        with os.fdopen(fd, "rb") as file:
            fd = -1
            raw = file.read(limit + 1)
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > limit:
        raise fail(f"is more than {limit} bytes (it grew while read); expected at most {limit}")
    return raw


class TextError(ValueError):
    """Bytes that are not a text file: where (1-based line and column) and what is wrong.

    ``str(exc)`` is ``"line 3, column 12: byte 0xe9 is not UTF-8; save the file as UTF-8"``.
    """

    def __init__(self, line: int, column: int, message: str) -> None:
        self.line, self.column, self.message = line, column, message
        super().__init__(f"line {line}, column {column}: {message}")


# Characters that YAML 1.1 (section 5.1) does not allow in a stream, and that have no business
# in a CSV either: C0 controls other than tab, line feed and carriage return, DEL, C1 controls
# other than NEL, and the non-characters U+FFFE and U+FFFF.
_FORBIDDEN_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def read_text_file(path: Path, *, limit: int, noun: str) -> str:
    """An input text file: :func:`read_input_file` (a regular file of at most ``limit``
    bytes, or refused before it is read), then :func:`decode_text`.

    Raises
    ------
    InputError
        With one ``<file>`` problem (source ``str(path)``): it cannot be read, or is not text.
    """
    raw = read_input_file(path, limit=limit)
    try:
        return decode_text(raw, noun=noun)
    except TextError as exc:
        raise InputError(str(path), [Problem("<file>", f"is not {noun}: {exc}")]) from None


def decode_text(raw: bytes, *, noun: str) -> str:
    """Decode an input file's bytes as UTF-8 text (a leading byte-order mark is dropped).

    UTF-16 with a byte-order mark is accepted too (some Windows editors save "Unicode" so).
    ``noun`` names the kind of file for messages (``"a spec file"``).

    Raises
    ------
    TextError
        At the first byte that is not UTF-8, or the first NUL or other control character.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            message = f"{exc.reason} at byte {exc.start} of UTF-16 text; save the file as UTF-8"
            raise TextError(1, 1, message) from None
    else:
        raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _decode_error(raw, exc.start) from None
    bad = _FORBIDDEN_CHAR.search(text)
    if bad is not None:
        i = bad.start()
        line = text.count("\n", 0, i) + 1
        column = i - (text.rfind("\n", 0, i) + 1) + 1
        char = bad.group()
        what = "NUL byte" if char == "\0" else f"control character U+{ord(char):04X}"
        raise TextError(line, column, f"{what}; {noun} is a text file")
    return text


def _decode_error(raw: bytes, offset: int) -> TextError:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace")) + 1
    byte = raw[offset]
    hint = ""
    if byte >= 0x80:
        try:
            hint = f" (in Windows-1252 it would be {bytes([byte]).decode('cp1252')!r})"
        except UnicodeDecodeError:
            hint = ""
    return TextError(line, column, f"byte 0x{byte:02x} is not UTF-8{hint}; save the file as UTF-8")
