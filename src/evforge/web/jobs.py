"""Background jobs (sweeps, optimisations): one process each, under a time and size limit,
their records in an embedded DuckDB database and their results in Parquet files, all inside
``data_dir``.

The store (``data_dir/store.duckdb``, table ``jobs``) holds one row per job: id, kind
(``sweep`` or ``optimize``), state, designs done and in all, the error line, the times, the
output and varied column names. A job's files lie in ``data_dir/jobs/<id>/`` (the id a random
32-digit hex string, checked against that form before any file is touched): ``job.json``
(what to run), ``progress.json`` (written by the job), ``results/`` (Parquet: the sweep's
parts, :mod:`evforge.explore.sweep`, or the optimisation's ``front.parquet``) and, on
request, ``results.csv`` / ``results.parquet``. Results are read back through DuckDB
(``read_parquet``).

A server started on the same ``data_dir`` lists and serves every finished job of an earlier
one; a job that was queued or running when that server stopped is marked ``interrupted``
(with how far it got) rather than forgotten. The job runs in its own process
(:mod:`evforge.web._worker`), so a job that raises, crashes or runs past its time is ended
and reported while the server keeps serving; at most ``max_running`` run at once, the rest
wait their turn.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = ["FINAL_STATES", "JOB_ID", "KINDS", "Job", "JobManager", "JobStore"]

#: The form of a job id; anything else is refused before the file system is touched.
JOB_ID: Final = re.compile(r"[0-9a-f]{32}")
#: What a job runs.
KINDS: Final = ("sweep", "optimize")
#: States a job does not leave.
FINAL_STATES: Final = ("done", "failed", "timeout", "interrupted")

# One lock for every store of this process: DuckDB allows one writer per file.
_DB_LOCK: Final = threading.Lock()
_COLUMNS: Final = (
    "id",
    "kind",
    "state",
    "done",
    "total",
    "error",
    "started",
    "finished",
    "outputs",
    "varied",
)


@dataclass
class Job:
    """One job's state (its folder holds its files)."""

    id: str
    kind: str
    folder: Path
    total: int
    outputs: list[str]
    varied: list[str]
    state: str = "queued"  # queued | running | done | failed | timeout | interrupted
    done: int = 0
    error: str | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None


class JobStore:
    """The ``jobs`` table of ``data_dir/store.duckdb``: one connection per operation (so two
    servers may take turns on one data folder), serialised within this process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS jobs (id VARCHAR PRIMARY KEY, kind VARCHAR, "
                "state VARCHAR, done BIGINT, total BIGINT, error VARCHAR, started DOUBLE, "
                "finished DOUBLE, outputs VARCHAR, varied VARCHAR)"
            )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Any]:
        import duckdb

        with _DB_LOCK:
            deadline = time.monotonic() + 5.0
            while True:
                try:
                    con = duckdb.connect(str(self.path))
                    break
                except duckdb.IOException:  # another process holds the file: wait a little
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            try:
                yield con
            finally:
                con.close()

    def save(self, job: Job) -> None:
        """Insert or update the job's row."""
        values = [
            job.id,
            job.kind,
            job.state,
            job.done,
            job.total,
            job.error,
            job.started,
            job.finished,
            json.dumps(job.outputs),
            json.dumps(job.varied),
        ]
        with self._connect() as con:
            con.execute(
                f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
                values,
            )

    def load(self, root: Path) -> list[Job]:
        """Every job of the table (oldest first), its folder under ``root``."""
        with self._connect() as con:
            rows = con.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM jobs ORDER BY started"
            ).fetchall()
        jobs = []
        for row in rows:
            data = dict(zip(_COLUMNS, row, strict=True))
            if not JOB_ID.fullmatch(str(data["id"])) or data["kind"] not in KINDS:
                continue
            jobs.append(
                Job(
                    id=data["id"],
                    kind=data["kind"],
                    folder=root / data["id"],
                    total=int(data["total"]),
                    outputs=list(json.loads(data["outputs"])),
                    varied=list(json.loads(data["varied"])),
                    state=data["state"],
                    done=int(data["done"]),
                    error=data["error"],
                    started=float(data["started"]),
                    finished=None if data["finished"] is None else float(data["finished"]),
                )
            )
        return jobs

    def results(self, folder: Path, order: str) -> Any:
        """The Parquet results of the job in ``folder`` as a DataFrame, ordered by ``order``
        (a column name of ours, never the request's)."""
        pattern = str(folder / "results" / "*.parquet")
        with self._connect() as con:
            frame = con.execute(
                f'SELECT * FROM read_parquet(?, union_by_name = true) ORDER BY "{order}"',
                [pattern],
            ).df()
        return frame


class JobManager:
    """Start, watch, persist and end background jobs (module notes)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        max_seconds: float = 600.0,
        max_running: int = 2,
        worker: Sequence[str] | None = None,
    ) -> None:
        self.root = data_dir / "jobs"
        self.root.mkdir(parents=True, exist_ok=True)
        self.store = JobStore(data_dir / "store.duckdb")
        self.max_seconds = max_seconds
        self.worker = list(worker or [sys.executable, "-m", "evforge.web._worker"])
        self._jobs: dict[str, Job] = {}
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(max_running)
        self._closing = False
        for job in self.store.load(self.root):
            if job.state not in FINAL_STATES:
                self._interrupt(job, "the server stopped")
            self._jobs[job.id] = job

    def start(
        self,
        kind: str,
        spec: dict[str, Any],
        *,
        total: int,
        outputs: list[str],
        varied: list[str],
    ) -> Job:
        """Write the job's folder and record, start it in the background; return it at once."""
        assert kind in KINDS
        job_id = uuid.uuid4().hex
        folder = self.root / job_id
        folder.mkdir()
        (folder / "job.json").write_text(json.dumps({"kind": kind, **spec}), encoding="utf-8")
        job = Job(job_id, kind, folder, total, outputs, varied)
        self.store.save(job)
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

    def all(self) -> list[Job]:
        """Every job, newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return sorted(jobs, key=lambda j: j.started, reverse=True)

    def results(self, job: Job) -> Any:
        """A finished job's results (DataFrame)."""
        return self.store.results(job.folder, "design_id" if job.kind == "sweep" else "point")

    def close(self) -> None:
        """Stop the running jobs (server shutdown): each is ended and marked interrupted."""
        self._closing = True
        with self._lock:
            procs = list(self._procs.items())
        for _job_id, proc in procs:
            with contextlib.suppress(OSError):
                proc.kill()
        for job in self.all():
            if job.state not in FINAL_STATES:
                self._interrupt(job, "the server was stopped")

    def _interrupt(self, job: Job, why: str) -> None:
        self._read_progress(job)
        was = job.state
        job.state = "interrupted"
        job.error = (
            f"{why} while this job was {was}; {job.done} of {job.total} designs were done; "
            "start it again"
        )
        job.finished = job.finished or time.time()
        self.store.save(job)

    def _read_progress(self, job: Job) -> None:
        try:
            data = json.loads((job.folder / "progress.json").read_text(encoding="utf-8"))
            job.done = min(int(data.get("done", job.done)), job.total)
        except (OSError, ValueError):
            pass

    def _run(self, job: Job) -> None:
        try:
            with self._slots:
                if self._closing or job.state in FINAL_STATES:
                    return
                job.state = "running"
                job.started = time.time()
                self.store.save(job)
                self._watch(job)
        except Exception as exc:  # the watcher itself must never take the server down
            job.state, job.error = "failed", f"internal error ({type(exc).__name__}: {exc})"
        finally:
            if job.state != "interrupted":
                job.finished = time.time()
                with contextlib.suppress(Exception):
                    self.store.save(job)

    def _watch(self, job: Job) -> None:
        log = (job.folder / "job.log").open("wb")
        with log:
            proc = subprocess.Popen(
                [*self.worker, str(job.folder)],
                stdout=subprocess.DEVNULL,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
            with self._lock:
                self._procs[job.id] = proc
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
            finally:
                with self._lock:
                    self._procs.pop(job.id, None)
        if self._closing:
            return  # close() marks it interrupted
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
