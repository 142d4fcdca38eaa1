"""Writing results: checked output paths, atomic files, tables by extension, rounded JSON.

Every file evforge writes goes through here, so that

- a bad output path is refused *before* any work, in one line naming the option
  (:func:`check_output_path`);
- a file is never left half-written: it is written to a temporary file in the same folder and
  renamed over the target (:func:`atomic_write`; ``os.replace`` is atomic on POSIX and Windows),
  so a ``kill -9`` leaves either the old file or the new one;
- a table goes to CSV, Parquet or JSON by the file's extension (:func:`write_records`);
- JSON numbers are rounded to :data:`SIGNIFICANT_DIGITS` significant digits (the model's
  accuracy is percent-level; 17-digit floats only suggest otherwise) and never NaN or infinite.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from evforge.errors import EvforgeError, InputError, Problem

__all__ = [
    "SIGNIFICANT_DIGITS",
    "TABLE_EXTENSIONS",
    "atomic_path",
    "atomic_write",
    "atomic_write_text",
    "check_output_dir",
    "check_output_path",
    "flatten",
    "json_ready",
    "round_sig",
    "write_records",
]

#: Significant digits of floats in JSON output and exported tables.
SIGNIFICANT_DIGITS: Final = 6
#: Extensions :func:`write_records` can write.
TABLE_EXTENSIONS: Final = (".csv", ".parquet", ".json")


def round_sig(x: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``x`` rounded to ``digits`` significant digits (0.0 stays 0.0; -0.0 becomes 0.0)."""
    if x == 0.0:
        return 0.0
    return float(f"{x:.{digits}g}") + 0.0


def json_ready(value: Any, *, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """A structure of dicts, lists and scalars made safe for standard JSON.

    Floats (numpy's included) are rounded to ``digits`` significant digits; numpy integers and
    booleans become Python ones; enums their value. A NaN or infinite float is a bug, never
    a result: it raises :class:`~evforge.errors.EvforgeError` naming the key.
    """
    return _ready(value, digits, "")


def _ready(value: Any, digits: int, where: str) -> Any:
    if isinstance(value, Mapping):
        return {
            str(k): _ready(v, digits, f"{where}.{k}" if where else str(k)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_ready(v, digits, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    enum_value = getattr(value, "value", None)
    if enum_value is not None and type(value).__module__.startswith("evforge"):
        return enum_value
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        np = None  # type: ignore[assignment]
    if np is not None:
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            raise EvforgeError(f"non-finite result {x!r} for {where or 'a value'} (a bug)")
        return round_sig(x, digits)
    return str(value)


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """One level of keys: ``{"a": {"b": 1}}`` becomes ``{"a.b": 1}`` (lists become JSON text)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            out[name] = json.dumps(json_ready(list(value)))
        else:
            out[name] = value
    return out


def check_output_path(option: str, path: Path, extensions: Sequence[str]) -> Path:
    """Refuse an output path that cannot be written, before any work is done.

    Parameters
    ----------
    option : str
        The option that gave the path (``"--out"``), named in the message.
    path : Path
        The file to write.
    extensions : sequence of str
        Allowed extensions, lower case with the dot (``(".csv", ".parquet")``).

    Returns
    -------
    Path
        ``path``, unchanged.

    Raises
    ------
    InputError
        If the path is a directory, its extension is not allowed, its folder is missing or is
        a file, or the folder is not writable.
    """
    text = str(path)
    if path.suffix.lower() not in extensions:
        got = f"extension {path.suffix!r}" if path.suffix else "no extension"
        raise InputError(
            option, [Problem(text, f"has {got}; expected one of {', '.join(extensions)}")]
        )
    _check_parent(option, path)
    if path.is_dir():
        raise InputError(option, [Problem(text, "is a folder; expected a file name")])
    if path.exists() and not path.is_file():
        raise InputError(option, [Problem(text, "exists and is not a regular file")])
    return path


def check_output_dir(option: str, path: Path) -> Path:
    """Like :func:`check_output_path` for a folder evforge will create or fill."""
    text = str(path)
    if path.exists() and not path.is_dir():
        raise InputError(option, [Problem(text, "exists and is not a folder")])
    _check_parent(option, path)
    if path.is_dir():
        _check_parent(option, path / "report")
    return path


def _check_parent(option: str, path: Path) -> None:
    text = str(path)
    parent = path.parent
    # The nearest existing ancestor decides: a missing folder, or a file where a folder is.
    probe = parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(option, [Problem(text, f"is under {str(probe)!r}, which is a file")])
    if not parent.is_dir():
        raise InputError(
            option, [Problem(text, f"is in a folder that does not exist ({str(parent)!r})")]
        )
    # A real probe (root passes os.access on a read-only mount): create and remove a file.
    try:
        fd, probe_name = tempfile.mkstemp(dir=parent, prefix=".evforge-probe-")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            option, [Problem(text, f"cannot be written in {str(parent)!r} ({reason})")]
        ) from None
    os.close(fd)
    os.unlink(probe_name)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over ``path`` when the block succeeds.

    The temporary file keeps the target's extension (libraries choose formats by it) and is
    removed if the block raises.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644 & ~_umask())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` and rename ``tmp`` over ``path``; return ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_records(path: Path, records: Sequence[Mapping[str, Any]]) -> Path:
    """Write rows of results to ``path`` as CSV, Parquet or JSON, by its extension.

    Nested values (``{"range_added_km_per_10min": {"wltp": ...}}``) become dotted columns
    in CSV and Parquet; JSON keeps the nesting. Floats are rounded as in :func:`json_ready`.
    """
    suffix = path.suffix.lower()
    ready = json_ready(list(records))
    if suffix == ".json":
        return atomic_write_text(path, json.dumps(ready, indent=2) + "\n")
    import pandas as pd

    frame = pd.DataFrame([flatten(r) for r in ready])
    if suffix == ".csv":
        return atomic_write(path, lambda p: frame.to_csv(p, index=False))
    if suffix == ".parquet":
        return atomic_write(path, lambda p: frame.to_parquet(p, index=False))
    raise EvforgeError(f"cannot write {suffix!r} tables (a bug: check_output_path first)")
