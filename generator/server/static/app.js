// eg4sheet support desk: the form, live findings, the plan, the correction, downloads.
// Plain JavaScript, no libraries. Every piece of user or spec text reaches the page through
// textContent or a form value, never as markup; the only markup inserted is the server's own
// rack drawings (their text escaped by the server), parsed as SVG.
"use strict";

const STORE = "eg4sheet.form.v1";
const TOKEN = "eg4sheet.token";
const SPEC_NAME = "bank.yaml";
const DEBOUNCE_MS = 250;

const $ = (id) => document.getElementById(id);

// The facts the form needs, as the server wrote them into the page from their homes in the
// package (the spec's job keys, the papers and the default one, the bounds of a count, the
// pins of a plug, the form's labels, the upload limits): this script writes none of them.
function readForm() {
  const paper = [...$("paper").options];
  const count = $("add-count");
  const file = $("load-file");
  return {
    jobKeys: [...document.querySelectorAll("[data-job]")].map((input) => input.dataset.job),
    papers: paper.map((option) => option.value),
    paper: paper.find((option) => option.defaultSelected).value,
    count: { low: Number(count.min), high: Number(count.max) },
    pins: $("cables").dataset.pins.split(" ").map(Number),
    labels: JSON.parse($("batteries").dataset.labels),
    specBytes: Number(file.dataset.specBytes),
    sheetBytes: Number(file.dataset.sheetBytes),
  };
}

const FORM = readForm(); // the script is deferred: the page is there
let models = [];
let state = emptyState();
let timer = 0;
let generation = 0; // answers to older edits are dropped
let dragFrom = -1;

function emptyState() {
  const job = {};
  for (const key of FORM.jobKeys) job[key] = "";
  return { job, paper: FORM.paper, inverter: "", batteries: [], cables: [] };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// ---- the spec the form describes -------------------------------------------------------

function numberOrText(text) {
  const trimmed = String(text).trim();
  return /^[0-9]{1,6}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function specJson() {
  const spec = {};
  const job = {};
  for (const key of FORM.jobKeys) if (state.job[key].trim()) job[key] = state.job[key].trim();
  if (Object.keys(job).length) spec.job = job;
  spec.paper = state.paper;
  if (state.inverter.trim()) spec.inverter = state.inverter.trim();
  spec.batteries = state.batteries.map((battery) => {
    const entry = { model: battery.model };
    if (String(battery.count).trim() && String(battery.count).trim() !== "1") entry.count = numberOrText(battery.count);
    if (battery.serial.trim()) entry.serial = battery.serial.trim();
    if (String(battery.id).trim()) entry.id = numberOrText(battery.id);
    if (battery.firmware.trim()) entry.firmware = battery.firmware.trim();
    return entry;
  });
  if (state.cables.length) {
    spec.cables = state.cables.map((cable) => {
      const upper = numberOrText(cable.upper);
      return { between: [upper, typeof upper === "number" ? upper + 1 : upper], pins: cable.pins.slice().sort() };
    });
  }
  return spec;
}

function loadSpec(spec) {
  const next = emptyState();
  for (const key of FORM.jobKeys) next.job[key] = spec.job && spec.job[key] != null ? String(spec.job[key]) : "";
  next.paper = FORM.papers.includes(spec.paper) ? spec.paper : FORM.paper;
  next.inverter = spec.inverter ? String(spec.inverter) : "";
  next.batteries = (spec.batteries || []).map((entry) => newBattery(
    String(entry.model), entry.count ?? 1, entry.serial ?? "", entry.id ?? "", entry.firmware ?? ""));
  next.cables = (spec.cables || []).map((cable) => ({
    upper: String(Math.min(...cable.between)), pins: cable.pins.slice(),
  }));
  state = next;
  renderAll();
  changed();
}

function newBattery(model, count = 1, serial = "", id = "", firmware = "") {
  return { model, count: String(count), serial: String(serial), id: String(id), firmware: String(firmware) };
}

// ---- talking to the server -------------------------------------------------------------

async function call(path, body, type = "application/json") {
  const headers = { "Content-Type": type };
  const token = sessionStorage.getItem(TOKEN);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method: body === undefined ? "GET" : "POST", headers, body });
  if (response.status === 401) {
    $("token-form").hidden = false;
    throw new Error("This server needs an access token (above).");
  }
  return response;
}

async function errorOf(response) {
  try {
    const answer = await response.json();
    return answer;
  } catch (_) {
    return { error: `The server answered ${response.status}.` };
  }
}

// Every message starts with a capital, whoever wrote it (the server's reasons start lower case).
function sentence(text) {
  const words = String(text);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function say(text) {
  $("message").textContent = sentence(text);
}

function verdict(text, kind = "") {
  $("status").textContent = sentence(text);
  $("status").className = `status ${kind}`.trim();
}

// The toolbar (sticky on a wide screen) and the verdict stay on top: what they cover is kept
// free when the page scrolls to a heading or a focused field (html's scroll-padding-top).
function measureSticky() {
  const toolbar = document.querySelector(".actions");
  const sticky = getComputedStyle(toolbar).position === "sticky" ? toolbar.offsetHeight : 0;
  const root = document.documentElement.style;
  root.setProperty("--toolbar", `${sticky}px`);
  root.setProperty("--sticky", `${sticky + $("status").offsetHeight}px`);
}

// ---- rendering the form ----------------------------------------------------------------

function modelSelect(value, label) {
  const select = el("select", { "aria-label": label });
  const names = models.map((model) => model.name);
  if (value && !names.includes(value)) names.unshift(value);
  for (const name of names) {
    const known = models.some((model) => model.name === name);
    select.append(el("option", { value: name, text: known ? name : `${name} (not in the catalog)` }));
  }
  select.value = value;
  return select;
}

function positionsOf(index) {
  let first = 1;
  for (let n = 0; n < index; n += 1) first += countOf(state.batteries[n]);
  const last = first + countOf(state.batteries[index]) - 1;
  return last > first ? `${first}–${last}` : String(first);
}

function countOf(battery) {
  const count = Number(String(battery.count).trim() || "1");
  return Number.isInteger(count) && count >= FORM.count.low && count <= FORM.count.high ? count : FORM.count.low;
}

function field(label, value, onInput, attrs = {}) {
  return el("label", {}, label, el("input", { value, autocomplete: "off", oninput: (event) => onInput(event.target.value), ...attrs }));
}

function renderBatteries(focus) {
  const list = $("batteries");
  list.replaceChildren();
  state.batteries.forEach((battery, index) => {
    const where = `battery ${index + 1}`;
    const select = modelSelect(battery.model, `Model of ${where}`);
    select.addEventListener("change", () => { battery.model = select.value; changed(); });
    const moveUp = el("button", { type: "button", class: "icon", "aria-label": `Move ${where} up`, text: "↑", disabled: index === 0,
      onclick: () => move(index, index - 1, "up") });
    const moveDown = el("button", { type: "button", class: "icon", "aria-label": `Move ${where} down`, text: "↓", disabled: index === state.batteries.length - 1,
      onclick: () => move(index, index + 1, "down") });
    const remove = el("button", { type: "button", class: "icon", "aria-label": `Remove ${where}`, text: "✕",
      onclick: () => { state.batteries.splice(index, 1); renderBatteries(); changed(); } });
    const item = el("li", { class: "battery", draggable: "true", "data-index": index },
      el("div", { class: "row-head" },
        el("span", { class: "position", title: "rack position", text: positionsOf(index) }),
        el("label", { class: "model" }, `${FORM.labels.model} `, select),
        el("span", { class: "move" }, moveUp, moveDown, remove)),
      el("div", { class: "row-fields" },
        field(FORM.labels.count, battery.count, (v) => { battery.count = v; updatePositions(); changed(); }, { inputmode: "numeric", class: "short" }),
        field(FORM.labels.serial, battery.serial, (v) => { battery.serial = v; changed(); }),
        field(FORM.labels.id, battery.id, (v) => { battery.id = v; changed(); }, { inputmode: "numeric", class: "short" }),
        field(FORM.labels.firmware, battery.firmware, (v) => { battery.firmware = v; changed(); })),
      el("ul", { class: "findings", "data-findings": `battery-${index}` }));
    item.addEventListener("dragstart", (event) => { dragFrom = index; event.dataTransfer.effectAllowed = "move"; event.dataTransfer.setData("text/plain", String(index)); });
    item.addEventListener("dragover", (event) => { if (dragFrom >= 0) event.preventDefault(); });
    item.addEventListener("drop", (event) => { event.preventDefault(); if (dragFrom >= 0 && dragFrom !== index) move(dragFrom, index); dragFrom = -1; });
    list.append(item);
  });
  if (focus) {
    const button = list.querySelector(`li[data-index="${focus.index}"] .move button:nth-child(${focus.which === "up" ? 1 : 2})`);
    const target = button && !button.disabled ? button : list.querySelector(`li[data-index="${focus.index}"] select`);
    if (target) target.focus();
  }
}

function updatePositions() {
  document.querySelectorAll("#batteries .position").forEach((span, index) => { span.textContent = positionsOf(index); });
}

function move(from, to, which) {
  const [battery] = state.batteries.splice(from, 1);
  state.batteries.splice(to, 0, battery);
  renderBatteries(which ? { index: to, which } : undefined);
  changed();
}

function renderCables() {
  const list = $("cables");
  list.replaceChildren();
  state.cables.forEach((cable, index) => {
    const upper = el("input", { value: cable.upper, class: "short", inputmode: "numeric", "aria-label": `Cable ${index + 1}: upper position` });
    const lower = el("span", { class: "lower", text: lowerOf(cable.upper) });
    upper.addEventListener("input", () => { cable.upper = upper.value; lower.textContent = lowerOf(upper.value); changed(); });
    const pins = el("fieldset", { class: "pins" }, el("legend", { text: "pins populated" }));
    for (const pin of FORM.pins) {
      const box = el("input", { type: "checkbox", checked: cable.pins.includes(pin), "aria-label": `Cable ${index + 1}: pin ${pin}` });
      box.addEventListener("change", () => {
        cable.pins = box.checked ? [...cable.pins, pin] : cable.pins.filter((p) => p !== pin);
        changed();
      });
      pins.append(el("label", { class: "pin" }, box, String(pin)));
    }
    const remove = el("button", { type: "button", class: "icon", "aria-label": `Remove cable ${index + 1}`, text: "✕",
      onclick: () => { state.cables.splice(index, 1); renderCables(); changed(); } });
    list.append(el("li", { class: "cable" },
      el("div", { class: "row-head" }, el("span", {}, "Between position ", upper, " and ", lower), remove),
      pins,
      el("ul", { class: "findings", "data-findings": `cable-${index}` })));
  });
}

function lowerOf(upper) {
  const value = numberOrText(upper);
  return typeof value === "number" ? String(value + 1) : "the next";
}

function renderJob() {
  document.querySelectorAll("[data-job]").forEach((input) => { input.value = state.job[input.dataset.job]; });
  $("paper").value = state.paper;
  $("inverter").value = state.inverter;
}

function renderAll() {
  renderJob();
  renderBatteries();
  renderCables();
}

// ---- findings, plan, correction --------------------------------------------------------

function changed() {
  localStorage.setItem(STORE, JSON.stringify(state));
  clearTimeout(timer);
  document.body.dataset.checking = "true"; // until the findings of this very form are shown
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh() {
  timer = 0;
  const mine = ++generation;
  try {
    await check(mine);
  } finally {
    if (mine === generation && !timer) delete document.body.dataset.checking;
  }
}

async function check(mine) {
  $("correction").hidden = true;
  if (!state.batteries.length) {
    showFindings({ findings: [], errors: 0, warnings: 0 });
    verdict("Add a battery to start.");
    showPlan(null);
    return;
  }
  const body = JSON.stringify(specJson());
  try {
    const response = await call("/api/findings", body);
    if (mine !== generation) return;
    if (!response.ok) { verdict((await errorOf(response)).error, "bad"); return; }
    const found = await response.json();
    if (mine !== generation) return;
    showFindings(found);
    if (found.errors) { showPlan(null); return; }
    const planned = await call("/api/plan", body);
    if (mine !== generation) return;
    showPlan(planned.ok ? await planned.json() : null);
  } catch (error) {
    verdict(String(error.message || error), "bad");
  }
}

function findingItem(finding) {
  return el("li", { class: `finding ${finding.severity}` },
    el("span", { class: "code", text: `${finding.severity} ${finding.code}` }), " ",
    el("span", { class: "text", text: sentence(finding.message) }),
    finding.hint ? el("span", { class: "hint", text: `Fix: ${finding.hint}` }) : null);
}

function showFindings({ findings, errors, warnings }) {
  document.querySelectorAll("[data-findings]").forEach((list) => list.replaceChildren());
  const general = $("general-findings");
  general.replaceChildren();
  for (const finding of findings) {
    const match = /^\/(batteries|cables)\/(\d+)(\/|$)/.exec(finding.path || "");
    const target = match && document.querySelector(`[data-findings="${match[1] === "batteries" ? "battery" : "cable"}-${match[2]}"]`);
    (target || general).append(findingItem(finding));
  }
  verdict(errors
    ? `${plural(errors, "error")}, ${plural(warnings, "warning")}: see each battery. “Correct it” shows the corrected bank.`
    : `No errors${warnings ? `, ${plural(warnings, "warning")}` : ""}. The sheet can be printed.`,
  errors ? "bad" : "good");
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function showPlan(plan) {
  $("plan").hidden = !plan;
  $("plan-note").hidden = Boolean(plan);
  if (!plan) return;
  const bank = plan.bank;
  $("plan-summary").textContent = `${bank.batteries} ${bank.batteries === 1 ? "battery" : "batteries"}, ${bank.kwh} kWh, master ${bank.master}`;
  const rows = $("plan-rows");
  rows.replaceChildren();
  for (const battery of plan.batteries) {
    // The plan's own words for the switches, each state ("5 ON") one unbreakable piece.
    const states = battery.switches.split(" · ");
    const words = el("div", { class: "words" });
    states.forEach((state, n) => { if (n) words.append(" · "); words.append(el("span", { class: "state", text: state })); });
    const drawing = battery.dip
      ? el("img", { src: `/figures/dip.svg?model=${encodeURIComponent(battery.model)}&id=${battery.id}`, alt: `DIP switches: ${battery.switches}`, class: "dip" })
      : null;
    const firmware = battery.firmware;
    rows.append(el("tr", {},
      el("td", { class: "num", "data-label": "Pos.", text: String(battery.position) }),
      el("td", { class: "num", "data-label": "ID", text: String(battery.id) }),
      el("td", {}, el("strong", { text: battery.model }), battery.serial ? el("span", { class: "serial", title: battery.serial, text: battery.serial }) : null),
      el("td", { class: "dip-cell" }, drawing, words),
      el("td", { class: "firmware", "data-label": "Firmware:", text: `needs ${firmware.required.join(" or ")}${firmware.installed ? `; has ${firmware.installed}` : ""}` })));
  }
  const cables = $("plan-cables");
  cables.replaceChildren();
  for (const cable of plan.cables) {
    cables.append(el("li", { class: cable.kind, text: `${cable.between[0]}–${cable.between[1]}: ${cable.label}` }));
  }
}

// The racks are drawn 1 unit = 1 pt: each gets the share of its box that keeps one scale.
function oneScale(svgs) {
  const widths = svgs.map((svg) => svg.viewBox.baseVal.width || 1);
  const widest = Math.max(...widths);
  svgs.forEach((svg, n) => { svg.style.width = `${(100 * widths[n]) / widest}%`; });
}

function svgNode(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  return document.importNode(parsed.documentElement, true);
}

async function correct() {
  if (!state.batteries.length) { say("Add batteries first."); return; }
  try {
    const response = await call("/api/correction", JSON.stringify(specJson()));
    if (!response.ok) { say((await errorOf(response)).error); return; }
    const answer = await response.json();
    $("rack-found").replaceChildren(...answer.as_found.map(svgNode));
    $("rack-corrected").replaceChildren(...answer.corrected.map(svgNode));
    oneScale([...document.querySelectorAll(".rack svg")]);
    const changes = $("changes");
    // The sheet's stages, each under its heading, the numbers running on across them.
    const stages = answer.stages && answer.stages.length ? answer.stages
      : [{ title: "", steps: answer.changes.map((text, n) => [n + 1, text]) }];
    changes.replaceChildren();
    for (const stage of stages) {
      if (!stage.steps.length) continue;
      if (stage.title) changes.append(el("h4", { class: "stage", text: stage.title }));
      changes.append(el("ol", { start: stage.steps[0][0] },
        ...stage.steps.map(([number, text]) => el("li", { value: number, text: sentence(text) }))));
    }
    if (!answer.changes.length) changes.append(el("p", { text: "Nothing to change: the bank is right as it is." }));
    $("correction").hidden = false;
    $("correction-title").focus({ preventScroll: true }); // keyboard users land on it
    $("correction-title").scrollIntoView({ block: "start" });
  } catch (error) {
    say(String(error.message || error));
  }
}

async function useCorrected() {
  try {
    // The form holds the bank as found: firmware that needs an update stays, and says so.
    const fixed = await call("/api/fix?keep_firmware=true", JSON.stringify(specJson()));
    if (!fixed.ok) {
      const answer = await errorOf(fixed);
      say(`${answer.error}${answer.findings ? `: ${answer.findings.map((f) => f.message).join("; ")}` : ""}`);
      return;
    }
    if (!(await loadYaml(await fixed.text()))) return;
    say("The form now holds the corrected bank.");
    const first = document.querySelector("#batteries > li select");
    if (first) first.focus();
  } catch (error) {
    say(String(error.message || error));
  }
}

// ---- downloads and loading -------------------------------------------------------------

function fileStem() {
  const slug = state.job.title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
  return slug || "bank";
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function downloadPdf() {
  const query = new URLSearchParams({ allow_errors: $("allow-errors").checked ? "true" : "false", name: SPEC_NAME });
  say("Making the sheet…");
  try {
    const response = await call(`/api/sheet?${query}`, JSON.stringify(specJson()));
    if (!response.ok) {
      const answer = await errorOf(response);
      say(response.status === 422 && answer.findings
        ? "The bank has errors: correct them, or tick “even with errors” for a sheet that lists them."
        : answer.error);
      return;
    }
    download(await response.blob(), `${fileStem()}.pdf`);
    say(`Downloaded ${fileStem()}.pdf`);
  } catch (error) {
    say(String(error.message || error));
  }
}

async function downloadYaml() {
  try {
    const response = await call(`/api/spec?name=${SPEC_NAME}`, JSON.stringify(specJson()));
    if (!response.ok) { say((await errorOf(response)).error); return; }
    const answer = await response.json();
    download(new Blob([answer.yaml], { type: "application/yaml" }), `${fileStem()}.yaml`);
    say(`Downloaded ${fileStem()}.yaml`);
  } catch (error) {
    say(String(error.message || error));
  }
}

async function loadYaml(text) {
  const response = await call("/api/spec", text, "application/yaml");
  if (!response.ok) { say((await errorOf(response)).error); return false; }
  const answer = await response.json();
  if (!answer.spec) {
    say(`Could not read that spec: ${answer.findings.map((f) => `line ${f.line}: ${f.message}`).join("; ")}`);
    return false;
  }
  loadSpec(answer.spec);
  window.scrollTo(0, 0); // the verdict of what was loaded, on the first screen
  return true;
}

function megabytes(bytes) {
  return `${Math.floor(bytes / 1000000)} MB`; // as the server words its limits
}

function isSheet(bytes) {
  const start = String.fromCharCode(...bytes.slice(0, 8));
  return start.startsWith("%PDF-") || start.startsWith("\x89PNG") || start.startsWith("\xff\xd8\xff");
}

function formFilled() {
  return state.batteries.length > 0 || state.cables.length > 0 || state.inverter.trim() !== ""
    || Object.values(state.job).some((value) => value.trim() !== "");
}

async function loadFile(file) {
  if (formFilled() && !window.confirm(`Replace the bank in the form with ${file.name}? What the form holds now is lost.`)) {
    say(`Nothing loaded: the form is as it was.`);
    return;
  }
  if (file.size > FORM.sheetBytes) { say(`The file ${file.name} is larger than ${megabytes(FORM.sheetBytes)}.`); return; }
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    if (isSheet(bytes)) { // a sheet's PDF, or a photo or scan of a page (its QR code)
      say(`Reading ${file.name}…`);
      const response = await call("/api/extract", bytes, file.type || "application/octet-stream");
      if (!response.ok) { say((await errorOf(response)).error); return; }
      if (await loadYaml(await response.text())) say(`Loaded the bank from the sheet ${file.name}.`);
    } else if (file.size > FORM.specBytes) {
      say(`The file ${file.name} is larger than ${megabytes(FORM.specBytes)}: a spec is much smaller.`);
    } else if (await loadYaml(new TextDecoder().decode(bytes))) {
      say(`Loaded ${file.name}.`);
    }
  } catch (error) {
    say(String(error.message || error));
  }
}

// ---- start -----------------------------------------------------------------------------

async function loadModels() {
  const response = await call("/api/models");
  if (!response.ok) throw new Error((await errorOf(response)).error);
  models = await response.json();
  $("add-model").replaceChildren(...models.map((model) => el("option", { value: model.name, text: model.name })));
}

function restore() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) || "null");
    if (saved && Array.isArray(saved.batteries)) {
      state = { ...emptyState(), ...saved, job: { ...emptyState().job, ...saved.job } };
      state.cables = Array.isArray(saved.cables) ? saved.cables : [];
      if (!FORM.papers.includes(state.paper)) state.paper = FORM.paper;
    }
  } catch (_) {
    state = emptyState();
  }
}

async function start() {
  measureSticky();
  new ResizeObserver(measureSticky).observe(document.querySelector(".actions"));
  new ResizeObserver(measureSticky).observe($("status"));
  window.addEventListener("resize", measureSticky);
  restore();
  document.querySelectorAll("[data-job]").forEach((input) => {
    input.addEventListener("input", () => { state.job[input.dataset.job] = input.value; changed(); });
  });
  $("paper").addEventListener("change", () => { state.paper = $("paper").value; changed(); });
  $("inverter").addEventListener("input", () => { state.inverter = $("inverter").value; changed(); });
  $("add-battery").addEventListener("click", () => {
    const count = $("add-count").value.trim() || "1";
    state.batteries.push(newBattery($("add-model").value, count));
    renderBatteries();
    changed();
  });
  $("add-cable").addEventListener("click", () => {
    const next = state.cables.length + 1;
    state.cables.push({ upper: String(next), pins: FORM.pins.slice() });
    renderCables();
    changed();
  });
  $("download-pdf").addEventListener("click", downloadPdf);
  $("download-yaml").addEventListener("click", downloadYaml);
  $("correct").addEventListener("click", correct);
  $("use-corrected").addEventListener("click", useCorrected);
  $("new-bank").addEventListener("click", () => {
    if (!state.batteries.length || window.confirm("Clear the form for a new bank?")) { state = emptyState(); renderAll(); changed(); }
  });
  $("load-file").addEventListener("change", () => {
    const file = $("load-file").files[0];
    $("load-file").value = "";
    if (file) loadFile(file);
  });
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN, $("token").value);
    $("token-form").hidden = true;
    connect();
  });
  await connect();
}

async function connect() {
  try {
    await loadModels();
  } catch (error) {
    verdict(String(error.message || error), "bad");
    return;
  }
  renderAll();
  refresh();
}

document.addEventListener("DOMContentLoaded", start);
