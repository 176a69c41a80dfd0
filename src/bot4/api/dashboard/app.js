// Bot4 dashboard: polls /status and /orders and draws them; sends the kill switch commands.
// Plain DOM and textContent only: nothing from the API is ever parsed as HTML.
"use strict";

const POLL_MS = Number(document.body.dataset.pollMs) || 1000;
const SVG_NS = "http://www.w3.org/2000/svg";

// Every call rides on the HttpOnly session cookie; X-Bot4-Csrf is required for commands.
async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Bot4-Csrf": "1" },
  });
  if (response.status === 401) {
    throw new Error("not logged in: open the URL with ?token=... that the node printed");
  }
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status}`);
  }
  return response.json();
}

function el(id) {
  return document.getElementById(id);
}

function fillTable(id, rows, columns) {
  const body = el(id).tBodies[0];
  const fresh = document.createElement("tbody");
  for (const row of rows) {
    const tr = fresh.insertRow();
    for (const column of columns) {
      const td = tr.insertCell();
      const value = column.value(row);
      td.textContent = value === null || value === undefined ? "–" : String(value);
      const extra = column.cls ? column.cls(row) : "";
      if (extra) td.className = extra;
    }
  }
  body.replaceWith(fresh);
}

function signClass(text) {
  const v = Number(text);
  return v < 0 ? "num neg" : v > 0 ? "num pos" : "num";
}

function drawPnl(history) {
  const svg = el("pnl-chart");
  svg.replaceChildren();
  if (history.length < 2) return;
  const w = 600, h = 160, pad = 6;
  const t0 = history[0].ts_ns, t1 = history[history.length - 1].ts_ns;
  const values = history.map((p) => Number(p.total));
  const lo = Math.min(0, ...values), hi = Math.max(0, ...values);
  const span = hi - lo || 1, tspan = t1 - t0 || 1;
  const x = (t) => ((t - t0) / tspan) * w;
  const y = (v) => h - pad - ((v - lo) / span) * (h - 2 * pad);
  const zero = document.createElementNS(SVG_NS, "line");
  zero.setAttribute("class", "zero");
  zero.setAttribute("x1", "0");
  zero.setAttribute("x2", String(w));
  zero.setAttribute("y1", String(y(0)));
  zero.setAttribute("y2", String(y(0)));
  svg.appendChild(zero);
  const line = document.createElementNS(SVG_NS, "polyline");
  line.setAttribute("class", values[values.length - 1] < 0 ? "pnl neg" : "pnl");
  line.setAttribute("points", history.map((p, i) => `${x(p.ts_ns)},${y(values[i])}`).join(" "));
  svg.appendChild(line);
}

function render(status, orders) {
  const badge = el("trading-state");
  badge.textContent = status.trading_state;
  badge.dataset.state = status.trading_state;
  const kill = status.kill_switch;
  el("kill-state").textContent = kill.active
    ? `TRIPPED by ${kill.who} (${kill.source}) at ${new Date(kill.ts_ns / 1e6).toISOString()}: ${kill.reason}`
    : "not tripped";
  el("pnl-total").textContent = status.pnl.total;
  el("pnl-realized").textContent = status.pnl.realized;
  el("pnl-unrealized").textContent = status.pnl.unrealized;
  drawPnl(status.pnl.history);
  fillTable("positions", status.positions, [
    { value: (p) => p.instrument_id },
    { value: (p) => p.qty, cls: (p) => signClass(p.qty) },
    { value: (p) => p.avg_price, cls: () => "num" },
    { value: (p) => p.mark_price, cls: () => "num" },
    { value: (p) => p.realized_pnl, cls: (p) => signClass(p.realized_pnl) },
    { value: (p) => p.unrealized_pnl, cls: (p) => signClass(p.unrealized_pnl) },
  ]);
  el("open-order-count").textContent = String(status.open_orders);
  fillTable("orders", orders, [
    { value: (o) => o.client_order_id },
    { value: (o) => o.instrument_id },
    { value: (o) => o.side },
    { value: (o) => o.order_type },
    { value: (o) => o.qty, cls: () => "num" },
    { value: (o) => o.filled_qty, cls: () => "num" },
    { value: (o) => o.price, cls: () => "num" },
    { value: (o) => o.state },
    { value: (o) => o.strategy_id },
  ]);
  // Where orders go; red when they reach an account with real money.
  const execution = status.execution || { description: "paper", real_account: false };
  el("execution").textContent = `orders: ${execution.description}`;
  el("execution").dataset.real = String(execution.real_account);
  const breakers = Object.entries(status.breakers).map(([name, state]) => ({ name, state }));
  fillTable("breakers", breakers, [
    { value: (b) => b.name },
    { value: (b) => b.state, cls: (b) => `state-${b.state}` },
  ]);
  const quiet = (status.quiet || []).map(
    (q) => `${q.component} quiet for ${q.quiet_s} s (limit ${q.limit_s} s)`,
  );
  el("watchdog").textContent = quiet.length
    ? `watchdog: ${quiet.join("; ")}`
    : "watchdog: every feed and strategy is alive";
  fillTable("why", status.why, [
    { value: (w) => w.instrument_id },
    { value: (w) => w.last_decision },
    {
      // The newest three; the CLI's `bot4 status --why` lists them all.
      value: (w) => {
        const recent = w.rejections.slice(-3).reverse();
        const text = recent.map((r) => `${r.source}: ${r.reason} (${r.client_order_id})`);
        const more = w.rejections.length - recent.length;
        return text.join("; ") + (more > 0 ? ` (+${more} earlier)` : "");
      },
    },
  ]);
}

async function refresh() {
  try {
    const [status, orders] = await Promise.all([api("/status"), api("/orders")]);
    render(status, orders);
    el("connection").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    el("connection").textContent = String(error.message || error);
  }
}

async function command(path, body, question) {
  if (!window.confirm(question)) return;
  try {
    const result = await api(path, { method: "POST", body: JSON.stringify(body) });
    el("command-result").textContent = result.active
      ? `kill switch tripped: ${result.reason}`
      : "kill switch reset";
  } catch (error) {
    el("command-result").textContent = String(error.message || error);
  }
  await refresh();
}

el("kill-button").addEventListener("click", () => {
  const reason = el("kill-reason").value.trim() || "operator kill from the dashboard";
  command(
    "/kill",
    { reason, who: "dashboard" },
    "Trip the kill switch? Trading halts and every open order is cancelled.",
  );
});

el("reset-button").addEventListener("click", () => {
  command("/reset-kill", { who: "dashboard" }, "Reset the kill switch and resume trading?");
});

async function loop() {
  await refresh();
  window.setTimeout(loop, POLL_MS);
}

loop();
