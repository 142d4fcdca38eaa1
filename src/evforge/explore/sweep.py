"""Sweeps: every design of a study through :func:`evforge.evaluate`, into a Parquet dataset.

The output folder holds ``manifest.json`` (what the sweep is: the study's content hash, the
number of designs, the part size, the outputs, the evforge version) and one Parquet file per
part of ``chunk`` consecutive designs, ``part-000000.parquet``... with the columns
``design_id``, one per varied field path (in its documented unit), one per output, and
``error`` (null when the design ran). DuckDB reads the folder directly
(``select * from 'DIR/part-*.parquet'``).

**Interruption-safe.** A part is written to a temporary name and renamed into place when it
is complete (``os.replace`` is atomic), so a part file on disk is always whole. A run that is
killed at any moment loses at most the parts in flight; the same command with the same
folder skips the parts already there and computes the rest. The designs are a pure function
of the study (:meth:`~evforge.explore.study.Study.designs`), so the resumed dataset holds every
design exactly once, with the values an uninterrupted run gives.

**Parallel.** ``workers=N`` runs parts in N local processes; ``cluster="tcp://host:port"``
sends them to a Dask distributed scheduler (every worker must see the output folder, e.g. a
shared file system). Each part is computed the same way wherever it runs, so the results are
identical to a local run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from evforge.errors import InputError, Problem
from evforge.explore.study import Study

__all__ = ["DEFAULT_CHUNK", "SweepResult", "run_part", "run_sweep"]

#: Designs per part (per Parquet file, per task).
DEFAULT_CHUNK: Final = 256
_PART: Final = "part-{:06d}.parquet"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: designs in the dataset, parts computed now and found on disk."""

    out: Path
    designs: int
    parts: int
    parts_computed: int
    parts_resumed: int
    failed_designs: int


def _manifest(study: Study, chunk: int) -> dict[str, Any]:
    from evforge import __version__

    content = json.dumps(
        {
            "base": study.base.model_dump(mode="json", exclude_unset=True),
            "vary": [
                {"path": v.path, "low": v.low, "high": v.high, "choices": list(v.choices)}
                for v in study.variables
            ],
            "sampling": [study.method, study.n, study.seed, study.points],
            "outputs": list(study.outputs),
        },
        sort_keys=True,
        default=str,
    )
    return {
        "study_sha256": hashlib.sha256(content.encode()).hexdigest(),
        "study": study.source,
        "designs": study.size,
        "chunk": chunk,
        "parts": -(-study.size // chunk),
        "outputs": list(study.outputs),
        "varied": [v.path for v in study.variables],
        "evforge": __version__,
    }


def run_part(
    study: Study, out: str | Path, index: int, chunk: int, single_thread: bool = False
) -> int:
    """Compute part ``index`` (designs ``index*chunk`` ..) and write it atomically; return the
    number of designs in it that failed. A part already on disk is left as it is.

    ``single_thread``: the part's compiled kernels run on the calling thread alone (a task
    of a cluster whose workers are one per core: numba's threads would contend with the
    other workers for the cores; numba's thread count is per calling thread)."""
    if single_thread:
        import numba

        numba.set_num_threads(1)

    out = Path(out)
    target = out / _PART.format(index)
    if target.exists():
        return -1
    import gc

    # The collector paused for the part, as evaluate pauses it for its own work: the rows'
    # validation allocates many small objects and no cycles worth collecting (its passes
    # cost ~30 us a design of the 70 the validation takes here).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _write_part(study, out, target, index, chunk)
    finally:
        if paused:
            gc.enable()


def _write_part(study: Study, out: Path, target: Path, index: int, chunk: int) -> int:
    """:func:`run_part`'s work: the part's designs evaluated and written atomically."""
    import pandas as pd

    from evforge.design import DesignTable
    from evforge.evaluation import evaluate

    designs = study.designs(index * chunk, (index + 1) * chunk)
    varied = [v.path for v in study.variables]
    records = designs[varied].to_dict(orient="records")
    rows = [{str(k): v for k, v in r.items()} for r in records]
    table = DesignTable.from_records(rows, base=study.base, source=f"design part {index}")
    results = evaluate(table, procedures=study.procedures, design_columns=False)
    frame = pd.DataFrame({"design_id": designs["design_id"].to_numpy()})
    for path in varied:
        frame[path] = designs[path].to_numpy()
    for name in study.outputs:
        frame[name] = results[name].to_numpy()
    frame["error"] = results["error"].to_numpy()
    tmp = out / f".{target.name}.{os.getpid()}.tmp"
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, target)
    return int(frame["error"].notna().sum())


def run_sweep(
    study: Study,
    out: str | Path,
    *,
    chunk: int = DEFAULT_CHUNK,
    workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run (or resume) a sweep into the folder ``out`` (module notes).

    Parameters
    ----------
    study : Study
        The designs and outputs (:func:`evforge.explore.study.load_study`).
    out : path
        The dataset folder; created if missing. A folder holding a different sweep is refused.
    chunk : int
        Designs per part.
    workers : int
        Local processes (1: in this process).
    cluster : str, optional
        A Dask scheduler address (``tcp://host:port``), instead of local processes.
    progress : callable(done, total), optional
        Called with the number of designs done (resumed parts included).
    """
    out = Path(out)
    if chunk < 1:
        raise InputError("--chunk", [Problem(str(chunk), "expected a positive integer")])
    if workers < 1:
        raise InputError("--workers", [Problem(str(workers), "expected a positive integer")])
    out.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(study, chunk)
    path = out / "manifest.json"
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("study_sha256") != manifest["study_sha256"] or old.get("chunk") != chunk:
            raise InputError(
                "--out",
                [
                    Problem(
                        str(out),
                        f"holds another sweep ({old.get('study')}, {old.get('designs')} designs,"
                        f" parts of {old.get('chunk')}); use a new folder, or the same study "
                        "file and chunk to resume it",
                    )
                ],
            )
    else:
        tmp = out / ".manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    for stale in out.glob(".part-*.tmp"):  # parts in flight when a run was killed
        stale.unlink()
    parts = manifest["parts"]
    todo = [k for k in range(parts) if not (out / _PART.format(k)).exists()]
    resumed = parts - len(todo)
    total = study.size

    def size(k: int) -> int:
        return min(chunk, total - k * chunk)

    done = sum(size(k) for k in range(parts) if k not in set(todo))
    if progress is not None:
        progress(done, total)
    failed = 0
    if cluster is not None:
        from distributed import Client, as_completed

        with Client(cluster) as client:  # type: ignore[no-untyped-call]
            futures = {
                client.submit(run_part, study, str(out), k, chunk, True, pure=False): k
                for k in todo
            }
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                failed += max(future.result(), 0)
                done += size(futures[future])
                if progress is not None:
                    progress(done, total)
    elif workers > 1 and len(todo) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures import as_completed as done_first

        from evforge.evaluation import _worker_init

        # spawn, not fork: numba's threading layer (OpenMP) must not be forked. Each worker's
        # kernels on one thread (the processes are the parallelism).
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init
        ) as pool:
            jobs = {pool.submit(run_part, study, out, k, chunk): k for k in todo}
            for job in done_first(jobs):
                failed += max(job.result(), 0)
                done += size(jobs[job])
                if progress is not None:
                    progress(done, total)
    else:
        for k in todo:
            failed += max(run_part(study, out, k, chunk), 0)
            done += size(k)
            if progress is not None:
                progress(done, total)
    if resumed:
        import pandas as pd

        failed = 0
        for k in range(parts):
            column = pd.read_parquet(out / _PART.format(k), columns=["error"])["error"]
            failed += int(column.notna().sum())
    return SweepResult(out, total, parts, len(todo), resumed, failed)
