// The web console: signs a clerk or a technician in (their API token
// becomes an HttpOnly session cookie; the token itself is kept nowhere),
// then shows each role its own screens (clerk.js, technician.js) and
// everyone the printers.
import {
  $, state, t, say, say_text, refusal, call, element, fill_printer_choice,
} from "/console/common.js";
import * as clerk from "/console/clerk.js";
import * as technician from "/console/technician.js";

const PRINTERS_EVERY_MS = 20000; // printers' state is read again this often
let printers_timer = null;

function apply_language() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  $("lang").value = state.lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  document.title = "certprint · " + t("title");
  if (state.session) {
    show_who();
    draw_printers();
  }
  clerk.draw_issuances();
}

function show_who() {
  $("who-name").textContent = state.session.name;
  $("who-role").textContent = t("role_" + state.session.role);
  $("who").hidden = false;
}

function signed_out(message_key) {
  state.session = null;
  state.printers = [];
  clearInterval(printers_timer);
  printers_timer = null;
  $("who").hidden = true;
  $("printers").hidden = true;
  $("printer-rows").replaceChildren();
  clerk.clear_clerk();
  technician.clear_calibration();
  $("sign-in").hidden = false;
  say(message_key);
  $("token").focus();
}

async function signed_in(s) {
  state.session = s;
  say(null);
  $("sign-in").hidden = true;
  show_who();
  // The printers first: a print button must never appear before there is a
  // printer to choose.
  await load_printers();
  printers_timer = setInterval(load_printers, PRINTERS_EVERY_MS);
  if (s.role === "clerk") await clerk.load_issuances();
  if (s.role === "technician") await technician.show_calibration();
}

// What needs a person, as the daemon judges it: a fault before a wait for
// media, and a "-report" reason is news, not trouble.
function printer_problem(p) {
  if (p.held) return "reason_held";
  if (p.state === "unreachable") return "reason_offline";
  const reasons = (p.reasons || []).filter((r) => !r.endsWith("-report"));
  const has = (prefix) => reasons.some((r) => r.startsWith(prefix));
  if (has("media-jam")) return "reason_media_jam";
  if (has("offline")) return "reason_offline";
  if (has("door-open") || has("cover-open")) return "reason_door_open";
  if (has("paused")) return "reason_paused";
  if (has("media-empty") || has("media-needed"))
    return p.feed === "tray" ? "reason_media_empty" : "reason_media_insert";
  if (p.state === "stopped") return "reason_paused";
  return p.needs_attention ? "reason_other" : null;
}

async function load_printers() {
  if (!state.session) return;
  const r = await call("GET", "/v1/printers");
  if (r.status === 0) return say("unreachable");
  if (r.status !== 200) return;
  state.printers = r.body.printers;
  fill_printer_choice($("printer-choice"));
  draw_printers();
  $("printers").hidden = false;
}

function draw_printers() {
  const rows = $("printer-rows");
  rows.replaceChildren();
  for (const p of state.printers) {
    const tr = element("tr");
    tr.dataset.printer = p.name;
    const attention = element("td");
    const problem = printer_problem(p);
    if (problem) {
      attention.append(element("strong", t(problem), { class: "attention", role: "status" }));
    } else {
      attention.className = "ok";
      attention.textContent = t("none");
    }
    tr.append(element("td", p.name), element("td", t("state_" + p.state)),
              element("td", t("feed_" + p.feed)), attention);
    rows.append(tr);
  }
}

async function sign_in(event) {
  event.preventDefault();
  say(null);
  const token = $("token").value.trim();
  const r = await call("POST", "/console/session", { bearer: token });
  $("token").value = "";
  if (r.status === 201) return signed_in(r.body);
  if (r.status === 403) return say("no_console");
  if (r.status === 0) return say("unreachable");
  say("bad_token");
}

// Signed out only once the server has ended the session (or knows none).
async function sign_out() {
  const r = await call("DELETE", "/console/session");
  if (r.status !== 200 && r.status !== 401) return say_text(t("refused") + refusal(r));
  signed_out("signed_out");
}

function wire(id, event, fn) {
  $(id).addEventListener(event, fn);
}

async function start() {
  state.on_session_over = () => signed_out("session_over");
  apply_language();
  wire("lang", "change", () => {
    state.lang = $("lang").value;
    localStorage.setItem("certprint.lang", state.lang);
    apply_language();
  });
  wire("sign-in-form", "submit", sign_in);
  wire("sign-out", "click", sign_out);
  wire("issuance-filter", "change", clerk.load_issuances);
  wire("batch-print", "click", clerk.print_batch);
  wire("void-form", "submit", clerk.void_next);
  wire("void-go", "click", clerk.void_go);
  for (const c of document.querySelectorAll(".void-cancel"))
    c.addEventListener("click", () => $("void-dialog").close());
  wire("full-names", "change", clerk.draw_issuances);
  wire("preview-zoom", "change", clerk.zoom_previews);
  document.addEventListener("printers-changed", load_printers);
  wire("cal-printer", "change", technician.choice_changed);
  wire("cal-page", "change", technician.choice_changed);
  wire("cal-target", "click", () => technician.print_target(false));
  wire("cal-verify", "click", () => technician.print_target(true));
  wire("cal-marks", "submit", technician.fit_marks);
  wire("cal-save", "click", technician.save_fit);
  const r = await call("GET", "/console/session");
  if (r.status === 200) return signed_in(r.body);
  signed_out(null);
}

start();
