// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched at view time). The verdict
// table first, then per scenario a timeline sharing one time axis: throughput per second (successes and failures
// by class), p50/p99 latency per second (log scale), each node's up/down lane as the cluster reported it, and the
// fault, heal and readiness markers; then its checks with the offending operations. Pure: report in, HTML out.
import { ERROR_CLASSES, type ErrorClass } from "../load/errors.ts";
import { checksCell, failures, headline, passed, type HarnessReport, type ScenarioResult, type Timeline, type TimelineEvent } from "./report.ts";

/** Extra findings shown under the headline, e.g. the demo's verdict on clocks. */
export interface HtmlNote {
  title: string;
  lines: string[];
  pass?: boolean;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const COLORS: Record<ErrorClass | "ok", string> = { ok: "#2e9e5b", timeout: "#e8a33d", unavailable: "#d9534f", refused: "#8e44ad", contention: "#3b7dd8", other: "#888" };
const EVENT_COLORS: Record<TimelineEvent["kind"], string> = { fault: "#c0392b", heal: "#2471a3", ready: "#1e8449", "not-ready": "#d68910", mark: "#7d3c98" };
const LANE_COLORS = { up: "#2e9e5b", down: "#d9534f", absent: "#bbb" };

const W = 1120;
const LEFT = 150;
const RIGHT = 20;
const PLOT = W - LEFT - RIGHT;
const PANEL = 130;
const LANE = 13;

const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

function niceMax(v: number): number {
  if (v <= 0) return 10;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v)!;
}

function timeline(tl: Timeline): string {
  const span = Math.max(1, Math.ceil(tl.durationS), tl.series.length);
  const x = (t: number) => LEFT + (Math.min(Math.max(t, 0), span) / span) * PLOT;
  const barW = Math.max(1, PLOT / span - 1);
  const top = 44;
  const tputY = top;
  const latY = tputY + PANEL + 28;
  const lanesY = latY + PANEL + 28;
  const height = lanesY + tl.nodes.length * LANE + 34;
  const out: string[] = [];

  // throughput: stacked bars per second
  const maxOps = niceMax(Math.max(...tl.series.map((s) => s.ok + ERROR_CLASSES.reduce((a, c) => a + s.errors[c], 0)), 1));
  const yOps = (v: number) => tputY + PANEL - (v / maxOps) * PANEL;
  out.push(`<text class="panel" x="${LEFT - 8}" y="${tputY - 10}" text-anchor="end">ops/s</text>`);
  for (const v of [0, maxOps / 2, maxOps]) out.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${yOps(v)}" y2="${yOps(v)}"/><text class="tick" x="${LEFT - 8}" y="${yOps(v) + 4}" text-anchor="end">${n1(v)}</text>`);
  for (const s of tl.series) {
    let base = 0;
    for (const part of ["ok", ...ERROR_CLASSES] as const) {
      const v = part === "ok" ? s.ok : s.errors[part];
      if (v <= 0) continue;
      out.push(`<rect x="${x(s.t).toFixed(1)}" y="${yOps(base + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(yOps(base) - yOps(base + v)).toFixed(1)}" fill="${COLORS[part]}"><title>t=${s.t}s ${part}: ${v}</title></rect>`);
      base += v;
    }
  }

  // latency: p50 and p99 per second, log scale 1 ms .. 10 s
  const lo = 1;
  const hi = 10_000;
  const yLat = (ms: number) => latY + PANEL - ((Math.log10(Math.min(Math.max(ms, lo), hi)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL;
  out.push(`<text class="panel" x="${LEFT - 8}" y="${latY - 10}" text-anchor="end">latency</text>`);
  for (const v of [1, 10, 100, 1000, 10000]) out.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${yLat(v)}" y2="${yLat(v)}"/><text class="tick" x="${LEFT - 8}" y="${yLat(v) + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`);
  for (const [key, color] of [["p50Ms", "#3b7dd8"], ["p99Ms", "#d9534f"]] as const) {
    const pts = tl.series.filter((s) => s[key] !== null).map((s) => `${(x(s.t) + barW / 2).toFixed(1)},${yLat(s[key]!).toFixed(1)}`);
    if (pts.length) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(" ")}"/>`);
  }

  // node lanes
  out.push(`<text class="panel" x="${LEFT - 8}" y="${lanesY - 8}" text-anchor="end">nodes</text>`);
  tl.nodes.forEach((lane, i) => {
    const y = lanesY + i * LANE;
    out.push(`<text class="lane" x="${LEFT - 8}" y="${y + LANE - 3}" text-anchor="end">${esc(lane.pod)}</text>`);
    lane.runs.forEach((run, j) => {
      const end = lane.runs[j + 1]?.t ?? span;
      out.push(`<rect x="${x(run.t).toFixed(1)}" y="${y + 1}" width="${Math.max(1, x(end) - x(run.t)).toFixed(1)}" height="${LANE - 3}" fill="${LANE_COLORS[run.state]}"><title>${esc(lane.pod)} ${run.state} from t=${n1(run.t)}s</title></rect>`);
    });
  });

  // markers across every panel, labels staggered above
  const rowEnds = [0, 0, 0];
  for (const e of tl.events) {
    const ex = x(e.t);
    const label = shorten(e.label);
    // The first of three label rows where this label does not run into the previous one (~5.5 px a character).
    const row = Math.max(0, rowEnds.findIndex((end) => end < ex));
    rowEnds[row] = ex + label.length * 5.5 + 6;
    out.push(`<line x1="${ex.toFixed(1)}" x2="${ex.toFixed(1)}" y1="${top - 4}" y2="${height - 28}" stroke="${EVENT_COLORS[e.kind]}" stroke-width="1.5" stroke-dasharray="5 3"/>`);
    out.push(`<text class="event" x="${ex.toFixed(1)}" y="${10 + row * 10}" fill="${EVENT_COLORS[e.kind]}">${esc(label)}<title>${esc(e.label)} at t=${n1(e.t)}s</title></text>`);
  }

  // time axis
  const step = niceMax(span / 10);
  for (let t = 0; t <= span; t += step) out.push(`<text class="tick" x="${x(t)}" y="${height - 12}" text-anchor="middle">${t}s</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img">${out.join("")}</svg>`;
}

const shorten = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s);

function legend(): string {
  const item = (color: string, label: string, line = false) =>
    `<span class="key"><svg width="14" height="10">${line ? `<line x1="0" x2="14" y1="5" y2="5" stroke="${color}" stroke-width="2"/>` : `<rect width="14" height="10" fill="${color}"/>`}</svg>${label}</span>`;
  return `<p class="legend">${item(COLORS.ok, "ok")}${ERROR_CLASSES.map((c) => item(COLORS[c], c)).join("")}${item("#3b7dd8", "p50", true)}${item("#d9534f", "p99", true)}${item(LANE_COLORS.up, "node up")}${item(LANE_COLORS.down, "node down")}${item(LANE_COLORS.absent, "not listed")}${(Object.keys(EVENT_COLORS) as TimelineEvent["kind"][]).map((k) => item(EVENT_COLORS[k], k, true)).join("")}</p>`;
}

function verdictTable(report: HarnessReport): string {
  const rows = report.scenarios.map((r) => `<tr class="${passed(r) ? "pass" : "fail"}"><td><a href="#${esc(r.name)}">${esc(r.name)}</a></td><td>${passed(r) ? "PASS" : "FAIL"}</td><td>${r.writesAcknowledged} / ${r.writesAttempted}</td><td>${r.lost}</td><td>${esc(checksCell(r))}</td><td>${r.latency ? `${r.latency.p50Ms.toFixed(0)} / ${r.latency.p99Ms.toFixed(0)} ms` : "-"}</td><td>${r.achievedRate ?? "-"} / ${r.targetRate ?? "-"}</td><td>${r.longestWriteGapS.toFixed(1)} s</td><td>${r.readyAgainS === null ? `not in ${r.readyTimeoutS} s` : r.readyAgainS === 0 ? "stayed Ready" : `${r.readyAgainS.toFixed(1)} s`}</td><td>${r.expectationMet ? "yes" : "NO"}: ${esc(r.expectationDetail)}</td></tr>`);
  return `<table><thead><tr><th>scenario</th><th>verdict</th><th>acked / attempted writes</th><th>lost</th><th>checks</th><th>p50 / p99</th><th>ops/s done / asked</th><th>longest write gap</th><th>Ready again</th><th>expectation</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function scenarioSection(r: ScenarioResult): string {
  const why = failures(r);
  const checks = (r.checks ?? []).map((c) => `<li class="${c.passed ? "pass" : "fail"}"><b>${esc(c.name)}</b> ${c.passed ? "passed" : "FAILED"}: ${esc(c.summary)} <span class="claim">(${esc(c.claim)})</span>${c.offending.length ? `<ul>${c.offending.map((o) => `<li><code>${esc(o)}</code></li>`).join("")}${c.offendingCount > c.offending.length ? `<li>… ${c.offendingCount - c.offending.length} more in report.json</li>` : ""}</ul>` : ""}</li>`);
  const phases = Object.entries(r.latencyByPhase ?? {}).map(([p, l]) => `${esc(p)}: p50 ${l.p50Ms.toFixed(0)} ms, p99 ${l.p99Ms.toFixed(0)} ms (${l.count} ops)`);
  const errors = r.errorClasses ? ERROR_CLASSES.filter((c) => r.errorClasses![c] > 0).map((c) => `${c} ${r.errorClasses![c]}`) : [];
  return `<section id="${esc(r.name)}"><h2><span class="badge ${passed(r) ? "pass" : "fail"}">${passed(r) ? "PASS" : "FAIL"}</span> ${esc(r.name)}</h2>
<p class="what"><b>Fault:</b> ${esc(r.fault)}. <b>Expected:</b> ${esc(r.expectation)}; ${r.expectationMet ? "met" : "NOT met"}: ${esc(r.expectationDetail)}.</p>
${why.length ? `<p class="why">${why.map(esc).join("<br>")}</p>` : ""}
${r.timeline ? timeline(r.timeline) : "<p>No timeline (the load did not start).</p>"}
<p class="facts">${[...phases, errors.length ? `failed operations: ${errors.join(", ")}` : "no failed operation"].join(" · ")}</p>
<ul class="checks">${checks.join("")}</ul></section>`;
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1160px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px}.sub{color:#666;margin:0 0 14px}
.headline{font-size:18px;font-weight:600;padding:8px 12px;border-radius:6px}.headline.pass{background:#e6f4ea}.headline.fail{background:#fdecea}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f5f5f5}
tr.fail td:nth-child(2){color:#c0392b;font-weight:700}tr.pass td:nth-child(2){color:#1e8449;font-weight:700}
.badge{font-size:12px;padding:2px 6px;border-radius:4px;color:#fff}.badge.pass{background:#1e8449}.badge.fail{background:#c0392b}
.note{border-left:4px solid #2471a3;padding:4px 12px;margin:12px 0;background:#f4f8fb}.note.fail{border-color:#c0392b;background:#fdf2f1}.note.pass{border-color:#1e8449}
svg text{font:11px system-ui,sans-serif}svg .panel{font-weight:600;fill:#444}svg .tick{fill:#666}svg .lane{fill:#333;font-size:10px}svg .event{font-size:10px}
svg .grid{stroke:#e5e5e5}.legend{font-size:12px;color:#444}.key{margin-right:10px;white-space:nowrap}.key svg{vertical-align:middle;margin-right:3px}
.why{color:#c0392b}.facts{color:#444;font-size:13px}.checks li.fail>b{color:#c0392b}.checks li.pass>b{color:#1e8449}.claim{color:#777}code{font-size:12px}`;

export function renderHtml(report: HarnessReport, notes: HtmlNote[] = []): string {
  const ok = report.scenarios.length > 0 && report.scenarios.every(passed);
  const noteHtml = notes.map((n) => `<div class="note${n.pass === undefined ? "" : n.pass ? " pass" : " fail"}"><b>${esc(n.title)}</b><br>${n.lines.map(esc).join("<br>")}</div>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FaunaDB resilience report ${esc(report.startedAt)}</title><style>${CSS}</style></head><body>
<h1>FaunaDB resilience report</h1>
<p class="sub">cluster ${esc(report.cluster)} (${esc(report.topology)}) · load ${esc(report.load)} · started ${esc(report.startedAt)} · ${report.durationS.toFixed(0)} s</p>
<p class="headline ${ok ? "pass" : "fail"}">${esc(headline(report))}</p>
${noteHtml.join("\n")}
${verdictTable(report)}
${report.notRun.length ? `<p class="sub">Not run: ${report.notRun.map((n) => `${esc(n.name)} (${esc(n.reason)})`).join("; ")}</p>` : ""}
${legend()}
${report.scenarios.map(scenarioSection).join("\n")}
</body></html>
`;
}
