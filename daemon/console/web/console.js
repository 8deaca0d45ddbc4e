// The web console: signs a clerk or a technician in (their API token
// becomes an HttpOnly session cookie; the token itself is kept nowhere),
// then calls certprintd's API with that cookie and the session's CSRF token.
import { words, initial_language, masked } from "/console/i18n.js";

const $ = (id) => document.getElementById(id);
let lang = initial_language(localStorage.getItem("certprint.lang"), navigator.languages);
let session = null; // {name, role, csrf}
let issuances = []; // the day's, as the API gave them

function t(key) {
  return (words[lang] && words[lang][key]) || words.zh[key] || key;
}

function apply_language() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("lang").value = lang;
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  document.title = "certprint · " + t("title");
  if (session) show_who();
  draw_issuances();
}

function say(key) {
  const m = $("message");
  m.textContent = key ? t(key) : "";
  m.hidden = !key;
}

// One API call with the session cookie; state-changing calls carry the
// CSRF token. Answers {status, body}.
async function call(method, path, { body, bearer } = {}) {
  const headers = {};
  if (bearer) headers["Authorization"] = "Bearer " + bearer;
  if (method !== "GET" && session) headers["X-CSRF-Token"] = session.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { status: 0, body: null };
  }
  let parsed = null;
  try {
    parsed = await res.json();
  } catch {
    parsed = null;
  }
  if (res.status === 401 && session && !bearer) signed_out("session_over");
  return { status: res.status, body: parsed };
}

function show_who() {
  $("who-name").textContent = session.name;
  $("who-role").textContent = t("role_" + session.role);
  $("who").hidden = false;
}

function signed_out(message_key) {
  session = null;
  $("who").hidden = true;
  $("printers").hidden = true;
  $("issuances").hidden = true;
  issuances = [];
  $("sign-in").hidden = false;
  say(message_key);
  $("token").focus();
}

async function signed_in(s) {
  session = s;
  say(null);
  $("sign-in").hidden = true;
  show_who();
  if (session.role === "clerk") await load_issuances();
  await load_printers();
}

async function load_issuances() {
  const state = $("issuance-filter").value;
  const r = await call("GET", "/v1/issuances" + (state ? "?state=" + state : ""));
  if (r.status === 0) return say("unreachable");
  if (r.status !== 200) return;
  issuances = r.body.issuances;
  draw_issuances();
  $("issuances").hidden = false;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

// The list as it stands, in the language chosen; names masked unless the
// clerk says the screen does not face the public.
function draw_issuances() {
  const rows = $("issuance-rows");
  rows.replaceChildren();
  const full = $("full-names").checked;
  for (const i of issuances) {
    const tr = document.createElement("tr");
    tr.dataset.issuance = i.issuance_id;
    const kind = t("kind_" + i.kind) + (i.replacement ? "（" + t("replacement") + "）" : "");
    const name = (n) => (full ? n : masked(n));
    const booklets = document.createElement("td");
    for (const b of i.booklets) {
      const chip = document.createElement("span");
      chip.className = "chip " + b.state;
      chip.textContent = t("holder_" + b.holder) + " " + t("booklet_" + b.state);
      booklets.append(chip);
    }
    tr.append(cell(i.certificate_no), cell(kind),
              cell(name(i.names.male) + " · " + name(i.names.female)), booklets);
    rows.append(tr);
  }
  $("no-issuances").hidden = issuances.length > 0;
}

function printer_problem(p) {
  if (p.held) return "reason_held";
  if (p.state === "unreachable") return "reason_offline";
  const reasons = p.reasons || [];
  const has = (prefix) => reasons.some((r) => r.startsWith(prefix));
  if (has("media-empty") || has("media-needed")) return "reason_media_empty";
  if (has("media-jam")) return "reason_media_jam";
  if (has("offline")) return "reason_offline";
  if (has("door-open") || has("cover-open")) return "reason_door_open";
  if (p.state === "stopped" || has("paused")) return "reason_paused";
  return p.needs_attention ? "reason_other" : null;
}

async function load_printers() {
  const r = await call("GET", "/v1/printers");
  if (r.status === 0) return say("unreachable");
  if (r.status !== 200) return;
  const rows = $("printer-rows");
  rows.replaceChildren();
  for (const p of r.body.printers) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = p.name;
    const state = document.createElement("td");
    state.textContent = t("state_" + p.state);
    const attention = document.createElement("td");
    const problem = printer_problem(p);
    if (problem) {
      const mark = document.createElement("strong");
      mark.className = "attention";
      mark.setAttribute("role", "status");
      mark.textContent = t(problem);
      attention.append(mark);
    } else {
      attention.className = "ok";
      attention.textContent = t("none");
    }
    tr.append(name, state, attention);
    rows.append(tr);
  }
  $("printers").hidden = false;
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

async function sign_out() {
  await call("DELETE", "/console/session");
  signed_out("signed_out");
}

async function start() {
  apply_language();
  $("lang").addEventListener("change", () => {
    lang = $("lang").value;
    localStorage.setItem("certprint.lang", lang);
    apply_language();
  });
  $("sign-in-form").addEventListener("submit", sign_in);
  $("sign-out").addEventListener("click", sign_out);
  $("issuance-filter").addEventListener("change", load_issuances);
  $("full-names").addEventListener("change", draw_issuances);
  const r = await call("GET", "/console/session");
  if (r.status === 200) return signed_in(r.body);
  signed_out(null);
}

start();
