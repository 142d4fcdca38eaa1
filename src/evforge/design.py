"""A table of designs: the unit of work, one row per design, design variables kept as such.

A :class:`DesignTable` holds validated specs (schema v1), one per row, built from spec files,
from spec data, from built vehicles (the specs they were built from), or from a table
(pandas or Arrow, or a CSV/Parquet file) whose columns are spec field paths (``mass.curb``,
``body.drag_coefficient``, ``battery.usable_energy``, ``motors[0].peak_power``,
``battery.chemistry``...) with values in each field's documented unit, the unit a bare
number means in a YAML spec (docs/spec-format.md). A table may give every field, or override
a ``base`` spec. Rows are validated like spec files, with the same one-line messages and the
row number where a spec error names the file.

The design variables stay design variables (C_d, frontal area, mass, tyre size...) until the
one compile step, :meth:`DesignTable.vehicles`, which builds the SI vehicles the simulator runs.

Examples
--------
>>> import pandas as pd
>>> from evforge.design import DesignTable
>>> import evforge
>>> base = evforge.variant_spec("examples/chevrolet_bolt_ev_2017.yaml", {"road_load": None})
>>> table = DesignTable.from_frame(
...     pd.DataFrame({"body.drag_coefficient": [0.23, 0.30], "battery.usable_energy": [60, 80]}),
...     base=base,
... )
>>> len(table), table.to_frame().columns.tolist()[:2]
(2, ['design_id', 'name'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evforge.errors import InputError, Problem
from evforge.spec.loader import load_spec, parse_spec
from evforge.spec.schema import VehicleSpec, spec_leaves

if TYPE_CHECKING:
    import pandas as pd

    from evforge.vehicle import Vehicle

__all__ = ["TABLE_EXTENSIONS", "DesignTable", "read_table"]

#: File types a table of designs can be read from.
TABLE_EXTENSIONS = (".csv", ".parquet")


@dataclass(frozen=True)
class DesignTable:
    """Validated designs, one per row, in input order.

    Attributes
    ----------
    specs : tuple of VehicleSpec
        The designs.
    labels : tuple of str
        Where each came from (a spec file, ``"<table> row N"``), for messages.
    columns : tuple of str
        The spec field paths the input table varied (empty for spec files).
    """

    specs: tuple[VehicleSpec, ...]
    labels: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.specs)

    # --- building ----------------------------------------------------------------------

    @classmethod
    def from_specs(cls, paths: Iterable[str | Path]) -> DesignTable:
        """One row per spec file; every file is read, and all their errors are raised
        together."""
        specs, labels, problems = [], [], []
        for path in paths:
            try:
                specs.append(load_spec(path))
                labels.append(str(path))
            except InputError as exc:
                problems.append(exc)
        if problems:
            raise InputError.merge(problems)
        return cls(tuple(specs), tuple(labels))

    @classmethod
    def from_vehicles(cls, vehicles: Sequence[Vehicle], *, params: Any = None) -> DesignTable:
        """From built vehicles: the spec each was built from (:attr:`Vehicle.spec`).

        A vehicle changed after it was built (``dataclasses.replace``, ``with_mass``) no
        longer is what its spec describes, and one built by hand has no spec: both are
        refused, naming the vehicle (:func:`evforge.evaluate` runs such vehicles as they
        are). ``params``: the parameter set they were built with (default the shipped one).
        """
        from evforge.spec.derive import build_vehicle

        specs, labels, problems = [], [], []
        for i, vehicle in enumerate(vehicles):
            label = f"vehicles[{i}]"
            spec = getattr(vehicle, "spec", None)
            if spec is None:
                problems.append(Problem(label, f"{vehicle.name!r} was not built from a spec"))
                continue
            rebuilt = build_vehicle(spec) if params is None else build_vehicle(spec, params)
            if rebuilt != vehicle:
                problems.append(
                    Problem(
                        label,
                        f"{vehicle.name!r} was changed after it was built from its spec; "
                        "change the spec instead (evforge.variant)",
                    )
                )
                continue
            specs.append(spec)
            labels.append(label)
        if problems:
            raise InputError("vehicles", problems)
        return cls(tuple(specs), tuple(labels))

    @classmethod
    def from_records(
        cls,
        rows: Sequence[Mapping[str, Any]],
        *,
        base: str | Path | VehicleSpec | Mapping[str, Any] | None = None,
        source: str = "designs",
        first: int = 0,
    ) -> DesignTable:
        """One row per mapping of spec field path -> value (see :meth:`from_frame`).

        ``first``: the index of the first row in a longer table this is a part of (its rows
        are then named and numbered as in the whole table)."""
        from evforge.spec.variant import _set, coast_down_conflicts

        base_data: dict[str, Any] = {}
        if isinstance(base, str | Path):
            base_data = load_spec(base).model_dump(exclude_unset=True, by_alias=True)
        elif isinstance(base, VehicleSpec):
            base_data = base.model_dump(exclude_unset=True, by_alias=True)
        elif base is not None:
            base_data = parse_spec(base, source="base").model_dump(
                exclude_unset=True, by_alias=True
            )
        columns: list[str] = []
        for row in rows:
            for key in row:
                if key not in columns and key != "design_id":
                    columns.append(str(key))
        specs, labels, errors = [], [], []
        for i, row in enumerate(rows, start=first):
            label = f"{source} row {i + 1}"
            data = _deep_copy(base_data)
            problems = []
            for path, value in row.items():
                if path == "design_id" or _missing(value):
                    continue
                problem = _set(data, str(path), _plain(value))
                if problem is not None:
                    problems.append(problem)
            given = [str(p) for p, v in row.items() if p != "design_id" and not _missing(v)]
            problems += coast_down_conflicts(base_data, given)
            if problems:
                errors.append(InputError(label, problems))
                continue
            if "name" not in given:
                data["name"] = f"{base_data.get('name', 'design')} (design {i})"[:200]
            try:
                specs.append(parse_spec(data, source=label))
                labels.append(label)
            except InputError as exc:
                errors.append(exc)
        if errors:
            raise InputError.merge(errors)
        return cls(tuple(specs), tuple(labels), tuple(columns))

    @classmethod
    def from_frame(
        cls,
        frame: Any,
        *,
        base: str | Path | VehicleSpec | Mapping[str, Any] | None = None,
        source: str = "designs",
    ) -> DesignTable:
        """From a pandas DataFrame (or a pyarrow Table) whose columns are spec field paths.

        Parameters
        ----------
        frame : pandas.DataFrame or pyarrow.Table
            One row per design; a column per spec field path; values in the field's
            documented unit (a bare number) or strings with units (``"1800 kg"``). A missing
            value (empty cell, NaN, None) leaves the base spec's value (or the default).
        base : spec file, VehicleSpec or mapping, optional
            The spec every row starts from; without it each row must be a whole spec.
        source : str
            The table's name in error messages (``"designs.csv row 3: mass.curb: ..."``).
        """
        if hasattr(frame, "to_pandas") and not hasattr(frame, "iloc"):
            frame = frame.to_pandas()
        records = frame.to_dict(orient="records")
        return cls.from_records(records, base=base, source=source)

    @classmethod
    def read(cls, path: str | Path, *, base: str | Path | VehicleSpec | None = None) -> DesignTable:
        """From a CSV or Parquet file of spec field paths (:func:`read_table`)."""
        return cls.from_frame(read_table(path), base=base, source=str(path))

    # --- using -------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """The designs as a table: ``design_id``, ``name``, then every field path any row
        sets, in its documented unit (spreadsheet- and DuckDB-readable)."""
        import pandas as pd

        rows = []
        for i, spec in enumerate(self.specs):
            row: dict[str, Any] = {"design_id": i}
            for path, value, _unit in spec_leaves(spec):
                row[path] = value
            rows.append(row)
        frame = _nullable(pd.DataFrame(rows))
        first = list(dict.fromkeys(["design_id", "name", *self.columns]))
        first = [c for c in first if c in frame.columns]
        return frame[first + [c for c in frame.columns if c not in first]]

    def units(self) -> dict[str, str]:
        """Field path -> the unit its numbers are in (``"1"``: dimensionless; ``""``: text)."""
        out: dict[str, str] = {}
        for spec in self.specs:
            for path, _value, unit in spec_leaves(spec):
                out.setdefault(path, unit)
        return out

    def vehicles(self, params: Any = None) -> list[Vehicle]:
        """The one compile step: design variables to the SI vehicles the kernel runs.

        ``params`` is a parameter set (when the installed evforge supports them); None uses
        the shipped coefficients.
        """
        from evforge.spec.derive import build_vehicle

        if params is None:
            return [build_vehicle(s) for s in self.specs]
        return [build_vehicle(s, params=params) for s in self.specs]


def _nullable(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as pandas nullable types (Float64, Int64, string): a field a design does not
    set is <NA>, never NaN."""
    import numpy as np
    import pandas as pd

    out: dict[str, Any] = {}
    for col in frame.columns:
        values = frame[col]
        present = values.dropna()
        # Numbers or text: where the column's dtype says which, without a look at each value.
        dtype = values.dtype
        if (isinstance(dtype, np.dtype) and dtype.kind in ("i", "u", "f")) or isinstance(
            dtype, pd.Float64Dtype | pd.Int64Dtype
        ):
            numbers = True
        elif isinstance(dtype, pd.StringDtype):
            numbers = False
        else:
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
        if col == "design_id":
            out[col] = values.astype("Int64")
        elif len(present) and numbers:
            out[col] = pd.to_numeric(values).astype("Float64")
        else:
            out[col] = values.astype("string")
    return pd.DataFrame(out)


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV or Parquet file of designs, checked to be a regular file of a known type."""
    import pandas as pd

    path = Path(path)
    text = str(path)
    if path.suffix.lower() not in TABLE_EXTENSIONS:
        raise InputError(
            text,
            [Problem("<file>", f"has extension {path.suffix!r}; expected .csv or .parquet")],
        )
    if not path.is_file():
        reason = "does not exist" if not path.exists() else "is not a regular file"
        raise InputError(text, [Problem("<file>", f"cannot be read: {reason}")])
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, encoding="utf-8-sig")
        return pd.read_parquet(path)
    except Exception as exc:  # pandas and pyarrow raise many types for malformed files
        raise InputError(
            text, [Problem("<file>", f"is not a readable table ({type(exc).__name__}: {exc})")]
        ) from None


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return isinstance(value, float) and math.isnan(value)
    except TypeError:
        return False


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones (pydantic's strict schema reads plain int/float/str)."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def _deep_copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_deep_copy(v) for v in data]
    return data
