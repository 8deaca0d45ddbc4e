// What every screen of the console shares: the language, the session, the
// message line and calls to certprintd's API.
import { words, initial_language } from "/console/i18n.js";

export const $ = (id) => document.getElementById(id);

export const state = {
  lang: initial_language(localStorage.getItem("certprint.lang"), navigator.languages),
  session: null, // {name, role, csrf}
  printers: [], // as GET /v1/printers gave them
  on_session_over: () => {}, // set by the page: back to sign-in
};

export function t(key) {
  return (words[state.lang] && words[state.lang][key]) || words.zh[key] || key;
}

// Good news is shown apart from trouble.
const good_news = new Set(["confirmed", "voided", "signed_out", "cal_saved", "cal_rolled_back"]);
export function say(key) {
  const m = $("message");
  m.textContent = key ? t(key) : "";
  m.classList.toggle("good", good_news.has(key));
  m.hidden = !key;
}

export function say_text(text, good = false) {
  const m = $("message");
  m.classList.toggle("good", good);
  m.textContent = text;
  m.hidden = !text;
}

// The API's own words for a refusal, or its status.
export function refusal(r) {
  return (r.body && r.body.error && r.body.error.message) || String(r.status);
}

async function send(method, path, body, bearer) {
  const headers = {};
  if (bearer) headers["Authorization"] = "Bearer " + bearer;
  if (method !== "GET" && state.session) headers["X-CSRF-Token"] = state.session.csrf;
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
  return { status: res.status, body: parsed };
}

// One API call with the session cookie; state-changing calls carry the
// CSRF token. A token the server no longer knows (the same person signed
// in again in another tab) is fetched afresh and the call made once more;
// when another person signed in, the page starts again as theirs. Answers
// {status, body}.
export async function call(method, path, { body, bearer } = {}) {
  let r = await send(method, path, body, bearer);
  if (r.status === 403 && r.body && r.body.error && r.body.error.code === "csrf" && state.session) {
    const again = await send("GET", "/console/session");
    const same = again.status === 200 && again.body.name === state.session.name &&
                 again.body.role === state.session.role;
    if (same) {
      state.session = again.body;
      r = await send(method, path, body, bearer);
    } else if (again.status === 200) {
      // Someone else signed in on this browser: nothing is done in their
      // name from a page that shows another person.
      location.reload();
    }
  }
  if (r.status === 401 && state.session && !bearer) state.on_session_over();
  return r;
}

export function element(tag, text, attributes = {}) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = text;
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

export function button(label, on_click, aria_label) {
  const b = element("button", label, { type: "button" });
  if (aria_label) b.setAttribute("aria-label", aria_label);
  b.addEventListener("click", on_click);
  return b;
}

// A <time> in the browser's time zone: the time of day, or with the date.
export function local_time(ms, with_date = false) {
  const at = new Date(ms);
  const locale = state.lang === "zh" ? "zh-CN" : "en-GB";
  const time = element("time", with_date ? at.toLocaleString(locale, { hour12: false })
                                         : at.toLocaleTimeString(locale, { hour12: false }));
  time.dateTime = at.toISOString();
  return time;
}

// A <select> listing the printers, keeping the one chosen before.
export function fill_printer_choice(select) {
  const chosen = select.value;
  select.replaceChildren();
  for (const p of state.printers) select.append(element("option", p.name, { value: p.name }));
  if (chosen) select.value = chosen;
}
