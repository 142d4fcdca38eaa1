"""Response times of the web workbench's API, and its size and path checks.

    .venv/bin/python benchmarks/bench_web.py [--designs 1000] [--repeat 5]

Starts the server (``evforge.web.create_app`` under uvicorn, on a free loopback port, a
temporary data folder) in this process and calls it over HTTP with httpx, as a browser would:

- ``POST /api/evaluate`` for one car (the page's call: headline sheet, charging curve, energy
  breakdown; and the rows alone, WLTP only), and for ``--designs`` cars in one request (a list
  of spec dicts: variants of the bundled Chevrolet Bolt EV with C_d 0.22-0.34, physical road
  load, ``details: false``; WLTP only, and all procedures);
- the slower pictures the page asks for after the headline (``/api/trace``, ``/api/ambient``)
  and ``/api/defaults``;
- bodies above 5 MB (declared and streamed: 413) and path traversal attempts in car ids,
  design ids and job ids (404 or 422, nothing read or written outside the data folder).

Wall time is measured around each request; CPU time is this process's (server and client
together: the server runs in a thread here), so it includes the client's JSON encoding.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
BOLT = "chevrolet_bolt_ev_2017"


def _server(app: Any) -> tuple[uvicorn.Server, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def _timed(call: Callable[[], httpx.Response], repeat: int) -> tuple[float, float, int, int]:
    """Median wall and CPU seconds of ``repeat`` calls, the last status and body size."""
    walls, cpus = [], []
    response = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        response = call()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    assert response is not None
    return (
        statistics.median(walls),
        statistics.median(cpus),
        response.status_code,
        len(response.content),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--designs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import yaml

    from evforge.web import create_app
    from evforge.web.app import MAX_SPECS

    if args.designs > MAX_SPECS:
        raise SystemExit(f"--designs: at most {MAX_SPECS} (MAX_SPECS of evforge.web.app)")
    base = yaml.safe_load((ROOT / "examples" / f"{BOLT}.yaml").read_text(encoding="utf-8"))
    base.pop("road_load", None)
    specs = []
    for i in range(args.designs):
        spec = {**base, "name": f"Bolt variant {i}"}
        spec["body"] = {**base["body"], "drag_coefficient": 0.22 + 0.12 * i / max(args.designs, 2)}
        specs.append(spec)

    rows: list[tuple[str, str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        server, url = _server(create_app(Path(tmp)))
        try:
            with httpx.Client(base_url=url, timeout=1800) as c:
                # warm up: imports, numba compilation of the kernels, the car table
                c.post("/api/evaluate", json={"car": BOLT})
                c.post("/api/trace", json={"car": BOLT})
                c.post("/api/ambient", json={"car": BOLT})
                c.post("/api/defaults", json={"car": BOLT})

                def add(name: str, call: Callable[[], httpx.Response], repeat: int) -> None:
                    wall, cpu, status, size = _timed(call, repeat)
                    rows.append((name, f"{wall:.3f}", f"{cpu:.3f}", str(status), f"{size:,}"))
                    print(f"{name}: wall {wall:.3f} s, CPU {cpu:.3f} s, HTTP {status}", flush=True)

                r = args.repeat
                add(
                    "evaluate 1 car, the page's call (all procedures, sheet, curves)",
                    lambda: c.post("/api/evaluate", json={"car": BOLT}),
                    r,
                )
                add(
                    "evaluate 1 car, WLTP rows only",
                    lambda: c.post(
                        "/api/evaluate",
                        json={"specs": specs[:1], "procedures": ["wltp"], "details": False},
                    ),
                    r,
                )
                add(
                    f"evaluate {args.designs} cars in one request, WLTP",
                    lambda: c.post(
                        "/api/evaluate",
                        json={"specs": specs, "procedures": ["wltp"], "details": False},
                    ),
                    1,
                )
                add(
                    f"evaluate {args.designs} cars in one request, all procedures",
                    lambda: c.post("/api/evaluate", json={"specs": specs, "details": False}),
                    1,
                )
                add(
                    "defaults of 1 car (12 fields)",
                    lambda: c.post("/api/defaults", json={"car": BOLT}),
                    r,
                )
                add("speed trace, US06", lambda: c.post("/api/trace", json={"car": BOLT}), r)
                add(
                    "range at -10 / 0 / 23 °C, WLTP",
                    lambda: c.post("/api/ambient", json={"car": BOLT}),
                    r,
                )
                big = b'{"spec": "' + b"x" * (6 * 1024 * 1024) + b'"}'
                add(
                    "6 MB body, declared length",
                    lambda: c.post(
                        "/api/evaluate", content=big, headers={"Content-Type": "application/json"}
                    ),
                    r,
                )

                def chunks() -> Iterator[bytes]:
                    yield b'{"spec": "'
                    for _ in range(7):
                        yield b"x" * (1024 * 1024)
                    yield b'"}'

                add(
                    "7 MB body, streamed (no length)",
                    lambda: c.post(
                        "/api/evaluate",
                        content=chunks(),
                        headers={"Content-Type": "application/json"},
                    ),
                    1,
                )
                before = {p for p in Path(tmp).rglob("*")}
                probes = [
                    ("GET", "/api/cars/..%2F..%2F..%2F..%2Fetc%2Fpasswd", None),
                    ("GET", "/api/cars/../../etc/passwd", None),
                    ("POST", "/api/evaluate", {"car": "../../etc/passwd"}),
                    ("POST", "/api/trace", {"car": BOLT, "cycle": "../../../etc/passwd"}),
                    ("GET", "/api/sweeps/..%2F..%2Fstore.duckdb", None),
                    ("GET", "/api/sweeps/0123456789abcdef0123456789abcdef/results.csv", None),
                    (
                        "GET",
                        "/api/sweeps/0123456789abcdef0123456789abcdef/designs/..%2F..%2Fx.yaml",
                        None,
                    ),
                    ("GET", "/api/optimizations/%2e%2e%2f%2e%2e%2fetc/results.parquet", None),
                    ("GET", "/static/..%2F..%2F..%2Fpyproject.toml", None),
                    (
                        "POST",
                        "/api/sweeps",
                        {
                            "base": "/etc/passwd",
                            "vary": {"body.drag_coefficient": {"low": 0.2, "high": 0.3}},
                        },
                    ),
                ]
                for method, path, body in probes:
                    response = c.request(method, path, json=body)
                    leaked = "root:" in response.text or "[project]" in response.text
                    status = response.status_code
                    print(f"{method} {path} {body or ''}: HTTP {status}, leaked {leaked}")
                    assert status in (404, 422), path
                    assert not leaked, path
                assert {p for p in Path(tmp).rglob("*")} == before, "a probe wrote a file"
                print(f"{len(probes)} traversal probes: all refused (404/422), no file written")
        finally:
            server.should_exit = True
    print()
    print("| request | wall s (median) | CPU s | HTTP | response bytes |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
