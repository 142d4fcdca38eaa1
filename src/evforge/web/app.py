"""The web workbench's server: a JSON API over :mod:`evforge`, and the page that uses it.

Every route is a thin layer over the public API (``evforge.evaluate``, ``evforge.report``,
``evforge.charge``, ``evforge.simulate``, ``evforge.run_procedure``, ``evforge.variant_spec``,
the study, sweep and optimisation functions of :mod:`evforge.explore`). See docs/web.md.

Safety: bundled cars are addressed by id (a name in a table built here from the package's
own folders), never by a path from the request; sweep jobs by a random hex id checked before
any file is touched; every file the server writes lies under ``data_dir``; request bodies
above :data:`MAX_BODY_BYTES` get 413; sweeps and optimisations run as separate processes
with a size and time limit, recorded in a DuckDB store inside ``data_dir`` that outlives the
server (:mod:`evforge.web.jobs`).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from evforge.errors import EvforgeError, InputError, Problem
from evforge.web.jobs import Job, JobManager

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DESIGNS",
    "MAX_GENERATIONS",
    "MAX_JOB_SECONDS",
    "MAX_POPULATION",
    "MAX_SPECS",
    "create_app",
    "serve",
]

#: Largest request body accepted [bytes]; larger gets HTTP 413.
MAX_BODY_BYTES: Final = 5 * 1024 * 1024
#: Most designs one sweep job may hold.
MAX_DESIGNS: Final = 2000
#: Longest a sweep job may run [s]; it is then stopped.
MAX_JOB_SECONDS: Final = 600.0
#: Most specs one evaluate request may hold (larger tables: a sweep, or ``evforge evaluate``).
MAX_SPECS: Final = 1000
#: Largest population and most generations of an optimisation from the page.
MAX_POPULATION: Final = 40
MAX_GENERATIONS: Final = 20
#: The drive cycle of the energy breakdown.
ENERGY_CYCLE: Final = "wltc_class3b"
#: The default cycle of the speed trace (aggressive: where a weak car falls behind).
TRACE_CYCLE: Final = "us06"
#: The default ambient temperatures of the range-vs-temperature picture [°C].
AMBIENT_C: Final = (-10.0, 0.0, 23.0)
#: The form's fields (``POST /api/defaults`` without ``fields``).
FORM_FIELDS: Final = (
    "mass.curb",
    "body.drag_coefficient",
    "body.width",
    "body.height",
    "battery.usable_energy",
    "battery.peak_charge_power",
    "motors[0].peak_power",
    "motors[0].peak_torque",
    "motors[1].peak_power",
    "motors[1].peak_torque",
    "gear_ratio",
    "performance.top_speed_limit",
)

_CAR_ID: Final = re.compile(r"[a-z0-9][a-z0-9_]{0,99}")
_STATIC: Final = Path(__file__).parent / "static"
_LOOPBACK: Final = ("127.0.0.1", "localhost", "::1", "[::1]")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def default_data_dir() -> Path:
    """``$XDG_CACHE_HOME/evforge`` (``~/.cache/evforge`` when the variable is unset)."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "evforge"


# --- request bodies ----------------------------------------------------------------------


class CarBody(BaseModel):
    """One car: a bundled car id or a spec, with optional changes."""

    car: str | None = Field(None, description="a bundled car id (GET /api/cars)")
    spec: str | dict[str, Any] | None = Field(None, description="a spec: YAML text or JSON")
    changes: dict[str, Any] | None = Field(
        None, description="spec field path -> value, applied to car or spec (evforge.variant)"
    )


class EvaluateBody(CarBody):
    """``POST /api/evaluate``: one car (``car``, ``spec``) or several (``specs``)."""

    specs: list[str | dict[str, Any]] | None = Field(
        None, description=f"several specs (at most {MAX_SPECS}): YAML text or JSON each"
    )
    procedures: list[str] | None = Field(None, description="default all (evforge.evaluate)")
    details: bool = Field(
        True, description="one car: add the headline sheet, charging curve, energy breakdown"
    )


class DefaultsBody(CarBody):
    """``POST /api/defaults``: the value each field takes when left empty, for one car."""

    fields: list[str] | None = Field(
        None, description="spec field paths (default the form's fields), at most 60"
    )


class TraceBody(CarBody):
    """``POST /api/trace``: one car driven over one bundled cycle."""

    cycle: str = Field(TRACE_CYCLE, description="a bundled cycle name (evforge cycles)")


class AmbientBody(CarBody):
    """``POST /api/ambient``: range of one car at several ambient temperatures."""

    temperatures: list[float | str] = Field(
        list(AMBIENT_C),
        description="ambient temperatures (°C as numbers, or '20F', '266K'), 1 to 8",
    )
    procedure: str = Field("wltp", description="epa, wltp, cltc or nedc")


class SweepBody(BaseModel):
    """``POST /api/sweeps``: a study, the keys of a study file; ``base`` a car id or a spec."""

    model_config = {"extra": "allow"}

    base: str | dict[str, Any] = Field(
        description="a bundled car id (GET /api/cars), a spec as YAML text, or a spec as JSON"
    )
    base_changes: dict[str, Any] | None = None
    vary: dict[str, Any]
    sampling: dict[str, Any] | None = None
    outputs: list[str] | None = None


class OptimizeBody(BaseModel):
    """``POST /api/optimizations``: an optimisation file's keys (``evforge optimize``)."""

    base: str | dict[str, Any] = Field(
        description="a bundled car id (GET /api/cars), a spec as YAML text, or a spec as JSON"
    )
    base_changes: dict[str, Any] | None = None
    vary: dict[str, Any]
    objectives: dict[str, str] = Field(description="output -> min | max (one or two)")
    constraints: list[str] | None = Field(None, description="'OUTPUT <= VALUE' or '>='")
    algorithm: dict[str, Any] | None = Field(
        None,
        description=f"population (at most {MAX_POPULATION}), generations (at most "
        f"{MAX_GENERATIONS}), seed; default 12, 5, 1",
    )


# --- the app -----------------------------------------------------------------------------


class _BodyLimit:
    """Refuse request bodies above ``limit`` bytes with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await _too_large(self.limit)(scope, receive, send)
                    return
        # No (or a small) declared length: read the body here, counting, and replay it.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(self.limit)(scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"error": f"the request body is larger than {limit // (1024 * 1024)} MB"}, status_code=413
    )


def create_app(
    data_dir: Path,
    *,
    max_designs: int = MAX_DESIGNS,
    max_job_seconds: float = MAX_JOB_SECONDS,
    max_running_jobs: int = 2,
    allowed_hosts: list[str] | None = None,
    worker: list[str] | None = None,
) -> FastAPI:
    """The workbench: the JSON API under ``/api``, the page at ``/``.

    Parameters
    ----------
    data_dir : Path
        Where jobs, their store (``store.duckdb``) and uploads are written (created if
        missing); nothing is written elsewhere. A new app on the same folder lists and
        serves the jobs of an earlier one.
    max_designs, max_job_seconds : int, float
        The size and time limit of a sweep or optimisation job.
    max_running_jobs : int
        Jobs running at once; later ones wait.
    allowed_hosts : list of str, optional
        ``Host`` header values accepted (against DNS rebinding); default the loopback names.
        ``["*"]`` accepts any.
    worker : list of str, optional
        The command that runs one job (its folder appended); default this Python running
        :mod:`evforge.web._worker`.
    """
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    import evforge

    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    uploads = data_dir / "uploads"
    uploads.mkdir(exist_ok=True)
    jobs = JobManager(
        data_dir, max_seconds=max_job_seconds, max_running=max_running_jobs, worker=worker
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.close()  # running jobs are stopped and recorded as interrupted

    app = FastAPI(
        title="evforge workbench",
        version=evforge.__version__,
        description="Design, compare and explore battery-electric cars (evforge's JSON API).",
        lifespan=lifespan,
    )
    app.state.jobs = jobs
    app.state.data_dir = data_dir
    hosts = allowed_hosts or [*_LOOPBACK, "testserver"]
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(_BodyLimit, limit=MAX_BODY_BYTES)

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(_problems(exc), status_code=422)

    @app.exception_handler(EvforgeError)
    async def _model_error(request: Request, exc: EvforgeError) -> JSONResponse:
        # the input was valid but the model cannot run this car (it breaks off a test...)
        from evforge.evaluation import one_line

        line = one_line(str(exc))
        return JSONResponse(
            {
                "error": "the model could not run this car",
                "lines": [line],
                "problems": [{"field": "", "message": line, "line": line}],
            },
            status_code=422,
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_problems(_request_problems(exc)), status_code=422)

    # --- API ---------------------------------------------------------------------------

    @app.get("/api/health", tags=["server"])
    def health() -> dict[str, Any]:
        """The server is up."""
        return {"status": "ok", "version": evforge.__version__}

    @app.get("/api/cars", tags=["cars"])
    def cars() -> list[dict[str, str]]:
        """The bundled example cars and the validation cars: id, name, group."""
        return [{"id": c, "name": name, "group": group} for c, (_p, name, group) in _cars().items()]

    @app.get("/api/cars/{car_id}", tags=["cars"])
    def car(car_id: str) -> dict[str, Any]:
        """One bundled car: its spec (YAML text and JSON), its fields with units, and every
        value the model uses with its source (defaults shown as such)."""
        from evforge.spec import build_vehicle, load_spec
        from evforge.spec.schema import spec_leaves

        path, name, group = _car(car_id)
        spec = load_spec(path)
        vehicle = build_vehicle(spec)
        return {
            "id": car_id,
            "name": name,
            "group": group,
            "yaml": path.read_text(encoding="utf-8"),
            "spec": spec.model_dump(mode="json", exclude_unset=True, by_alias=True),
            "fields": [{"path": p, "value": v, "unit": u} for p, v, u in spec_leaves(spec)],
            "provenance": _provenance(vehicle),
        }

    @app.get("/api/fields", tags=["cars"])
    def fields() -> dict[str, Any]:
        """Every quantity field of the spec: its documented unit, its plausible range and,
        where the model has one, the documented default (value in the field's unit and its
        source) or the rule that sets it; ``units`` maps each path to its unit alone."""
        return _field_table()

    @app.post("/api/defaults", tags=["cars"])
    def defaults(body: DefaultsBody) -> dict[str, Any]:
        """For one car: the value each field takes when left empty (what the model then
        uses, from ``evforge.build_vehicle``'s provenance, in the field's unit) with its
        source, whether the spec sets the field, or why the field cannot be left empty."""
        return _defaults(body, uploads)

    @app.post("/api/evaluate", tags=["evaluate"])
    def evaluate(body: EvaluateBody) -> dict[str, Any]:
        """Evaluate one car or several (``evforge.evaluate``): the rows, and for one car its
        headline sheet (``evforge.report``, published figures beside), DC charging curve
        (10-80 %, 350 kW class) and energy breakdown on WLTC class 3b. A bad spec gives 422
        with the one-line messages, each naming its field."""
        return _evaluate(body, uploads)

    @app.post("/api/trace", tags=["pictures"])
    def trace(body: TraceBody) -> dict[str, Any]:
        """One car over one bundled cycle (``evforge.simulate(..., trace=True)``): its speed
        against the target at each step, where it falls behind (``trace_miss``) and by how
        much (the shortfall)."""
        return _trace(body, uploads)

    @app.post("/api/ambient", tags=["pictures"])
    def ambient(body: AmbientBody) -> dict[str, Any]:
        """Range and consumption of one car at each ambient temperature, climate control on
        (``evforge.run_procedure(vehicle, procedure, ambient_c=t)``, as ``evforge range
        --ambient``), and the test-cell figure beside."""
        return _ambient(body, uploads)

    @app.post("/api/spec.yaml", tags=["evaluate"], response_class=PlainTextResponse)
    def spec_yaml(body: EvaluateBody) -> PlainTextResponse:
        """The spec of one car (``car`` or ``spec``, with ``changes``) as a YAML file."""
        import yaml

        spec, _ = _one_spec(body, uploads)
        data = spec.model_dump(mode="json", exclude_unset=True, by_alias=True)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        return PlainTextResponse(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": 'attachment; filename="spec.yaml"'},
        )

    @app.get("/api/charge", tags=["evaluate"])
    def charge_curve(car: str, soc_from: float = 0.10, soc_to: float = 0.80) -> dict[str, Any]:
        """The DC charging curve of a bundled car (``evforge.charge``, 350 kW class)."""
        from evforge.spec import build_vehicle, load_spec

        if not (0.0 <= soc_from < soc_to <= 1.0):
            raise InputError(
                "charge",
                [
                    Problem(
                        "soc_from", f"got {soc_from:g}..{soc_to:g}; expected 0 <= from < to <= 1"
                    )
                ],
            )
        path, _name, _group = _car(car)
        return _charge(build_vehicle(load_spec(path)), soc_from, soc_to)

    @app.get("/api/jobs", tags=["jobs"])
    def all_jobs() -> list[dict[str, Any]]:
        """Every sweep and optimisation of this data folder, newest first (those of earlier
        servers too: the store outlives the server)."""
        return [_summary(job) for job in jobs.all()]

    @app.post("/api/sweeps", tags=["sweeps"], status_code=202)
    def start_sweep(body: SweepBody) -> dict[str, Any]:
        """Start a sweep (the keys of a study file, ``base`` a car id or an inline spec) as a
        background job; returns its id at once. At most ``max_designs`` designs."""
        from evforge.explore.study import parse_study

        data = body.model_dump(exclude_none=True)
        data["base"] = _study_base(body.base, uploads, "study")
        study = parse_study(data, source="study")
        if study.size > max_designs:
            raise InputError(
                "study",
                [Problem("sampling.n", f"gives {study.size} designs; at most {max_designs} here")],
            )
        chunk = max(1, min(64, math.ceil(study.size / 20)))
        job = jobs.start(
            "sweep",
            {**data, "_chunk": chunk},
            total=study.size,
            outputs=list(study.outputs),
            varied=[v.path for v in study.variables],
        )
        return {"id": job.id, "designs": study.size, "url": f"/api/sweeps/{job.id}"}

    @app.get("/api/sweeps/{job_id}", tags=["sweeps"])
    def sweep(job_id: str) -> dict[str, Any]:
        """A sweep's progress, then (state ``done``) its results as rows."""
        return _status(jobs, _job(jobs, job_id, "sweep"))

    @app.get("/api/sweeps/{job_id}/results.csv", tags=["sweeps"])
    def sweep_csv(job_id: str) -> FileResponse:
        """A finished sweep's results as CSV."""
        return _download(jobs, _job(jobs, job_id, "sweep"), "csv")

    @app.get("/api/sweeps/{job_id}/results.parquet", tags=["sweeps"])
    def sweep_parquet(job_id: str) -> FileResponse:
        """A finished sweep's results as Parquet."""
        return _download(jobs, _job(jobs, job_id, "sweep"), "parquet")

    @app.get("/api/sweeps/{job_id}/designs/{design_id}.yaml", tags=["sweeps"])
    def sweep_design(job_id: str, design_id: int) -> PlainTextResponse:
        """The spec of one design of a sweep, as a YAML file."""
        from evforge.explore.study import parse_study

        job = _job(jobs, job_id, "sweep")
        if not 0 <= design_id < job.total:
            raise HTTPException(
                404, f"design {design_id} is not in this sweep (0..{job.total - 1})"
            )
        data = json.loads((job.folder / "job.json").read_text(encoding="utf-8"))
        for key in ("kind", "_chunk"):
            data.pop(key, None)
        study = parse_study(data, source="study")
        row = study.designs(design_id, design_id + 1).iloc[0]
        values = {v.path: _plain(row[v.path]) for v in study.variables}
        return _design_yaml(study.base, values, design_id, "design")

    @app.post("/api/optimizations", tags=["optimizations"], status_code=202)
    def start_optimization(body: OptimizeBody) -> dict[str, Any]:
        """Start an optimisation (``evforge optimize``: NSGA-II over the varied fields, the
        keys of an optimisation file) as a background job; returns its id at once. At most
        a population of 40 and 20 generations here."""
        data = body.model_dump(exclude_none=True)
        data["base"] = _study_base(body.base, uploads, "optimisation")
        algorithm = {"population": 12, "generations": 5, "seed": 1, **(body.algorithm or {})}
        data["algorithm"] = algorithm
        opt = _parse_optimisation(data, uploads)
        problems = []
        if opt.population > MAX_POPULATION:
            problems.append(
                Problem(
                    "algorithm.population",
                    f"got {opt.population}; at most {MAX_POPULATION} here",
                )
            )
        if opt.generations > MAX_GENERATIONS:
            problems.append(
                Problem(
                    "algorithm.generations",
                    f"got {opt.generations}; at most {MAX_GENERATIONS} here",
                )
            )
        if len(opt.objectives) > 3:
            problems.append(Problem("objectives", "got more than 3; expected 1 to 3"))
        total = opt.population * opt.generations
        if not problems and total > max_designs:
            problems.append(
                Problem(
                    "algorithm.population",
                    f"population x generations gives {total} designs; at most {max_designs}",
                )
            )
        if problems:
            raise InputError("optimisation", problems)
        names = [o for o, _ in opt.objectives] + [c for c, _, _ in opt.constraints]
        job = jobs.start(
            "optimize",
            data,
            total=total,
            outputs=list(dict.fromkeys(names)),
            varied=[v.path for v in opt.study.variables],
        )
        return {
            "id": job.id,
            "evaluations": total,
            "url": f"/api/optimizations/{job.id}",
            "objectives": dict(opt.objectives),
        }

    @app.get("/api/optimizations/{job_id}", tags=["optimizations"])
    def optimization(job_id: str) -> dict[str, Any]:
        """An optimisation's progress (designs evaluated), then (state ``done``) its Pareto
        front as rows (``point``, the varied fields, the objectives and constraint outputs)."""
        job = _job(jobs, job_id, "optimize")
        out = _status(jobs, job)
        data = json.loads((job.folder / "job.json").read_text(encoding="utf-8"))
        out["objectives"] = data.get("objectives", {})
        out["constraints"] = data.get("constraints", [])
        return out

    @app.get("/api/optimizations/{job_id}/results.csv", tags=["optimizations"])
    def optimization_csv(job_id: str) -> FileResponse:
        """A finished optimisation's Pareto front as CSV."""
        return _download(jobs, _job(jobs, job_id, "optimize"), "csv")

    @app.get("/api/optimizations/{job_id}/results.parquet", tags=["optimizations"])
    def optimization_parquet(job_id: str) -> FileResponse:
        """A finished optimisation's Pareto front as Parquet."""
        return _download(jobs, _job(jobs, job_id, "optimize"), "parquet")

    @app.get("/api/optimizations/{job_id}/designs/{point}.yaml", tags=["optimizations"])
    def optimization_design(job_id: str, point: int) -> PlainTextResponse:
        """The spec of one point of the Pareto front, as a YAML file."""
        from evforge.explore.optimize import load_optimisation

        job = _job(jobs, job_id, "optimize")
        if job.state != "done":
            raise HTTPException(409, f"the optimisation is {job.state}; points come when done")
        front = jobs.results(job)
        if not 0 <= point < len(front):
            raise HTTPException(404, f"point {point} is not on this front (0..{len(front) - 1})")
        opt = load_optimisation(job.folder / "optimisation.yaml")
        row = front.iloc[point]
        values = {v.path: _plain(row[v.path]) for v in opt.study.variables}
        return _design_yaml(opt.study.base, values, point, "point")

    # --- the page ------------------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(_STATIC / "index.html", media_type="text/html")

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: Path | None = None) -> None:
    """Run the workbench with uvicorn until interrupted (``evforge serve``).

    Listens on ``host`` (loopback by default: only this machine can reach it); sweep jobs
    are written under ``data_dir`` (default :func:`default_data_dir`).
    """
    import uvicorn

    folder = default_data_dir() if data_dir is None else Path(data_dir)
    hosts = None if host in _LOOPBACK else ["*"]
    app = create_app(folder, allowed_hosts=hosts)
    uvicorn.run(app, host=host, port=port, log_level="info")


# --- helpers -----------------------------------------------------------------------------


@cache
def _cars() -> dict[str, tuple[Path, str, str]]:
    """id -> (spec file, name, group) of every bundled car; the only paths cars come from."""
    from evforge.spec import load_spec
    from evforge.validation.published import car_spec_paths

    examples = Path(__file__).resolve().parents[3] / "examples"
    found: list[tuple[Path, str]] = [(p, "example") for p in sorted(examples.glob("*.yaml"))]
    found += [(p, "validation") for p in car_spec_paths()]
    out: dict[str, tuple[Path, str, str]] = {}
    for path, group in found:
        car_id = path.stem.lower()
        if car_id in out or not _CAR_ID.fullmatch(car_id):
            car_id = f"{group}_{car_id}"
        try:
            name = load_spec(path).name
        except InputError:
            continue
        out[car_id] = (path, name, group)
    return out


def _car(car_id: str) -> tuple[Path, str, str]:
    if not _CAR_ID.fullmatch(car_id) or car_id not in _cars():
        raise HTTPException(404, "no bundled car with this id (GET /api/cars lists them)")
    return _cars()[car_id]


def _job(jobs: JobManager, job_id: str, kind: str) -> Job:
    job = jobs.get(job_id)
    if job is None or job.kind != kind:
        what = "sweep" if kind == "sweep" else "optimisation"
        raise HTTPException(404, f"no {what} with this id")
    return job


def _summary(job: Job) -> dict[str, Any]:
    base = "sweeps" if job.kind == "sweep" else "optimizations"
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "error": job.error,
        "varied": job.varied,
        "outputs": job.outputs,
        "started": job.started,
        "finished": job.finished,
        "elapsed_s": round((job.finished or time.time()) - job.started, 2),
        "url": f"/api/{base}/{job.id}",
    }


def _status(jobs: JobManager, job: Job) -> dict[str, Any]:
    out = _summary(job)
    if job.state == "done":
        frame = jobs.results(job)
        out["rows"] = json.loads(frame.to_json(orient="records"))
        out["downloads"] = {
            "csv": f"{out['url']}/results.csv",
            "parquet": f"{out['url']}/results.parquet",
        }
    return out


def _study_base(base: str | dict[str, Any], uploads: Path, source: str) -> Any:
    """A study's ``base`` as inline spec data: a bundled car's file, YAML text, or JSON."""
    from evforge.spec.loader import read_yaml

    if isinstance(base, dict):
        return base
    if _CAR_ID.fullmatch(base):
        if base not in _cars():
            raise InputError(
                source,
                [
                    Problem(
                        "base",
                        f"got {base[:60]!r}; expected a bundled car id "
                        "(GET /api/cars), a spec as YAML text, or an inline spec",
                    )
                ],
            )
        return read_yaml(_cars()[base][0])
    spec = _parse(base, uploads, f"{source}: base")  # a spec as YAML text
    return spec.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _parse_optimisation(data: dict[str, Any], uploads: Path) -> Any:
    """Validate an optimisation exactly as ``evforge optimize`` reads its file."""
    import yaml

    from evforge.explore.optimize import load_optimisation

    path = uploads / f"{uuid.uuid4().hex}.yaml"
    try:
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return load_optimisation(path)
    except InputError as exc:
        raise _rebrand(exc, "optimisation") from None
    finally:
        path.unlink(missing_ok=True)


def _design_yaml(base: Any, values: dict[str, Any], n: int, what: str) -> PlainTextResponse:
    import yaml

    from evforge.spec.variant import variant_spec

    spec = variant_spec(base, values, name=f"{base.name} ({what} {n})")
    text = yaml.safe_dump(
        spec.model_dump(mode="json", exclude_unset=True, by_alias=True), sort_keys=False
    )
    return PlainTextResponse(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{what}-{n}.yaml"'},
    )


def _plotly_js() -> Path:
    return Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))


def _problems(exc: InputError) -> dict[str, Any]:
    """The 422 body: the one-line messages, and each problem's field path."""
    return {
        "error": "invalid input",
        "lines": exc.lines(),
        "problems": [
            {"field": p.path, "message": p.message, "line": f"{exc.source}: {p}"}
            for p in exc.problems
        ],
    }


def _rebrand(exc: InputError, source: str) -> InputError:
    return InputError(source, exc.problems)


def _parse(spec: str | dict[str, Any], uploads: Path, source: str) -> Any:
    """A spec from YAML text (read exactly as a spec file is) or JSON data."""
    from evforge.spec import load_spec, parse_spec

    if isinstance(spec, dict):
        return parse_spec(spec, source=source)
    path = uploads / f"{uuid.uuid4().hex}.yaml"
    try:
        path.write_text(spec, encoding="utf-8")
        return load_spec(path)
    except InputError as exc:
        raise _rebrand(exc, source) from None
    finally:
        path.unlink(missing_ok=True)


def _one_spec(body: CarBody, uploads: Path) -> tuple[Any, Path | None]:
    """The spec of ``car`` or ``spec`` with ``changes``, and the bundled file it came from."""
    from evforge.spec import load_spec
    from evforge.spec.variant import variant_spec

    if (body.car is None) == (body.spec is None):
        raise InputError("request", [Problem("car", "give one of car (an id) or spec")])
    published: Path | None = None
    if body.car is not None:
        published = _car(body.car)[0]
        spec = load_spec(published)
        source = body.car
    else:
        assert body.spec is not None
        source = "spec"
        spec = _parse(body.spec, uploads, source)
    if body.changes:
        try:
            spec = variant_spec(spec, body.changes, name=spec.name)
        except InputError as exc:
            raise _rebrand(exc, source) from None
    return spec, published


def _evaluate(body: EvaluateBody, uploads: Path) -> dict[str, Any]:
    import evforge
    from evforge.design import DesignTable

    started = time.perf_counter()
    if body.specs is not None:
        if body.car is not None or body.spec is not None:
            raise InputError("request", [Problem("specs", "give specs, or car/spec, not both")])
        if not 1 <= len(body.specs) <= MAX_SPECS:
            raise InputError(
                "request",
                [Problem("specs", f"got {len(body.specs)}; expected 1 to {MAX_SPECS} specs")],
            )
        errors, specs = [], []
        for i, item in enumerate(body.specs):
            try:
                specs.append(_parse(item, uploads, f"specs[{i}]"))
            except InputError as exc:
                errors.append(exc)
        if errors:
            raise InputError.merge(errors)
        table = DesignTable(tuple(specs), tuple(f"specs[{i}]" for i in range(len(specs))))
        frame = evforge.evaluate(table, procedures=body.procedures)
        return {"rows": _rows(frame), "elapsed_s": round(time.perf_counter() - started, 3)}
    spec, published = _one_spec(body, uploads)
    table = DesignTable((spec,), (body.car or "spec",))
    frame = evforge.evaluate(table, procedures=body.procedures)
    out: dict[str, Any] = {"rows": _rows(frame)}
    if body.details:
        vehicle = evforge.build_vehicle(spec)
        sheet = evforge.report(vehicle, spec_path=published)
        out["sheet"] = sheet.to_dict()
        out["figures"] = [
            {
                "key": f.key,
                "label": f.label,
                "unit": f.unit,
                "value": _finite(f.value),
                "digits": f.digits,
                "published": f.published,
                "published_source": f.published_source,
                "note": f.note,
            }
            for f in sheet.figures
        ]
        out["charge"] = _charge(vehicle, 0.10, 0.80)
        result = evforge.simulate([vehicle], ENERGY_CYCLE)[0]
        out["energy"] = {
            "cycle": ENERGY_CYCLE,
            "kwh": {k: _finite(v) for k, v in _fields(result.energy_kwh).items()},
        }
    out["elapsed_s"] = round(time.perf_counter() - started, 3)
    return out


def _charge(vehicle: Any, soc_from: float, soc_to: float) -> dict[str, Any]:
    import evforge

    session = evforge.charge(vehicle, soc_from, soc_to)
    return {
        "soc_from": soc_from,
        "soc_to": soc_to,
        "time_min": _finite(session.time_min),
        "peak_power_kw": _finite(session.peak_power_kw),
        "time_s": [_finite(x) for x in session.time_s.tolist()],
        "power_kw": [_finite(x / 1000.0) for x in session.power_inlet_w.tolist()],
        "soc": [_finite(x) for x in session.soc.tolist()],
    }


def _fields(obj: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def _provenance(vehicle: Any) -> list[dict[str, Any]]:
    out = []
    for d in vehicle.provenance:
        value = d.value
        if isinstance(value, float):
            value = _finite(value)
        elif not isinstance(value, int | str | bool) and value is not None:
            value = str(value)
        out.append({"name": d.name, "value": value, "unit": d.unit, "source": d.source})
    return out


def _rows(frame: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return rows


def _download(jobs: JobManager, job: Job, fmt: str) -> FileResponse:
    if job.state != "done":
        raise HTTPException(409, f"the job is {job.state}; results come when it is done")
    target = job.folder / f"results.{fmt}"
    if not target.exists():
        frame = jobs.results(job)
        tmp = job.folder / f".results.{fmt}.{uuid.uuid4().hex}.tmp"
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    media = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
    return FileResponse(target, media_type=media, filename=f"{job.kind}-{job.id}.{fmt}")


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _request_problems(exc: RequestValidationError) -> InputError:
    """A request that does not fit its schema, as one problem per field (path joined with
    dots, list items as [i]), so it reads like every other 422."""
    problems = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x != "body"]
        path = ""
        for part in loc:
            path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
        message = str(err.get("msg", "is not valid"))
        if err.get("type") == "missing":
            message = "is missing"
        elif "input" in err and err.get("type") != "json_invalid":
            message = f"got {_short(err['input'])}; {message[:1].lower()}{message[1:]}"
        problems.append(Problem(path or "<body>", message))
    return InputError("request", problems or [Problem("<body>", "is not valid")])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- fields and their defaults -----------------------------------------------------------


def _to_unit(value: Any, unit: str, target: str) -> Any:
    """``value`` in ``unit`` converted to the field's unit ``target`` (numbers only)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if unit == target or (unit in ("", "1") and target in ("", "1")):
        return _finite(value)
    from evforge.units import registry

    try:
        return _finite(registry().Quantity(float(value), unit).to(target).magnitude)
    except Exception:  # a unit pint does not know ("kg*m^2 per wheel"): not this field's
        return None


@cache
def _static_defaults() -> dict[str, dict[str, Any]]:
    """The documented defaults of the schema's fields that do not depend on the car (the
    constants of evforge.spec.defaults and the shipped parameter set), in each field's unit,
    and the rules of those that do."""
    from evforge.spec import defaults as d
    from evforge.spec.schema import field_units

    units = field_units()
    out: dict[str, dict[str, Any]] = {}

    def value(path: str, default: Any) -> None:
        out[path] = {
            "value": _to_unit(default.value, default.unit, units.get(path, default.unit)),
            "source": default.source,
        }

    def choice(path: str, val: Any, source: str) -> None:
        out[path] = {"value": str(getattr(val, "value", val)), "source": source}

    def rule(path: str, text: str) -> None:
        out[path] = {"value": None, "rule": text, "source": text}

    value("tyres.rolling_resistance", d.ROLLING_RESISTANCE)
    value("tyres.friction_coefficient", d.TYRE_FRICTION)
    value("body.cog_height", d.COG_HEIGHT)
    value("body.wheelbase", d.WHEELBASE)
    value("motors[].max_speed", d.MOTOR_MAX_SPEED)
    value("battery.nominal_voltage", d.NOMINAL_VOLTAGE)
    value("auxiliary_power", d.AUXILIARY_POWER)
    value("climate.cabin_setpoint", d.CABIN_SETPOINT)
    value("climate.heater_power", d.HEATER_MAX_POWER)
    value("performance.test_soc", d.TEST_SOC)
    value("performance.payload", d.PERF_PAYLOAD)
    value("performance.launch_ramp_time", d.LAUNCH_RAMP_TIME)
    choice("tyres.size", d.TYRE_SIZE, d.TYRE_SIZE_SOURCE)
    choice("motors[].technology", d.MOTOR_TECHNOLOGY, d.MOTOR_TECHNOLOGY_SOURCE)
    choice("battery.chemistry", d.CHEMISTRY, d.CHEMISTRY_SOURCE)
    choice("climate.heating", d.HEATING, d.HEATING_SOURCE)
    choice("mass.curb_definition", d.CURB_DEFINITION, d.CURB_DEFINITION_SOURCE)
    rule("gear_ratio", d.GEAR_RATIO_RULE)
    rule(
        "body.frontal_area",
        "from body.width and body.height (or the curb mass): " + d.FRONTAL_AREA_FACTOR.source,
    )
    rule("battery.mass", "usable energy / pack specific energy: " + d.PACK_SPECIFIC_ENERGY.source)
    rule(
        "battery.peak_charge_power",
        "from the usable energy and the charge C-rate: " + d.MAX_CHARGE_C_RATE.source,
    )
    rule("battery.nominal_energy", "usable energy / usable fraction: " + d.USABLE_FRACTION.source)
    rule("motors[].peak_torque", "from the peak power and the motor's base speed")
    required = {
        "mass.curb": "required unless the spec has a design: section or road_load.test_mass",
        "body.drag_coefficient": "required unless road_load (a measured coast-down) is given",
        "battery.usable_energy": "required unless battery.nominal_energy is given",
        "motors[].peak_power": "required",
        "road_load.f0": "required in road_load",
        "road_load.f1": "required in road_load",
        "road_load.f2": "required in road_load",
    }
    for path, text in required.items():
        out[path] = {"value": None, "required": text, "source": text}
    return out


@cache
def _field_table() -> dict[str, Any]:
    from evforge.spec.schema import field_bounds, field_units

    statics = _static_defaults()
    rows = []
    for path, unit in field_units().items():
        bounds = field_bounds(path)
        rows.append(
            {
                "path": path,
                "unit": unit,
                "low": None if bounds is None else bounds[0],
                "high": None if bounds is None else bounds[1],
                "default": statics.get(path),
            }
        )
    for path, info in statics.items():  # the choice fields (no unit) with a default
        if path not in field_units():
            rows.append({"path": path, "unit": "", "low": None, "high": None, "default": info})
    return {"fields": rows, "units": dict(field_units())}


def _field_key(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _defaults(body: DefaultsBody, uploads: Path) -> dict[str, Any]:
    """Each field left empty in turn: the value the model then uses and its source."""
    from evforge.spec import build_vehicle
    from evforge.spec.schema import field_units, spec_leaves
    from evforge.spec.variant import variant_spec

    paths = list(FORM_FIELDS if body.fields is None else body.fields)
    units = field_units()
    statics = _static_defaults()
    bad = [
        Problem(f"fields[{i}]", f"got {_short(p)}; expected a spec field path (GET /api/fields)")
        for i, p in enumerate(paths)
        if not isinstance(p, str) or _field_key(p) not in {*units, *statics}
    ]
    if len(paths) > 60:
        bad.append(Problem("fields", f"got {len(paths)}; expected at most 60 field paths"))
    if bad:
        raise InputError("request", bad)
    spec, _ = _one_spec(body, uploads)
    given = {p: v for p, v, _u in spec_leaves(spec)}
    motors = len(spec.motors)
    out: dict[str, Any] = {}
    for path in paths:
        key = _field_key(path)
        unit = units.get(key, "")
        static = statics.get(key, {})
        entry: dict[str, Any] = {"unit": unit, "given": path in given, "value": None}
        match = re.match(r"motors\[(\d+)\]", path)
        if match and int(match.group(1)) >= motors:
            entry["source"] = f"this car has {motors} motor{'s' if motors > 1 else ''}"
            out[path] = entry
            continue
        try:
            without = variant_spec(spec, {path: None}, name=spec.name)
            vehicle = build_vehicle(without)
        except InputError as exc:
            if static.get("required"):
                entry["required"] = entry["source"] = static["required"]
            else:  # another rule keeps it (a measured coast-down fixes mass, C_d and size)
                message = exc.problems[0].message if exc.problems else exc.lines()[0]
                entry["blocked"] = entry["source"] = message
            out[path] = entry
            continue
        found = {d.name: d for d in vehicle.provenance}
        derived = found.get(path)
        if derived is not None and derived.source != "spec":
            entry["value"] = _to_unit(derived.value, derived.unit, unit or derived.unit)
            entry["source"] = derived.source
        elif key in ("body.width", "body.height") and "frontal_area" in found:
            entry["source"] = "frontal area then " + found["frontal_area"].source
        elif static:
            entry["value"] = static.get("value")
            entry["source"] = static["source"]
        else:
            entry["source"] = "optional: the model does without it"
        out[path] = entry
    return {"defaults": out}


# --- pictures ----------------------------------------------------------------------------


def _trace(body: TraceBody, uploads: Path) -> dict[str, Any]:
    import numpy as np

    import evforge
    from evforge.cycles import cycle_names

    names = cycle_names()
    cycle = body.cycle.strip().lower()
    if cycle not in names:
        raise InputError(
            "request",
            [Problem("cycle", f"got {_short(body.cycle)}; expected one of: {', '.join(names)}")],
        )
    spec, _ = _one_spec(body, uploads)
    started = time.perf_counter()
    vehicle = evforge.build_vehicle(spec)
    result = evforge.simulate([vehicle], cycle, trace=True)[0]
    trace = result.trace
    assert trace is not None
    speed = trace["speed_mps"].to_numpy(dtype=float) * 3.6
    target = trace["target_speed_mps"].to_numpy(dtype=float) * 3.6
    miss = trace["trace_miss"].to_numpy(dtype=bool)
    time_s = trace["time_s"].to_numpy(dtype=float)
    gap = np.where(miss, np.maximum(target - speed, 0.0), 0.0)
    dt = np.diff(time_s, prepend=time_s[0] if len(time_s) else 0.0)
    worst = int(np.argmax(gap)) if len(gap) else 0
    return {
        "cycle": cycle,
        "cycles": names,
        "time_s": [round(float(x), 2) for x in time_s],
        "speed_kmh": [round(float(x), 3) for x in speed],
        "target_kmh": [round(float(x), 3) for x in target],
        "miss": [bool(x) for x in miss],
        "shortfall": {
            "steps": int(miss.sum()),
            "seconds": round(float(dt[miss].sum()), 2),
            "max_kmh": round(float(gap.max()) if len(gap) else 0.0, 3),
            "at_s": round(float(time_s[worst]) if len(time_s) else 0.0, 2),
        },
        "consumption_dc_kwh_per_100km": _finite(result.consumption_dc_kwh_per_100km),
        "elapsed_s": round(time.perf_counter() - started, 3),
    }


def _ambient(body: AmbientBody, uploads: Path) -> dict[str, Any]:
    import evforge
    from evforge.procedures import PROCEDURES, run_procedure
    from evforge.units import QuantityError, parse_temperature_c

    problems = []
    procedure = body.procedure.strip().lower()
    if procedure not in PROCEDURES:
        problems.append(
            Problem(
                "procedure",
                f"got {_short(body.procedure)}; expected one of: {', '.join(PROCEDURES)}",
            )
        )
    if not 1 <= len(body.temperatures) <= 8:
        problems.append(
            Problem("temperatures", f"got {len(body.temperatures)}; expected 1 to 8 values")
        )
    temps: list[float] = []
    for i, t in enumerate(body.temperatures):
        try:
            temps.append(parse_temperature_c(f"{t:g}" if isinstance(t, float) else str(t)))
        except QuantityError as exc:
            problems.append(Problem(f"temperatures[{i}]", str(exc)))
    if problems:
        raise InputError("request", problems)
    spec, _ = _one_spec(body, uploads)
    started = time.perf_counter()
    vehicle = evforge.build_vehicle(spec)

    def point(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "ambient_c": record.get("ambient_c"),
            "range_km": _finite(record.get("range_km")),
            "consumption_dc_kwh_per_100km": _finite(record.get("consumption_dc_kwh_per_100km")),
            "consumption_ac_kwh_per_100km": _finite(record.get("consumption_ac_kwh_per_100km")),
        }

    points = [point(run_procedure(vehicle, procedure, ambient_c=t)) for t in temps]
    reference = point(run_procedure(vehicle, procedure))
    return {
        "procedure": procedure,
        "points": points,
        "reference": reference,
        "elapsed_s": round(time.perf_counter() - started, 3),
    }
