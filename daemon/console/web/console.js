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

// Good news is shown apart from trouble.
const good_news = new Set(["confirmed", "voided", "signed_out"]);
function say(key) {
  const m = $("message");
  m.textContent = key ? t(key) : "";
  m.classList.toggle("good", good_news.has(key));
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
  // The printers first: a print button must never appear before there is a
  // printer to choose.
  await load_printers();
  if (session.role === "clerk") await load_issuances();
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
      chip.dataset.holder = b.holder;
      chip.textContent = t("holder_" + b.holder) + " " + t("booklet_" + b.state);
      const act = (label, fn) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = t(label);
        button.setAttribute("aria-label", t(label) + " " + i.certificate_no + " " +
                            t("holder_" + b.holder));
        button.addEventListener("click", fn);
        chip.append(button);
      };
      if (b.state === "printed") act("confirm", () => confirm_booklet(i, b));
      if (b.state === "printed" || b.state === "failed") act("void", () => ask_void(i, b));
      booklets.append(chip);
    }
    const pick = document.createElement("td");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "pick";
    box.value = i.issuance_id;
    box.setAttribute("aria-label", t("pick") + " " + i.certificate_no);
    pick.append(box);
    tr.append(pick, cell(i.certificate_no), cell(kind),
              cell(name(i.names.male) + " · " + name(i.names.female)), booklets,
              print_buttons(i));
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

// The notice's buttons: one-click when every booklet waits to print, and
// one per booklet that does.
function print_buttons(i) {
  const td = document.createElement("td");
  td.className = "actions";
  const ready = i.booklets.filter((b) => b.state === "ready");
  const button = (label, holder) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", () => print_one(i.issuance_id, holder));
    td.append(b);
  };
  if (ready.length > 0 && ready.length === i.booklets.length) button(t("one_click"), null);
  for (const b of ready) button(t("book_" + i.kind) + t("sex_" + b.holder), b.holder);
  const history = document.createElement("button");
  history.type = "button";
  history.textContent = t("history");
  history.setAttribute("aria-label", t("history") + " " + i.certificate_no);
  history.addEventListener("click", () => show_history(i));
  td.append(history);
  return td;
}

function refusal_key(r) {
  const code = r.body && r.body.error && r.body.error.code;
  if (code === "booklet_state") return "not_ready";
  if (code === "printer_busy") return "printer_busy";
  return null;
}

async function print_one(issuance_id, holder) {
  if (!$("printer-choice").value) return say("no_printer");
  const body = { printer: $("printer-choice").value };
  if (holder) body.holder = holder;
  const r = await call("POST", "/v1/issuances/" + encodeURIComponent(issuance_id) + "/print",
                       { body });
  return started(r);
}

async function print_batch() {
  const ids = [...document.querySelectorAll("#issuance-rows input.pick:checked")].map((b) => b.value);
  if (ids.length === 0) return say("nothing_picked");
  if (!$("printer-choice").value) return say("no_printer");
  const r = await call("POST", "/v1/print-batches",
                       { body: { printer: $("printer-choice").value, issuances: ids } });
  return started(r);
}

async function started(r) {
  if (r.status === 0) return say("unreachable");
  if (r.status !== 202) {
    const key = refusal_key(r);
    if (key) return say(key);
    const m = $("message");
    m.textContent = t("print_refused") + ((r.body && r.body.error && r.body.error.message) || r.status);
    m.hidden = false;
    return;
  }
  say(null);
  follow(r.body.print_job_id);
}

// Follows a print job through its event stream (no asking again and again).
let following = null; // the EventSource of the job shown
function follow(job_id) {
  if (following) following.close();
  $("progress").hidden = false;
  $("progress-summary").textContent = t("job_running");
  $("progress-pages").replaceChildren();
  const events = new EventSource("/v1/print-jobs/" + job_id + "/events");
  following = events;
  events.addEventListener("progress", (e) => draw_progress(JSON.parse(e.data)));
  events.addEventListener("end", async () => {
    events.close();
    following = null;
    await load_issuances();
  });
}

function draw_progress(job) {
  const list = $("progress-pages");
  list.replaceChildren();
  job.pages.forEach((p, n) => {
    const li = document.createElement("li");
    li.className = p.state;
    li.dataset.state = p.state;
    const holder = t("holder_" + p.holder);
    li.textContent = holder + " " + t("page_" + p.page) + "：" + t("page_" + p.state);
    list.append(li);
  });
  if (job.state === "done") $("progress-summary").textContent = t("job_done");
  if (job.state === "failed") {
    const inked = job.pages.some((p) => p.state === "failed" && p.cups_job_id > 0) ||
                  job.pages.some((p) => p.state === "completed");
    $("progress-summary").textContent = t(inked ? "job_failed_ink" : "job_failed_clean");
  }
}

// The issuance's events, each with its time, in the order they happened.
async function show_history(i) {
  const r = await call("GET", "/v1/issuances/" + encodeURIComponent(i.issuance_id));
  if (r.status !== 200) return say_text(t("refused") + r.status);
  $("history-which").textContent = i.certificate_no;
  const list = $("history-events");
  list.replaceChildren();
  for (const e of r.body.events) {
    const li = document.createElement("li");
    const time = document.createElement("time");
    const at = new Date(e.at_ms);
    time.dateTime = at.toISOString();
    time.textContent = at.toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
    const what = [t("event_" + e.type)];
    if (e.holder) what.push(t("holder_" + e.holder));
    if (e.page && e.type.startsWith("page_")) what.push(t("page_" + e.page));
    li.append(time, " " + what.join(" · "));
    list.append(li);
  }
  $("history").hidden = false;
}

function say_text(text) {
  const m = $("message");
  m.classList.remove("good");
  m.textContent = text;
  m.hidden = false;
}

function booklet_path(i, b) {
  return "/v1/issuances/" + encodeURIComponent(i.issuance_id) + "/booklets/" + b.holder;
}

async function confirm_booklet(i, b) {
  const r = await call("POST", booklet_path(i, b) + "/confirm");
  if (r.status === 200) say("confirmed");
  else say_text(t("refused") + ((r.body && r.body.error && r.body.error.message) || r.status));
  await load_issuances();
}

// 作废: the reason and the new blank's serial, then asked once more.
let voiding = null;
function ask_void(i, b) {
  voiding = { i, b };
  $("void-which").textContent = i.certificate_no + " · " + t("holder_" + b.holder);
  $("void-reason").value = "";
  $("void-serial").value = "";
  $("void-ask").hidden = false;
  $("void-check").hidden = true;
  $("void-dialog").showModal();
  $("void-reason").focus();
}

function void_next(event) {
  event.preventDefault();
  if (!$("void-form").reportValidity()) return;
  $("void-question").textContent = t("void_question")
    .replace("{holder}", t("holder_" + voiding.b.holder))
    .replace("{serial}", voiding.b.stock_serial);
  $("void-ask").hidden = true;
  $("void-check").hidden = false;
  $("void-go").focus();
}

async function void_go() {
  const { i, b } = voiding;
  const r = await call("POST", booklet_path(i, b) + "/void", {
    body: { reason: $("void-reason").value.trim(), new_stock_serial: $("void-serial").value.trim() },
  });
  $("void-dialog").close();
  voiding = null;
  if (r.status === 200) say("voided");
  else if (r.body && r.body.error && r.body.error.code === "stock_serial")
    say_text(t("serial_used") + r.body.error.message);
  else say_text(t("refused") + ((r.body && r.body.error && r.body.error.message) || r.status));
  await load_issuances();
}

async function load_printers() {
  const r = await call("GET", "/v1/printers");
  if (r.status === 0) return say("unreachable");
  if (r.status !== 200) return;
  const rows = $("printer-rows");
  rows.replaceChildren();
  const choice = $("printer-choice");
  const chosen = choice.value;
  choice.replaceChildren();
  for (const p of r.body.printers) {
    const o = document.createElement("option");
    o.value = p.name;
    o.textContent = p.name;
    choice.append(o);
  }
  if (chosen) choice.value = chosen;
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
  $("batch-print").addEventListener("click", print_batch);
  $("void-form").addEventListener("submit", void_next);
  $("void-go").addEventListener("click", void_go);
  for (const c of document.querySelectorAll(".void-cancel"))
    c.addEventListener("click", () => $("void-dialog").close());
  $("full-names").addEventListener("change", draw_issuances);
  const r = await call("GET", "/console/session");
  if (r.status === 200) return signed_in(r.body);
  signed_out(null);
}

start();
