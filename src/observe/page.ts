/**
 * The live page served at `/` by {@linkcode ObserveServer}: one HTML file
 * with its style and script inline (no build step, no external resource,
 * works offline). It follows `/events` (server-sent events) and draws the
 * last minutes as inline SVG charts. Every number shown carries a
 * `data-k` attribute naming the `/stats` field it shows, so that a
 * browser check can compare the two.
 *
 * @module
 */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page's HTML.
 * @param title The page title.
 * @returns The HTML document.
 * @example
 * ```ts
 * import { pageHtml } from "./page.ts";
 * console.log(pageHtml("broker").startsWith("<!doctype html>")); // true
 * ```
 */
export function pageHtml(title: string): string {
  return PAGE.replaceAll("%TITLE%", escapeHtml(title));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
:root { --bg:#0f1419; --fg:#e6e6e6; --dim:#8a939c; --card:#182029; --line:#2a3440; --ok:#3fb950; --warn:#d29922; --bad:#f85149; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .dim { color: var(--dim); font-size: 12px; }
#live { margin-left: auto; font-size: 12px; }
#live.on::before { content: "\\25CF "; color: var(--ok); }
#live.off::before { content: "\\25CF "; color: var(--bad); }
main { padding: 16px 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; margin-bottom: 16px; }
.card { background: var(--card); border-radius: 6px; padding: 8px 12px; }
.card .v { font-size: 22px; font-variant-numeric: tabular-nums; }
.card .l { color: var(--dim); font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 10px; margin-bottom: 16px; }
.chart { background: var(--card); border-radius: 6px; padding: 8px 12px; }
.chart h3 { margin: 0 0 4px; font-size: 13px; font-weight: 600; }
.chart h3 span { color: var(--dim); font-weight: 400; }
.chart svg { width: 100%; height: 120px; display: block; }
.legend { font-size: 11px; color: var(--dim); min-height: 14px; }
.legend i { display: inline-block; width: 10px; height: 3px; margin: 0 4px 2px 8px; vertical-align: middle; }
h2 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; background: var(--card); border-radius: 6px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--dim); font-weight: 500; font-size: 12px; }
th:first-child, td:first-child, td.t, th.t { text-align: left; }
.busy { color: var(--warn); } .idle { color: var(--ok); } .bad { color: var(--bad); }
.empty { color: var(--dim); text-align: left; }
details { margin-top: 16px; } summary { cursor: pointer; color: var(--dim); }
</style>
</head>
<body>
<header><h1>%TITLE%</h1><span class="dim">instance <span data-k="instance">-</span> · core <span data-k="core">-</span> · v<span data-k="version">-</span> · up <span id="uptime">-</span></span><span id="live" class="off">connecting</span></header>
<main>
<section class="cards">
  <div class="card"><div class="v" data-k="ratePerSec">-</div><div class="l">replies/s (10 s)</div></div>
  <div class="card"><div class="v" data-k="workers">-</div><div class="l">workers</div></div>
  <div class="card"><div class="v" data-k="services.length">-</div><div class="l">services</div></div>
  <div class="card"><div class="v" data-k="queued">-</div><div class="l">queued requests</div></div>
  <div class="card"><div class="v" data-k="clients">-</div><div class="l">active clients</div></div>
  <div class="card"><div class="v" data-k="counters.requests">-</div><div class="l">requests</div></div>
  <div class="card"><div class="v" data-k="counters.replies">-</div><div class="l">replies</div></div>
  <div class="card"><div class="v" data-k="lossTotal">-</div><div class="l">dropped+expired+lost</div></div>
</section>
<section class="charts">
  <div class="chart"><h3>Replies/s <span>per service, last 5 min</span></h3><svg id="c-rate" viewBox="0 0 300 120" preserveAspectRatio="none"></svg><div class="legend" id="l-rate"></div></div>
  <div class="chart"><h3>Latency, ms <span>p50 solid, p99 dashed</span></h3><svg id="c-lat" viewBox="0 0 300 120" preserveAspectRatio="none"></svg><div class="legend" id="l-lat"></div></div>
  <div class="chart"><h3>Queue depth <span>per service</span></h3><svg id="c-queue" viewBox="0 0 300 120" preserveAspectRatio="none"></svg><div class="legend" id="l-queue"></div></div>
</section>
<h2>Services</h2>
<table id="services"><thead><tr><th>service</th><th>workers</th><th>idle</th><th>busy</th><th>queued</th><th>replies/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>received</th><th>answered</th><th>failed</th><th>expired</th><th>dropped</th><th>lost</th></tr></thead><tbody></tbody></table>
<h2>Workers <span class="dim" id="workers-note"></span></h2>
<table id="workers"><thead><tr><th>service</th><th class="t">worker</th><th class="t">state</th><th>last heard</th><th>busy for</th></tr></thead><tbody></tbody></table>
<details><summary>All counters</summary><table id="counters"><tbody></tbody></table></details>
</main>
<script>
"use strict";
const COLORS = ["#58a6ff", "#3fb950", "#d29922", "#f778ba", "#a371f7", "#79c0ff", "#ffa657", "#56d364"];
const WINDOW = 300;
let points = [];
const colorOf = new Map();
function color(name) {
  if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length]);
  return colorOf.get(name);
}
function fmt(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return "-";
  if (typeof v !== "number") return String(v);
  if (digits !== undefined) return v.toFixed(digits);
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
}
function ago(ms) {
  if (ms < 1000) return ms + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
  return Math.round(ms / 60000) + " min";
}
function el(tag, text, cls, key) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  if (key) e.dataset.k = key;
  return e;
}
function get(obj, path) {
  return path.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function render(s) {
  s.lossTotal = s.counters.droppedRequests + s.counters.expiredRequests + s.counters.lostRequests;
  for (const node of document.querySelectorAll("header [data-k], .cards [data-k]")) {
    node.textContent = fmt(get(s, node.dataset.k));
  }
  const up = Math.round(s.uptimeMs / 1000);
  document.getElementById("uptime").textContent = up < 120 ? up + " s" : Math.round(up / 60) + " min";
  const tb = document.querySelector("#services tbody");
  tb.replaceChildren();
  if (s.services.length === 0) {
    const tr = el("tr"); const td = el("td", "no service yet", "empty"); td.colSpan = 15; tr.append(td); tb.append(tr);
  }
  for (const v of s.services) {
    const tr = el("tr");
    tr.dataset.service = v.name;
    const k = (f) => "svc:" + v.name + ":" + f;
    const name = el("td", v.name, "t", k("name"));
    name.style.borderLeft = "3px solid " + color(v.name);
    tr.append(name,
      el("td", fmt(v.workers), "", k("workers")),
      el("td", fmt(v.waiting), "idle", k("waiting")),
      el("td", fmt(v.workers - v.waiting), "busy", k("busy")),
      el("td", fmt(v.queued), v.queued > 0 ? "busy" : "", k("queued")),
      el("td", fmt(v.ratePerSec, 1), "", k("ratePerSec")),
      el("td", fmt(v.latencyMs.p50, 2), "", k("latencyMs.p50")),
      el("td", fmt(v.latencyMs.p90, 2), "", k("latencyMs.p90")),
      el("td", fmt(v.latencyMs.p99, 2), "", k("latencyMs.p99")),
      el("td", fmt(v.received), "", k("received")),
      el("td", fmt(v.answered), "", k("answered")),
      el("td", fmt(v.failed), v.failed ? "bad" : "", k("failed")),
      el("td", fmt(v.expired), v.expired ? "bad" : "", k("expired")),
      el("td", fmt(v.dropped), v.dropped ? "bad" : "", k("dropped")),
      el("td", fmt(v.lost), v.lost ? "bad" : "", k("lost")));
    tb.append(tr);
  }
  const wb = document.querySelector("#workers tbody");
  wb.replaceChildren();
  const list = s.workerList || [];
  document.getElementById("workers-note").textContent = list.length < s.workers ? "(" + list.length + " of " + s.workers + " listed)" : "";
  if (list.length === 0) {
    const tr = el("tr"); const td = el("td", "no worker registered", "empty"); td.colSpan = 5; tr.append(td); wb.append(tr);
  }
  for (const w of list) {
    const tr = el("tr");
    tr.dataset.worker = w.worker;
    tr.append(el("td", w.service, "t"), el("td", w.worker, "t"),
      el("td", w.busy ? "busy" : "idle", w.busy ? "busy t" : "idle t", "worker:" + w.worker + ":state"),
      el("td", ago(w.heardMsAgo) + " ago"), el("td", w.busy ? ago(w.busyMs) : "-"));
    wb.append(tr);
  }
  const cb = document.querySelector("#counters tbody");
  cb.replaceChildren();
  for (const [name, v] of Object.entries(s.counters)) {
    const tr = el("tr");
    tr.append(el("td", name, "t"), el("td", fmt(v), "", "counters." + name));
    cb.append(tr);
  }
}
const NS = "http://www.w3.org/2000/svg";
function chart(id, legendId, lines, unit) {
  const svg = document.getElementById(id);
  svg.replaceChildren();
  let max = 0;
  for (const l of lines) for (const v of l.values) if (v !== null && v > max) max = v;
  if (max === 0) max = 1;
  const top = max * 1.1;
  for (let i = 1; i < 4; i++) {
    const g = document.createElementNS(NS, "line");
    const y = 120 - (120 * i) / 4;
    g.setAttribute("x1", "0"); g.setAttribute("x2", "300"); g.setAttribute("y1", y); g.setAttribute("y2", y);
    g.setAttribute("stroke", "#2a3440"); g.setAttribute("stroke-width", "0.5");
    svg.append(g);
  }
  for (const l of lines) {
    const n = l.values.length;
    let d = "";
    l.values.forEach((v, i) => {
      if (v === null || Number.isNaN(v)) return;
      const span = Math.max(60, Math.min(WINDOW, n));
      const x = n <= 1 ? 300 : (300 * (span - n + i)) / (span - 1);
      const y = 120 - (118 * v) / top;
      d += (d === "" || l.values[i - 1] === null ? "M" : "L") + x.toFixed(1) + " " + y.toFixed(1) + " ";
    });
    if (!d) continue;
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d); p.setAttribute("fill", "none"); p.setAttribute("stroke", l.color);
    p.setAttribute("stroke-width", "1.5"); p.setAttribute("vector-effect", "non-scaling-stroke");
    if (l.dash) p.setAttribute("stroke-dasharray", "4 3");
    svg.append(p);
  }
  const legend = document.getElementById(legendId);
  legend.replaceChildren();
  const seen = new Set();
  for (const l of lines) {
    if (seen.has(l.name)) continue;
    seen.add(l.name);
    const i = document.createElement("i"); i.style.background = l.color;
    legend.append(i, document.createTextNode(l.name));
  }
  legend.append(document.createTextNode("  (max " + fmt(max, max < 10 ? 2 : 0) + unit + ")"));
}
function drawCharts() {
  const names = new Set();
  for (const p of points) for (const n of Object.keys(p.services)) names.add(n);
  const series = (name, f) => points.map((p) => {
    const v = p.services[name];
    if (!v) return null;
    const x = v[f];
    return x === null || x === undefined ? null : x;
  });
  const rate = [], lat = [], queue = [];
  for (const n of [...names].sort()) {
    const c = color(n);
    rate.push({ name: n, color: c, values: points.map((p) => p.services[n] ? p.services[n][0] + p.services[n][1] : null) });
    lat.push({ name: n, color: c, values: series(n, 2) });
    lat.push({ name: n, color: c, dash: true, values: series(n, 3) });
    queue.push({ name: n, color: c, values: series(n, 4) });
  }
  chart("c-rate", "l-rate", rate, "/s");
  chart("c-lat", "l-lat", lat, " ms");
  chart("c-queue", "l-queue", queue, "");
}
function addPoints(list) {
  points = points.concat(list);
  if (points.length > WINDOW) points = points.slice(points.length - WINDOW);
}
window.pageState = { updates: 0, last: null };
function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("/events");
  es.addEventListener("history", (e) => { points = []; addPoints(JSON.parse(e.data)); drawCharts(); });
  es.addEventListener("stats", (e) => {
    const msg = JSON.parse(e.data);
    addPoints(msg.points);
    render(msg.stats);
    drawCharts();
    window.pageState.updates++;
    window.pageState.last = msg.stats;
    live.className = "on"; live.textContent = "live";
  });
  es.onerror = () => { live.className = "off"; live.textContent = "disconnected, retrying"; };
}
connect();
</script>
</body>
</html>
`;
