"""The web workbench's JSON API, through a real uvicorn server on a free port (httpx)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

import evforge
from evforge.web import create_app

BOLT = "chevrolet_bolt_ev_2017"
EV6 = "kia_ev6_long_range_awd_2023"
ROOT = Path(__file__).resolve().parents[1]


class Server:
    """A uvicorn server for one app in a thread; ``url`` once it is up."""

    def __init__(self, app: Any) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-data")


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[httpx.Client]:
    with (
        Server(create_app(data_dir)) as server,
        httpx.Client(base_url=server.url, timeout=120) as c,
    ):
        yield c


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def _wait(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status: dict[str, Any] = client.get(f"/api/sweeps/{job_id}").json()
        if status["state"] in ("done", "failed", "timeout"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"sweep {job_id} did not finish in {timeout} s")


def test_health_and_openapi(client: httpx.Client) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    for path in ("/api/evaluate", "/api/sweeps", "/api/sweeps/{job_id}", "/api/health"):
        assert path in schema["paths"]


def test_page_and_plotly_served_locally(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "/static/plotly.min.js" in page.text
    assert "cdn" not in page.text.lower()
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200
    assert len(js.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200


def test_cars(client: httpx.Client) -> None:
    cars = client.get("/api/cars").json()
    ids = {c["id"] for c in cars}
    assert {BOLT, EV6, "tesla_model_3_rwd_2022"} <= ids
    assert {c["group"] for c in cars} == {"example", "validation"}
    car = client.get(f"/api/cars/{BOLT}").json()
    assert car["name"] == "Chevrolet Bolt EV 2017"
    fields = {f["path"]: f for f in car["fields"]}
    assert fields["body.drag_coefficient"]["value"] == pytest.approx(0.32)
    assert fields["mass.curb"]["unit"] == "kg"
    assert any(d["source"] for d in car["provenance"])


def test_evaluate_one_car_matches_the_api(client: httpx.Client) -> None:
    response = client.post("/api/evaluate", json={"car": BOLT})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = evforge.evaluate([ROOT / "examples" / f"{BOLT}.yaml"])
    row = body["rows"][0]
    assert row["range_wltp_km"] == pytest.approx(expected.loc[0, "range_wltp_km"], rel=1e-9)
    assert row["range_epa_mi"] == pytest.approx(expected.loc[0, "range_epa_mi"], rel=1e-9)
    assert body["sheet"]["published"]["range_epa_mi"] == 238.0
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["range_epa_mi"]["published"] == 238.0
    charge = body["charge"]
    assert len(charge["time_s"]) == len(charge["power_kw"]) == len(charge["soc"]) > 10
    assert charge["soc"][0] == pytest.approx(0.10, abs=1e-6)
    assert charge["soc"][-1] == pytest.approx(0.80, abs=1e-6)
    assert body["energy"]["kwh"]["aero"] > 0


def test_evaluate_yaml_text_json_and_changes(client: httpx.Client) -> None:
    text = (ROOT / "examples" / f"{BOLT}.yaml").read_text(encoding="utf-8")
    by_text = client.post("/api/evaluate", json={"spec": text, "details": False}).json()
    spec = evforge.load_spec(ROOT / "examples" / f"{BOLT}.yaml")
    as_json = spec.model_dump(mode="json", exclude_unset=True, by_alias=True)
    by_json = client.post("/api/evaluate", json={"spec": as_json, "details": False}).json()
    assert by_text["rows"][0]["range_wltp_km"] == pytest.approx(by_json["rows"][0]["range_wltp_km"])
    changed = client.post(
        "/api/evaluate",
        json={
            "car": BOLT,
            "changes": {"road_load": None, "body.drag_coefficient": 0.25},
            "procedures": ["wltp"],
            "details": False,
        },
    ).json()
    physical = client.post(
        "/api/evaluate",
        json={
            "car": BOLT,
            "changes": {"road_load": None},
            "procedures": ["wltp"],
            "details": False,
        },
    ).json()
    assert changed["rows"][0]["range_wltp_km"] > physical["rows"][0]["range_wltp_km"]
    several = client.post(
        "/api/evaluate", json={"specs": [text, as_json], "procedures": ["mass"]}
    ).json()
    assert len(several["rows"]) == 2


def test_bad_spec_gives_422_naming_the_field(client: httpx.Client) -> None:
    text = (ROOT / "examples" / f"{BOLT}.yaml").read_text(encoding="utf-8")
    bad = text.replace("curb: 3563 lb", "curb: 5 kW")
    response = client.post("/api/evaluate", json={"spec": bad})
    assert response.status_code == 422
    body = response.json()
    assert [p["field"] for p in body["problems"]] == ["mass.curb"]
    assert body["lines"][0].startswith("spec: mass.curb: ")
    assert "wrong kind" in body["lines"][0]
    # a change that the measured coast-down would override: the variant rule's message
    response = client.post(
        "/api/evaluate", json={"car": BOLT, "changes": {"body.drag_coefficient": 0.25}}
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "body.drag_coefficient"
    response = client.post("/api/evaluate", json={"car": BOLT, "changes": {"mass.curb": -5}})
    assert response.status_code == 422
    assert "mass.curb" in response.json()["lines"][0]


def test_body_over_5_mb_gives_413(client: httpx.Client, data_dir: Path) -> None:
    big = b'{"spec": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/evaluate", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: streamed, counted as it comes
        yield b'{"spec": "'
        for _ in range(7):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = client.post(
        "/api/evaluate", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/cars/..%2F..%2Fpyproject",
        "/api/cars/../../etc/passwd",
        "/api/cars/%2Fetc%2Fpasswd",
        "/api/cars/chevrolet_bolt_ev_2017.yaml",
        "/api/sweeps/..%2F..%2F..%2Fetc",
        "/api/sweeps/0123456789abcdef0123456789abcdef",
        "/api/sweeps/..%2Fuploads/results.csv",
        "/api/sweeps/%2e%2e/results.parquet",
        "/static/..%2F..%2F__init__.py",
        "/static/../app.py",
        "/api/charge?car=..%2F..%2Fexamples%2Fchevrolet_bolt_ev_2017",
    ],
)
def test_path_traversal_is_refused(client: httpx.Client, data_dir: Path, url: str) -> None:
    before = _files(data_dir)
    response = client.get(url)
    assert response.status_code in (404, 422), (url, response.status_code)
    assert "[project]" not in response.text
    assert "root:" not in response.text
    assert _files(data_dir) == before


def test_traversal_in_bodies_is_refused(client: httpx.Client, data_dir: Path) -> None:
    before = _files(data_dir)
    for car in ("../../examples/chevrolet_bolt_ev_2017", "/etc/passwd", "..", BOLT + "/x"):
        response = client.post("/api/evaluate", json={"car": car})
        assert response.status_code in (404, 422), car
    for base in ("../examples/kia_ev6_long_range_awd_2023.yaml", "/etc/passwd"):
        response = client.post(
            "/api/sweeps",
            json={"base": base, "vary": {"body.drag_coefficient": {"low": 0.2, "high": 0.3}}},
        )
        assert response.status_code == 422, base
    assert _files(data_dir) == before


def test_sweep_runs_and_matches_evaluate(client: httpx.Client, data_dir: Path) -> None:
    study = {
        "base": EV6,
        "base_changes": {"road_load": None, "battery.nominal_energy": None},
        "vary": {
            "body.drag_coefficient": {"low": 0.22, "high": 0.30},
            "battery.usable_energy": {"low": "50 kWh", "high": "90 kWh"},
        },
        "sampling": {"method": "sobol", "n": 8, "seed": 1},
        "outputs": ["range_wltp_km", "curb_mass_kg"],
    }
    started = client.post("/api/sweeps", json=study)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    assert (data_dir / "sweeps" / job_id).is_dir()
    status = _wait(client, job_id)
    assert status["state"] == "done", status
    assert status["done"] == status["total"] == 8
    rows = status["rows"]
    assert [r["design_id"] for r in rows] == list(range(8))
    assert all(r["error"] is None for r in rows)
    # the same designs through evforge.evaluate
    import pandas as pd

    base = evforge.variant_spec(
        ROOT / "examples" / f"{EV6}.yaml", {"road_load": None, "battery.nominal_energy": None}
    )
    designs = pd.DataFrame(
        [{p: r[p] for p in ("body.drag_coefficient", "battery.usable_energy")} for r in rows]
    )
    from evforge.design import DesignTable

    table = DesignTable.from_frame(designs, base=base)
    expected = evforge.evaluate(table, procedures=["wltp", "mass"])
    for r, (_, e) in zip(rows, expected.iterrows(), strict=True):
        assert r["range_wltp_km"] == pytest.approx(e["range_wltp_km"], rel=1e-9)
        assert r["curb_mass_kg"] == pytest.approx(e["curb_mass_kg"], rel=1e-9)
    csv = client.get(f"/api/sweeps/{job_id}/results.csv")
    assert csv.status_code == 200
    assert csv.text.splitlines()[0].startswith("design_id,")
    assert len(csv.text.splitlines()) == 9
    parquet = client.get(f"/api/sweeps/{job_id}/results.parquet")
    assert parquet.status_code == 200
    assert parquet.content[:4] == b"PAR1"
    design = client.get(f"/api/sweeps/{job_id}/designs/3.yaml")
    assert design.status_code == 200
    assert "drag_coefficient" in design.text
    assert client.get(f"/api/sweeps/{job_id}/designs/99.yaml").status_code == 404


def test_sweep_limits(client: httpx.Client) -> None:
    too_big = {
        "base": EV6,
        "base_changes": {"road_load": None},
        "vary": {"body.drag_coefficient": {"low": 0.22, "high": 0.30}},
        "sampling": {"method": "random", "n": 2001},
    }
    response = client.post("/api/sweeps", json=too_big)
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "sampling.n"
    bad = {**too_big, "vary": {"body.drag_coefficient": {"low": 0.3, "high": 0.2}}}
    response = client.post("/api/sweeps", json=bad)
    assert response.status_code == 422
    assert "vary.body.drag_coefficient" in response.json()["lines"][0]


def test_concurrent_evaluations_get_their_own_results(client: httpx.Client) -> None:
    cds = [0.22, 0.34]

    def one(cd: float) -> float:
        response = client.post(
            "/api/evaluate",
            json={
                "car": BOLT,
                "changes": {"road_load": None, "body.drag_coefficient": cd},
                "procedures": ["wltp"],
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert body["rows"][0]["body.drag_coefficient"] == pytest.approx(cd)
        return float(body["rows"][0]["range_wltp_km"])

    alone = [one(cd) for cd in cds]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(one, cds * 2))
    assert together == pytest.approx(alone * 2, rel=1e-12)
    assert alone[0] > alone[1]


def test_a_crashed_job_leaves_the_server_serving(tmp_path: Path) -> None:
    crash = [sys.executable, "-c", "raise RuntimeError('boom: the job crashed')"]
    app = create_app(tmp_path, worker=crash)
    study = {
        "base": BOLT,
        "base_changes": {"road_load": None},
        "vary": {"body.drag_coefficient": {"low": 0.22, "high": 0.30}},
        "sampling": {"method": "sobol", "n": 2},
        "outputs": ["range_wltp_km"],
    }
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        job = c.post("/api/sweeps", json=study).json()["id"]
        status = _wait(c, job)
        assert status["state"] == "failed"
        assert "boom" in status["error"]
        assert c.get(f"/api/sweeps/{job}/results.csv").status_code == 409
        assert c.get("/api/health").json()["status"] == "ok"
        assert (
            c.post("/api/evaluate", json={"car": BOLT, "procedures": ["mass"]}).status_code == 200
        )


def test_a_job_past_its_time_is_stopped(tmp_path: Path) -> None:
    slow = [sys.executable, "-c", "import time; time.sleep(60)"]
    app = create_app(tmp_path, worker=slow, max_job_seconds=1.0)
    study = {
        "base": BOLT,
        "base_changes": {"road_load": None},
        "vary": {"body.drag_coefficient": {"low": 0.22, "high": 0.30}},
        "sampling": {"method": "sobol", "n": 2},
    }
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        job = c.post("/api/sweeps", json=study).json()["id"]
        status = _wait(c, job, timeout=30)
        assert status["state"] == "timeout"
        assert "time limit" in status["error"]
        assert c.get("/api/health").status_code == 200


def test_other_hosts_are_refused(client: httpx.Client) -> None:
    # DNS rebinding: a page on another name that resolves to 127.0.0.1 gets nothing
    response = client.get("/api/health", headers={"Host": "evil.example"})
    assert response.status_code == 400
