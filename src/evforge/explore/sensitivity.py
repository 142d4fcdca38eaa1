"""Sensitivity: which of the varied inputs matter, by Sobol' indices (SALib).

:func:`sobol_indices` estimates first-order (S1) and total (ST) Sobol' indices of any model
``f(unit_points) -> outputs`` over the unit hypercube with Saltelli's scheme, using SALib
(``SALib.sample.sobol.sample``, ``SALib.analyze.sobol.analyze``; Saltelli 2002, Saltelli et
al. 2010; Jansen's estimators). :func:`study_sensitivity` applies it to a design study: each
varied field maps [0, 1) onto its range (a ``choices`` field onto its choices), every sample
is evaluated through :func:`evforge.evaluate`, and one index table per output comes back.

The estimator is checked on the Ishigami function, whose indices are known in closed form
(``tests/test_sensitivity.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from evforge.explore.study import Study

__all__ = ["sobol_indices", "study_sensitivity"]


def sobol_indices(
    names: list[str],
    model: Callable[[Any], Any],
    *,
    n: int = 1024,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Sobol' indices of a model over the unit hypercube.

    Parameters
    ----------
    names : list of str
        The inputs (one per dimension).
    model : callable
        ``model(u)`` with ``u`` an (N, d) array in [0, 1) returns a dict of output name ->
        (N,) array.
    n : int
        Base sample size (a power of 2); the model runs n (d + 2) times.
    seed : int
        Scrambling seed of the Sobol' sequence.

    Returns
    -------
    dict of output name -> DataFrame
        Rows per input: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (95 % bootstrap half-widths).
    """
    import numpy as np
    import pandas as pd
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    u = sample.sample(problem, n, calc_second_order=False, seed=seed)
    u = np.minimum(u, np.nextafter(1.0, 0.0))  # [0, 1): the top edge maps inside the range
    outputs = model(u)
    tables = {}
    for name, y in outputs.items():
        values: npt.NDArray[Any] = np.asarray(y, dtype=float)
        if not np.all(np.isfinite(values)):
            bad = int((~np.isfinite(values)).sum())
            raise ValueError(f"{name}: {bad} of {values.size} samples did not give a value")
        result = analyze.analyze(
            problem, values, calc_second_order=False, print_to_console=False, seed=seed
        )
        tables[name] = pd.DataFrame(
            {
                "S1": result["S1"],
                "S1_conf": result["S1_conf"],
                "ST": result["ST"],
                "ST_conf": result["ST_conf"],
            },
            index=pd.Index(names, name="input"),
        )
    return tables


def study_sensitivity(study: Study, *, n: int | None = None) -> dict[str, pd.DataFrame]:
    """Sobol' indices of each output of a study to each varied field (module notes).

    ``n`` defaults to the study's ``sampling.n`` rounded up to a power of 2 (at least 64).
    A design that fails makes the analysis fail with the design's error.
    """
    import numpy as np

    from evforge.design import DesignTable
    from evforge.errors import EvforgeError
    from evforge.evaluation import evaluate

    base_n = n if n is not None else max(64, 1 << max(study.n - 1, 1).bit_length())
    names = [v.path for v in study.variables]

    def model(u: Any) -> dict[str, Any]:
        rows = [
            {v.path: v.value(float(x)) for v, x in zip(study.variables, p, strict=True)} for p in u
        ]
        table = DesignTable.from_records(rows, base=study.base, source="sensitivity sample")
        frame = evaluate(table, procedures=study.procedures)
        errors = frame["error"].dropna()
        if len(errors):
            raise EvforgeError(f"a sample design failed: {errors.iloc[0]}")
        return {o: frame[o].to_numpy(dtype=float, na_value=np.nan) for o in study.outputs}

    return sobol_indices(names, model, n=base_n, seed=study.seed)
