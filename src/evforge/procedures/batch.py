"""Typed results of a batched procedure: one column per quantity, one entry per car.

Every range procedure has a ``run_batch(vehicles, method=...)`` that returns a
:class:`RangeBatch`, and a ``run(vehicle, method=...)`` that is its batch of one
(:meth:`RangeBatch.record`), so a car's figures never depend on the batch it ran in. A car
that cannot be rated has NaN in every column and its reason in ``error``; the method each
car was rated by is a :class:`Method`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from evforge.errors import EvforgeError

__all__ = ["Method", "RangeBatch", "first_error"]


class Method(StrEnum):
    """How a car was rated; the value is the sentence the records carry."""

    EPA_MCT = "SAE J1634 multi-cycle test (40 CFR 600.116-12(a)(2)); 0.7 label factor"
    EPA_SCT = (
        "SAE J1634 single-cycle tests (UDDS, HWFET to depletion; 40 CFR 600.116-12(a)(1), the "
        "car cannot complete the MCT); 0.7 label factor"
    )
    WLTP_STP = "GTR 15 Annex 8 shortened test procedure (STP)"
    WLTP_CCP = "GTR 15 Annex 8 consecutive-cycle procedure (CCP)"
    CLTC_SHORTENED = "GB/T 18386.1-2021 shortened method (2 x 2 CLTC-P, 100 km/h CSS)"
    CLTC_CONVENTIONAL = "GB/T 18386.1-2021 conventional method (CLTC-P to break-off)"
    NEDC = "UN R101 Annex 9 (NEDC repeated to break-off)"


@dataclass(frozen=True)
class RangeBatch:
    """The result columns of one procedure over a batch of cars.

    Attributes
    ----------
    columns : dict of str to (N,) float arrays
        The record's numeric values, by key (as :meth:`record` gives them), NaN where the
        car has an error.
    method : list of Method or None
        The method each car was rated by.
    error : list of str or None
        Why a car was not rated (``None``: it was).
    labels : dict of str to list
        Per-car values that are not numbers (e.g. the WLTC class), by key.
    integers : tuple of str
        The columns that are counts (given as ``int`` in a record).
    """

    columns: dict[str, npt.NDArray[np.float64]]
    method: list[Method | None]
    error: list[str | None]
    labels: dict[str, list[Any]] = field(default_factory=dict)
    integers: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.error)

    def record(self, j: int) -> dict[str, Any]:
        """Car ``j``'s values as a record (floats, ints, strings); raises its error."""
        if self.error[j] is not None:
            raise EvforgeError(self.error[j])
        out: dict[str, Any] = {}
        for key, values in self.columns.items():
            out[key] = int(values[j]) if key in self.integers else float(values[j])
        for key, labels in self.labels.items():
            out[key] = labels[j]
        out["method"] = self.method[j]
        return out


def first_error(*errors: Sequence[str | None]) -> list[str | None]:
    """Per car, the first error of several lists (None where all are None)."""
    return [next((e for e in es if e is not None), None) for es in zip(*errors, strict=True)]
