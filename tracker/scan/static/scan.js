// Scan page: every scan is stored in IndexedDB with its client scan id BEFORE it is sent,
// then sent when online. A resend carries the same scan id, so the ledger records it once.
"use strict";

const API = "/api/v1";
const RETRY_MS = 10000;
const $ = (id) => document.getElementById(id);
const store = { token: "scan.token", gln: "scan.gln", place: "scan.place", step: "scan.step",
  used: "scan.places.used", offered: "scan.places.offered" };
const MAX_PLACES = 50;

// ---- IndexedDB queue (one object store, key = client scan id) ----
let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const open = indexedDB.open("scan-queue", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("scans", { keyPath: "id" });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  return dbPromise;
}
async function tx(mode, work) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const t = database.transaction("scans", mode);
    const request = work(t.objectStore("scans"));
    t.oncomplete = () => resolve(request ? request.result : undefined);
    t.onerror = () => reject(t.error);
  });
}
const saveScan = (item) => tx("readwrite", (s) => s.put(item));
const allScans = () => tx("readonly", (s) => s.getAll());

// ---- identifiers ----
function newScanId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16)); // same v4 layout as randomUUID
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
function gs1Valid(digits) {
  let sum = 0;
  for (let i = digits.length - 2, w = 3; i >= 0; i--, w = 4 - w) sum += Number(digits[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}
function normalizeSscc(text) {
  // Scanners send "(00)…", "00…" (GS1-128 without parentheses) or the bare 18 digits.
  let digits = text.replace(/[\s()]/g, "").replace(/^\]C1/, "");
  if (digits.length === 20 && digits.startsWith("00")) digits = digits.slice(2);
  if (!/^\d{18}$/.test(digits)) return { error: "an SSCC has 18 digits" };
  if (!gs1Valid(digits)) return { error: "check digit is wrong: scan again" };
  return { sscc: digits };
}

// ---- sign-in ----
// The token lives in sessionStorage: this tab only, gone when it closes. (localStorage would
// keep a long-lived token on disk for any page of this origin to read, the public shipment
// pages included.) Scans wait in IndexedDB without it and go once the token is entered again.
const token = () => sessionStorage.getItem(store.token) || "";
function forgetToken() {
  sessionStorage.removeItem(store.token);
  localStorage.removeItem(store.token); // where versions before kept it
}
class Refused extends Error {} // the server answered about this token (401), or would not (429)
class LockedOut extends Refused {}
async function whoAmI(candidate) {
  const response = await fetch(`${API}/me`, { headers: { Authorization: `Bearer ${candidate}` } });
  if (response.status === 401) throw new Refused("token refused");
  if (response.status === 429) {
    const wait = response.headers.get("Retry-After") || "60";
    throw new LockedOut(`too many failed sign-ins from this network: wait ${wait} s`);
  }
  if (!response.ok) throw new Error("server error");
  return response.json();
}
function showSignedIn(me) {
  $("signin-panel").hidden = true;
  $("scan-panel").hidden = false;
  $("who").textContent = me ? `${me.display_name} · ${me.role} · ${me.msp_id}`
    : "Server out of reach: your token is checked when the scans are sent";
  $("sscc").focus();
  if (me) loadPlaces();
}
async function waitingCount() {
  return (await allScans()).filter((item) => item.state === "queued").length;
}
async function askToSignInAgain(why) {
  // The server refused the token (expired, revoked): scans stay queued for the next one.
  forgetToken();
  $("scan-panel").hidden = true;
  $("signin-panel").hidden = false;
  const waiting = await waitingCount();
  $("signin-error").textContent = waiting
    ? `${why}: sign in again; ${waiting} scan(s) wait on this device and go once you do`
    : `${why}: sign in again`;
  $("token").focus();
}
$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = $("token").value.trim();
  let me = null;
  try {
    me = await whoAmI(candidate);
  } catch (error) {
    if (error instanceof Refused) {
      $("signin-error").textContent = `Sign-in failed: ${error.message}`;
      return;
    }
    // Server out of reach: keep scanning into the queue; the token is checked on sending.
  }
  sessionStorage.setItem(store.token, candidate);
  $("token").value = "";
  $("signin-error").textContent = "";
  showSignedIn(me);
  flush();
});
$("signout").addEventListener("click", () => {
  forgetToken();
  localStorage.removeItem(store.offered); // the organisation's places go with its token
  location.reload();
});

// ---- places: the GLNs used before, offered in the GLN field's list ----
function storedPlaces(key) {
  try {
    const list = JSON.parse(localStorage.getItem(key) || "[]");
    return Array.isArray(list) ? list.filter((p) => p && typeof p.gln === "string") : [];
  } catch (error) {
    return [];
  }
}
function distinctPlaces(...lists) {
  const seen = new Map();
  for (const place of lists.flat()) {
    if (!seen.has(place.gln)) seen.set(place.gln, { gln: place.gln, name: String(place.name || "") });
  }
  return [...seen.values()].slice(0, MAX_PLACES);
}
// Used on this device first (newest first), then the organisation's from the server.
const knownPlaces = () => distinctPlaces(storedPlaces(store.used), storedPlaces(store.offered));
function renderPlaces() {
  const list = $("gln-places");
  list.replaceChildren(...knownPlaces().map((place) => {
    const option = document.createElement("option");
    option.value = place.gln;
    option.label = place.name ? `${place.name} · ${place.gln}` : place.gln;
    return option;
  }));
}
function rememberUsed(place) {
  localStorage.setItem(store.used, JSON.stringify(distinctPlaces([place], storedPlaces(store.used))));
  renderPlaces();
}
async function loadPlaces() {
  // Kept in localStorage too, so the list is there when the phone is offline.
  try {
    const response = await fetch(`${API}/places?limit=${MAX_PLACES}`,
      { headers: { Authorization: `Bearer ${token()}` } });
    if (response.ok) {
      const body = await response.json();
      localStorage.setItem(store.offered, JSON.stringify(distinctPlaces(body.places || [])));
    }
  } catch (error) {
    // offline: keep the list from last time
  }
  renderPlaces();
}
$("gln").addEventListener("input", () => {
  // Picking a place (or typing a GLN used before) fills in its name.
  const found = knownPlaces().find((place) => place.gln === $("gln").value.trim());
  if (found && found.name) $("place").value = found.name;
});

// ---- making a scan ----
function stepChanged() {
  const step = $("step").value;
  $("photo-field").hidden = step !== "delivery";
  $("reason-field").hidden = step !== "exception";
}
$("step").addEventListener("change", stepChanged);

function readPoint() {
  const gln = $("gln").value.trim();
  const name = $("place").value.trim();
  if (!gln && !name) return null;
  if (!gln || !name) throw new Error("enter the place's GLN and its name");
  if (!/^\d{13}$/.test(gln)) throw new Error("a GLN has 13 digits");
  if (!gs1Valid(gln)) throw new Error("the GLN's check digit is wrong: check the number");
  return { gln, name };
}

function buildItems(sscc, now) {
  const step = $("step").value;
  const point = readPoint();
  const base = { sscc, created: now, state: "queued", attempts: 0 };
  const path = `${API}/shipments/${sscc}`;
  const items = [];
  if (step === "delivery") {
    const file = $("photo").files[0];
    if (!file) throw new Error("take the proof-of-delivery photo first");
    const fields = { event_time: now };
    if (point) Object.assign(fields, { read_point_gln: point.gln, read_point_name: point.name });
    items.push({ ...base, id: newScanId(), label: "delivered", url: `${path}/delivery`,
      form: { fields, fileField: "photo", file, fileName: file.name || "photo.jpg" } });
  } else if (step === "exception") {
    const reason = $("reason").value.trim();
    if (!reason) throw new Error("say what is wrong");
    const body = { reason, event_time: now };
    if (point) body.read_point = point;
    items.push({ ...base, id: newScanId(), label: "problem", url: `${path}/exceptions`, body });
  } else {
    if (!point) throw new Error("enter the place's GLN and name");
    items.push({ ...base, id: newScanId(), label: step, url: `${path}/checkpoints`,
      body: { biz_step: step, read_point: point, event_time: now } });
  }
  const celsius = $("temperature").value.trim().replace(",", ".");
  if (celsius) {
    if (!Number.isFinite(Number(celsius))) throw new Error("temperature must be a number");
    // One reading, sent as a tiny logger file: its own scan id, its own ledger record.
    const file = new Blob([JSON.stringify({ readings: [{ time: now, celsius: Number(celsius) }] })],
      { type: "application/json" });
    items.push({ ...base, id: newScanId(), label: `${celsius} °C`, url: `${path}/temperatures`,
      form: { fields: {}, fileField: "file", file, fileName: "reading.json" } });
  }
  return items;
}

$("scan-form").addEventListener("submit", async (event) => {
  event.preventDefault(); // Enter from a keyboard-wedge scanner lands here too
  $("form-error").textContent = "";
  const parsed = normalizeSscc($("sscc").value);
  if (parsed.error) {
    $("form-error").textContent = parsed.error;
    $("sscc").select();
    return;
  }
  let items;
  try {
    items = buildItems(parsed.sscc, new Date().toISOString());
  } catch (error) {
    $("form-error").textContent = error.message;
    return;
  }
  localStorage.setItem(store.gln, $("gln").value.trim());
  localStorage.setItem(store.place, $("place").value.trim());
  localStorage.setItem(store.step, $("step").value);
  const point = readPoint();
  if (point) rememberUsed(point); // the default next time, and first in the list
  for (const item of items) await saveScan(item); // durable before any network attempt
  $("sscc").value = "";
  $("temperature").value = "";
  $("reason").value = "";
  $("photo").value = "";
  $("sscc").focus();
  await render();
  flush();
});

// ---- sending ----
function requestFor(item) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (item.form) {
    const data = new FormData();
    data.append("client_scan_id", item.id);
    for (const [key, value] of Object.entries(item.form.fields)) data.append(key, value);
    data.append(item.form.fileField, item.form.file, item.form.fileName);
    return { method: "POST", headers, body: data };
  }
  headers["Content-Type"] = "application/json";
  return { method: "POST", headers, body: JSON.stringify({ ...item.body, client_scan_id: item.id }) };
}

async function sendOne(item) {
  let response;
  try {
    response = await fetch(item.url, requestFor(item));
  } catch (error) {
    return "network"; // offline or server unreachable: keep it queued
  }
  const body = await response.json().catch(() => ({}));
  item.attempts += 1;
  if (response.status === 201) {
    Object.assign(item, { state: "committed", tx_id: body.tx_id, block: body.block_number,
      page: body.page });
    showResult(item);
  } else if (response.status === 202) {
    Object.assign(item, { state: "server-queued", queue_id: body.queue_id });
  } else if (response.status === 401) {
    item.error = "sign in again";
    await saveScan(item);
    return "auth";
  } else if (response.status === 429) {
    // Too many bad tokens from this network: the scan was not looked at; try again later.
    item.error = `too many failed sign-ins from this network; retrying in ${response.headers.get("Retry-After") || "60"} s`;
    await saveScan(item);
    return "server";
  } else if (response.status >= 500) {
    item.error = (body.error && body.error.message) || `server answered ${response.status}`;
    await saveScan(item);
    return "server";
  } else {
    Object.assign(item, { state: "rejected", error: body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}` });
  }
  await saveScan(item);
  return "ok";
}

async function checkServerQueued(item) {
  // The tracker queued it while the ledger was away; ask what became of it.
  let response;
  try {
    response = await fetch(`${API}/scans/${item.id}`, { headers: { Authorization: `Bearer ${token()}` } });
  } catch (error) {
    return;
  }
  if (response.status === 401) return "auth";
  if (!response.ok) return;
  const body = await response.json();
  if (body.state === "committed") {
    Object.assign(item, { state: "committed", tx_id: body.answer.tx_id, block: body.answer.block_number,
      page: body.page });
    showResult(item);
  } else if (body.state === "rejected") {
    Object.assign(item, { state: "rejected", error: body.answer.error.code });
  }
  await saveScan(item);
}

let flushing = false;
async function flush() {
  if (flushing || !token()) return;
  flushing = true;
  let refused = false;
  try {
    const items = (await allScans()).sort((a, b) => a.created.localeCompare(b.created));
    for (const item of items) {
      if (item.state === "server-queued" && await checkServerQueued(item) === "auth") {
        refused = true;
        break;
      }
      if (item.state !== "queued") continue;
      if (!navigator.onLine) break;
      const outcome = await sendOne(item);
      refused = outcome === "auth";
      if (outcome !== "ok") break; // keep the order: later scans wait for earlier ones
    }
    if (refused) await askToSignInAgain("The server refused your token");
  } finally {
    flushing = false;
    await render();
  }
}

// ---- display ----
// A transaction id is 64 hex digits: shown short, copied or opened in full.
const shortTx = (id) => (id && id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-4)}` : String(id));

function element(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (error) {
      // refused (permission, no focus): try the older way
    }
  }
  const area = element("textarea", { value: text, readOnly: true, className: "offscreen" });
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch (error) {
    copied = false;
  }
  area.remove();
  return copied;
}

function showResult(item) {
  const txId = String(item.tx_id);
  const p = element("p", { className: "ok" }, `Recorded ${item.label} for ${item.sscc}`,
    element("br"), "Transaction ",
    element("code", { className: "txid", title: txId }, shortTx(txId)),
    `, block ${item.block}`);
  p.dataset.txId = txId;
  p.dataset.block = String(item.block);
  const status = element("p", { className: "hint", id: "copy-status" });
  const full = element("input", { id: "tx-full", readOnly: true, value: txId, hidden: true });
  full.setAttribute("aria-label", "Full transaction id");
  const copy = element("button", { type: "button", id: "copy-tx", className: "secondary" },
    "Copy full tx id");
  copy.addEventListener("click", async () => {
    if (await copyText(txId)) {
      status.textContent = "Full transaction id copied.";
      $("sscc").focus(); // the next scan lands in the SSCC field
    } else {
      status.textContent = "Copying is not allowed here: the full id is selected below.";
      full.hidden = false;
      full.select();
    }
  });
  const open = element("a", { id: "open-shipment", className: "button",
    href: item.page || `/shipments/${encodeURIComponent(item.sscc)}`, target: "_blank", rel: "noopener" },
  "Open shipment page");
  $("result").replaceChildren(p, element("div", { className: "actions" }, copy, open), status, full);
}
const LABELS = { queued: "waiting to send", "server-queued": "queued on server",
  committed: "on the ledger", rejected: "refused" };
async function render() {
  const items = (await allScans()).sort((a, b) => b.created.localeCompare(a.created)).slice(0, 30);
  const list = $("queue");
  list.innerHTML = "";
  for (const item of items) {
    const li = document.createElement("li");
    li.dataset.scanId = item.id;
    li.dataset.state = item.state;
    li.append(`${item.sscc} · ${item.label} · ${LABELS[item.state] || item.state}`);
    if (item.state === "committed") {
      li.append(" · tx ", element("span", { className: "txid" }, shortTx(item.tx_id)),
        ` block ${item.block}`);
    }
    if (item.error && item.state !== "committed") li.append(` · ${item.error}`);
    list.append(li);
  }
  $("network").textContent = navigator.onLine ? "online" : "offline";
  $("network").dataset.online = String(navigator.onLine);
}

// ---- camera (BarcodeDetector where the browser has it; typing otherwise) ----
async function setUpCamera() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    $("camera-hint").textContent = "No camera barcode reader in this browser: use a hand scanner.";
    return;
  }
  const formats = await BarcodeDetector.getSupportedFormats();
  const wanted = ["code_128", "data_matrix", "qr_code"].filter((f) => formats.includes(f));
  if (!wanted.length) return;
  const detector = new BarcodeDetector({ formats: wanted });
  $("camera").hidden = false;
  $("camera").addEventListener("click", async () => {
    const video = $("preview");
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
    const look = async () => {
      if (video.hidden) return;
      const codes = await detector.detect(video).catch(() => []);
      const found = codes.map((c) => normalizeSscc(c.rawValue)).find((r) => r.sscc);
      if (found) { $("sscc").value = found.sscc; stop(); $("step").focus(); return; }
      setTimeout(look, 250);
    };
    look();
  });
}

// ---- start ----
async function start() {
  const kept = localStorage.getItem(store.token);
  if (kept) { // a token an earlier version kept on disk: this tab only from now on
    if (!token()) sessionStorage.setItem(store.token, kept);
    localStorage.removeItem(store.token);
  }
  $("gln").value = localStorage.getItem(store.gln) || "";
  $("place").value = localStorage.getItem(store.place) || "";
  renderPlaces();
  $("step").value = localStorage.getItem(store.step) || "departing";
  stepChanged();
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  setInterval(flush, RETRY_MS);
  setUpCamera();
  await render();
  if (token()) {
    try {
      showSignedIn(await whoAmI(token()));
    } catch (error) {
      if (error instanceof Refused && !(error instanceof LockedOut)) {
        await askToSignInAgain(error.message);
        return;
      }
      // Offline (or locked out for a while) with this tab's token: keep scanning into the queue; it is checked on send.
      showSignedIn(null);
    }
    flush();
  } else if (await waitingCount()) {
    $("signin-error").textContent = "Scans wait on this device: sign in to send them";
  }
}
window.scanPage = { flush, allScans }; // for tests and for the curious
start();
