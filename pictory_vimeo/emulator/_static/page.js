// The emulator's page: reads the control routes every second and draws what they say.
// Every value from the emulator is put in the page as text (textContent, text nodes),
// never as HTML: a connection's name may be "<script>…" and must show as just that.
"use strict";

const BASE = "/_emulator/";
const TOKEN_KEY = "pictory-vimeo-emulator-token";
const POLL_MS = 1000;
const HIDDEN_POLL_MS = 10000;
const LOG_ROWS = 200;
// Control and direction-changing characters, shown as their code point so a value cannot
// hide text or reorder what is drawn around it.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const $ = (id) => document.getElementById(id);

// ---- talking to the control routes -------------------------------------------------

let tokenAsked = null; // one prompt at a time, however many requests wait for it

function askForToken(wrong) {
  if (tokenAsked === null) {
    tokenAsked = new Promise((resolve) => {
      const dialog = $("token-dialog");
      const form = $("token-form");
      if (wrong) $("token-why").textContent = "That token was not accepted. Try again.";
      form.onsubmit = (event) => {
        event.preventDefault();
        const token = form.elements.token.value.trim();
        if (!/^[!-~]+$/.test(token)) {
          // A header carries visible ASCII only, and so does every control token.
          $("token-why").textContent = "A control token is visible ASCII, with no spaces.";
          return;
        }
        sessionStorage.setItem(TOKEN_KEY, token);
        form.reset();
        dialog.close();
        tokenAsked = null;
        resolve();
      };
      // Nothing on the page works without the token: Escape does not dismiss the prompt.
      dialog.oncancel = (event) => event.preventDefault();
      dialog.showModal();
    });
  }
  return tokenAsked;
}

async function api(path, options = {}) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    if (token) headers["X-Emulator-Token"] = token;
    const response = await fetch(BASE + path, { ...options, headers, cache: "no-store" });
    if (response.status !== 401) return response;
    sessionStorage.removeItem(TOKEN_KEY);
    await askForToken(token !== null);
  }
}

async function json(path, options) {
  const response = await api(path, options);
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw Object.assign(new Error(problemText(body, response.status)), { body });
  return body;
}

function problemText(body, status) {
  const error = body || {};
  const problems = Array.isArray(error.errors) ? error.errors : [];
  const parts = problems.map((p) => `${p.field}: ${p.message}`);
  return parts.length ? parts.join("; ") : error.message || `HTTP ${status}`;
}

function send(method, path, body) {
  const options = { method };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  return json(path, options);
}

// ---- drawing, as text only ---------------------------------------------------------

function shown(value) {
  if (value === null || value === undefined) return "";
  return String(value).replace(HIDDEN, (c) => `<U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}>`);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = shown(text);
  return node;
}

// A table cell showing ``text``; an array of texts shows as one line each.
function cell(row, text, className) {
  if (!Array.isArray(text)) {
    row.appendChild(el("td", className, text));
    return;
  }
  const td = el("td", className);
  for (const line of text) td.appendChild(el("div", "", line));
  row.appendChild(td);
}

// What each part last drew from: a part is redrawn only when its data changed, so text
// stays selectable and nothing flickers between polls.
const drawn = new Map();

function changed(part, data) {
  const text = JSON.stringify(data);
  if (drawn.get(part) === text) return false;
  drawn.set(part, text);
  return true;
}

function replace(parent, children) {
  parent.replaceChildren(...children);
}

function clock(iso) {
  // "2026-12-07T06:40:00.123Z" -> "06:40:00.123"
  return typeof iso === "string" ? iso.slice(11, 23) : "";
}

function day(iso) {
  // "2025-12-22T15:56:12.309Z" -> ["2025-12-22", "15:56:12"]
  return typeof iso === "string" ? [iso.slice(0, 10), iso.slice(11, 19)] : "";
}

// What was done wrong on purpose to this request, as short tags; [] when nothing.
// "fault" says who injected it (scripted, random, rate-limit), "drop" how an answer was lost.
function faultTags(entry) {
  const tags = [];
  if (entry.dropped) {
    tags.push({ text: `${entry.fault || "?"} · dropped (${entry.drop || "?"})`, drop: true });
  } else if (entry.fault) {
    tags.push({ text: `${entry.fault} · ${entry.status}`, drop: false });
  }
  return tags;
}

function drawLog(data) {
  if (!changed("log", data)) return;
  const entries = data.requests.slice().reverse();
  const rows = entries.map((entry) => {
    const row = document.createElement("tr");
    const tags = faultTags(entry);
    if (entry.dropped) row.className = "dropped";
    else if (tags.length) row.className = "fault";
    cell(row, clock(entry.time));
    cell(row, entry.account || "no key");
    cell(row, entry.method, "method");
    cell(row, entry.query ? `${entry.path}?${entry.query}` : entry.path);
    const status = el("td", "num");
    status.appendChild(el("span", `status s${String(entry.status)[0]}`, entry.status));
    row.appendChild(status);
    cell(row, Number(entry.ms).toFixed(1), "num");
    const fault = el("td");
    for (const tag of tags) fault.appendChild(el("span", tag.drop ? "tag drop" : "tag", tag.text));
    row.appendChild(fault);
    return row;
  });
  replace($("log").tBodies[0], rows);
  $("log-empty").hidden = entries.length > 0;
  $("log-count").textContent = entries.length >= LOG_ROWS
    ? `the latest ${entries.length}, newest first`
    : "newest first";
}

const CONNECTION_COLUMNS = [
  ["ID", (c) => c.connectionId, "id"],
  ["Name", (c) => c.name],
  ["Description", (c) => c.description],
  ["Enabled", (c) => (c.enabled ? "yes" : "no"), (c) => (c.enabled ? "yes" : "no")],
  ["Version", (c) => c.version, "num"],
  ["Created", (c) => day(c.createdDate), "when"],
  ["Updated", (c) => day(c.updatedDate), "when"],
  ["Secret · token", (c) => [c.clientSecret, c.accessToken], "secret"],
];

function drawAccount(account) {
  const box = el("div", "account");
  const head = el("div", "account-head");
  head.appendChild(el("span", "mono", account.account));
  const count = account.connectionCount;
  head.appendChild(el("span", "muted", `${count} connection${count === 1 ? "" : "s"}`));
  box.appendChild(head);
  if (account.connections.length) {
    const table = el("table", "accounts");
    const headRow = table.createTHead().insertRow();
    for (const [title, , kind] of CONNECTION_COLUMNS) {
      headRow.appendChild(el("th", kind === "num" ? "num" : "", title));
    }
    const body = table.createTBody();
    for (const connection of account.connections) {
      const row = body.insertRow();
      for (const [, value, kind] of CONNECTION_COLUMNS) {
        cell(row, value(connection), typeof kind === "function" ? kind(connection) : kind);
      }
    }
    const scroller = el("div", "scroll-x");
    scroller.appendChild(table);
    box.appendChild(scroller);
  }
  if (account.connectionCount > account.connections.length) {
    box.appendChild(el("p", "more", `and ${account.connectionCount - account.connections.length} more`));
  }
  return box;
}

function drawAccounts(data) {
  if (!changed("accounts", data)) return;
  replace($("accounts"), data.accounts.map(drawAccount));
  $("accounts-empty").hidden = data.accounts.length > 0;
}

function drawStats(stats) {
  for (const name of ["requests", "errors", "rateLimited", "dropped"]) {
    $(`stat-${name}`).textContent = shown(stats[name]);
  }
}

function drawPending(data) {
  if (!changed("pending", data)) return;
  const items = data.pending.map((f) => {
    const what = f.dropAfterCommit
      ? `drop after commit${f.drop ? ` (${f.drop})` : ""}`
      : `${f.status}${f.retryAfter !== null && f.retryAfter !== undefined ? `, Retry-After ${f.retryAfter}` : ""}`;
    return el("li", "", `${f.method || "any"} × ${f.times}: ${what}`);
  });
  if (!items.length) items.push(el("li", "none", "nothing queued"));
  replace($("pending"), items);
}

// ---- the forms ---------------------------------------------------------------------

let faultsEdited = false; // while someone types, polling does not overwrite the form
let faultNames = []; // the settings the emulator has: the form sends only those

function fillFaults(faults) {
  const form = $("faults");
  faultNames = Object.keys(faults).filter((name) => form.elements[name]);
  for (const input of form.querySelectorAll("input, select")) {
    input.closest("label").hidden = !faultNames.includes(input.name);
  }
  if (faultsEdited) return;
  for (const name of faultNames) {
    const value = faults[name];
    form.elements[name].value = value === null || value === undefined ? "" : String(value);
  }
}

function result(id, text, failed) {
  const out = $(id);
  out.textContent = shown(text);
  out.className = failed ? "result error" : "result";
}

function number(input) {
  return input.value.trim() === "" ? null : Number(input.value);
}

async function applyFaults(event) {
  event.preventDefault();
  const form = $("faults");
  const body = {};
  for (const name of faultNames) {
    const input = form.elements[name];
    if (input.tagName === "SELECT") body[name] = input.value;
    else body[name] = number(input) ?? (name === "rateLimit" ? null : 0);
  }
  try {
    const faults = await send("PATCH", "faults", body);
    faultsEdited = false;
    fillFaults(faults);
    result("faults-result", "Applied");
  } catch (error) {
    result("faults-result", error.message, true);
  }
}

async function queueFailure(event) {
  event.preventDefault();
  const form = $("fail-next");
  const body = {
    status: number(form.elements.status),
    times: number(form.elements.times),
    method: form.elements.method.value || null,
    dropAfterCommit: form.elements.dropAfterCommit.checked,
  };
  const retryAfter = number(form.elements.retryAfter);
  if (retryAfter !== null) body.retryAfter = retryAfter;
  if (body.dropAfterCommit) body.drop = form.elements.drop.value;
  try {
    drawPending(await send("POST", "fail-next", body));
    result("fail-result", "Queued");
  } catch (error) {
    result("fail-result", error.message, true);
  }
}

async function clearPending() {
  try {
    await send("DELETE", "fail-next");
    drawPending({ pending: [] });
    result("fail-result", "Queue cleared");
  } catch (error) {
    result("fail-result", error.message, true);
  }
}

function askToReset() {
  $("reset-dialog").showModal();
}

async function reset(event) {
  event.preventDefault();
  $("reset-dialog").close();
  try {
    await send("POST", "reset");
  } finally {
    refresh();
  }
}

// ---- the loop ----------------------------------------------------------------------

let timer = null;

async function refresh() {
  clearTimeout(timer);
  const live = $("live");
  try {
    const [log, accounts, stats, faults, pending] = await Promise.all([
      json(`requests?limit=${LOG_ROWS}`),
      json("accounts"),
      json("stats"),
      json("faults"),
      json("fail-next"),
    ]);
    drawLog(log);
    drawAccounts(accounts);
    drawStats(stats);
    fillFaults(faults);
    drawPending(pending);
    live.textContent = `live · ${new Date().toISOString().slice(11, 19)}`;
    live.className = "live on";
  } catch (error) {
    live.textContent = `not reachable (${shown(error.message)}); retrying`;
    live.className = "live off";
  }
  // A tab out of sight polls less often, and catches up as soon as it is shown again.
  timer = setTimeout(refresh, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
}

function start() {
  $("origin").textContent = shown(location.origin);
  $("base-url-hint").textContent = shown(`PICTORY_BASE_URL=${location.origin}`);
  $("faults").addEventListener("submit", applyFaults);
  $("faults").addEventListener("input", () => { faultsEdited = true; });
  $("fail-next").addEventListener("submit", queueFailure);
  const dropping = $("fail-next").elements.dropAfterCommit;
  const dropKind = () => { $("fail-next").elements.drop.disabled = !dropping.checked; };
  dropping.addEventListener("change", dropKind);
  dropKind();
  $("clear-pending").addEventListener("click", clearPending);
  $("reset").addEventListener("click", askToReset);
  $("reset-cancel").addEventListener("click", () => $("reset-dialog").close());
  $("reset-form").addEventListener("submit", reset);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  refresh();
}

document.addEventListener("DOMContentLoaded", start);
