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
  fieldInfo: {},     // field path ([] for list items) -> {unit, low, high, default}
  defaults: {},      // field path -> what the field takes when left empty (POST /api/defaults)
  base: null,        // {car: id} or {spec: yaml text}
  baseName: "",
  original: {},      // field path -> value shown when the car was loaded
  hasRoadLoad: false,
  last: null,        // last evaluate response
  compare: [],
  job: null,         // {kind, id, url, rows, varied, outputs, objectives, baseChanges}
  picturesSeq: 0,
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
const NUMBER_RE = /^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i;
const num = (t) => (NUMBER_RE.test(t) ? Number(t) : t);
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
const VIEWS = ["car", "pictures", "compare", "explore"];
function showView(name) {
  for (const v of VIEWS) {
    $(`#tab-${v}`).setAttribute("aria-selected", String(v === name));
    $(`#view-${v}`).hidden = v !== name;
  }
  if (name === "compare") renderCompare();
  if (name === "explore") { fillSweepDefaults(); loadJobs(); if (state.job && state.job.rows) plotJob(); }
  if (name === "pictures") for (const id of ["plot-trace", "plot-ambient"]) { const p = $(`#${id}`); if (p.data) Plotly.Plots.resize(p); }
}
function setupTabs() {
  const tabs = VIEWS;
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
      "aria-describedby": `def-${safeId(path)} err-${safeId(path)}` });
    input.value = text;
    if (!text) input.placeholder = "default";
    input.addEventListener("input", () => input.classList.toggle("changed", input.value.trim() !== state.original[path]));
    const wrap = el("div", { class: "field" },
      el("label", { for: id }, `${label} `, el("span", { class: "unit", text: `[${unit}]` })),
      input,
      el("div", { id: `def-${safeId(path)}`, class: "default-note", "data-default-for": path }),
      el("div", { id: `err-${safeId(path)}`, class: "field-error", role: "alert", "data-error-for": path }));
    box.append(wrap);
  }
  state.hasRoadLoad = values["road_load.f0"] !== undefined && values["road_load.f0"] !== null;
  const rl = $("#measured-road-load");
  rl.checked = state.hasRoadLoad;
  rl.disabled = !state.hasRoadLoad;
}

// What each field takes when left empty, with its source (POST /api/defaults).
async function loadDefaults() {
  if (!state.base) return;
  const paths = [...document.querySelectorAll("#fields input")].map((i) => i.dataset.path);
  try {
    const result = await api("POST", "/api/defaults", { ...state.base, changes: changes(), fields: paths });
    state.defaults = result.defaults;
  } catch { return; }  // a bad change: the evaluate call reports it beside its field
  for (const input of document.querySelectorAll("#fields input")) {
    const path = input.dataset.path;
    const d = state.defaults[path];
    const note = document.querySelector(`[data-default-for="${CSS.escape(path)}"]`);
    if (!d || !note) continue;
    const unit = shownUnit(d.unit || unitOf(path));
    let head;
    if (d.required) { head = "required"; input.placeholder = "required"; }
    else if (d.blocked) { head = "cannot be left empty here"; input.placeholder = ""; }
    else if (d.value !== null && d.value !== undefined) {
      const shown = typeof d.value === "number" ? fieldText(d.value) : String(d.value);
      head = `default ${shown}${unit && unit !== "-" ? ` ${unit}` : ""}`;
      input.placeholder = shown;
    } else { head = "no default"; input.placeholder = ""; }
    const why = d.source && d.source !== head ? ` (${d.source})` : "";
    note.replaceChildren(el("strong", { text: head }), why);
    note.title = d.source || "";
  }
  document.body.dataset.defaults = String(Number(document.body.dataset.defaults || 0) + 1);
}

function changes() {
  const out = {};
  for (const input of document.querySelectorAll("#fields input")) {
    const path = input.dataset.path;
    const text = input.value.trim();
    if (text === state.original[path]) continue;
    if (text === "") out[path] = null;
    else out[path] = num(text);
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
  const [cars, fields] = await Promise.all([api("GET", "/api/cars"), api("GET", "/api/fields")]);
  state.units = fields.units;
  state.fieldInfo = Object.fromEntries(fields.fields.map((f) => [f.path, f]));
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

async function useYaml(event, text = $("#yaml-text").value, how = "pasted spec") {
  clearErrors();
  setBusy("evaluating...");
  try {
    const result = await api("POST", "/api/evaluate", { spec: text });
    state.base = { spec: text };
    $("#yaml-text").value = text;
    const row = result.rows[0];
    state.baseName = row.name;
    buildForm(row);
    $("#car-name").textContent = `${row.name} (${how})`;
    showResult(result);
    return true;
  } catch (err) {
    showErrors(err);
    return false;
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
  loadDefaults();
  loadPictures();  // slower (seconds): after the headline figures, without holding them up
}

// --- pictures: the speed trace with the shortfall, range against ambient temperature --------
async function loadPictures() {
  if (!state.base) return;
  const seq = ++state.picturesSeq;
  const body = requestBody();
  $("#pictures-busy").textContent = "computing...";
  $("#pictures-error").textContent = "";
  try {
    const [trace, ambient] = await Promise.all([
      api("POST", "/api/trace", { ...body, cycle: $("#trace-cycle").value || "us06" }),
      api("POST", "/api/ambient", { ...body, procedure: $("#ambient-procedure").value }),
    ]);
    if (seq !== state.picturesSeq) return;  // a newer car is on its way
    plotTrace(trace);
    plotAmbient(ambient);
    document.body.dataset.pictures = String(Number(document.body.dataset.pictures || 0) + 1);
  } catch (err) {
    if (seq === state.picturesSeq) $("#pictures-error").textContent = err.message;
  } finally {
    if (seq === state.picturesSeq) $("#pictures-busy").textContent = "";
  }
}

function plotTrace(t) {
  const select = $("#trace-cycle");
  if (select.options.length <= 1) {
    select.replaceChildren(...t.cycles.map((c) => el("option", { value: c, text: c })));
    select.value = t.cycle;
  }
  // the shortfall: a shaded band between target and speed over each run of missed steps
  const bands = [];
  for (let i = 0; i < t.time_s.length; i += 1) {
    if (!t.miss[i]) continue;
    let j = i;
    while (j + 1 < t.time_s.length && t.miss[j + 1]) j += 1;
    const lo = Math.max(i - 1, 0), hi = Math.min(j + 1, t.time_s.length - 1);
    const xs = t.time_s.slice(lo, hi + 1), up = t.target_kmh.slice(lo, hi + 1), down = t.speed_kmh.slice(lo, hi + 1);
    bands.push({ x: [...xs, ...[...xs].reverse()], y: [...up, ...[...down].reverse()] });
    i = j;
  }
  const s = t.shortfall;
  $("#trace-summary").textContent = s.steps
    ? `On ${t.cycle} the car falls behind the trace for ${s.seconds} s (at most ${fmt(s.max_kmh, 1)} km/h, at ${s.at_s} s).`
    : `On ${t.cycle} the car follows the trace everywhere (no shortfall).`;
  const shaded = bands.slice(0, 200).map((b, k) => ({
    x: b.x, y: b.y, mode: "lines", fill: "toself", fillcolor: "rgba(179,38,30,0.55)", line: { width: 0.5, color: "#b3261e" },
    name: "shortfall", legendgroup: "shortfall", showlegend: k === 0, hoverinfo: "skip",
  }));
  Plotly.react("plot-trace", [
    { x: t.time_s, y: t.target_kmh, name: "target", mode: "lines", line: { color: "#9aa4b2", width: 4 } },
    ...shaded,
    { x: t.time_s, y: t.speed_kmh, name: "the car", mode: "lines", line: { color: "#0b62c4", width: 1.2 } },
    { x: t.time_s.filter((_, i) => t.miss[i]), y: t.speed_kmh.filter((_, i) => t.miss[i]), name: "missed steps",
      mode: "markers", marker: { color: "#b3261e", size: 5, symbol: "x" },
      customdata: t.time_s.map((_, i) => t.target_kmh[i] - t.speed_kmh[i]).filter((_, i) => t.miss[i]),
      hovertemplate: "%{x} s: %{customdata:.1f} km/h short<extra></extra>" },
  ], {
    ...LAYOUT, title: { text: `Speed trace, ${t.cycle}: shortfall ${s.seconds} s` },
    xaxis: { title: { text: "time [s]" } }, yaxis: { title: { text: "speed [km/h]" }, rangemode: "tozero" },
    legend: { orientation: "h", y: -0.25 },
  }, PLOT_CONFIG);
}

function plotAmbient(a) {
  const x = a.points.map((p) => `${p.ambient_c} °C`);
  const y = a.points.map((p) => p.range_km);
  const ref = a.reference.range_km;
  Plotly.react("plot-ambient", [
    { type: "bar", x, y, name: "climate control on", marker: { color: a.points.map((p) => (p.ambient_c < 10 ? "#3b7dd8" : "#d9480f")) },
      text: y.map((v) => `${fmt(v, 0)} km`), textposition: "auto",
      customdata: a.points.map((p) => p.consumption_dc_kwh_per_100km),
      hovertemplate: "%{x}: %{y:.0f} km, %{customdata:.1f} kWh/100 km (DC)<extra></extra>" },
    { x, y: x.map(() => ref), name: `test cell (${fmt(ref, 0)} km)`, mode: "lines", line: { color: "#5a6472", dash: "dash" } },
  ], {
    ...LAYOUT, title: { text: `${a.procedure.toUpperCase()} range against ambient temperature` },
    yaxis: { title: { text: "range [km]" }, rangemode: "tozero" }, legend: { orientation: "h", y: -0.2 },
  }, PLOT_CONFIG);
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
  let n = 0;
  while (document.getElementById(`vary-path-${n}`)) n += 1;
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
  remove.addEventListener("click", () => { row.remove(); fillSweepDefaults(); });
  const row = el("div", { class: "vary-row" },
    el("div", {}, el("label", { for: select.id, text: "field" }), select),
    el("div", {}, el("label", { for: low.id, text: "low" }), low),
    el("div", {}, el("label", { for: high.id, text: "high" }), high),
    remove);
  rows.append(row);
}

const outputLabel = (k) => ([...SWEEP_OUTPUTS, ...MAIN_FIELDS].find(([p]) => p === k) || [k, k])[1];

function fillSelect(select, items, preferred) {
  const current = select.value;
  select.replaceChildren(...items.map(([k, label]) => el("option", { value: k, text: label })));
  for (const want of [current, preferred]) if (want && items.some(([k]) => k === want)) { select.value = want; break; }
}

function fillSweepDefaults() {
  if (!$("#vary-rows").children.length) addVaryRow("body.drag_coefficient");
  const varied = [...document.querySelectorAll("#vary-rows select")].map((s) => [s.value, s.options[s.selectedIndex].text]);
  const job = state.job;
  const axes = job && job.rows
    ? [...job.varied.map((p) => [p, outputLabel(p)]), ...job.outputs.map((o) => [o, outputLabel(o)])]
    : [...varied, ...SWEEP_OUTPUTS];
  const unique = axes.filter(([k], i) => axes.findIndex(([j]) => j === k) === i);
  fillSelect($("#sweep-x"), unique, unique[0] && unique[0][0]);
  fillSelect($("#sweep-y"), unique, unique.some(([k]) => k === "range_wltp_km") ? "range_wltp_km" : unique[unique.length - 1][0]);
  if (!$("#opt-obj1").options.length) {
    fillSelect($("#opt-obj1"), SWEEP_OUTPUTS, "range_wltp_km");
    fillSelect($("#opt-obj2"), SWEEP_OUTPUTS, "zero_to_100_kmh_s");
  }
  for (const row of document.querySelectorAll("#filter-rows .filter-row")) fillSelect(row.querySelector("select"), [["", "(no filter)"], ...unique]);
  if (!$("#filter-rows").children.length) { addFilterRow(unique); addFilterRow(unique); }
}

function addFilterRow(items) {
  const n = $("#filter-rows").children.length;
  const select = el("select", { id: `filter-on-${n}` });
  fillSelect(select, [["", "(no filter)"], ...items], "");
  const lo = el("input", { id: `filter-min-${n}`, type: "text", inputmode: "decimal", placeholder: "min" });
  const hi = el("input", { id: `filter-max-${n}`, type: "text", inputmode: "decimal", placeholder: "max" });
  for (const c of [select, lo, hi]) c.addEventListener(c === select ? "change" : "input", () => { if (state.job && state.job.rows) plotJob(); });
  $("#filter-rows").append(el("div", { class: "filter-row" },
    el("div", {}, el("label", { for: select.id, text: `filter ${n + 1} on` }), select),
    el("div", {}, el("label", { for: lo.id, text: "min" }), lo),
    el("div", {}, el("label", { for: hi.id, text: "max" }), hi)));
}

function filters() {
  const out = [];
  for (const row of document.querySelectorAll("#filter-rows .filter-row")) {
    const key = row.querySelector("select").value;
    const [lo, hi] = [...row.querySelectorAll("input")].map((i) => (i.value.trim() === "" ? null : Number(i.value)));
    if (key && (Number.isFinite(lo) || Number.isFinite(hi))) out.push([key, lo, hi]);
  }
  return out;
}

function baseChanges(vary) {
  const ch = { ...changes() };
  if ($("#sweep-physical").checked) {
    ch.road_load = null;
    if ("battery.usable_energy" in vary) ch["battery.nominal_energy"] = null;
  }
  if ($("#sweep-sized").checked) { ch["mass.curb"] = null; ch.design = { size_class: "medium", year: 2024 }; }
  return ch;
}

function varyBody() {
  const vary = {};
  for (const row of document.querySelectorAll("#vary-rows .vary-row")) {
    const [path, low, high] = [row.querySelector("select").value, ...[...row.querySelectorAll("input")].map((i) => i.value.trim())];
    vary[path] = { low: num(low), high: num(high) };
  }
  return vary;
}

function sweepBody() {
  const vary = varyBody();
  const outputs = [...new Set([$("#sweep-y").value, $("#sweep-x").value, "range_wltp_km"].filter((k) => SWEEP_OUTPUTS.some(([o]) => o === k)))];
  return {
    base: state.base.car ?? state.base.spec,  // a bundled car id, or the YAML text
    base_changes: baseChanges(vary),
    vary,
    sampling: { method: $("#sweep-method").value, n: Number($("#sweep-n").value), seed: 1 },
    outputs,
  };
}

function optBody() {
  const vary = varyBody();
  const objectives = { [$("#opt-obj1").value]: $("#opt-sense1").value };
  if ($("#opt-obj2").value !== $("#opt-obj1").value) objectives[$("#opt-obj2").value] = $("#opt-sense2").value;
  return {
    base: state.base.car ?? state.base.spec,
    base_changes: baseChanges(vary),
    vary,
    objectives,
    algorithm: { population: Number($("#opt-pop").value), generations: Number($("#opt-gen").value), seed: 1 },
  };
}

async function runJob(kind) {
  $("#sweep-error").textContent = "";
  if (!state.base) { $("#sweep-error").textContent = "Load a car first."; return; }
  const body = kind === "sweep" ? sweepBody() : optBody();
  for (const b of ["#run-sweep", "#run-opt"]) $(b).disabled = true;
  $("#sweep-downloads").replaceChildren();
  $("#sweep-progress").value = 0;
  try {
    const started = await api("POST", kind === "sweep" ? "/api/sweeps" : "/api/optimizations", body);
    $("#sweep-status").textContent = `queued: 0 / ${started.designs ?? started.evaluations}`;
    await pollJob(started.url);
  } catch (err) {
    $("#sweep-error").textContent = err.message;
  } finally {
    for (const b of ["#run-sweep", "#run-opt"]) $(b).disabled = false;
    loadJobs();
  }
}

async function pollJob(url) {
  const bar = $("#sweep-progress");
  for (;;) {
    const s = await api("GET", url);
    bar.max = s.total; bar.value = s.done;
    const what = s.kind === "sweep" ? "designs" : "designs evaluated";
    $("#sweep-status").textContent = `${s.state}: ${s.done} / ${s.total} ${what}, ${s.elapsed_s} s`;
    if (s.state === "done") { showJob(s); return; }
    if (!["queued", "running"].includes(s.state)) { $("#sweep-error").textContent = s.error || s.state; return; }
    await new Promise((r) => setTimeout(r, 400));
  }
}

function showJob(s) {
  state.job = { kind: s.kind, id: s.id, url: s.url, rows: s.rows, varied: s.varied, outputs: s.outputs, objectives: s.objectives || null };
  const links = [el("a", { href: s.downloads.csv, text: "results.csv" }), el("a", { href: s.downloads.parquet, text: "results.parquet" })];
  $("#sweep-downloads").replaceChildren(...links);
  fillSweepDefaults();
  if (s.kind === "optimize") {  // the front: objective 2 across, objective 1 up
    const objs = Object.keys(s.objectives);
    $("#sweep-x").value = objs[1] || s.varied[0];
    $("#sweep-y").value = objs[0];
  }
  plotJob();
}

function plotJob() {
  const job = state.job;
  const x = $("#sweep-x").value, y = $("#sweep-y").value;
  const idKey = job.kind === "sweep" ? "design_id" : "point";
  const all = job.rows.filter((r) => !r.error);
  const active = filters();
  const rows = all.filter((r) => active.every(([k, lo, hi]) => {
    const v = r[k];
    return typeof v === "number" && (!Number.isFinite(lo) || v >= lo) && (!Number.isFinite(hi) || v <= hi);
  }));
  const name = job.kind === "sweep" ? "design" : "point";
  const text = rows.map((r) => [`${name} ${r[idKey]}`, ...job.varied.map((p) => `${p} = ${fieldText(r[p])}`),
    ...job.outputs.map((o) => `${o} = ${fmt(r[o], 2)}`)].join("<br>"));
  const traces = [];
  if (job.kind === "optimize") {
    const sorted = [...rows].sort((a, b) => a[x] - b[x]);
    traces.push({ type: "scatter", mode: "lines", x: sorted.map((r) => r[x]), y: sorted.map((r) => r[y]), hoverinfo: "skip",
      line: { color: "#d9480f", width: 1, dash: "dot" }, showlegend: false });
  }
  traces.push({
    type: "scatter", mode: "markers", x: rows.map((r) => r[x]), y: rows.map((r) => r[y]),
    customdata: rows.map((r) => r[idKey]), text, hovertemplate: "%{text}<extra></extra>", showlegend: false,
    marker: { size: 11, color: job.kind === "sweep" ? "#0b62c4" : "#d9480f", opacity: 0.85, line: { width: 1, color: "#fff" } },
  });
  const title = job.kind === "sweep"
    ? `Sweep: ${rows.length} of ${all.length} designs`
    : `Pareto front (NSGA-II): ${rows.length} of ${all.length} points, ${Object.entries(job.objectives).map(([k, v]) => `${v} ${k}`).join(", ")}`;
  const plot = $("#plot-sweep");
  Plotly.react(plot, traces, { ...LAYOUT, title: { text: title, font: { size: 13 } },
    xaxis: { title: { text: outputLabel(x) } }, yaxis: { title: { text: outputLabel(y) } } }, PLOT_CONFIG);
  plot.removeAllListeners?.("plotly_click");
  plot.on("plotly_click", (ev) => {
    const p = ev.points.find((q) => q.customdata !== undefined);
    if (p) openDesign(p.customdata);
  });
  $("#filter-count").textContent = active.length ? `(${rows.length} of ${all.length} shown)` : "";
  const pick = $("#design-pick");
  pick.replaceChildren(...rows.map((r) => el("option", { value: String(r[idKey]),
    text: `${name} ${r[idKey]}: ${outputLabel(y)} ${fmt(r[y], 2)}, ${outputLabel(x)} ${fmt(r[x], 2)}` })));
  $("#open-design").disabled = !rows.length;
  if (job.kind === "sweep") document.body.dataset.sweepPlotted = String(rows.length);
  else document.body.dataset.paretoPlotted = String(rows.length);
}

async function openDesign(id) {
  const job = state.job;
  const name = job.kind === "sweep" ? "design" : "point";
  $("#sweep-error").textContent = "";
  try {
    const response = await fetch(`${job.url}/designs/${encodeURIComponent(id)}.yaml`);
    if (!response.ok) throw new Error(`${name} ${id}: ${response.status} ${response.statusText}`);
    const text = await response.text();
    const link = el("a", { href: `${job.url}/designs/${id}.yaml`, text: `${name}-${id}.yaml` });
    $("#sweep-selected").replaceChildren(`${name[0].toUpperCase()}${name.slice(1)} ${id} opened as the current car. `, link);
    showView("car");
    await useYaml(null, text, `${job.kind === "sweep" ? "sweep" : "optimisation"} ${name} ${id}`);
  } catch (err) { $("#sweep-error").textContent = err.message; }
}

async function loadJobs() {
  let list;
  try { list = await api("GET", "/api/jobs"); } catch { return; }
  const items = list.slice(0, 20).map((j) => {
    const when = new Date(j.started * 1000).toLocaleString();
    const what = `${j.kind === "sweep" ? "sweep" : "optimisation"} of ${j.total} designs (${j.varied.join(", ")}), ${when}: ${j.state}`;
    const li = el("li", {}, el("span", { text: what }));
    if (j.state === "done") {
      const b = el("button", { type: "button", text: "show", "aria-label": `Show the results of the ${what}` });
      b.addEventListener("click", async () => { const s = await api("GET", j.url); showJob(s); $("#sweep-status").textContent = `done: ${s.done} / ${s.total}`; });
      li.append(" ", b);
    } else if (j.error) li.append(el("div", { class: "hint", text: j.error }));
    return li;
  });
  $("#job-list").replaceChildren(...items);
}

// --- start --------------------------------------------------------------------------
async function start() {
  setupTabs();
  $("#spec-form").addEventListener("submit", evaluate);
  $("#load-car").addEventListener("click", () => loadCar($("#car-select").value));
  $("#use-yaml").addEventListener("click", () => useYaml());
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
  $("#sweep-form").addEventListener("submit", (e) => { e.preventDefault(); runJob("sweep"); });
  $("#run-opt").addEventListener("click", () => runJob("optimize"));
  for (const s of ["#sweep-x", "#sweep-y"]) $(s).addEventListener("change", () => { if (state.job && state.job.rows) plotJob(); });
  $("#open-design").addEventListener("click", () => { const v = $("#design-pick").value; if (v !== "") openDesign(Number(v)); });
  $("#redraw-pictures").addEventListener("click", loadPictures);
  $("#trace-cycle").append(el("option", { value: "us06", text: "us06" }));
  const cars = await loadCars();
  const first = cars.find((c) => c.id === "chevrolet_bolt_ev_2017") || cars[0];
  if (first) await loadCar(first.id);
}

document.addEventListener("DOMContentLoaded", start);
