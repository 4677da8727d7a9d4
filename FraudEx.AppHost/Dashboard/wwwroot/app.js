// FraudEx dashboard: plain JS over the app host's /api. Each tab polls only while it is shown.
"use strict";

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const fmt = (n, d = 2) => (n === null || n === undefined ? "" : Number(n).toFixed(d));
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString("en-GB", { hour12: false }) : "");
const palette = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#db2777", "#7c3aed", "#0d9488", "#ea580c"];
const serviceColors = {};
// "fraudex.v1.ScoringService/Score" → "ScoringService/Score": the package adds nothing in a narrow list.
const shortName = (name) => String(name ?? "").replace(/^[a-z0-9_]+(\.[a-z0-9_]+)*\.(?=[A-Z])/, "");
const colorOf = (svc) => (serviceColors[svc] ??= palette[Object.keys(serviceColors).length % palette.length]);

async function api(path, options) {
  const res = await fetch(path, options);
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  return res.json();
}

// ---- tabs ----
const pollers = {};
let current = null;
function show(tab) {
  if (!document.getElementById(tab)) tab = "resources";
  current = tab;
  document.querySelectorAll(".tab").forEach((s) => s.classList.toggle("active", s.id === tab));
  document.querySelectorAll("#tabs a").forEach((a) => a.classList.toggle("active", a.dataset.tab === tab));
  if (pollers[tab]) pollers[tab]();
  refreshStats();
}
window.addEventListener("hashchange", () => show(location.hash.slice(1)));
setInterval(() => { if (current && pollers[current]) pollers[current](); }, 2000);
setInterval(refreshStats, 3000);

// ---- header ----
async function refreshStats() {
  try {
    const [s, resources] = await Promise.all([api("/api/summary"), api("/api/resources")]);
    const healthy = resources.filter((r) => r.health === "Healthy").length;
    const enabled = resources.filter((r) => r.state !== "Disabled").length;
    $("#stats").innerHTML =
      `<span><b>${healthy}/${enabled}</b> healthy</span><span><b>${s.traces}</b> traces</span>` +
      `<span><b>${s.spansReceived}</b> spans</span><span><b>${s.logsReceived}</b> logs</span>` +
      `<span>OTLP <b>${esc(s.otlpProtocol)}</b> ${esc(s.otlpEndpoint)}</span>`;
  } catch { $("#stats").textContent = "app host unreachable"; }
}

$("#traffic-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const button = $("#send-traffic");
  const n = Number($("#traffic-count").value) || 100;
  button.disabled = true;
  $("#traffic-result").textContent = `sending ${n}…`;
  try {
    const r = await api(`/api/traffic?count=${n}`, { method: "POST" });
    $("#traffic-result").textContent =
      `${r.scored}/${r.sent} scored · ${r.approve} approve · ${r.review} review · ${r.decline} decline` +
      (r.errors ? ` · ${r.errors} errors` : "") + ` · p50 ${fmt(r.p50Ms, 1)} ms`;
    $("#traffic-result").title = r.firstError ?? "";
  } catch (err) {
    $("#traffic-result").textContent = "failed: " + err.message;
  } finally {
    button.disabled = false;
  }
});

// ---- resources ----
pollers.resources = async () => {
  const resources = await api("/api/resources");
  $("#resource-table tbody").innerHTML = resources.map((r) => `
    <tr data-resource="${esc(r.name)}" data-state="${esc(r.state)}" data-health="${esc(r.health)}">
      <td><b>${esc(r.name)}</b></td>
      <td><span class="pill kind">${esc(r.kind)}</span></td>
      <td><span class="pill ${esc(r.state)}">${esc(r.state)}</span></td>
      <td><span class="health"><span class="dot ${esc(r.health)}"></span>${esc(r.health)}</span></td>
      <td>${r.url.startsWith("http") ? `<a href="${esc(r.url)}/health" target="_blank">${esc(r.url)}</a>` : esc(r.url)}</td>
      <td class="num">${r.restarts}</td>
      <td class="num">${r.pid ?? ""}</td>
      <td>${esc((r.waitsFor || []).join(", "))}</td>
      <td class="muted wrap">${esc(r.message ?? "")}</td>
    </tr>`).join("");
  const select = $("#console-resource");
  if (select.options.length !== resources.length) {
    select.innerHTML = resources.map((r) => `<option>${esc(r.name)}</option>`).join("");
  }
};

// ---- console ----
let consoleResource = null, consoleAfter = 0;
$("#console-resource").addEventListener("change", () => { consoleResource = null; pollers.console(); });
pollers.console = async () => {
  const select = $("#console-resource");
  if (!select.value) await pollers.resources();
  const name = select.value;
  const out = $("#console-output");
  if (name !== consoleResource) { consoleResource = name; consoleAfter = 0; out.innerHTML = ""; }
  const lines = await api(`/api/resources/${encodeURIComponent(name)}/console?after=${consoleAfter}&max=1000`);
  if (!lines.length) return;
  consoleAfter = lines[lines.length - 1].sequence;
  out.insertAdjacentHTML("beforeend", lines.map((l) =>
    `<span class="${esc(l.stream)}"><span class="ts">${time(l.time)}</span> ${esc(l.text)}</span>\n`).join(""));
  if ($("#console-follow").checked) out.scrollTop = out.scrollHeight;
};

// ---- traces ----
let selectedTrace = null;
$("#trace-search").addEventListener("input", () => pollers.traces());
pollers.traces = async () => {
  const search = $("#trace-search").value.trim();
  const traces = await api(`/api/traces?limit=200${search ? "&search=" + encodeURIComponent(search) : ""}`);
  const max = Math.max(1, ...traces.map((t) => t.durationMs));
  $("#trace-table tbody").innerHTML = traces.map((t) => `
    <tr class="clickable ${t.traceId === selectedTrace ? "selected" : ""}" data-trace="${t.traceId}" data-root="${esc(t.name)}">
      <td>${time(t.start)}</td>
      <td class="root" title="${esc(t.name)} (${esc(t.service)})">${t.hasError ? '<span class="err">●</span> ' : ""}<b>${esc(shortName(t.name))}</b></td>
      <td>${t.services.map((s) => `<span class="pill" style="color:${colorOf(s)}">${esc(s)}</span>`).join(" ")}</td>
      <td class="num">${t.spanCount}</td>
      <td class="num"><div class="bar" style="width:${Math.max(2, (60 * t.durationMs) / max)}px;background:${colorOf(t.service)};display:inline-block;height:8px;vertical-align:middle"></div> ${fmt(t.durationMs)} ms</td>
    </tr>`).join("");
  if (selectedTrace) await showTrace(selectedTrace);
};
$("#trace-table tbody").addEventListener("click", (e) => {
  const row = e.target.closest("tr[data-trace]");
  if (!row) return;
  selectedTrace = row.dataset.trace;
  document.querySelectorAll("#trace-table tr").forEach((r) => r.classList.toggle("selected", r === row));
  showTrace(selectedTrace);
});

let selectedSpan = null;
async function showTrace(id) {
  let trace;
  try { trace = await api(`/api/traces/${id}`); } catch { return; }
  const total = Math.max(trace.durationMs, 0.001);
  const detail = $("#trace-detail");
  detail.innerHTML = `
    <h3>Trace <code>${esc(trace.traceId)}</code> <span class="muted">${fmt(trace.durationMs)} ms · ${trace.spans.length} spans</span></h3>
    <table class="waterfall" id="waterfall"><tbody>${trace.spans.map((s) => `
      <tr class="span-row" data-span="${s.spanId}" data-name="${esc(s.name)}" data-service="${esc(s.service)}">
        <td class="name" style="padding-left:${6 + s.depth * 16}px" title="${esc(s.name)}">${esc(s.name)}</td>
        <td class="svc">${esc(s.service)}</td>
        <td class="timeline"><div class="bar ${s.status === "Error" ? "error" : ""}" title="${fmt(s.durationMs, 3)} ms"
          style="left:${(100 * s.offsetMs) / total}%;width:${Math.max(0.4, (100 * s.durationMs) / total)}%;background:${colorOf(s.service)}"></div></td>
        <td class="num">${fmt(s.durationMs, 3)} ms</td>
      </tr>`).join("")}</tbody></table>
    <div id="span-attrs"></div>`;
  detail.querySelectorAll("tr.span-row").forEach((row) => row.addEventListener("click", () => {
    selectedSpan = row.dataset.span;
    renderSpan(trace.spans.find((s) => s.spanId === selectedSpan));
  }));
  if (selectedSpan) renderSpan(trace.spans.find((s) => s.spanId === selectedSpan));
}
function renderSpan(s) {
  if (!s) return;
  const attrs = Object.entries(s.attributes || {}).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join("");
  $("#span-attrs").innerHTML = `<div class="attrs"><b>${esc(s.name)}</b> <span class="muted">${esc(s.kind)} · ${esc(s.service)} · ${esc(s.scope)} · ${esc(s.status)}${s.statusMessage ? " " + esc(s.statusMessage) : ""}</span>
    <table>${attrs}</table>${(s.events || []).map((e) => `<div class="muted">event ${esc(e.name)} at +${fmt(e.offsetMs, 3)} ms</div>`).join("")}</div>`;
}

// ---- latency ----
pollers.latency = async () => {
  const data = await api("/api/latency");
  $("#latency-window").textContent = `p50 / p90 / p99 per operation over the last ${data.windowSeconds} s, from spans`;
  $("#latency-table tbody").innerHTML = data.operations.map((r) => `
    <tr data-operation="${esc(r.operation)}">
      <td><span class="pill" style="color:${colorOf(r.service)}">${esc(r.service)}</span></td>
      <td>${esc(r.operation)}</td><td class="muted">${esc(r.kind)}</td>
      <td class="num">${r.count}</td><td class="num">${fmt(r.perSecond, 1)}</td>
      <td class="num">${fmt(r.p50Ms, 3)}</td><td class="num">${fmt(r.p90Ms, 3)}</td><td class="num"><b>${fmt(r.p99Ms, 3)}</b></td><td class="num">${fmt(r.maxMs, 3)}</td>
    </tr>`).join("") || `<tr><td colspan="9" class="muted">No spans in the window yet: send some traffic.</td></tr>`;
};

// ---- logs ----
$("#log-search").addEventListener("input", () => pollers.logs());
$("#log-service").addEventListener("change", () => pollers.logs());
pollers.logs = async () => {
  const service = $("#log-service").value, search = $("#log-search").value.trim();
  const logs = await api(`/api/logs?max=300&service=${encodeURIComponent(service)}&search=${encodeURIComponent(search)}`);
  const services = [...new Set(logs.map((l) => l.service))];
  const select = $("#log-service");
  for (const s of services) if (![...select.options].some((o) => o.value === s)) select.add(new Option(s, s));
  $("#log-table tbody").innerHTML = logs.reverse().map((l) => `
    <tr><td>${time(l.time)}</td><td>${esc(l.service)}</td><td class="sev-${esc(l.severity)}">${esc(l.severity)}</td>
    <td class="muted">${esc(l.category)}</td><td class="wrap">${esc(l.message)}${l.traceId ? ` <a href="#traces" class="muted" data-trace-link="${l.traceId}">trace</a>` : ""}</td></tr>`).join("");
};
$("#log-table").addEventListener("click", (e) => {
  const link = e.target.closest("[data-trace-link]");
  if (link) { selectedTrace = link.dataset.traceLink; }
});

// ---- metrics ----
pollers.metrics = async () => {
  const metrics = await api("/api/metrics");
  // FraudEx's own and the RPC metrics first; the runtime's and the web server's after them.
  const platform = (m) => /^(dotnet|kestrel|http|aspnetcore|process)\./.test(m.name) ? 1 : 0;
  metrics.sort((a, b) => platform(a) - platform(b));
  $("#metric-table tbody").innerHTML = metrics.map((m) => {
    const attrs = Object.entries(m.attributes || {}).map(([k, v]) => `${esc(k)}=${esc(v)}`).join(", ");
    const value = m.histogram
      ? `count ${m.histogram.count}${m.histogram.sum != null && m.histogram.count ? ` · avg ${fmt(m.histogram.sum / m.histogram.count, 3)}` : ""}`
      : fmt(m.value, Number.isInteger(m.value) ? 0 : 3);
    return `<tr><td>${esc(m.service)}</td><td title="${esc(m.description)}">${esc(m.name)} <span class="muted">${esc(m.unit)}</span></td>
      <td class="muted">${esc(m.type)}</td><td class="muted wrap">${attrs}</td><td class="num">${value}</td></tr>`;
  }).join("");
};

// ---- alerts (server-sent events) ----
let unseen = 0;
function alertRow(a, fresh) {
  return `<tr class="${fresh ? "fresh" : ""}"><td>${time(a.receivedAt)}</td><td>${esc(a.eventType)}</td><td>${esc(a.alertId)}</td>
    <td>${esc(a.transactionId)}</td><td>${esc(a.accountId)}</td><td>${esc(a.merchantId)}</td>
    <td class="num">${(a.amountMinor / 100).toFixed(2)} ${esc(a.currency)}</td><td class="num">${fmt(a.score, 3)}</td>
    <td class="decision-${esc(a.decision)}">${esc(a.decision)}</td><td>${esc(a.status)}</td></tr>`;
}
pollers.alerts = async () => {
  const data = await api("/api/alerts");
  $("#alert-status").textContent = data.status;
  if (!$("#alert-table tbody").children.length) $("#alert-table tbody").innerHTML = data.alerts.map((a) => alertRow(a, false)).join("");
  unseen = 0; $("#alert-badge").classList.add("hidden");
};
const events = new EventSource("/api/alerts/stream");
events.addEventListener("alert", (e) => {
  const a = JSON.parse(e.data);
  const body = $("#alert-table tbody");
  body.insertAdjacentHTML("afterbegin", alertRow(a, true));
  while (body.children.length > 200) body.lastElementChild.remove();
  if (current !== "alerts") { unseen++; $("#alert-badge").textContent = unseen; $("#alert-badge").classList.remove("hidden"); }
});

refreshStats();
show(location.hash.slice(1) || "resources");
