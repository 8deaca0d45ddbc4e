// The technician's screens: per printer and page, print a calibration
// target, enter where each mark landed, see the fit's residuals drawn on
// the page, save it, print the corrected target to verify, roll back to an
// earlier version, and download the target to print elsewhere.
import {
  $, t, say, say_text, refusal, call, element, button, local_time, fill_printer_choice,
} from "/console/common.js";

const SVG = "http://www.w3.org/2000/svg";
// Residual arrows are drawn this many times their length: the largest
// about 12 mm long, at 20 to 100 times.
function magnification(max_residual_mm) {
  const m = max_residual_mm > 0 ? 12 / max_residual_mm : 100;
  return Math.min(100, Math.max(20, Math.round(m / 10) * 10));
}

let target = null; // {printer, page, corrected, marks: [{label, x_mm, y_mm}]}

function chosen() {
  return { printer: $("cal-printer").value, page: $("cal-page").value };
}

function printer_path(printer) {
  return "/v1/printers/" + encodeURIComponent(printer) + "/calibration";
}

export async function show_calibration() {
  fill_printer_choice($("cal-printer"));
  update_chart_link();
  $("calibration").hidden = false;
  await load_versions();
}

export function clear_calibration() {
  target = null;
  $("calibration").hidden = true;
  $("cal-marks").hidden = true;
  $("cal-result").hidden = true;
  $("cal-status").textContent = "";
  for (const id of ["cal-mark-rows", "cal-versions", "cal-residual-rows", "cal-residuals"])
    $(id).replaceChildren();
}

export function update_chart_link() {
  const page = $("cal-page").value;
  $("cal-chart").href = "/v1/calibration/chart?page=" + page;
  $("cal-chart").setAttribute("download", "certprint-target-" + page + ".pdf");
}

export function choice_changed() {
  target = null;
  $("cal-marks").hidden = true;
  $("cal-result").hidden = true;
  update_chart_link();
  load_versions();
}

// 打印校准页 (corrected false) and 验证 (the target with the correction in
// force): the answer names each mark and where it should land.
export async function print_target(corrected) {
  const { printer, page } = chosen();
  if (!printer) return say("no_printer");
  $("cal-status").textContent = t("cal_printing");
  const r = await call("POST", printer_path(printer) + "/target", { body: { page, corrected } });
  if (r.status !== 200) {
    $("cal-status").textContent = "";
    return say_text(t("refused") + refusal(r));
  }
  say(null);
  target = { printer, page, corrected, marks: r.body.marks, version: r.body.profile_version };
  $("cal-status").textContent = t(corrected ? "cal_verify_printed" : "cal_target_printed");
  draw_mark_form();
}

function draw_mark_form() {
  const rows = $("cal-mark-rows");
  rows.replaceChildren();
  for (const m of target.marks) {
    const tr = element("tr");
    tr.append(element("th", m.label, { scope: "row" }), element("td", m.x_mm.toFixed(2)),
              element("td", m.y_mm.toFixed(2)));
    for (const axis of ["x", "y"]) {
      const input = element("input", null, {
        type: "number", step: "0.05", min: "0", max: "400", required: "", inputmode: "decimal",
        "aria-label": t("cal_mark") + " " + m.label + " " + t("cal_measured_" + axis),
      });
      input.dataset.label = m.label;
      input.dataset.axis = axis;
      const td = element("td");
      td.append(input);
      tr.append(td);
    }
    rows.append(tr);
  }
  $("cal-marks").hidden = false;
  $("cal-result").hidden = true;
  $("cal-save").disabled = true;
  rows.querySelector("input").focus();
}

function measured() {
  const marks = target.marks.map((m) => ({ label: m.label }));
  for (const input of $("cal-mark-rows").querySelectorAll("input")) {
    const mark = marks.find((m) => m.label === input.dataset.label);
    mark[input.dataset.axis + "_mm"] = Number(input.value);
  }
  return marks;
}

async function fit(save) {
  if (!$("cal-marks").reportValidity()) return null;
  const r = await call("POST", printer_path(target.printer) + "/fit", {
    body: {
      page: target.page, corrected: target.corrected, save, marks: measured(),
      printed_with_version: target.version,
    },
  });
  if (r.status !== 200) {
    $("cal-result").hidden = true;
    $("cal-save").disabled = true;
    say_text(t("cal_refused") + refusal(r));
    return null;
  }
  say(null);
  draw_fit(r.body);
  return r.body;
}

export async function fit_marks(event) {
  event.preventDefault();
  if (!target) return;
  if (await fit(false)) $("cal-save").disabled = false;
}

// 保存校准: fitted again as it is stored, against the profile in force now.
export async function save_fit() {
  const saved = await fit(true);
  if (!saved) return;
  say_text(t("cal_saved").replace("{version}", saved.version), true);
  $("cal-save").disabled = true;
  await load_versions();
}

function draw_fit(f) {
  $("cal-summary").textContent = t("cal_summary")
    .replace("{model}", t("cal_model_" + f.model))
    .replace("{max}", f.max_residual_mm.toFixed(2))
    .replace("{mean}", f.mean_residual_mm.toFixed(2));
  const rows = $("cal-residual-rows");
  rows.replaceChildren();
  for (const r of f.residuals) {
    const tr = element("tr");
    tr.dataset.label = r.label;
    tr.append(element("th", r.label, { scope: "row" }), element("td", r.residual_mm.toFixed(2)));
    rows.append(tr);
  }
  const magnify = magnification(f.max_residual_mm);
  $("cal-arrows-note").textContent = t("cal_arrows_note").replace("{n}", magnify);
  draw_arrows(f, magnify);
  $("cal-result").hidden = false;
}

function svg(tag, attributes) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

// The page's outline, each mark where it landed, and from where the fit
// puts it an arrow `magnify` times the residual.
function draw_arrows(f, magnify) {
  const [w, h] = f.page_mm;
  const box = $("cal-residuals");
  box.replaceChildren();
  box.setAttribute("viewBox", `-6 -6 ${w + 12} ${h + 12}`);
  box.setAttribute("aria-label", $("cal-summary").textContent);
  const head = svg("marker", { id: "arrow-head", viewBox: "0 0 6 6", refX: "5", refY: "3",
                               markerWidth: "4", markerHeight: "4", orient: "auto" });
  head.append(svg("path", { d: "M0,0 L6,3 L0,6 z", fill: "#b3261e" }));
  const defs = svg("defs", {});
  defs.append(head);
  box.append(defs, svg("rect", { x: 0, y: 0, width: w, height: h, class: "page-outline" }));
  for (const r of f.residuals) {
    const [fx, fy] = r.fitted_mm;
    const [lx, ly] = r.landed_mm;
    box.append(svg("circle", { cx: lx, cy: ly, r: 1.2, class: "mark" }));
    const label = svg("text", { x: lx + 2, y: ly - 2, class: "mark-label" });
    label.textContent = r.label;
    box.append(label);
    box.append(svg("line", {
      x1: fx, y1: fy, x2: fx + magnify * (lx - fx), y2: fy + magnify * (ly - fy),
      class: "residual", "marker-end": "url(#arrow-head)", "data-label": r.label,
    }));
  }
}

// The versions, newest first; 回滚 puts an older one back as a new version.
async function load_versions() {
  const { printer } = chosen();
  const rows = $("cal-versions");
  rows.replaceChildren();
  if (!printer) return;
  const r = await call("GET", printer_path(printer));
  if (r.status !== 200) return say_text(t("refused") + refusal(r));
  $("cal-no-versions").hidden = r.body.versions.length > 0;
  const offset = (v, page) => {
    const m = v.profile.pages[page].matrix;
    return m[4].toFixed(2) + ", " + m[5].toFixed(2);
  };
  for (const v of r.body.versions) {
    const current = r.body.current && v.version === r.body.current.version;
    const tr = element("tr");
    tr.dataset.version = v.version;
    const when = element("td");
    when.append(local_time(v.set_at_ms, true));
    tr.append(element("td", String(v.version) + (current ? " " + t("cal_current") : "")),
              element("td", v.set_by), when, element("td", offset(v, "info")),
              element("td", offset(v, "page5")));
    const act = element("td");
    if (!current)
      act.append(button(t("cal_rollback"), () => roll_back(printer, v),
                        t("cal_rollback") + " " + t("cal_version") + " " + v.version));
    tr.append(act);
    rows.append(tr);
  }
}

async function roll_back(printer, v) {
  const r = await call("PUT", printer_path(printer), { body: v.profile });
  if (r.status !== 200) return say_text(t("refused") + refusal(r));
  say_text(t("cal_rolled_back").replace("{old}", v.version).replace("{new}", r.body.version), true);
  await load_versions();
}
