"""Reading spec files: YAML to a validated :class:`~evforge.spec.schema.VehicleSpec`.

Pydantic's errors are translated here into :class:`~evforge.errors.Problem` lines that name
the field path, the value given and what was expected.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ValidationError

from evforge.errors import InputError, Problem
from evforge.spec.schema import VehicleSpec
from evforge.units import short_repr

__all__ = ["load_spec", "parse_spec"]

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
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(source, [Problem("<file>", f"cannot be read ({exc.strerror})")]) from None
    if len(raw) > _MAX_FILE_BYTES:
        raise InputError(
            source, [Problem("<file>", f"is {len(raw)} bytes; expected at most {_MAX_FILE_BYTES}")]
        )
    try:
        data = yaml.load(raw, Loader=_SafeLoader)  # a safe loader (libyaml if built)
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
    return parse_spec(data, source=source)


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
    model: Any = VehicleSpec
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _model_in(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


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
