"use strict";
// One alert: the transaction, the score and why, and the analyst's actions on it.
const id = new URLSearchParams(location.search).get("id");
const main = document.getElementById("detail");
let current = null;

function field(label, value) { return `<dt>${label}</dt><dd>${value}</dd>`; }

function render(d, message) {
  current = d.alert;
  const a = d.alert, t = d.transaction;
  const closed = a.status === "CLOSED", decided = a.status === "CONFIRMED_FRAUD" || a.status === "FALSE_POSITIVE";
  main.innerHTML = `
    <h2>Alert <span class="mono">${fx.esc(a.alertId)}</span> ${fx.pill(a.status)}
      <span class="decision-${fx.esc(a.decision)}">${fx.esc(a.decision)}</span></h2>
    <p id="message" class="${message?.error ? "err" : "ok"}">${fx.esc(message?.text || "")}</p>
    <div class="cards">
      <div class="card">
        <h3>Score</h3>
        <p class="big" id="score">${fx.score(a.score)}</p>
        <dl>${field("Model", fx.esc(d.modelVersion))}${field("Degraded", d.degraded ? "yes (no behavioural features)" : "no")}
          ${field("Decided", fx.time(d.decidedAt))}${field("Server time", d.serverProcessingMs != null ? d.serverProcessingMs.toFixed(2) + " ms" : "")}
          ${field("Version", a.version)}${field("Assignee", fx.esc(a.assignee) || "<span class=muted>nobody</span>")}</dl>
      </div>
      <div class="card">
        <h3>Transaction</h3>
        ${t ? `<dl>${field("Id", `<span class="mono">${fx.esc(t.transactionId)}</span>`)}${field("Amount", fx.money(t.amountMinor, t.currency))}
          ${field("Time", fx.time(t.timestamp))}${field("Account", fx.esc(t.accountId))}${field("Merchant", fx.esc(t.merchantId) + " (MCC " + fx.esc(t.merchantCategoryCode) + ")")}
          ${field("Channel", fx.esc(t.channel) + (t.cardPresent ? ", card present" : ", card not present"))}
          ${field("Device", fx.esc(t.deviceId))}${field("IP", fx.esc(t.ipAddress))}
          ${field("Country", fx.esc(t.country) + " → merchant " + fx.esc(t.merchantCountry))}
          ${field("Location", t.latitude != null ? t.latitude.toFixed(2) + ", " + t.longitude.toFixed(2) : "")}</dl>` : `<p class="muted">no decision record</p>`}
      </div>
    </div>
    <div class="card">
      <h3>Reasons</h3>
      <table class="grid" id="reasons"><thead><tr><th>Code</th><th>Why</th><th class="num">Contribution</th></tr></thead><tbody>
        ${d.reasons.map(r => `<tr><td class="mono">${fx.esc(r.code)}</td><td class="wrap">${fx.esc(r.description)}</td><td class="num">${r.contribution ? r.contribution.toFixed(3) : "rule"}</td></tr>`).join("")}
      </tbody></table>
      <h3>Rules fired</h3>
      <p id="rules">${d.rulesFired.length ? d.rulesFired.map(r => `<span class="pill">${fx.esc(r)}</span>`).join(" ") : '<span class="muted">none</span>'}</p>
    </div>
    <div class="card actions">
      <h3>Actions</h3>
      <p>
        <button id="confirm-fraud" class="danger" ${closed || decided ? "disabled" : ""}>Confirm fraud</button>
        <button id="false-positive" ${closed || decided ? "disabled" : ""}>False positive</button>
      </p>
      <p><input id="assignee" placeholder="assignee" value="${fx.esc(a.assignee)}" ${closed ? "disabled" : ""}>
         <button id="assign" class="secondary" ${closed ? "disabled" : ""}>Assign</button></p>
      <p><textarea id="note" rows="2" cols="60" placeholder="note" ${closed ? "disabled" : ""}></textarea>
         <button id="add-note" class="secondary" ${closed ? "disabled" : ""}>Add note</button></p>
      <pre id="notes" class="notes">${fx.esc(a.notes)}</pre>
    </div>`;
  document.getElementById("confirm-fraud").onclick = () => act({ action: "confirm-fraud" }, "Confirmed as fraud; label reported.");
  document.getElementById("false-positive").onclick = () => act({ action: "false-positive" }, "Marked as a false positive; label reported.");
  document.getElementById("assign").onclick = () => act({ action: "assign", assignee: document.getElementById("assignee").value }, "Assigned.");
  document.getElementById("add-note").onclick = () => act({ action: "note", note: document.getElementById("note").value }, "Note added.");
}

async function act(body, done) {
  main.querySelectorAll("button").forEach(b => b.disabled = true);
  try {
    body.expectedVersion = current.version;
    body.analyst = localStorage.getItem("fraudex.analyst") || "analyst";
    await fx.json(`/api/alerts/${encodeURIComponent(id)}/actions`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    await load({ text: done });
  } catch (e) {
    await load({ text: e.message, error: true });
  }
}

async function load(message) {
  try {
    render(await fx.json("/api/alerts/" + encodeURIComponent(id)), message);
  } catch (e) {
    main.innerHTML = `<p class="err">Could not load alert ${fx.esc(id)}: ${fx.esc(e.message)}</p>`;
  }
}

load();
