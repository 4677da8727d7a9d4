"use strict";
// The alerts list (filters, keyset paging), the live feed and the demo traffic panel.
const table = document.querySelector("#alert-table tbody");
const more = document.getElementById("more");
const listStatus = document.getElementById("list-status");
let nextPageToken = null;

function query(pageToken) {
  const form = new FormData(document.getElementById("filters"));
  const params = new URLSearchParams();
  for (const [key, value] of form) {
    if (!value) continue;
    params.set(key, key === "from" || key === "to" ? new Date(value).toISOString() : value);
  }
  if (pageToken) params.set("pageToken", pageToken);
  return "/api/alerts?" + params;
}

function row(a) {
  return `<tr class="clickable" data-id="${fx.esc(a.alertId)}">
    <td>${fx.time(a.createdAt)}</td><td class="mono">${fx.esc(a.alertId)}</td><td>${fx.esc(a.accountId)}</td>
    <td>${fx.esc(a.merchantId)}</td><td class="num">${fx.money(a.amountMinor, a.currency)}</td>
    <td class="num">${fx.score(a.score)}</td><td class="decision-${fx.esc(a.decision)}">${fx.esc(a.decision)}</td>
    <td>${fx.pill(a.status)}</td><td>${fx.esc(a.assignee)}</td></tr>`;
}

async function load(append) {
  listStatus.textContent = "loading…";
  try {
    const page = await fx.json(query(append ? nextPageToken : null));
    if (!append) table.innerHTML = "";
    table.insertAdjacentHTML("beforeend", page.alerts.map(row).join(""));
    nextPageToken = page.nextPageToken || null;
    more.classList.toggle("hidden", !nextPageToken);
    listStatus.textContent = table.children.length ? `${table.children.length} shown` : "no alerts match";
  } catch (e) {
    listStatus.textContent = "could not load alerts: " + e.message;
  }
}

table.addEventListener("click", e => {
  const tr = e.target.closest("tr[data-id]");
  if (tr) location.href = "/alert.html?id=" + encodeURIComponent(tr.dataset.id);
});
document.getElementById("filters").addEventListener("submit", e => { e.preventDefault(); load(false); });
more.addEventListener("click", () => load(true));

// Live feed: server-sent events relayed from AlertService.WatchAlerts.
const feed = document.getElementById("feed");
const feedStatus = document.getElementById("feed-status");
function feedItem(ev) {
  const a = ev.alert;
  return `<li class="fresh"><a href="/alert.html?id=${encodeURIComponent(a.alertId)}">
    <span class="decision-${fx.esc(a.decision)}">${fx.esc(a.decision)}</span> ${fx.score(a.score)}
    · ${fx.esc(a.accountId)} · ${fx.money(a.amountMinor, a.currency)}</a>
    <span class="muted">${ev.eventType === "updated" ? "updated → " + fx.esc(a.status) : "new"} ${new Date(ev.receivedAt).toLocaleTimeString()}</span></li>`;
}
async function startFeed() {
  try {
    const recent = await fx.json("/api/alerts/feed");
    feedStatus.textContent = recent.status;
    feed.innerHTML = recent.events.slice(0, 50).map(feedItem).join("");
  } catch (e) {
    feedStatus.textContent = e.message;
  }
  const source = new EventSource("/api/alerts/feed/stream");
  source.addEventListener("open", () => { feedStatus.textContent = "live"; });
  source.addEventListener("error", () => { feedStatus.textContent = "reconnecting…"; });
  source.addEventListener("alert", m => {
    const ev = JSON.parse(m.data);
    feed.insertAdjacentHTML("afterbegin", feedItem(ev));
    while (feed.children.length > 50) feed.lastElementChild.remove();
    if (ev.eventType === "created" && !nextPageToken && table.children.length < 25) load(false);
  });
}

// Demo traffic: a burst of normal or fraud transactions through ScoringService.
const trafficForm = document.getElementById("traffic-form");
const trafficResult = document.getElementById("traffic-result");
trafficForm.addEventListener("submit", async e => {
  e.preventDefault();
  const scenario = e.submitter?.dataset.scenario || "normal";
  const count = document.getElementById("traffic-count").value || 100;
  const buttons = trafficForm.querySelectorAll("button");
  buttons.forEach(b => b.disabled = true);
  trafficResult.textContent = `sending ${count} ${scenario}…`;
  try {
    const r = await fx.json(`/api/traffic?scenario=${scenario}&count=${count}`, { method: "POST" });
    trafficResult.textContent = `${r.scored}/${r.sent} scored: ${r.approve} approve, ${r.review} review, ${r.decline} decline` +
      (r.errors ? `, ${r.errors} errors (${r.firstError})` : "") + ` · p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`;
    load(false);
  } catch (err) {
    trafficResult.textContent = "failed: " + err.message;
  } finally {
    buttons.forEach(b => b.disabled = false);
  }
});

load(false);
startFeed();
