"""Reading spec files: YAML to a validated :class:`~evforge.spec.schema.VehicleSpec`.

Pydantic's errors are translated here into :class:`~evforge.errors.Problem` lines that name
the field path, the value given and what was expected.
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ValidationError

from evforge.errors import InputError, Problem
from evforge.spec.schema import VehicleSpec
from evforge.units import TextError, decode_text, read_input_file, short_repr

__all__ = ["load_spec", "parse_spec", "read_yaml"]

_MAX_FILE_BYTES: Final = 1_000_000
# libyaml's safe loader is ~10x faster than the pure-Python one and parses the same documents.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):  # type: ignore[misc]
    """Safe YAML loading that rejects duplicate keys (YAML 1.2 forbids them; PyYAML keeps
    the last one silently, which would hide a typo'd or pasted-twice value)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *anchor" merges; explicit keys may override merged ones
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: the constructor reports it
                duplicate = False
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"found duplicate key {key!r}", key_node.start_mark
                )
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping

    # PyYAML implements YAML 1.1, whose implicit types read some plain scalars differently
    # from YAML 1.2 and from what a person means: 1:00 is the base-60 number 60, 017 is octal
    # 15, 1_000 is 1000, on/yes are true, 2024-01-01 is a date. These constructors keep plain
    # decimal numbers and true/false, and turn the rest into _Yaml11 markers that load_spec
    # reports with their field path.

    def _construct_int(self, node: yaml.ScalarNode) -> object:
        value = _BASE_CONSTRUCTORS["int"](self, node)
        text = str(node.value)
        if _PLAIN_INT.match(text):
            return value
        sign = "-" if text.startswith("-") else ""
        digits = text.lstrip("+-").replace("_", "")
        if ":" in digits:
            reading = f"the base-60 number {_number(value)}"
        elif digits[:2] in ("0b", "0x"):
            base = "binary" if digits[1] == "b" else "hexadecimal"
            reading = f"the {base} number {_number(value)}"
        elif digits.startswith("0") and digits != "0":
            reading = f"the octal number {_number(value)}"
            if len(digits) <= 19:
                reading += f" (YAML 1.2 reads {sign}{int(digits)})"
        else:
            reading = f"the number {_number(value)} (YAML 1.2 reads it as text)"
        advice = f"write a plain decimal number{_example(value)} or quote it"
        return _Yaml11.of(node, f"YAML 1.1 reads as {reading}", advice, value)

    def _construct_float(self, node: yaml.ScalarNode) -> object:
        value = _BASE_CONSTRUCTORS["float"](self, node)
        text = str(node.value)
        if _PLAIN_FLOAT.match(text):
            return value
        if isinstance(value, float) and not math.isfinite(value):
            return value  # .inf, .nan: YAML 1.2 agrees; validation rejects them as not finite
        if ":" in text:
            reading = f"the base-60 number {_number(value)}"
        else:
            reading = f"the number {_number(value)} (YAML 1.2 reads it as text)"
        advice = f"write a plain decimal number{_example(value)} or quote it"
        return _Yaml11.of(node, f"YAML 1.1 reads as {reading}", advice, value)

    def _construct_bool(self, node: yaml.ScalarNode) -> object:
        value = _BASE_CONSTRUCTORS["bool"](self, node)
        text = str(node.value)
        if text.lower() in ("true", "false"):
            return value
        reading = f"YAML 1.1 reads as the boolean {str(value).lower()} (YAML 1.2 as text)"
        return _Yaml11.of(node, reading, "quote it if you mean text", value, boolean=True)

    def _construct_timestamp(self, node: yaml.ScalarNode) -> object:
        kind = "date and time" if len(str(node.value)) > 10 else "date"
        reading = f"YAML 1.1 reads as a {kind} (YAML 1.2 as text)"
        return _Yaml11.of(node, reading, "quote it if you mean text", None)

    def _construct_str(self, node: yaml.ScalarNode) -> object:
        value = _BASE_CONSTRUCTORS["str"](self, node)
        if not node.style and isinstance(value, str) and _OCTAL_12.match(value):
            number = int(value.replace("_", "").replace("0o", ""), 8)
            reading = f"YAML 1.2 reads as the octal number {number} (YAML 1.1 as text)"
            advice = f"write a plain decimal number{_example(number)} or quote it"
            return _Yaml11.of(node, reading, advice, value)
        return value


_BASE_CONSTRUCTORS: Final = {
    kind: _BaseLoader.yaml_constructors[f"tag:yaml.org,2002:{kind}"]
    for kind in ("int", "float", "bool", "str")
}
for _kind, _constructor in (
    ("int", _SafeLoader._construct_int),
    ("float", _SafeLoader._construct_float),
    ("bool", _SafeLoader._construct_bool),
    ("timestamp", _SafeLoader._construct_timestamp),
    ("str", _SafeLoader._construct_str),
):
    _SafeLoader.add_constructor(f"tag:yaml.org,2002:{_kind}", _constructor)

# The plain scalars that YAML 1.1 and 1.2 read as the same number.
_PLAIN_INT: Final = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_PLAIN_FLOAT: Final = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
# YAML 1.2's octal integers, which YAML 1.1 reads as text.
_OCTAL_12: Final = re.compile(r"[-+]?0o[0-7]+\Z")
_MAX_YAML11_PROBLEMS: Final = 20


def _number(value: object) -> str:
    """A number for a message, bounded in length (an int may have a million digits)."""
    if isinstance(value, int) and value.bit_length() > 64:
        return "with more than 19 digits"
    return repr(value)


def _example(value: object) -> str:
    """`` (e.g. 60)`` for a message, or nothing for a number too long to show."""
    if isinstance(value, int) and value.bit_length() > 64:
        return ""
    return f" (e.g. {value!r})"


@dataclass(frozen=True, slots=True)
class _Yaml11:
    """A plain scalar that YAML 1.1 reads as something other than its text suggests."""

    text: str
    line: int
    reading: str  # "YAML 1.1 reads as the base-60 number 60"
    advice: str  # "write a plain decimal number (e.g. 60) or quote it"
    value: object  # what YAML 1.1 makes of it
    boolean: bool = False

    @classmethod
    def of(
        cls,
        node: yaml.ScalarNode,
        reading: str,
        advice: str,
        value: object,
        *,
        boolean: bool = False,
    ) -> _Yaml11:
        text = str(node.value)
        if len(text) > 40:
            text = text[:37] + "..."
        if not text.isprintable():  # a line break inside an explicit-tag scalar
            text = short_repr(text)
        return cls(text, node.start_mark.line + 1, reading, advice, value, boolean)

    def __repr__(self) -> str:
        return self.text

    def message(self, what: str = "got") -> str:
        return f"{what} {self.text} (line {self.line}), which {self.reading}; {self.advice}"


def _yaml11_problems(data: object) -> list[Problem]:
    """Problems for the _Yaml11 markers in ``data``, each at its field path.

    A marker for yes/no/on/off at a field that takes a boolean is replaced by its value (the
    meaning is plain there). Shared (anchored) containers are visited once, so the walk is
    linear in the size of the file whatever its aliases.
    """
    problems: list[Problem] = []
    seen: set[int] = set()
    stack: list[tuple[object, tuple[int | str, ...], Any, Any]] = [(data, (), None, None)]
    count = 0
    while stack:
        value, loc, parent, key = stack.pop()
        if isinstance(value, _Yaml11):
            if value.boolean and _takes_bool(loc):
                parent[key] = value.value
                continue
            count += 1
            if count <= _MAX_YAML11_PROBLEMS:
                problems.append(Problem(_path(loc), value.message()))
            continue
        if not isinstance(value, dict | list) or id(value) in seen:
            continue
        seen.add(id(value))
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        children = []
        for k, v in items:
            if isinstance(k, _Yaml11):
                count += 1
                if count <= _MAX_YAML11_PROBLEMS:
                    where = _path((*loc, k.text))
                    problems.append(Problem(where, k.message("key")))
                continue
            part = k if isinstance(k, int | str) and not isinstance(k, bool) else short_repr(k)
            children.append((v, (*loc, part), value, k))
        stack.extend(reversed(children))
    if count > _MAX_YAML11_PROBLEMS:
        more = count - _MAX_YAML11_PROBLEMS
        problems.append(Problem("<file>", f"has {more} more such values (not listed)"))
    return problems


def _takes_bool(loc: tuple[int | str, ...]) -> bool:
    """Whether the field at ``loc`` is a boolean field of the schema."""
    if not loc or not isinstance(loc[-1], str):
        return False
    model = _model_at(loc[:-1])
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    field = model.model_fields.get(loc[-1])
    if field is None:
        return False
    annotation = field.annotation
    return annotation is bool or bool in typing.get_args(annotation)


def load_spec(path: str | Path) -> VehicleSpec:
    """Read and validate a vehicle spec file (YAML, schema v1).

    Parameters
    ----------
    path : str or Path
        The spec file.

    Returns
    -------
    VehicleSpec

    Raises
    ------
    InputError
        If the file cannot be read, is not YAML, or fails validation.
    """
    path = Path(path)
    return parse_spec(read_yaml(path), source=str(path))


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file as evforge reads specs: a regular UTF-8 file of at most 1,000,000
    bytes, safe loading, duplicate keys and YAML 1.1 surprises refused, every error one line.

    Raises
    ------
    InputError
        If the file cannot be read or is not valid YAML.
    """
    path = Path(path)
    source = str(path)
    raw = read_input_file(path, limit=_MAX_FILE_BYTES)  # a regular file, or InputError
    try:
        text = decode_text(raw, noun="a spec")
    except TextError as exc:
        raise InputError(source, [Problem("<file>", f"is not valid YAML: {exc}")]) from None
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # a safe loader (libyaml if built)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "syntax error"
        raise InputError(
            source, [Problem("<file>", f"is not valid YAML: {problem}{where}")]
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(source, [Problem("<file>", f"is not valid YAML: {exc}")]) from None
    except Exception as exc:  # PyYAML's constructors raise others on some malformed tags
        message = f"is not valid YAML ({type(exc).__name__} while reading it)"
        raise InputError(source, [Problem("<file>", message)]) from None
    problems = _yaml11_problems(data)
    if problems:
        raise InputError(source, problems)
    return data


def parse_spec(data: object, *, source: str = "vehicle spec") -> VehicleSpec:
    """Validate already-parsed spec data (e.g. a dict) against schema v1.

    Raises
    ------
    InputError
        With one problem per invalid field.
    """
    if not isinstance(data, Mapping):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        raise InputError(
            source, [Problem("<file>", f"holds {kind}; expected a mapping of spec fields")]
        )
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise InputError(
            source,
            [Problem(short_repr(k), "is not a field name; expected text keys") for k in bad_keys],
        )
    try:
        return VehicleSpec.model_validate(dict(data))
    except ValidationError as exc:
        problems = _dedupe([_translate(err) for err in exc.errors()])
        raise InputError(source, problems) from None
    except RecursionError:
        raise InputError(source, [Problem("<file>", "is nested too deeply")]) from None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: dict[str, Problem] = {}
    for p in problems:
        seen.setdefault(p.path, p)
    return list(seen.values())


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        name = _key(part)
        out += f".{name}" if out else name
    return out or "<file>"


def _key(name: str) -> str:
    """A key as shown in a path: a key with control characters (a line break...) as its repr."""
    return name if name.isprintable() and name.strip() == name else short_repr(name)


def _translate(err: Any) -> Problem:
    kind: str = err["type"]
    loc: tuple[int | str, ...] = tuple(err["loc"])
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    path = _path(loc)
    if kind == "cross_field":
        return Problem(str(ctx["path"]), str(ctx["message"]))
    if kind == "sub_field":
        return Problem(f"{path}.{_key(str(ctx['sub']))}", str(ctx["message"]))
    if kind in ("quantity", "tyre_size"):
        return Problem(path, str(err["msg"]))
    if kind == "missing":
        return Problem(path, "is missing; this field is required")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return Problem(path, f"is not a known field; expected one of: {', '.join(allowed)}")
    if kind == "enum":
        return Problem(path, f"got {short_repr(value)}; expected one of {ctx.get('expected', '')}")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return Problem(path, f"got {short_repr(value)}; expected a mapping of fields")
    if kind == "list_type":
        return Problem(path, f"got {short_repr(value)}; expected a list")
    if kind == "string_type":
        return Problem(path, f"got {short_repr(value)}; expected text")
    if kind == "too_short":
        return Problem(path, f"got an empty list; expected at least {ctx.get('min_length')} item")
    if kind == "too_long":
        return Problem(
            path, f"got {ctx.get('actual_length')} items; at most {ctx.get('max_length')}"
        )
    if kind in ("string_too_short", "string_too_long"):
        return Problem(path, f"got {short_repr(value)}; expected 1 to 200 characters")
    return Problem(path, f"got {short_repr(value)}; {err['msg']}")


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Field names allowed at ``loc`` (the parent of an unknown key)."""
    model = _model_at(loc)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_at(loc: tuple[int | str, ...]) -> Any:
    """The model of the mapping at ``loc`` (``VehicleSpec`` for ``()``), or ``None``."""
    model: Any = VehicleSpec
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _model_in(field.annotation)
    return model


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside ``X | None``, ``list[X]`` or ``Annotated[X, ...]``, if any."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation
    for arg in typing.get_args(annotation):
        inner = _model_in(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return None
