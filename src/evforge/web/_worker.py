"""One sweep job in its own process: ``python -m evforge.web._worker JOB_DIR``.

The server writes ``JOB_DIR/study.json`` (a study as JSON, its base already an inline spec);
this process runs :func:`evforge.explore.sweep.run_sweep` into ``JOB_DIR/results/`` and
keeps ``JOB_DIR/progress.json`` up to date (written atomically). A crash here ends this
process only; the server reads the exit status.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _write(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    """Run the job in ``argv[0]``; exit status 0 when the sweep completed."""
    from evforge.explore.study import parse_study
    from evforge.explore.sweep import run_sweep

    job = Path(argv[0])
    data = json.loads((job / "study.json").read_text(encoding="utf-8"))
    chunk = int(data.pop("_chunk", 8))
    study = parse_study(data, source="study")
    progress = job / "progress.json"

    def report(done: int, total: int) -> None:
        _write(progress, {"done": done, "total": total})

    run_sweep(study, job / "results", chunk=chunk, progress=report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
