"use strict";
// Shared helpers of the console's pages.
const fx = {
  esc(v) {
    return String(v ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  },
  money(minor, currency) {
    return (minor / 100).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + fx.esc(currency);
  },
  time(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  },
  score(s) { return Number(s ?? 0).toFixed(3); },
  async json(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  },
  pill(text) { return text ? `<span class="pill ${fx.esc(text)}">${fx.esc(text.replace("_", " "))}</span>` : ""; },
};
