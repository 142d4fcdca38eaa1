"""The web workbench's JSON API, through a real uvicorn server on a free port (httpx)."""

from __future__ import annotations

import itertools
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
import yaml

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
    for path in (
        "/api/evaluate",
        "/api/sweeps",
        "/api/sweeps/{job_id}",
        "/api/health",
        "/api/defaults",
        "/api/trace",
        "/api/ambient",
        "/api/optimizations",
        "/api/optimizations/{job_id}",
        "/api/jobs",
    ):
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
        "/api/optimizations/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/optimizations/0123456789abcdef0123456789abcdef/results.csv",
        "/api/optimizations/0123456789abcdef0123456789abcdef/designs/0.yaml",
        "/api/sweeps/0123456789abcdef0123456789abcdef/designs/..%2F..%2Fetc%2Fpasswd.yaml",
        "/api/sweeps/0123456789abcdef0123456789abcdef/designs/-1.yaml",
        "/api/jobs/..%2F..%2Fstore.duckdb",
        "/store.duckdb",
        "/static/..%2F..%2F..%2Fstore.duckdb",
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
    for url, body in (
        ("/api/trace", {"car": BOLT, "cycle": "../../etc/passwd"}),
        ("/api/trace", {"car": "../../etc/passwd"}),
        ("/api/ambient", {"car": "/etc/passwd"}),
        ("/api/defaults", {"car": BOLT, "fields": ["../../etc/passwd"]}),
    ):
        response = client.post(url, json=body)
        assert response.status_code in (404, 422), (url, body)
        assert "root:" not in response.text
    opt = {
        "base": "../../etc/passwd",
        "vary": {"body.drag_coefficient": {"low": 0.2, "high": 0.3}},
        "objectives": {"range_wltp_km": "max"},
    }
    assert client.post("/api/optimizations", json=opt).status_code == 422
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
    assert (data_dir / "jobs" / job_id).is_dir()
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


# --- defaults, pictures, optimisation, the job store ----------------------------------------


def test_fields_carry_units_ranges_and_documented_defaults(client: httpx.Client) -> None:
    from evforge.spec import defaults

    body = client.get("/api/fields").json()
    fields = {f["path"]: f for f in body["fields"]}
    assert body["units"]["mass.curb"] == "kg"
    assert fields["mass.curb"]["low"] == 200.0
    assert "required" in fields["mass.curb"]["default"]
    rr = fields["tyres.rolling_resistance"]["default"]
    assert rr["value"] == pytest.approx(defaults.ROLLING_RESISTANCE.value)
    assert rr["source"] == defaults.ROLLING_RESISTANCE.source
    cog = fields["body.cog_height"]  # a default in m, shown in the field's unit, mm
    assert cog["unit"] == "mm"
    assert cog["default"]["value"] == pytest.approx(1000 * defaults.COG_HEIGHT.value)
    assert "design rule" in fields["gear_ratio"]["default"]["rule"]
    assert fields["battery.chemistry"]["default"]["value"] == "NMC"


def test_defaults_of_one_car_come_from_its_provenance(client: httpx.Client) -> None:
    response = client.post("/api/defaults", json={"car": BOLT})
    assert response.status_code == 200, response.text
    d = response.json()["defaults"]
    # the Bolt gives its gear ratio; left empty, the design rule from its top speed applies
    spec = evforge.variant_spec(ROOT / "examples" / f"{BOLT}.yaml", {"gear_ratio": None})
    rule = next(p for p in evforge.build_vehicle(spec).provenance if p.name == "gear_ratio")
    assert d["gear_ratio"]["given"] is True
    assert d["gear_ratio"]["value"] == pytest.approx(rule.value)
    assert d["gear_ratio"]["source"] == rule.source
    assert "required" in d["mass.curb"]
    assert "measured coast-down" in d["body.width"]["blocked"]  # the Bolt's road_load keeps it
    assert d["motors[1].peak_power"]["value"] is None  # the Bolt has one motor
    assert d["battery.peak_charge_power"]["value"] > 0
    # a field not set by the spec: given false, its default with the parameter set's source
    more = client.post(
        "/api/defaults", json={"car": BOLT, "fields": ["body.cog_height", "tyres.size"]}
    ).json()["defaults"]
    assert more["body.cog_height"]["given"] is False
    assert more["body.cog_height"]["value"] == pytest.approx(520.0)
    assert more["body.cog_height"]["unit"] == "mm"
    bad = client.post("/api/defaults", json={"car": BOLT, "fields": ["mass.nope"]})
    assert bad.status_code == 422
    assert bad.json()["lines"] == [
        "request: fields[0]: got 'mass.nope'; expected a spec field path (GET /api/fields)"
    ]


def test_trace_marks_the_shortfall(client: httpx.Client) -> None:
    stock = client.post("/api/trace", json={"car": BOLT, "cycle": "udds"})
    assert stock.status_code == 200, stock.text
    body = stock.json()
    assert body["cycle"] == "udds"
    assert len(body["time_s"]) == len(body["speed_kmh"]) == len(body["target_kmh"])
    assert len(body["miss"]) == len(body["time_s"]) > 1000
    assert body["shortfall"]["steps"] == 0
    weak = client.post(
        "/api/trace", json={"car": BOLT, "changes": {"motors[0].peak_power": "40 kW"}}
    ).json()
    assert weak["cycle"] == "us06"  # the default cycle
    assert weak["shortfall"]["steps"] > 0
    assert weak["shortfall"]["max_kmh"] > 1.0
    # the same trace as evforge.simulate
    car = evforge.variant(ROOT / "examples" / f"{BOLT}.yaml", {"motors[0].peak_power": "40 kW"})
    trace = evforge.simulate([car], "us06", trace=True)[0].trace
    assert trace is not None
    assert weak["shortfall"]["steps"] == int(trace["trace_miss"].sum())
    assert weak["speed_kmh"][300] == pytest.approx(3.6 * trace["speed_mps"].iloc[300], abs=1e-3)
    bad = client.post("/api/trace", json={"car": BOLT, "cycle": "moon"})
    assert bad.status_code == 422
    assert len(bad.json()["lines"]) == 1
    assert bad.json()["lines"][0].startswith("request: cycle: got 'moon'; expected one of: ")


def test_range_at_ambient_temperatures_matches_run_procedure(client: httpx.Client) -> None:
    from evforge.procedures import run_procedure

    response = client.post("/api/ambient", json={"car": BOLT})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["ambient_c"] for p in body["points"]] == [-10.0, 0.0, 23.0]
    car = evforge.build_vehicle(evforge.load_spec(ROOT / "examples" / f"{BOLT}.yaml"))
    for p in body["points"]:
        expected = run_procedure(car, "wltp", ambient_c=p["ambient_c"])["range_km"]
        assert p["range_km"] == pytest.approx(expected, rel=1e-9)
    ranges = [p["range_km"] for p in body["points"]]
    assert ranges[0] < ranges[1] < ranges[2] < body["reference"]["range_km"] * 1.001
    epa = client.post(
        "/api/ambient", json={"car": BOLT, "procedure": "epa", "temperatures": ["20F"]}
    ).json()
    assert epa["points"][0]["ambient_c"] == pytest.approx(-6.667, abs=1e-3)
    bad = client.post("/api/ambient", json={"car": BOLT, "temperatures": [-80]})
    assert bad.status_code == 422
    assert [p["field"] for p in bad.json()["problems"]] == ["temperatures[0]"]
    assert "-30 to 50" in bad.json()["lines"][0]


def test_a_malformed_request_gives_one_line_naming_the_field(client: httpx.Client) -> None:
    response = client.post("/api/ambient", json={"car": BOLT, "temperatures": "cold"})
    assert response.status_code == 422
    assert response.json()["lines"] == [
        "request: temperatures: got 'cold'; input should be a valid list"
    ]
    response = client.post("/api/optimizations", json={"base": BOLT})
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"vary", "objectives"}
    assert all(line.endswith("is missing") for line in response.json()["lines"])
    response = client.post("/api/evaluate", json={"specs": [BOLT] * 1001})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "specs"


def _optimisation(population: int = 6, generations: int = 2) -> dict[str, Any]:
    return {
        "base": EV6,
        "base_changes": {
            "road_load": None,
            "battery.nominal_energy": None,
            "mass.curb": None,
            "design": {"size_class": "medium_suv", "year": 2024},
        },
        "vary": {
            "battery.usable_energy": {"low": "50 kWh", "high": "100 kWh"},
            "body.drag_coefficient": {"low": 0.22, "high": 0.30},
        },
        "objectives": {"range_wltp_km": "max", "curb_mass_kg": "min"},
        "algorithm": {"population": population, "generations": generations, "seed": 1},
    }


def _wait_url(client: httpx.Client, url: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status: dict[str, Any] = client.get(url).json()
        if status["state"] not in ("queued", "running"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"{url} did not finish in {timeout} s")


def test_optimisation_runs_and_serves_its_front(client: httpx.Client) -> None:
    started = client.post("/api/optimizations", json=_optimisation())
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["evaluations"] == 12
    status = _wait_url(client, job["url"])
    assert status["state"] == "done", status
    assert status["kind"] == "optimize"
    assert status["objectives"] == {"range_wltp_km": "max", "curb_mass_kg": "min"}
    rows = status["rows"]
    assert rows
    assert [r["point"] for r in rows] == list(range(len(rows)))
    # a front: sorted by range, the mass never falls as the range grows
    ranges = [r["range_wltp_km"] for r in rows]
    masses = [r["curb_mass_kg"] for r in rows]
    assert ranges == sorted(ranges)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(masses))
    design = client.get(f"{job['url']}/designs/0.yaml")
    assert design.status_code == 200
    spec = evforge.parse_spec(yaml.safe_load(design.text))
    assert spec.battery.usable_energy == pytest.approx(rows[0]["battery.usable_energy"])
    assert client.get(f"{job['url']}/designs/{len(rows)}.yaml").status_code == 404
    csv = client.get(f"{job['url']}/results.csv")
    assert csv.status_code == 200
    assert csv.text.startswith("point,")
    # an optimisation is not a sweep: each route serves its own kind
    assert client.get(f"/api/sweeps/{job['id']}").status_code == 404
    listed = {j["id"]: j for j in client.get("/api/jobs").json()}
    assert listed[job["id"]]["state"] == "done"


def test_optimisation_limits(client: httpx.Client) -> None:
    big = _optimisation(population=41, generations=21)
    response = client.post("/api/optimizations", json=big)
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == [
        "algorithm.population",
        "algorithm.generations",
    ]
    bad = {**_optimisation(), "objectives": {"range_wltp_km": "most"}}
    response = client.post("/api/optimizations", json=bad)
    assert response.status_code == 422
    assert response.json()["lines"] == [
        "optimisation: objectives.range_wltp_km: got 'most'; expected min or max"
    ]


def _study(n: int = 4) -> dict[str, Any]:
    return {
        "base": BOLT,
        "base_changes": {"road_load": None},
        "vary": {"body.drag_coefficient": {"low": 0.22, "high": 0.30}},
        "sampling": {"method": "sobol", "n": n, "seed": 1},
        "outputs": ["range_wltp_km"],
    }


def test_jobs_persist_across_a_restart(tmp_path: Path) -> None:
    with Server(create_app(tmp_path)) as server, httpx.Client(base_url=server.url) as c:
        job = c.post("/api/sweeps", json=_study()).json()["id"]
        first = _wait(c, job)
        assert first["state"] == "done"
    assert (tmp_path / "store.duckdb").is_file()
    # a new server on the same data folder lists the job and serves its results
    with Server(create_app(tmp_path)) as server, httpx.Client(base_url=server.url) as c:
        listed = c.get("/api/jobs").json()
        assert [(j["id"], j["state"]) for j in listed] == [(job, "done")]
        again = c.get(f"/api/sweeps/{job}").json()
        assert again["rows"] == first["rows"]
        assert c.get(f"/api/sweeps/{job}/results.csv").status_code == 200
        assert c.get(f"/api/sweeps/{job}/designs/1.yaml").status_code == 200


def test_a_job_running_when_the_server_stops_is_reported_interrupted(tmp_path: Path) -> None:
    slow = [sys.executable, "-c", "import time; time.sleep(60)"]
    # a server that stops (shutdown): it ends the job and records it as interrupted
    with (
        Server(create_app(tmp_path, worker=slow)) as server,
        httpx.Client(base_url=server.url) as c,
    ):
        stopped = c.post("/api/sweeps", json=_study()).json()["id"]
        deadline = time.time() + 20
        while c.get(f"/api/sweeps/{stopped}").json()["state"] != "running":
            assert time.time() < deadline
            time.sleep(0.05)
    # a server that dies without a shutdown (its record still says running)
    crashed = create_app(tmp_path / "b", worker=slow)
    with Server(crashed) as server, httpx.Client(base_url=server.url) as c:
        lost = c.post("/api/sweeps", json=_study()).json()["id"]
        while c.get(f"/api/sweeps/{lost}").json()["state"] != "running":
            time.sleep(0.05)
        # ... a new server on its data folder, while the old one is still up:
        with Server(create_app(tmp_path / "b")) as s2, httpx.Client(base_url=s2.url) as c2:
            status = c2.get(f"/api/sweeps/{lost}").json()
            assert status["state"] == "interrupted"
            assert "the server stopped while this job was running" in status["error"]
    with Server(create_app(tmp_path)) as server, httpx.Client(base_url=server.url) as c:
        status = c.get(f"/api/sweeps/{stopped}").json()
        assert status["state"] == "interrupted"
        assert "0 of 4 designs were done" in status["error"]
        assert c.get(f"/api/sweeps/{stopped}/results.csv").status_code == 409
        assert c.get("/api/health").status_code == 200
