"""The workbench page in a real browser: headless Chromium (Debian's ``chromium``, launched
by Playwright through ``executable_path``; ``make browser`` installs it). Each flow writes a
screenshot to ``test-screenshots/`` (git-ignored); with ``EVFORGE_UPDATE_SCREENSHOTS=1`` the
main views are also written to ``docs/img/`` (the pictures docs/web.md shows)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as sync_api
import pytest

# Debian's chromium, installed by `make browser` (a prerequisite of `make test`): a missing
# browser fails these tests with this message rather than skipping them.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    raise RuntimeError("no system chromium: run `make browser` (apt-get install chromium)")

from evforge.web import create_app  # noqa: E402
from test_web import Server  # noqa: E402

SHOTS = Path(__file__).resolve().parents[1] / "test-screenshots"
DOC_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "img"
UPDATE_DOCS = os.environ.get("EVFORGE_UPDATE_SCREENSHOTS") == "1"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(create_app(tmp_path_factory.mktemp("web-browser"))) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(server.url + "/")
    _wait_evaluated(pg, 1)
    yield pg
    context.close()
    assert not errors, errors


def _wait_evaluated(pg: Any, count: int) -> None:
    pg.wait_for_function(f"Number(document.body.dataset.evaluated || 0) >= {count}")


def _shot(pg: Any, name: str, doc: str | None = None) -> None:
    """A full-page screenshot in test-screenshots/; ``doc``: also the visible part as
    docs/img/<doc>.png when EVFORGE_UPDATE_SCREENSHOTS=1."""
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if doc is not None and UPDATE_DOCS:
        DOC_SHOTS.mkdir(exist_ok=True)
        pg.wait_for_timeout(300)  # let Plotly finish its transitions
        pg.screenshot(path=str(DOC_SHOTS / f"{doc}.png"))


def _number(pg: Any, selector: str) -> float:
    return float(pg.locator(selector).inner_text())


def test_load_a_car_and_change_the_drag_coefficient(page: Any) -> None:
    pg = page
    assert "Chevrolet Bolt EV 2017" in pg.locator("#car-name").inner_text()
    assert _number(pg, "#fig-range_epa_mi") > 200
    pg.locator("#plot-charge .main-svg").first.wait_for()
    pg.locator("#plot-energy .main-svg").first.wait_for()
    # every field shows its documented default and its source
    pg.wait_for_function("Number(document.body.dataset.defaults || 0) >= 1")
    note = pg.locator("#def-gear_ratio").inner_text()
    assert note.startswith("default 12.9"), note
    assert "design rule" in note
    assert pg.locator("#f-gear_ratio").get_attribute("placeholder") == "12.9316"
    assert pg.locator("#def-mass_curb").inner_text().startswith("required")
    assert "def-gear_ratio" in (pg.locator("#f-gear_ratio").get_attribute("aria-describedby") or "")
    _shot(pg, "car-bolt", doc="car")
    pg.select_option("#car-select", "kia_ev6_long_range_awd_2023")
    pg.click("#load-car")
    pg.wait_for_function("document.querySelector('#car-name').textContent.includes('EV6')")
    _wait_evaluated(pg, 2)
    before = _number(pg, "#fig-range_wltp_km")
    pg.uncheck("#measured-road-load")
    pg.fill("#f-body_drag_coefficient", "0.22")
    pg.click("#evaluate")
    _wait_evaluated(pg, 3)
    after = _number(pg, "#fig-range_wltp_km")
    assert after > before + 10
    pg.click("#add-compare")
    pg.fill("#f-body_drag_coefficient", "0.32")
    pg.click("#evaluate")
    _wait_evaluated(pg, 4)
    assert _number(pg, "#fig-range_wltp_km") < after
    pg.click("#add-compare")
    _shot(pg, "car-ev6-drag")
    pg.click("#tab-compare")
    cells = pg.locator("#compare-table td.diff")
    assert cells.count() >= 3
    _shot(pg, "compare", doc="compare")


def test_a_validation_error_appears_beside_its_field(page: Any) -> None:
    pg = page
    pg.uncheck("#measured-road-load")
    pg.fill("#f-mass_curb", "5 kW")
    pg.click("#evaluate")
    error = pg.locator("#err-mass_curb")
    error.wait_for(state="visible")
    assert re.search(r"mass\.curb: got '5 kW', a quantity of the wrong kind", error.inner_text())
    assert pg.locator("#f-mass_curb").get_attribute("aria-invalid") == "true"
    # a C_d change against the Bolt's measured coast-down: the message sits beside C_d
    pg.click("#reset-form")
    pg.fill("#f-body_drag_coefficient", "0.25")
    pg.click("#evaluate")
    pg.locator("#err-body_drag_coefficient").wait_for(state="visible")
    assert "measured coast-down" in pg.locator("#err-body_drag_coefficient").inner_text()
    _shot(pg, "validation-error")


def test_run_a_small_sweep_and_see_the_plot(page: Any) -> None:
    pg = page
    pg.click("#tab-explore")
    pg.fill("#vary-low-0", "0.22")
    pg.fill("#vary-high-0", "0.34")
    pg.fill("#sweep-n", "4")
    pg.click("#run-sweep")
    pg.wait_for_function("Number(document.body.dataset.sweepPlotted || 0) === 4")
    assert pg.locator("#plot-sweep .scatterlayer .point").count() == 4
    assert pg.locator("#sweep-downloads a").count() == 2
    assert pg.locator("#sweep-progress").get_attribute("value") == "4"
    _shot(pg, "explore-sweep", doc="explore-sweep")
    # a filter on an output keeps the points inside its range
    ranges = pg.evaluate("state.job.rows.map((r) => r.range_wltp_km).sort((a, b) => a - b)")
    pg.select_option("#filter-on-0", "range_wltp_km")
    pg.fill("#filter-min-0", f"{(ranges[1] + ranges[2]) / 2:.3f}")
    pg.wait_for_function("Number(document.body.dataset.sweepPlotted) === 2")
    assert pg.locator("#plot-sweep .scatterlayer .point").count() == 2
    assert "2 of 4 shown" in pg.locator("#filter-count").inner_text()
    pg.fill("#filter-min-0", "")
    pg.wait_for_function("Number(document.body.dataset.sweepPlotted) === 4")
    # clicking a point opens it as the current car
    evaluated = int(pg.evaluate("Number(document.body.dataset.evaluated)"))
    pg.locator("#plot-sweep .scatterlayer .point").first.click(force=True)
    _wait_evaluated(pg, evaluated + 1)
    assert pg.locator("#view-car").is_visible()
    assert "sweep design" in pg.locator("#car-name").inner_text()
    assert pg.locator("#f-body_drag_coefficient").input_value() != "0.32"


def test_pictures_speed_trace_with_shortfall_and_range_in_the_cold(page: Any) -> None:
    pg = page
    pg.wait_for_function("Number(document.body.dataset.pictures || 0) >= 1")
    pg.click("#tab-pictures")
    pg.locator("#plot-trace .main-svg").first.wait_for()
    assert "follows the trace" in pg.locator("#trace-summary").inner_text()
    assert pg.locator("#plot-ambient .bars .point").count() == 3
    # a weak motor: the car falls behind on US06, the shortfall is shaded
    pg.click("#tab-car")
    pg.fill("#f-motors_0__peak_power", "70")
    pg.click("#evaluate")
    pg.wait_for_function("Number(document.body.dataset.pictures || 0) >= 2")
    pg.click("#tab-pictures")
    assert "falls behind the trace" in pg.locator("#trace-summary").inner_text()
    bands = pg.evaluate("document.querySelector('#plot-trace').data.length") - 3
    assert bands >= 1
    assert pg.locator("#plot-trace .scatterlayer .js-fill").count() == bands
    _shot(pg, "pictures", doc="pictures")
    # another cycle on request: a motorway at up to 150 km/h
    pg.select_option("#trace-cycle", "artemis_motorway_150")
    pg.click("#redraw-pictures")
    pg.wait_for_function("Number(document.body.dataset.pictures || 0) >= 3")
    assert "artemis_motorway_150" in pg.locator("#trace-summary").inner_text()


def test_optimise_see_the_pareto_front_and_open_a_point(page: Any) -> None:
    pg = page
    pg.select_option("#car-select", "kia_ev6_long_range_awd_2023")
    pg.click("#load-car")
    _wait_evaluated(pg, 2)
    pg.click("#tab-explore")
    pg.select_option("#vary-path-0", "battery.usable_energy")
    pg.fill("#vary-low-0", "50")
    pg.fill("#vary-high-0", "100")
    pg.check("#sweep-sized")
    pg.select_option("#opt-obj1", "range_wltp_km")
    pg.select_option("#opt-sense1", "max")
    pg.select_option("#opt-obj2", "curb_mass_kg")
    pg.select_option("#opt-sense2", "min")
    pg.fill("#opt-pop", "6")
    pg.fill("#opt-gen", "2")
    pg.click("#run-opt")
    pg.wait_for_function("document.body.dataset.paretoPlotted !== undefined", timeout=120_000)
    points = int(pg.evaluate("Number(document.body.dataset.paretoPlotted)"))
    assert pg.locator("#plot-sweep .scatterlayer .point").count() == points
    assert "Pareto front" in (pg.locator("#plot-sweep .gtitle").text_content() or "")
    assert pg.locator("#sweep-x").input_value() == "curb_mass_kg"
    assert pg.locator("#design-pick option").count() == points
    _shot(pg, "explore-pareto", doc="explore-pareto")
    # the job is listed (the store keeps it)
    pg.click("#jobs-box summary")
    assert "optimisation of 12 designs" in pg.locator("#job-list").inner_text()
    # clicking a point opens that design as the current car
    evaluated = int(pg.evaluate("Number(document.body.dataset.evaluated)"))
    pg.locator("#plot-sweep .scatterlayer .point").last.click(force=True)
    _wait_evaluated(pg, evaluated + 1)
    assert pg.locator("#view-car").is_visible()
    assert "optimisation point" in pg.locator("#car-name").inner_text()
    energy = float(pg.locator("#f-battery_usable_energy").input_value())
    assert 50 <= energy <= 100
    # and with the keyboard: pick a point, press the button
    pg.click("#tab-explore")
    pg.select_option("#design-pick", index=0)
    pg.focus("#open-design")
    pg.keyboard.press("Enter")
    _wait_evaluated(pg, evaluated + 2)
    assert "point 0" in pg.locator("#car-name").inner_text()


def test_phone_width(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(server.url + "/")
    _wait_evaluated(pg, 1)
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    _shot(pg, "phone", doc="phone")
    # keyboard: Tab reaches the tabs and the form; Enter in a field evaluates
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "tab-car"
    pg.focus("#f-battery_usable_energy")
    pg.keyboard.type("")
    pg.keyboard.press("Enter")
    _wait_evaluated(pg, 2)
    # the other views fit too
    pg.wait_for_function("Number(document.body.dataset.pictures || 0) >= 1")
    for view in ("pictures", "explore", "compare"):
        pg.click(f"#tab-{view}")
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, (view, width)
    pg.click("#tab-pictures")  # the plots drawn while hidden take the phone's width when shown
    pg.wait_for_function("document.querySelector('#plot-trace .main-svg').clientWidth <= 380")
    _shot(pg, "phone-pictures")
    context.close()
