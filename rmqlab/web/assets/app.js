// rmqlab dashboard: draws the server's view (pushed as server-sent events) and sends fault requests.
// No framework and no build step: the DOM is rebuilt from each view; the strips also tick once a second.
"use strict";

const TOKEN = document.querySelector('meta[name="rmqlab-token"]').content;
const STRIP_SECONDS = 120;
const STATE_WORDS = { running: "running", exited: "exited", paused: "paused", isolated: "isolated",
                      missing: "missing", created: "created", restarting: "restarting", dead: "dead" };
let view = null;
let pending = null; // {action, target} awaiting confirmation
let drawn = { machines: null, actions: null }; // what the boxes and buttons were built from
window.rmqlabRenders = []; // [{version, at (epoch ms), masters, answer}] for tests and benchmarks

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value; // CSSOM: allowed under the page's CSP
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function secondsText(s) {
  return s < 10 ? `${s.toFixed(1)} s` : s < 120 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function clock(epoch) {
  return new Date(epoch * 1000).toLocaleTimeString([], { hour12: false });
}

// -- the stream ------------------------------------------------------------------------------------------

function connect() {
  const source = new EventSource(`/api/events?token=${encodeURIComponent(TOKEN)}`);
  const conn = document.getElementById("conn");
  source.addEventListener("view", (event) => {
    conn.textContent = "live";
    conn.dataset.state = "live";
    render(JSON.parse(event.data));
  });
  source.onerror = () => {
    conn.textContent = "reconnecting… (is `rmqlab dashboard` still running?)";
    conn.dataset.state = "lost";
  };
}

// -- drawing ---------------------------------------------------------------------------------------------

function render(next) {
  view = next;
  document.getElementById("mode").textContent = view.mode ? `${view.mode} · RocketMQ ${view.rocketmq}` : "";
  document.getElementById("how").textContent = view.how || "";
  renderBanner();
  renderClusterActions();
  renderGroups();
  renderMachines();
  renderExperiment();
  renderFeed();
  document.body.dataset.phase = view.phase;
  document.body.dataset.version = view.version;
  const masters = Object.fromEntries(view.groups.map((g) => [g.name, g.master]));
  const answer = view.groups.map((g) => `${g.name}=${g.master || ""}/${g.slaves.slice().sort().join(",")}`).join(";");
  window.rmqlabRenders.push({ version: view.version, at: performance.timeOrigin + performance.now(), masters, answer });
  if (window.rmqlabRenders.length > 500) window.rmqlabRenders.shift();
}

function renderBanner() {
  const banner = document.getElementById("banner");
  banner.hidden = view.phase === "live";
  banner.dataset.phase = view.phase;
  document.getElementById("banner-message").textContent = view.message || "";
  document.getElementById("banner-hint").textContent = view.hint || "";
}

function renderClusterActions() {
  const actions = view.machines.length ? view.cluster_actions : [];
  if (JSON.stringify(actions) === drawn.actions) return;
  drawn.actions = JSON.stringify(actions);
  document.getElementById("cluster-actions").replaceChildren(...actions.map((a) => actionButton(a, null)));
}

function renderGroups() {
  const box = document.getElementById("groups");
  box.replaceChildren(...view.groups.map((group) => {
    const probe = group.probe;
    const writable = probe ? probe.writable : null;
    const strip = el("div", { class: "strip", "data-strip": group.name });
    const row = el("div", { class: "group", "data-group": group.name, "data-master": group.master || "",
                            "data-writable": String(writable) },
      el("span", { class: "group-name" }, group.name),
      el("span", { class: "group-master" }, group.master ? `${group.master_word}: ${group.master}`
                                                          : `no ${group.master_word}`),
      strip,
      el("span", { class: "group-writes", "data-writes": group.name }));
    return row;
  }));
  tickStrips();
}

function tickStrips() {
  if (!view) return;
  const now = Date.now() / 1000;
  for (const group of view.groups) {
    const strip = document.querySelector(`[data-strip="${group.name}"]`);
    const words = document.querySelector(`[data-writes="${group.name}"]`);
    if (!strip || !words) continue;
    const probe = group.probe;
    if (!probe) { words.textContent = "no probe"; continue; }
    const from = now - STRIP_SECONDS;
    const x = (t) => `${Math.max(0, Math.min(100, ((t - from) / STRIP_SECONDS) * 100))}%`;
    const parts = [];
    if (probe.began > from) parts.push(el("i", { class: "unknown", style: `left:0;width:${x(probe.began)}` }));
    for (const [start, end] of probe.windows) {
      const stop = end === null ? now : end;
      if (stop < from) continue;
      const left = x(start);
      const width = `${Math.max(0.4, parseFloat(x(stop)) - parseFloat(left))}%`;
      parts.push(el("i", { class: "down", style: `left:${left};width:${width}` }));
    }
    strip.replaceChildren(...parts);
    const open = probe.windows.find((w) => w[1] === null);
    words.classList.toggle("bad", Boolean(open));
    words.title = open ? open[2] : "";
    if (open) words.textContent = `cannot take writes for ${secondsText(now - open[0])}: ${open[2]}`;
    else if (probe.writable === true) words.textContent = "takes writes";
    else words.textContent = "probing…";
  }
}

function renderMachines() {
  // Rebuild the boxes only when what they show changes, so a button is not replaced under the pointer;
  // offsets and lag, which change all the time, are updated in place.
  const shape = JSON.stringify(view.machines.map((m) => [m.name, m.ip, m.state, m.actions,
    m.nodes.map((n) => [n.name, n.state, n.role, n.role_word, n.actions])]));
  if (shape === drawn.machines) {
    for (const node of view.machines.flatMap((m) => m.nodes)) {
      const facts = document.querySelector(`[data-node="${node.name}"] .facts`);
      if (facts) facts.textContent = factsOf(node);
    }
    return;
  }
  drawn.machines = shape;
  const box = document.getElementById("machines");
  box.replaceChildren(...view.machines.map((machine) => el("div", {
      class: `machine state-${machine.state}`, "data-machine": machine.name, "data-state": machine.state },
    el("div", { class: "machine-head" },
      el("h2", {}, machine.name), el("span", { class: "ip" }, machine.ip),
      el("span", { class: `badge state-${machine.state}` }, machine.state),
      el("span", { class: "actions" }, ...machine.actions.map((a) => actionButton(a, machine.name)))),
    ...machine.nodes.map(nodeBox))));
}

function factsOf(node) {
  const facts = [];
  if (node.kind === "broker") {
    facts.push(`${node.group} · brokerId ${node.broker_id === null ? "–" : node.broker_id}`);
    facts.push(`commit log ${node.offset === null || node.offset === undefined ? "–" : node.offset.toLocaleString()}`);
    if (node.lag !== null && node.lag !== undefined) facts.push(`lag ${node.lag.toLocaleString()} B`);
  }
  facts.push(node.address + (node.local ? ` → ${node.local}` : ""));
  return facts.join(" · ");
}

function nodeBox(node) {
  const role = node.kind === "broker" ? node.role_word : node.role;
  return el("div", { class: `node kind-${node.kind} role-${role.replace(/ /g, "-")} state-${node.state}`,
                     "data-node": node.name, "data-role": role, "data-state": node.state },
    el("div", { class: "node-head" },
      el("strong", {}, node.name),
      el("span", { class: "role" }, role),
      el("span", { class: `badge state-${node.state}` }, STATE_WORDS[node.state] || node.state)),
    el("div", { class: "facts" }, factsOf(node)),
    el("div", { class: "actions" }, ...node.actions.map((a) => actionButton(a, node.name))));
}

function renderExperiment() {
  const box = document.getElementById("experiment");
  const exp = view.experiment;
  box.hidden = !exp;
  if (!exp) return;
  box.dataset.running = String(exp.running);
  document.getElementById("exp-title").textContent = `${exp.scenario} · ${exp.mode}`;
  const state = document.getElementById("exp-state");
  if (exp.running) {
    const of = exp.duration ? ` of ${secondsText(exp.duration)}` : "";
    state.replaceChildren(`Running: ${secondsText(exp.seconds)}${of} recorded so far.`);
  } else {
    const link = el("a", { href: `/report?token=${encodeURIComponent(TOKEN)}`, id: "report-link",
                           target: "_blank", rel: "noopener" }, "report.html");
    state.replaceChildren("Finished. The full report: ", exp.report ? link : "(not written)", ` · ${exp.run_dir}`);
  }
  document.getElementById("exp-timeline").innerHTML = exp.svg || ""; // drawn and escaped by rmqlab's report code
  document.getElementById("exp-verdicts").replaceChildren(...exp.verdicts.map((v) => el("li", {}, v)));
}

function renderFeed() {
  const items = view.feed.slice().reverse();
  document.getElementById("feed").replaceChildren(...items.map((item) => el("li", {
      class: `feed-${item.kind}`, "data-kind": item.kind, "data-group": item.group || "" },
    el("time", {}, clock(item.at)), " ", el("span", { class: "text" }, item.text),
    item.why ? el("p", { class: "why" }, item.why) : null)));
}

// -- acting ----------------------------------------------------------------------------------------------

function actionButton(action, target) {
  const fault = view.faults[action];
  return el("button", { class: `act act-${action}`, "data-action": action, "data-target": target || "",
                        title: fault ? fault.summary : action, type: "button",
                        onclick: () => ask(action, target) }, action);
}

function ask(action, target) {
  const fault = view.faults[action];
  pending = { action, target };
  document.getElementById("confirm-title").textContent = target ? `${action} ${target}?` : `${action} the cluster?`;
  document.getElementById("confirm-summary").textContent = fault.summary;
  document.getElementById("confirm-cli").textContent = fault.cli.replace("{target}", target || "");
  document.getElementById("confirm-ok").textContent = action;
  document.getElementById("confirm").showModal();
}

async function send(action, target) {
  const result = document.getElementById("result");
  result.hidden = false;
  result.className = "busy";
  result.textContent = `${action} ${target || ""}…`;
  try {
    const response = await fetch("/api/fault", {
      method: "POST", headers: { "Content-Type": "application/json", "X-Rmqlab-Token": TOKEN },
      body: JSON.stringify({ action, target }),
    });
    const answer = await response.json();
    result.className = answer.ok ? "ok" : "bad";
    result.textContent = answer.ok ? (answer.lines.join("\n") || "Nothing to do.")
                                   : `${answer.error}${answer.hint ? "\n" + answer.hint : ""}`;
  } catch (error) {
    result.className = "bad";
    result.textContent = `No answer from the dashboard: ${error}`;
  }
}

document.getElementById("confirm").addEventListener("close", (event) => {
  const chosen = event.target.returnValue;
  if (chosen === "ok" && pending) send(pending.action, pending.target);
  pending = null;
});

connect();
setInterval(tickStrips, 1000);
