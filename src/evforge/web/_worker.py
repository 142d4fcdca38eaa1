"""One background job in its own process: ``python -m evforge.web._worker JOB_DIR``.

The server writes ``JOB_DIR/job.json``: ``kind`` (``sweep`` or ``optimize``) and what to run
(a study as JSON, its base already an inline spec; for an optimisation also ``objectives``,
``constraints`` and ``algorithm``). A sweep runs :func:`evforge.explore.sweep.run_sweep` into
``JOB_DIR/results/``; an optimisation runs :func:`evforge.explore.optimize.optimize_study`
(NSGA-II) and writes its Pareto front to ``JOB_DIR/results/front.parquet``. Either keeps
``JOB_DIR/progress.json`` up to date (written atomically). A crash here ends this process
only; the server reads the exit status.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _write(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _sweep(job: Path, data: dict[str, Any]) -> None:
    from evforge.explore.study import parse_study
    from evforge.explore.sweep import run_sweep

    chunk = int(data.pop("_chunk", 8))
    study = parse_study(data, source="study")
    progress = job / "progress.json"

    def report(done: int, total: int) -> None:
        _write(progress, {"done": done, "total": total})

    run_sweep(study, job / "results", chunk=chunk, progress=report)


def _optimize(job: Path, data: dict[str, Any]) -> None:
    import yaml

    from evforge.explore.optimize import load_optimisation, optimize_study

    path = job / "optimisation.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    opt = load_optimisation(path)
    progress = job / "progress.json"
    total = opt.population * opt.generations

    def report(done: int) -> None:
        _write(progress, {"done": min(done, total), "total": total})

    front = optimize_study(opt, progress=report)
    results = job / "results"
    results.mkdir(exist_ok=True)
    tmp = results / ".front.parquet.tmp"
    front.to_parquet(tmp, index=False)
    os.replace(tmp, results / "front.parquet")


def main(argv: list[str]) -> int:
    """Run the job in ``argv[0]``; exit status 0 when it completed."""
    job = Path(argv[0])
    data = json.loads((job / "job.json").read_text(encoding="utf-8"))
    kind = data.pop("kind", "sweep")
    if kind == "optimize":
        _optimize(job, data)
    else:
        _sweep(job, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
