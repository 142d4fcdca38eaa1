// evforge workbench: a thin client of the JSON API (/api/*, schema at /openapi.json).
"use strict";

const MAIN_FIELDS = [
  ["mass.curb", "Curb mass"],
  ["body.drag_coefficient", "Drag coefficient C_d"],
  ["body.width", "Width"],
  ["body.height", "Height"],
  ["battery.usable_energy", "Usable battery energy"],
  ["battery.peak_charge_power", "Peak DC charge power"],
  ["motors[0].peak_power", "Motor 1 peak power"],
  ["motors[0].peak_torque", "Motor 1 peak torque"],
  ["motors[1].peak_power", "Motor 2 peak power"],
  ["motors[1].peak_torque", "Motor 2 peak torque"],
  ["gear_ratio", "Gear ratio"],
  ["performance.top_speed_limit", "Top speed limit"],
];
const HEADLINE = [
  "range_epa_mi", "range_epa_km", "range_wltp_km", "range_cltc_km",
  "consumption_epa_kwh_per_100mi", "consumption_wltp_kwh_per_100km", "consumption_cltc_kwh_per_100km",
  "range_wltp_cold_km", "zero_to_100_kmh_s", "top_speed_kmh", "charge_10_80_min", "charge_peak_kw",
  "curb_mass_kg", "test_mass_wltp_kg", "usable_energy_kwh", "cost_usd",
];
const SWEEP_OUTPUTS = [
  ["range_wltp_km", "WLTP range [km]"],
  ["consumption_wltp_kwh_per_100km", "WLTP consumption [kWh/100 km]"],
  ["zero_to_100_kmh_s", "0-100 km/h [s]"],
  ["top_speed_kmh", "top speed [km/h]"],
  ["charge_10_80_min", "DC 10-80 % [min]"],
  ["range_epa_km", "EPA range [km]"],
  ["range_cltc_km", "CLTC range [km]"],
  ["curb_mass_kg", "curb mass [kg]"],
];

const state = {
  units: {},
  base: null,        // {car: id} or {spec: yaml text}
  baseName: "",
  original: {},      // field path -> value shown when the car was loaded
  hasRoadLoad: false,
  last: null,        // last evaluate response
  compare: [],
  sweep: null,       // {id, body, rows, varied}
};

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};
const safeId = (path) => path.replace(/[^a-zA-Z0-9_]/g, "_");
const unitOf = (path) => state.units[path.replace(/\[\d+\]/g, "[]")] ?? "";
const shownUnit = (u) => (u === "1" ? "-" : u);

function fmt(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  if (typeof value !== "number") return String(value);
  return value.toFixed(digits);
}
function fieldText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(Number(value.toPrecision(6)));
  return String(value);
}

async function api(method, url, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const response = await fetch(url, opts);
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) {
    const err = new Error((data && (data.lines || [data.detail || data.error]).join("\n")) || response.statusText);
    err.status = response.status;
    err.data = data;
    throw err;
  }
  return data;
}

// --- tabs ----------------------------------------------------------------------------
function showView(name) {
  for (const v of ["car", "compare", "explore"]) {
    $(`#tab-${v}`).setAttribute("aria-selected", String(v === name));
    $(`#view-${v}`).hidden = v !== name;
  }
  if (name === "compare") renderCompare();
  if (name === "explore") { fillSweepDefaults(); if (state.sweep && state.sweep.rows) plotSweep(); }
}
function setupTabs() {
  const tabs = ["car", "compare", "explore"];
  tabs.forEach((name, i) => {
    const tab = $(`#tab-${name}`);
    tab.addEventListener("click", () => showView(name));
    tab.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
      const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      showView(next);
      $(`#tab-${next}`).focus();
    });
  });
}

// --- the car form -------------------------------------------------------------------
function buildForm(values) {
  const box = $("#fields");
  box.replaceChildren();
  state.original = {};
  for (const [path, label] of MAIN_FIELDS) {
    if (path.startsWith("motors[1]") && values["motors[1].axle"] === undefined) continue;
    const id = `f-${safeId(path)}`;
    const unit = shownUnit(unitOf(path));
    const text = fieldText(values[path]);
    state.original[path] = text;
    const input = el("input", { id, type: "text", inputmode: "decimal", "data-path": path, autocomplete: "off",
      "aria-describedby": `err-${safeId(path)}` });
    input.value = text;
    if (!text) input.placeholder = "default";
    input.addEventListener("input", () => input.classList.toggle("changed", input.value.trim() !== state.original[path]));
    const wrap = el("div", { class: "field" },
      el("label", { for: id }, `${label} `, el("span", { class: "unit", text: `[${unit}]` })),
      input,
      el("div", { id: `err-${safeId(path)}`, class: "field-error", role: "alert", "data-error-for": path }));
    box.append(wrap);
  }
  state.hasRoadLoad = values["road_load.f0"] !== undefined && values["road_load.f0"] !== null;
  const rl = $("#measured-road-load");
  rl.checked = state.hasRoadLoad;
  rl.disabled = !state.hasRoadLoad;
}

function changes() {
  const out = {};
  for (const input of document.querySelectorAll("#fields input")) {
    const path = input.dataset.path;
    const text = input.value.trim();
    if (text === state.original[path]) continue;
    if (text === "") out[path] = null;
    else out[path] = /^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(text) ? Number(text) : text;
  }
  if (state.hasRoadLoad && !$("#measured-road-load").checked) out.road_load = null;
  return out;
}

function clearErrors() {
  for (const e of document.querySelectorAll(".field-error")) e.textContent = "";
  for (const i of document.querySelectorAll("#fields input.invalid")) { i.classList.remove("invalid"); i.removeAttribute("aria-invalid"); }
  $("#general-error").textContent = "";
}

function showErrors(err) {
  const problems = (err.data && err.data.problems) || [];
  const general = [];
  let first = null;
  for (const p of problems) {
    const path = p.field.replace(/^.*: /, "");
    const box = document.querySelector(`[data-error-for="${CSS.escape(path)}"]`) ||
      (path.startsWith("road_load") ? $("#err-road_load") : null);
    if (box) {
      box.textContent = p.line;
      const input = document.querySelector(`#fields input[data-path="${CSS.escape(path)}"]`);
      if (input) { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); first = first || input; }
    } else {
      general.push(p.line);
    }
  }
  if (!problems.length) general.push(err.message);
  $("#general-error").textContent = general.join("\n");
  if (first) first.focus();
}

function requestBody(extra = {}) {
  return { ...state.base, changes: changes(), ...extra };
}

async function loadCars() {
  const [cars, units] = await Promise.all([api("GET", "/api/cars"), api("GET", "/api/fields")]);
  state.units = units;
  const select = $("#car-select");
  const groups = { example: el("optgroup", { label: "Bundled examples" }), validation: el("optgroup", { label: "Validation cars" }) };
  for (const c of cars) groups[c.group].append(el("option", { value: c.id, text: c.name }));
  select.append(groups.example, groups.validation);
  return cars;
}

async function loadCar(id) {
  setBusy("loading...");
  clearErrors();
  try {
    const car = await api("GET", `/api/cars/${encodeURIComponent(id)}`);
    state.base = { car: id };
    state.baseName = car.name;
    $("#car-select").value = id;
    $("#yaml-text").value = car.yaml;
    const values = Object.fromEntries(car.fields.map((f) => [f.path, f.value]));
    buildForm(values);
    renderProvenance(car.provenance);
    $("#car-name").textContent = car.name;
    await evaluate();
  } catch (err) {
    showErrors(err);
    setBusy("");
  }
}

async function useYaml() {
  const text = $("#yaml-text").value;
  clearErrors();
  setBusy("evaluating...");
  try {
    const result = await api("POST", "/api/evaluate", { spec: text });
    state.base = { spec: text };
    const row = result.rows[0];
    state.baseName = row.name;
    buildForm(row);
    $("#car-name").textContent = `${row.name} (pasted spec)`;
    showResult(result);
  } catch (err) {
    showErrors(err);
  } finally { setBusy(""); }
}

function setBusy(text) { $("#busy").textContent = text; }

async function evaluate(event) {
  if (event) event.preventDefault();
  if (!state.base) return;
  clearErrors();
  setBusy("evaluating...");
  $("#evaluate").disabled = true;
  try {
    const result = await api("POST", "/api/evaluate", requestBody());
    showResult(result);
  } catch (err) {
    showErrors(err);
  } finally {
    setBusy("");
    $("#evaluate").disabled = false;
  }
}

function showResult(result) {
  state.last = { result, changes: changes(), base: { ...state.base }, name: state.baseName };
  renderFigures(result.figures);
  $("#notes").replaceChildren(...(result.sheet.notes || []).map((n) => el("li", { text: n })));
  plotEnergy(result.energy);
  plotCharge(result.charge);
  $("#add-compare").disabled = false;
  document.body.dataset.evaluated = String(Number(document.body.dataset.evaluated || 0) + 1);
}

function renderFigures(figures) {
  const byKey = Object.fromEntries(figures.map((f) => [f.key, f]));
  const rows = HEADLINE.filter((k) => byKey[k]).map((k) => {
    const f = byKey[k];
    const pub = f.published === null ? "" : fmt(f.published, f.digits);
    let diff = "";
    if (f.published !== null && f.value !== null) diff = `${(100 * (f.value - f.published) / f.published).toFixed(1)} %`;
    const pubCell = el("td", { class: "num" });
    if (f.published !== null) pubCell.append(el("span", { title: f.published_source || "", text: pub }));
    return el("tr", {},
      el("th", { scope: "row", text: f.label }),
      el("td", { class: "num value", title: f.note || "" },
        el("span", { id: `fig-${f.key}`, text: fmt(f.value, f.digits) }), el("span", { class: "u", text: ` ${f.unit}` })),
      el("td", { class: "unit", text: f.unit }),
      pubCell,
      el("td", { class: "num diffcol", text: diff }));
  });
  $("#figures tbody").replaceChildren(...rows);
}

function renderProvenance(items) {
  const rows = items.map((d) => el("tr", {},
    el("td", { text: d.name }), el("td", { class: "num", text: typeof d.value === "number" ? fieldText(d.value) : String(d.value) }),
    el("td", { text: d.unit }), el("td", { text: d.source })));
  $("#provenance tbody").replaceChildren(...rows);
}

const PLOT_CONFIG = { displaylogo: false, responsive: true };
const LAYOUT = { margin: { l: 55, r: 55, t: 40, b: 45 }, font: { size: 12 } };

function plotEnergy(energy) {
  const e = energy.kwh;
  const items = [
    ["aerodynamic drag", e.aero], ["rolling resistance", e.rolling], ["grade", e.grade],
    ["drivetrain losses", e.drivetrain_loss], ["battery losses", e.battery_loss],
    ["auxiliaries", e.auxiliary], ["friction brakes", e.friction_brake],
    ["regen recovered", -(e.regen_recovered || 0)], ["charger (wall - battery)", (e.wall || 0) - (e.battery || 0)],
  ].filter(([, v]) => v !== null && Math.abs(v) > 1e-6);
  Plotly.react("plot-energy", [{
    type: "bar", orientation: "h", y: items.map((i) => i[0]), x: items.map((i) => i[1]),
    marker: { color: items.map((i) => (i[1] < 0 ? "#2e9d5b" : "#0b62c4")) },
    hovertemplate: "%{y}: %{x:.3f} kWh<extra></extra>",
  }], { ...LAYOUT, margin: { ...LAYOUT.margin, l: 150 }, title: { text: `Where the energy goes (${energy.cycle}, kWh)` }, xaxis: { title: { text: "kWh" } }, yaxis: { autorange: "reversed" } }, PLOT_CONFIG);
}

function plotCharge(c) {
  const t = c.time_s.map((s) => s / 60);
  Plotly.react("plot-charge", [
    { x: t, y: c.power_kw, name: "power [kW]", mode: "lines", line: { color: "#0b62c4" } },
    { x: t, y: c.soc.map((s) => 100 * s), name: "SOC [%]", mode: "lines", yaxis: "y2", line: { color: "#d9480f", dash: "dot" } },
  ], {
    ...LAYOUT, title: { text: `DC ${100 * c.soc_from}-${100 * c.soc_to} %: ${fmt(c.time_min, 1)} min` },
    xaxis: { title: { text: "time [min]" } }, yaxis: { title: { text: "power [kW]" }, rangemode: "tozero" },
    yaxis2: { title: { text: "SOC [%]" }, overlaying: "y", side: "right", range: [0, 100] },
    legend: { orientation: "h", y: -0.25 },
  }, PLOT_CONFIG);
}

async function downloadSpec() {
  clearErrors();
  try {
    const response = await fetch("/api/spec.yaml", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(requestBody()) });
    if (!response.ok) { const data = await response.json(); const err = new Error(data.lines.join("\n")); err.data = data; throw err; }
    const blob = await response.blob();
    const a = el("a", { href: URL.createObjectURL(blob), download: "spec.yaml" });
    document.body.append(a); a.click(); a.remove();
  } catch (err) { showErrors(err); }
}

// --- compare ------------------------------------------------------------------------
function addCompare() {
  if (!state.last) return;
  if (state.compare.length >= 4) state.compare.shift();
  const ch = state.last.changes;
  const label = Object.keys(ch).length ? `${state.last.name} (${Object.entries(ch).map(([k, v]) => `${k}=${v}`).join(", ")})` : state.last.name;
  state.compare.push({ label, figures: state.last.result.figures, row: state.last.result.rows[0] });
  $("#compare-count").textContent = String(state.compare.length);
}

function renderCompare() {
  const table = $("#compare-table");
  table.replaceChildren();
  if (!state.compare.length) { table.append(el("caption", { text: "Nothing to compare yet." })); return; }
  const head = el("tr", {}, el("th", { scope: "col", text: "" }));
  state.compare.forEach((v, i) => {
    const remove = el("button", { type: "button", "aria-label": `Remove variant ${i + 1}`, text: "remove" });
    remove.addEventListener("click", () => { state.compare.splice(i, 1); $("#compare-count").textContent = String(state.compare.length); renderCompare(); });
    head.append(el("th", { scope: "col" }, el("div", { text: `${i + 1}. ${v.label}` }), remove));
  });
  const body = el("tbody");
  const first = state.compare[0];
  const addRow = (label, values, digits) => {
    const tr = el("tr", {}, el("th", { scope: "row", text: label }));
    values.forEach((value, i) => {
      const td = el("td", { class: "num", text: typeof value === "number" ? fmt(value, digits) : (value ?? "-") });
      const base = values[0];
      if (i > 0 && value !== base) {
        if (typeof value === "number" && typeof base === "number") {
          const pct = base !== 0 ? (100 * (value - base)) / Math.abs(base) : null;
          if (pct === null || Math.abs(pct) >= 0.05) {
            td.classList.add("diff");
            if (pct !== null) td.append(el("span", { class: "pct", text: `${pct >= 0 ? "+" : ""}${pct.toFixed(1)} %` }));
          }
        } else { td.classList.add("diff"); }
      }
      tr.append(td);
    });
    body.append(tr);
  };
  for (const [path, label] of MAIN_FIELDS) {
    const values = state.compare.map((v) => v.row[path] ?? null);
    if (values.every((x) => x === null)) continue;
    addRow(`${label} [${shownUnit(unitOf(path))}]`, values.map((x) => (typeof x === "number" ? Number(x.toPrecision(6)) : x)), 3);
  }
  for (const key of HEADLINE) {
    const f = first.figures.find((x) => x.key === key);
    if (!f) continue;
    const values = state.compare.map((v) => { const g = v.figures.find((x) => x.key === key); return g ? g.value : null; });
    addRow(`${f.label} [${f.unit}]`, values, f.digits);
  }
  table.append(el("thead", {}, head), body);
}

// --- explore ------------------------------------------------------------------------
function currentValue(path) {
  const input = document.querySelector(`#fields input[data-path="${CSS.escape(path)}"]`);
  const x = input ? Number(input.value) : NaN;
  return Number.isFinite(x) ? x : null;
}

function addVaryRow(path = "body.drag_coefficient") {
  const rows = $("#vary-rows");
  if (rows.children.length >= 4) return;
  const n = rows.children.length;
  const select = el("select", { id: `vary-path-${n}` });
  for (const [p, label] of MAIN_FIELDS) {
    if (p.startsWith("motors[1]") && !document.querySelector('#fields input[data-path="motors[1].peak_power"]')) continue;
    select.append(el("option", { value: p, text: `${label} [${shownUnit(unitOf(p))}]` }));
  }
  select.value = path;
  const low = el("input", { id: `vary-low-${n}`, type: "text", inputmode: "decimal" });
  const high = el("input", { id: `vary-high-${n}`, type: "text", inputmode: "decimal" });
  const fill = () => {
    const v = currentValue(select.value);
    if (v !== null) { low.value = String(Number((v * 0.85).toPrecision(3))); high.value = String(Number((v * 1.1).toPrecision(3))); }
  };
  select.addEventListener("change", fill);
  fill();
  const remove = el("button", { type: "button", "aria-label": "Remove this variable", text: "x" });
  remove.addEventListener("click", () => row.remove());
  const row = el("div", { class: "vary-row" },
    el("div", {}, el("label", { for: select.id, text: "field" }), select),
    el("div", {}, el("label", { for: low.id, text: "low" }), low),
    el("div", {}, el("label", { for: high.id, text: "high" }), high),
    remove);
  rows.append(row);
}

function fillSweepDefaults() {
  if (!$("#vary-rows").children.length) addVaryRow("body.drag_coefficient");
  const x = $("#sweep-x"), y = $("#sweep-y");
  if (!y.options.length) {
    for (const [k, label] of SWEEP_OUTPUTS) y.append(el("option", { value: k, text: label }));
    y.value = "range_wltp_km";
  }
  const current = x.value;
  x.replaceChildren();
  for (const sel of document.querySelectorAll("#vary-rows select")) {
    const label = sel.options[sel.selectedIndex].text;
    if (![...x.options].some((o) => o.value === sel.value)) x.append(el("option", { value: sel.value, text: label }));
  }
  for (const [k, label] of SWEEP_OUTPUTS) x.append(el("option", { value: k, text: label }));
  if ([...x.options].some((o) => o.value === current)) x.value = current;
}

function sweepBody() {
  const vary = {};
  for (const row of document.querySelectorAll("#vary-rows .vary-row")) {
    const [path, low, high] = [row.querySelector("select").value, ...[...row.querySelectorAll("input")].map((i) => i.value.trim())];
    const num = (t) => (/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(t) ? Number(t) : t);
    vary[path] = { low: num(low), high: num(high) };
  }
  const baseChanges = { ...changes() };
  if ($("#sweep-physical").checked) {
    baseChanges.road_load = null;
    if ("battery.usable_energy" in vary) baseChanges["battery.nominal_energy"] = null;
  }
  const x = $("#sweep-x").value, y = $("#sweep-y").value;
  const outputs = [...new Set([y, x].filter((k) => SWEEP_OUTPUTS.some(([o]) => o === k)))];
  return {
    base: state.base.car ?? state.base.spec,  // a bundled car id, or the pasted YAML text
    base_changes: baseChanges,
    vary,
    sampling: { method: $("#sweep-method").value, n: Number($("#sweep-n").value), seed: 1 },
    outputs,
  };
}

async function runSweep(event) {
  event.preventDefault();
  $("#sweep-error").textContent = "";
  if (!state.base) { $("#sweep-error").textContent = "Load a car first."; return; }
  const body = sweepBody();
  $("#run-sweep").disabled = true;
  $("#sweep-downloads").replaceChildren();
  try {
    const started = await api("POST", "/api/sweeps", body);
    state.sweep = { id: started.id, body, rows: null };
    $("#sweep-status").textContent = `0 / ${started.designs}`;
    await pollSweep(started.id);
  } catch (err) {
    $("#sweep-error").textContent = err.message;
  } finally { $("#run-sweep").disabled = false; }
}

async function pollSweep(id) {
  const bar = $("#sweep-progress");
  for (;;) {
    const s = await api("GET", `/api/sweeps/${id}`);
    bar.max = s.total; bar.value = s.done;
    $("#sweep-status").textContent = `${s.state}: ${s.done} / ${s.total} designs, ${s.elapsed_s} s`;
    if (s.state === "done") {
      state.sweep.rows = s.rows; state.sweep.varied = s.varied;
      const links = [el("a", { href: s.downloads.csv, text: "results.csv" }), el("a", { href: s.downloads.parquet, text: "results.parquet" })];
      $("#sweep-downloads").replaceChildren(...links);
      plotSweep();
      return;
    }
    if (s.state === "failed" || s.state === "timeout") { $("#sweep-error").textContent = s.error || s.state; return; }
    await new Promise((r) => setTimeout(r, 400));
  }
}

function plotSweep() {
  const sw = state.sweep;
  const x = $("#sweep-x").value, y = $("#sweep-y").value;
  const rows = sw.rows.filter((r) => !r.error);
  const label = (k) => ([...SWEEP_OUTPUTS, ...MAIN_FIELDS].find(([p]) => p === k) || [k, k])[1];
  const text = rows.map((r) => [`design ${r.design_id}`, ...sw.varied.map((p) => `${p} = ${fieldText(r[p])}`),
    ...sw.body.outputs.map((o) => `${o} = ${fmt(r[o], 2)}`)].join("<br>"));
  const plot = $("#plot-sweep");
  Plotly.react(plot, [{
    type: "scatter", mode: "markers", x: rows.map((r) => r[x]), y: rows.map((r) => r[y]),
    customdata: rows.map((r) => r.design_id), text, hovertemplate: "%{text}<extra></extra>",
    marker: { size: 10, color: "#0b62c4", opacity: 0.8 },
  }], { ...LAYOUT, title: { text: `${rows.length} designs` }, xaxis: { title: { text: label(x) } }, yaxis: { title: { text: label(y) } } }, PLOT_CONFIG);
  plot.removeAllListeners?.("plotly_click");
  plot.on("plotly_click", (ev) => { if (ev.points.length) openDesign(ev.points[0].customdata); });
  document.body.dataset.sweepPlotted = String(rows.length);
}

function openDesign(designId) {
  const sw = state.sweep;
  const row = sw.rows.find((r) => r.design_id === designId);
  if (!row) return;
  const values = {};
  for (const p of sw.varied) values[p] = row[p];
  $("#sweep-selected").replaceChildren(`Design ${designId} opened as the current car. `,
    el("a", { href: `/api/sweeps/${sw.id}/designs/${designId}.yaml`, text: `design-${designId}.yaml` }));
  const ch = { ...sw.body.base_changes };
  const physical = ch.road_load === null;
  for (const input of document.querySelectorAll("#fields input")) {
    const p = input.dataset.path;
    if (p in values) input.value = fieldText(values[p]);
    else if (p in ch) input.value = ch[p] === null ? "" : fieldText(ch[p]);
    input.classList.toggle("changed", input.value.trim() !== state.original[p]);
  }
  if (physical && state.hasRoadLoad) $("#measured-road-load").checked = false;
  showView("car");
  evaluate();
}

// --- start --------------------------------------------------------------------------
async function start() {
  setupTabs();
  $("#spec-form").addEventListener("submit", evaluate);
  $("#load-car").addEventListener("click", () => loadCar($("#car-select").value));
  $("#use-yaml").addEventListener("click", useYaml);
  $("#yaml-file").addEventListener("change", async (e) => { const f = e.target.files[0]; if (f) $("#yaml-text").value = await f.text(); });
  $("#reset-form").addEventListener("click", () => {
    for (const input of document.querySelectorAll("#fields input")) { input.value = state.original[input.dataset.path]; input.classList.remove("changed"); }
    $("#measured-road-load").checked = state.hasRoadLoad;
    clearErrors();
  });
  $("#add-compare").addEventListener("click", addCompare);
  $("#download-spec").addEventListener("click", downloadSpec);
  $("#add-var").addEventListener("click", () => { addVaryRow("battery.usable_energy"); fillSweepDefaults(); });
  $("#vary-rows").addEventListener("change", fillSweepDefaults);
  $("#sweep-form").addEventListener("submit", runSweep);
  for (const s of ["#sweep-x", "#sweep-y"]) $(s).addEventListener("change", () => { if (state.sweep && state.sweep.rows) plotSweep(); });
  const cars = await loadCars();
  const first = cars.find((c) => c.id === "chevrolet_bolt_ev_2017") || cars[0];
  if (first) await loadCar(first.id);
}

document.addEventListener("DOMContentLoaded", start);
