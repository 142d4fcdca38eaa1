"""Background sweep jobs: one process each, under a time and size limit, files in data_dir.

A job is a folder ``data_dir/sweeps/<id>/`` (the id a random 32-digit hex string, checked
against that form before any file is touched): ``study.json`` (what to run), ``progress.json``
(written by the job), ``results/`` (the sweep's Parquet parts, :mod:`evforge.explore.sweep`)
and, on request, ``results.csv`` / ``results.parquet``. The job runs in its own process
(:mod:`evforge.web._worker`), so a job that raises, crashes or runs past its time is ended
and reported while the server keeps serving; at most ``max_running`` run at once, the rest
wait their turn.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = ["JOB_ID", "Job", "JobManager"]

#: The form of a job id; anything else is refused before the file system is touched.
JOB_ID: Final = re.compile(r"[0-9a-f]{32}")


@dataclass
class Job:
    """One sweep job's state (the folder holds its files)."""

    id: str
    folder: Path
    total: int
    outputs: list[str]
    varied: list[str]
    state: str = "queued"  # queued | running | done | failed | timeout
    done: int = 0
    error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None


class JobManager:
    """Start, watch and end sweep jobs (module notes)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        max_seconds: float = 600.0,
        max_running: int = 2,
        worker: Sequence[str] | None = None,
    ) -> None:
        self.root = data_dir / "sweeps"
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_seconds = max_seconds
        self.worker = list(worker or [sys.executable, "-m", "evforge.web._worker"])
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(max_running)

    def start(
        self, study: dict[str, Any], *, total: int, outputs: list[str], varied: list[str]
    ) -> Job:
        """Write the job's folder and start it in the background; return it at once."""
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir()
        (folder / "study.json").write_text(json.dumps(study), encoding="utf-8")
        job = Job(job_id, folder, total, outputs, varied)
        with self._lock:
            self._jobs[job_id] = job
        threading.Thread(target=self._run, args=(job,), daemon=True, name=f"job-{job_id}").start()
        return job

    def get(self, job_id: str) -> Job | None:
        """The job with this id (None if the id is malformed or unknown)."""
        if not JOB_ID.fullmatch(job_id):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None and job.state == "running":
            self._read_progress(job)
        return job

    def _read_progress(self, job: Job) -> None:
        try:
            data = json.loads((job.folder / "progress.json").read_text(encoding="utf-8"))
            job.done = int(data.get("done", job.done))
        except (OSError, ValueError):
            pass

    def _run(self, job: Job) -> None:
        try:
            with self._slots:
                job.state = "running"
                job.started = time.time()
                self._watch(job)
        except Exception as exc:  # the watcher itself must never take the server down
            job.state, job.error = "failed", f"internal error ({type(exc).__name__}: {exc})"
        finally:
            job.finished = time.time()

    def _watch(self, job: Job) -> None:
        log = (job.folder / "job.log").open("wb")
        with log:
            proc = subprocess.Popen(
                [*self.worker, str(job.folder)],
                stdout=subprocess.DEVNULL,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
            try:
                code = proc.wait(timeout=self.max_seconds)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self._read_progress(job)
                job.state = "timeout"
                job.error = (
                    f"stopped after {self.max_seconds:g} s (the time limit of a job); "
                    f"{job.done} of {job.total} designs were done"
                )
                return
        self._read_progress(job)
        if code == 0:
            job.done = job.total
            job.state = "done"
            return
        job.state = "failed"
        job.error = _last_line(job.folder / "job.log") or f"the job process exited with {code}"


def _last_line(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""
