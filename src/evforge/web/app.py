"""The web workbench's server: a JSON API over :mod:`evforge`, and the page that uses it.

Every route is a thin layer over the public API (``evforge.evaluate``, ``evforge.report``,
``evforge.charge``, ``evforge.simulate``, ``evforge.variant_spec``, the study and sweep
functions of :mod:`evforge.explore`). See docs/web.md.

Safety: bundled cars are addressed by id (a name in a table built here from the package's
own folders), never by a path from the request; sweep jobs by a random hex id checked before
any file is touched; every file the server writes lies under ``data_dir``; request bodies
above :data:`MAX_BODY_BYTES` get 413; sweeps run as separate processes with a size and time
limit (:mod:`evforge.web.jobs`).
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from evforge.errors import InputError, Problem
from evforge.web.jobs import JobManager

__all__ = ["MAX_BODY_BYTES", "MAX_DESIGNS", "MAX_JOB_SECONDS", "create_app", "serve"]

#: Largest request body accepted [bytes]; larger gets HTTP 413.
MAX_BODY_BYTES: Final = 5 * 1024 * 1024
#: Most designs one sweep job may hold.
MAX_DESIGNS: Final = 2000
#: Longest a sweep job may run [s]; it is then stopped.
MAX_JOB_SECONDS: Final = 600.0
#: Most specs one evaluate request may hold (larger tables: a sweep, or ``evforge evaluate``).
MAX_SPECS: Final = 20
#: The drive cycle of the energy breakdown.
ENERGY_CYCLE: Final = "wltc_class3b"

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


class EvaluateBody(BaseModel):
    """``POST /api/evaluate``: one car (``car``, ``spec``) or several (``specs``)."""

    car: str | None = Field(None, description="a bundled car id (GET /api/cars)")
    spec: str | dict[str, Any] | None = Field(None, description="a spec: YAML text or JSON")
    specs: list[str | dict[str, Any]] | None = Field(
        None, description=f"several specs (at most {MAX_SPECS}): YAML text or JSON each"
    )
    changes: dict[str, Any] | None = Field(
        None, description="spec field path -> value, applied to car or spec (evforge.variant)"
    )
    procedures: list[str] | None = Field(None, description="default all (evforge.evaluate)")
    details: bool = Field(
        True, description="one car: add the headline sheet, charging curve, energy breakdown"
    )


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
        Where sweep jobs and uploads are written (created if missing); nothing is written
        elsewhere.
    max_designs, max_job_seconds : int, float
        The size and time limit of a sweep job.
    max_running_jobs : int
        Sweep jobs running at once; later ones wait.
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
    app = FastAPI(
        title="evforge workbench",
        version=evforge.__version__,
        description="Design, compare and explore battery-electric cars (evforge's JSON API).",
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
    def fields() -> dict[str, str]:
        """Every quantity field path of the spec and its documented unit."""
        from evforge.spec.schema import field_units

        return dict(field_units())

    @app.post("/api/evaluate", tags=["evaluate"])
    def evaluate(body: EvaluateBody) -> dict[str, Any]:
        """Evaluate one car or several (``evforge.evaluate``): the rows, and for one car its
        headline sheet (``evforge.report``, published figures beside), DC charging curve
        (10-80 %, 350 kW class) and energy breakdown on WLTC class 3b. A bad spec gives 422
        with the one-line messages, each naming its field."""
        return _evaluate(body, uploads)

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

    @app.post("/api/sweeps", tags=["sweeps"], status_code=202)
    def start_sweep(body: SweepBody) -> dict[str, Any]:
        """Start a sweep (the keys of a study file, ``base`` a car id or an inline spec) as a
        background job; returns its id at once. At most ``max_designs`` designs."""
        from evforge.explore.study import parse_study
        from evforge.spec.loader import read_yaml

        data = body.model_dump(exclude_none=True)
        if isinstance(body.base, str) and _CAR_ID.fullmatch(body.base):
            if body.base not in _cars():
                raise InputError(
                    "study",
                    [
                        Problem(
                            "base",
                            f"got {body.base[:60]!r}; expected a bundled car id "
                            "(GET /api/cars), a spec as YAML text, or an inline spec",
                        )
                    ],
                )
            data["base"] = read_yaml(_cars()[body.base][0])
        elif isinstance(body.base, str):  # a spec as YAML text
            spec = _parse(body.base, uploads, "study: base")
            data["base"] = spec.model_dump(mode="json", exclude_unset=True, by_alias=True)
        study = parse_study(data, source="study")
        if study.size > max_designs:
            raise InputError(
                "study",
                [Problem("sampling.n", f"gives {study.size} designs; at most {max_designs} here")],
            )
        chunk = max(1, min(64, math.ceil(study.size / 20)))
        job = jobs.start(
            {**data, "_chunk": chunk},
            total=study.size,
            outputs=list(study.outputs),
            varied=[v.path for v in study.variables],
        )
        return {"id": job.id, "designs": study.size, "url": f"/api/sweeps/{job.id}"}

    @app.get("/api/sweeps/{job_id}", tags=["sweeps"])
    def sweep(job_id: str) -> dict[str, Any]:
        """A sweep's progress, then (state ``done``) its results as rows."""
        job = _job(jobs, job_id)
        out: dict[str, Any] = {
            "id": job.id,
            "state": job.state,
            "done": job.done,
            "total": job.total,
            "error": job.error,
            "varied": job.varied,
            "outputs": job.outputs,
            "elapsed_s": round((job.finished or time.time()) - job.started, 2),
        }
        if job.state == "done":
            frame = _results(job.folder)
            out["rows"] = json.loads(frame.to_json(orient="records"))
            out["downloads"] = {
                "csv": f"/api/sweeps/{job.id}/results.csv",
                "parquet": f"/api/sweeps/{job.id}/results.parquet",
            }
        return out

    @app.get("/api/sweeps/{job_id}/results.csv", tags=["sweeps"])
    def sweep_csv(job_id: str) -> FileResponse:
        """A finished sweep's results as CSV."""
        return _download(jobs, job_id, "csv")

    @app.get("/api/sweeps/{job_id}/results.parquet", tags=["sweeps"])
    def sweep_parquet(job_id: str) -> FileResponse:
        """A finished sweep's results as Parquet."""
        return _download(jobs, job_id, "parquet")

    @app.get("/api/sweeps/{job_id}/designs/{design_id}.yaml", tags=["sweeps"])
    def sweep_design(job_id: str, design_id: int) -> PlainTextResponse:
        """The spec of one design of a sweep, as a YAML file."""
        import yaml

        from evforge.explore.study import parse_study
        from evforge.spec.variant import variant_spec

        job = _job(jobs, job_id)
        if not 0 <= design_id < job.total:
            raise HTTPException(
                404, f"design {design_id} is not in this sweep (0..{job.total - 1})"
            )
        data = json.loads((job.folder / "study.json").read_text(encoding="utf-8"))
        data.pop("_chunk", None)
        study = parse_study(data, source="study")
        row = study.designs(design_id, design_id + 1).iloc[0]
        values = {v.path: _plain(row[v.path]) for v in study.variables}
        spec = variant_spec(study.base, values, name=f"{study.base.name} (design {design_id})")
        text = yaml.safe_dump(
            spec.model_dump(mode="json", exclude_unset=True, by_alias=True), sort_keys=False
        )
        return PlainTextResponse(
            text,
            media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="design-{design_id}.yaml"'},
        )

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


def _job(jobs: JobManager, job_id: str) -> Any:
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "no sweep with this id")
    return job


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


def _one_spec(body: EvaluateBody, uploads: Path) -> tuple[Any, Path | None]:
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


def _results(folder: Path) -> Any:
    import pandas as pd

    parts = sorted((folder / "results").glob("part-*.parquet"))
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    return frame.sort_values("design_id", ignore_index=True)


def _download(jobs: JobManager, job_id: str, fmt: str) -> FileResponse:
    job = _job(jobs, job_id)
    if job.state != "done":
        raise HTTPException(409, f"the sweep is {job.state}; results come when it is done")
    target = job.folder / f"results.{fmt}"
    if not target.exists():
        frame = _results(job.folder)
        tmp = job.folder / f".results.{fmt}.{uuid.uuid4().hex}.tmp"
        if fmt == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    media = "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"
    return FileResponse(target, media_type=media, filename=f"sweep-{job.id}.{fmt}")


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
