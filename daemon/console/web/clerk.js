// The clerk's screens: the day's registrations, printing them with the
// notice's buttons, each page's progress (with what to put into a passbook
// printer before it), confirming and voiding, an issuance's history and
// the previews of its pages.
import { masked } from "/console/i18n.js";
import { $, state, t, say, say_text, refusal, call, element, button, local_time } from "/console/common.js";

let issuances = []; // the day's, as the API gave them
let following = null; // the EventSource of the job shown
let shown = null; // the issuance whose details are open

export async function load_issuances() {
  const filter = $("issuance-filter").value;
  const r = await call("GET", "/v1/issuances" + (filter ? "?state=" + filter : ""));
  if (r.status === 0) return say("unreachable");
  if (r.status !== 200) return;
  issuances = r.body.issuances;
  draw_issuances();
  $("issuances").hidden = false;
}

// Everything a clerk saw goes when the session does.
export function clear_clerk() {
  if (following) following.close();
  following = null;
  shown = null;
  issuances = [];
  for (const id of ["issuances", "history", "progress"]) $(id).hidden = true;
  for (const id of ["issuance-rows", "history-events", "progress-pages", "previews"])
    $(id).replaceChildren();
  $("progress-prompt").hidden = true;
}

// The list as it stands, in the language chosen; names masked unless the
// clerk says the screen does not face the public.
export function draw_issuances() {
  const rows = $("issuance-rows");
  rows.replaceChildren();
  const full = $("full-names").checked;
  for (const i of issuances) {
    const tr = element("tr");
    tr.dataset.issuance = i.issuance_id;
    const kind = t("kind_" + i.kind) + (i.replacement ? "（" + t("replacement") + "）" : "");
    const name = (n) => (full ? n : masked(n));
    const booklets = element("td");
    for (const b of i.booklets) booklets.append(booklet_chip(i, b));
    const pick = element("td");
    const box = element("input", null, { type: "checkbox", class: "pick" });
    box.value = i.issuance_id;
    box.setAttribute("aria-label", t("pick") + " " + i.certificate_no);
    pick.append(box);
    tr.append(pick, element("td", i.certificate_no), element("td", kind),
              element("td", name(i.names.male) + " · " + name(i.names.female)), booklets,
              print_buttons(i));
    rows.append(tr);
  }
  $("no-issuances").hidden = issuances.length > 0;
}

function booklet_chip(i, b) {
  const chip = element("span", t("holder_" + b.holder) + " " + t("booklet_" + b.state),
                       { class: "chip " + b.state });
  chip.dataset.holder = b.holder;
  const act = (label, fn) =>
    chip.append(button(t(label), fn, t(label) + " " + i.certificate_no + " " + t("holder_" + b.holder)));
  if (b.state === "printed") act("confirm", () => confirm_booklet(i, b));
  if (b.state === "printed" || b.state === "failed") act("void", () => ask_void(i, b));
  return chip;
}

// The notice's buttons: one-click when every booklet waits to print, and
// one per booklet that does; then the issuance's details.
function print_buttons(i) {
  const td = element("td", null, { class: "actions" });
  const ready = i.booklets.filter((b) => b.state === "ready");
  if (ready.length > 0 && ready.length === i.booklets.length)
    td.append(button(t("one_click"), () => print_one(i.issuance_id, null)));
  for (const b of ready)
    td.append(button(t("book_" + i.kind) + t("sex_" + b.holder), () => print_one(i.issuance_id, b.holder)));
  td.append(button(t("history"), () => show_details(i), t("history") + " " + i.certificate_no));
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
  const r = await call("POST", "/v1/issuances/" + encodeURIComponent(issuance_id) + "/print", { body });
  return started(r);
}

export async function print_batch() {
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
    return key ? say(key) : say_text(t("print_refused") + refusal(r));
  }
  say(null);
  follow(r.body.print_job_id);
}

// Follows a print job through its event stream (no asking again and again).
// A stream the server ends or refuses (too many open) is picked up again
// a little later; the job's state is read once meanwhile.
function follow(job_id) {
  if (following) following.close();
  $("progress").hidden = false;
  $("progress-summary").textContent = t("job_running");
  $("progress-pages").replaceChildren();
  $("progress-prompt").hidden = true;
  const events = new EventSource("/v1/print-jobs/" + job_id + "/events");
  following = events;
  events.addEventListener("progress", (e) => draw_progress(JSON.parse(e.data)));
  events.addEventListener("end", async () => {
    events.close();
    if (following === events) following = null;
    await load_issuances();
  });
  events.addEventListener("error", async () => {
    if (events.readyState !== EventSource.CLOSED || following !== events) return;
    following = null;
    const r = await call("GET", "/v1/print-jobs/" + job_id);
    if (r.status !== 200) return say("progress_lost");
    draw_progress(r.body);
    if (r.body.state === "queued" || r.body.state === "running")
      setTimeout(() => { if (!following && state.session) follow(job_id); }, 3000);
  });
}

function kind_of(issuance_id) {
  const i = issuances.find((x) => x.issuance_id === issuance_id);
  return i ? i.kind : "marriage";
}

// A page held up by media alone (the daemon's reason names each cause; a
// jam, offline or open cover beside it is a fault).
const waits_for_media = (p) =>
  /media-(needed|empty)/.test(p.reason || "") &&
  !/media-jam|offline|paused|door-open|cover-open|not accepting/.test(p.reason || "");

// At a printer fed by hand, what the clerk must put in for the page under
// way, or the next: 请插入男方结婚证，翻开至第5页.
function prompt_for(job) {
  const printer = state.printers.find((p) => p.name === job.printer);
  if (!printer || printer.feed === "tray") return null;
  const page = job.pages.find((p) => p.state === "submitting" || p.state === "submitted") ||
               (job.state === "queued" || job.state === "running"
                  ? job.pages.find((p) => p.state === "queued") : null);
  if (!page || !page.holder) return null;
  const text = t(printer.feed === "passbook" ? "insert_passbook" : "insert_manual")
    .replace("{holder}", t("whose_" + page.holder))
    .replace("{book}", t("cert_" + kind_of(page.issuance_id)))
    .replace("{page}", t("open_at_" + page.page));
  return { text, waiting: waits_for_media(page) };
}

function draw_progress(job) {
  const list = $("progress-pages");
  list.replaceChildren();
  for (const p of job.pages) {
    const li = element("li", null, { class: p.state });
    li.dataset.state = p.state;
    const waiting = p.state === "submitted" && p.reason;
    li.textContent = t("holder_" + p.holder) + " " + t("page_" + p.page) + "：" +
      (waiting ? t(waits_for_media(p) ? "page_waiting_media" : "page_waiting_fault")
               : t("page_" + p.state));
    list.append(li);
  }
  const prompt = prompt_for(job);
  $("progress-prompt").hidden = !prompt;
  if (prompt) {
    $("progress-prompt").textContent = prompt.text;
    $("progress-prompt").classList.toggle("waiting", prompt.waiting);
  }
  if (job.pages.some((p) => p.state === "submitted" && p.reason)) document.dispatchEvent(new Event("printers-changed"));
  if (job.state === "done") $("progress-summary").textContent = t("job_done");
  if (job.state === "failed") {
    const inked = job.pages.some((p) => p.state === "failed" && p.cups_job_id > 0) ||
                  job.pages.some((p) => p.state === "completed");
    $("progress-summary").textContent = t(inked ? "job_failed_ink" : "job_failed_clean");
  }
}

function booklet_path(i, b) {
  return "/v1/issuances/" + encodeURIComponent(i.issuance_id) + "/booklets/" + b.holder;
}

// The issuance's events, each with its time, in the order they happened,
// and both pages of each live booklet as the printer will print them.
async function show_details(i) {
  const r = await call("GET", "/v1/issuances/" + encodeURIComponent(i.issuance_id));
  if (r.status !== 200) return say_text(t("refused") + refusal(r));
  shown = i;
  $("history-which").textContent = i.certificate_no;
  const list = $("history-events");
  list.replaceChildren();
  for (const e of r.body.events) {
    const what = [t("event_" + e.type)];
    if (e.holder) what.push(t("holder_" + e.holder));
    if (e.page && e.type.startsWith("page_")) what.push(t("page_" + e.page));
    const li = element("li");
    li.append(local_time(e.at_ms), " " + what.join(" · "));
    list.append(li);
  }
  draw_previews(i);
  $("history").hidden = false;
}

function draw_previews(i) {
  const box = $("previews");
  box.replaceChildren();
  for (const b of i.booklets) {
    for (const page of ["info", "page5"]) {
      const label = t("holder_" + b.holder) + " " + t("page_" + page);
      const figure = element("figure");
      const img = element("img", null, { alt: t("preview_of") + " " + label, class: "preview" });
      // One printer dot to one CSS pixel: the PNG holds each dot as 2 x 2.
      img.addEventListener("load", () => {
        img.width = img.naturalWidth / ($("preview-zoom").checked ? 1 : 2);
      });
      img.src = booklet_path(i, b) + "/preview/" + page + ".png";
      figure.append(img, element("figcaption", label));
      box.append(figure);
    }
  }
}

export function zoom_previews() {
  for (const img of document.querySelectorAll("#previews img"))
    if (img.naturalWidth) img.width = img.naturalWidth / ($("preview-zoom").checked ? 1 : 2);
}

async function confirm_booklet(i, b) {
  const r = await call("POST", booklet_path(i, b) + "/confirm");
  if (r.status === 200) say("confirmed");
  else say_text(t("refused") + refusal(r));
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

export function void_next(event) {
  event.preventDefault();
  if (!$("void-form").reportValidity()) return;
  $("void-question").textContent = t("void_question")
    .replace("{holder}", t("holder_" + voiding.b.holder))
    .replace("{serial}", voiding.b.stock_serial);
  $("void-ask").hidden = true;
  $("void-check").hidden = false;
  $("void-go").focus();
}

export async function void_go() {
  const { i, b } = voiding;
  const r = await call("POST", booklet_path(i, b) + "/void", {
    body: { reason: $("void-reason").value.trim(), new_stock_serial: $("void-serial").value.trim() },
  });
  $("void-dialog").close();
  voiding = null;
  if (r.status === 200) say("voided");
  else if (r.body && r.body.error && r.body.error.code === "stock_serial")
    say_text(t("serial_used") + r.body.error.message);
  else say_text(t("refused") + refusal(r));
  await load_issuances();
  if (shown && shown.issuance_id === i.issuance_id) {
    const fresh = issuances.find((x) => x.issuance_id === i.issuance_id);
    if (fresh) await show_details(fresh);
  }
}
