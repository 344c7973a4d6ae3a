// The live console: one EventSource on the channel's stream draws the
// connection state, the input feed, counters, the inputs-per-second chart,
// joystick trails and the participants; forms post to the console's
// actions and show the answer beside them.
const root = document.getElementById("live");
const base = root.dataset.base;
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
const FEED_MAX = 200;

// Timestamps of inputs as the page received them (ms since the epoch,
// sub-millisecond), for tests and overlays that measure latency in-page:
// [{participant, control, event, at}].
window.liveInputs = [];

async function post(path, data) {
  const resp = await fetch(base + path, {
    method: "POST", body: data, headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin",
  });
  let out;
  try { out = await resp.json(); } catch { out = { ok: false, message: resp.status + " " + resp.statusText }; }
  out.status = resp.status;
  return out;
}

function showResult(el, r) {
  if (!el) return;
  el.textContent = r.message || (r.ok ? "Done." : "Failed.");
  el.classList.toggle("error", !r.ok);
  el.dataset.ok = String(!!r.ok);
}

// Every console form posts through fetch; a saved control takes its new
// revision so the next save is not refused as stale.
root.addEventListener("submit", async (e) => {
  const form = e.target.closest("form[data-live-action]");
  if (!form) return;
  e.preventDefault();
  const r = await post(form.dataset.liveAction, new FormData(form));
  showResult(form.querySelector(".live-msg") || document.getElementById("live-scene-msg"), r);
  if (r.saved && r.revision) form.querySelector('input[name="revision"]').value = r.revision;
});

root.addEventListener("change", async (e) => {
  const box = e.target.closest(".live-autocapture");
  if (!box) return;
  const fd = new FormData();
  fd.set("control", box.dataset.control);
  fd.set("on", box.checked ? "true" : "false");
  showResult(box.closest("form").querySelector(".live-msg"), await post("/autocapture", fd));
});

// --- state ---
const stateEl = document.getElementById("live-state");
let retryTimer = null;
function drawState(st) {
  clearInterval(retryTimer);
  stateEl.dataset.state = st.state;
  stateEl.className = "live-state state-" + st.state;
  const tail = () => {
    let s = st.state;
    if (st.state === "reconnecting" && st.retryInMs) {
      const left = Math.max(0, Math.ceil((st.since + st.retryInMs - Date.now()) / 1000));
      s += " in " + left + " s";
    }
    if (st.reason && st.state !== "live") s += ": " + st.reason;
    if (st.code) s += " (" + st.code + ")";
    return s;
  };
  stateEl.textContent = tail();
  // Going live again while live would only be refused: offer what the
  // state allows (the page's first state is the server's, same rule).
  const running = ["connecting", "live", "reconnecting"].includes(st.state);
  const go = document.querySelector("[data-testid=live-go]");
  if (go) {
    go.disabled = running;
    go.title = running ? "Already " + st.state + ": stop first to go live another way." : "";
  }
  const stop = document.querySelector("[data-testid=live-stop]");
  if (stop) stop.disabled = !running;
  if (st.state === "reconnecting") retryTimer = setInterval(() => { stateEl.textContent = tail(); }, 500);
  // An answer like "Live." beside Go live is stale once the state moves on.
  if (st.state !== "live") for (const o of root.querySelectorAll(".live-connect .live-msg")) if (o.dataset.ok === "true") o.textContent = "";
  if (st.state === "stopped") { people.clear(); drawPeople(0); }
}

// --- participants ---
const people = new Map();
const peopleEl = document.getElementById("live-participants");
const groups = (peopleEl.dataset.groups || "default").split(",");
function drawPeople(count) {
  document.getElementById("live-participants-count").textContent = String(count ?? people.size);
  peopleEl.replaceChildren(...[...people.values()].slice(0, 200).map((p) => {
    const li = document.createElement("li");
    li.dataset.participant = p.sessionID;
    const name = document.createElement("span");
    name.textContent = (p.username || "anonymous") + " ";
    const sel = document.createElement("select");
    for (const g of groups) {
      const o = document.createElement("option");
      o.value = g; o.textContent = g; o.selected = g === p.groupID;
      sel.append(o);
    }
    const btn = document.createElement("button");
    btn.type = "button"; btn.textContent = "Move";
    const msg = document.createElement("output");
    btn.addEventListener("click", async () => {
      const fd = new FormData();
      fd.set("participant", p.sessionID); fd.set("group", sel.value);
      showResult(msg, await post("/participant", fd));
    });
    li.append(name, sel, btn, " ", ...moderateControls(p), msg);
    return li;
  }));
}

// moderateControls are a participant's mute (minutes), kick and ban
// buttons; the answer shows under the list (the row may be gone by then).
function moderateControls(p) {
  const out = document.getElementById("live-moderate-msg");
  const mins = document.createElement("input");
  mins.size = 3; mins.value = "10"; mins.title = "minutes";
  mins.dataset.testid = "live-mute-minutes";
  const act = (action, label) => {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label;
    b.dataset.testid = "live-" + action;
    b.addEventListener("click", async () => {
      const fd = new FormData();
      fd.set("participant", p.sessionID); fd.set("action", action); fd.set("minutes", mins.value);
      showResult(out, await post("/moderate", fd));
    });
    return b;
  };
  return [act("mute", "Mute"), mins, "min ", act("kick", "Kick"), act("ban", "Ban")];
}

// --- bans and mutes ---
function drawModeration(list) {
  const ul = document.getElementById("live-moderation");
  document.getElementById("live-moderation-empty").hidden = list.length > 0;
  ul.replaceChildren(...list.map((m) => {
    const li = document.createElement("li");
    li.dataset.moderation = String(m.id);
    li.dataset.kind = m.kind;
    const what = m.kind === "ban" ? "banned" : "muted until " + new Date(m.until).toLocaleTimeString();
    const who = m.userID ? "" : (m.viewerID || "").startsWith("remote:") ? " (on the remote mediator)" : " (anonymous, this browser)";
    li.append((m.username || "anonymous viewer") + who + " · " + what + " ");
    const b = document.createElement("button");
    b.type = "button"; b.textContent = "Lift"; b.dataset.testid = "live-lift";
    b.addEventListener("click", async () => {
      const fd = new FormData();
      fd.set("id", String(m.id));
      showResult(document.getElementById("live-moderate-msg"), await post("/lift", fd));
    });
    li.append(b);
    return li;
  }));
}

// --- live-only changes ---
function drawChanges(list) {
  const ul = document.getElementById("live-changes");
  document.getElementById("live-changes-empty").hidden = list.length > 0;
  ul.replaceChildren(...list.map((c) => {
    const li = document.createElement("li");
    li.dataset.control = c.control;
    const props = Object.entries(c.props).map(([k, v]) => k + " " + (k === "cooldown" ? "until " + new Date(v).toLocaleTimeString() : JSON.stringify(v)));
    li.append(c.scene + " / " + c.control + ": " + props.join(", ") + " ");
    const b = document.createElement("button");
    b.type = "button"; b.textContent = "Discard"; b.dataset.testid = "live-discard-" + c.control;
    const msg = document.createElement("output");
    b.addEventListener("click", async () => {
      const fd = new FormData();
      fd.set("scene", c.scene); fd.set("control", c.control);
      showResult(msg, await post("/discard", fd));
    });
    li.append(b, msg);
    return li;
  }));
}

// --- counters, chart, joysticks ---
const counts = {};
let total = 0;
function drawCounters() {
  for (const el of root.querySelectorAll("[data-counter]")) {
    const per = counts[el.dataset.counter] || {};
    const n = Object.values(per).reduce((a, b) => a + b, 0);
    el.textContent = String(n);
    el.title = Object.entries(per).map(([k, v]) => k + ": " + v).join(", ");
  }
  document.getElementById("live-total").textContent = String(total);
}
function drawRate(perSecond) {
  const max = Math.max(1, ...perSecond);
  const step = 240 / Math.max(1, perSecond.length - 1);
  const pts = perSecond.map((v, i) => (i * step).toFixed(1) + "," + (58 - (v / max) * 56).toFixed(1)).join(" ");
  const svg = document.getElementById("live-rate");
  svg.querySelector("polyline").setAttribute("points", pts);
  svg.dataset.max = String(max);
  svg.dataset.last = String(perSecond[perSecond.length - 1] || 0);
  // The current second is still counting: show the last whole one.
  document.getElementById("live-rate-now").textContent =
    "now " + (perSecond[perSecond.length - 2] || 0) + "/s, peak " + Math.max(0, ...perSecond) + "/s";
}
const trails = {};
function drawJoystick(id) {
  const svg = root.querySelector('[data-joystick="' + CSS.escape(id) + '"]');
  if (!svg) return;
  svg.querySelectorAll(".dot").forEach((d) => d.remove());
  const t = trails[id] || [];
  t.forEach((p, i) => {
    const c = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    c.setAttribute("class", "dot");
    c.setAttribute("cx", String(p.x)); c.setAttribute("cy", String(p.y));
    c.setAttribute("r", "0.08");
    c.setAttribute("opacity", String((i + 1) / t.length));
    svg.append(c);
  });
  svg.dataset.points = String(t.length);
}

// --- feed ---
const feed = document.getElementById("live-feed");
function feedLine(text, cls, d) {
  const li = document.createElement("li");
  if (cls) li.className = cls;
  const time = document.createElement("time");
  time.textContent = new Date().toLocaleTimeString();
  li.append(time, " " + text);
  if (d && d.transactionID) {
    li.dataset.transaction = d.transactionID;
    const btn = document.createElement("button");
    btn.type = "button"; btn.textContent = "Capture";
    const msg = document.createElement("output");
    btn.addEventListener("click", async () => {
      const fd = new FormData();
      fd.set("transaction", d.transactionID);
      showResult(msg, await post("/capture", fd));
    });
    li.append(" ", btn, msg);
  }
  feed.prepend(li);
  while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
  return li;
}

const pendingInputs = [];
const movedSticks = new Set();
let drawScheduled = false;
function scheduleDraw() {
  if (drawScheduled) return;
  drawScheduled = true;
  requestAnimationFrame(() => {
    drawScheduled = false;
    for (const d of pendingInputs.splice(0)) {
      let what = (d.username || d.participant.slice(0, 8)) + " · " + d.control + " · " + d.event;
      if (d.x !== undefined) what += " (" + d.x.toFixed(2) + ", " + d.y.toFixed(2) + ")";
      const li = feedLine(what, "input", d);
      li.dataset.control = d.control;
      li.dataset.event = d.event;
    }
    drawCounters();
    for (const id of movedSticks) drawJoystick(id);
    movedSticks.clear();
  });
}

function snapshot(s) {
  drawState(s.status);
  people.clear();
  for (const p of s.participants || []) people.set(p.sessionID, p);
  drawPeople(s.stats.participants);
  for (const k of Object.keys(counts)) delete counts[k];
  Object.assign(counts, s.stats.inputs || {});
  total = s.stats.total || 0;
  drawCounters();
  drawRate(s.stats.perSecond || []);
  for (const [id, t] of Object.entries(s.stats.joysticks || {})) { trails[id] = t; drawJoystick(id); }
  for (const box of root.querySelectorAll(".live-autocapture")) box.checked = !!(s.autoCapture || {})[box.dataset.control];
  drawModeration(s.moderation || []);
  drawChanges(s.liveChanges || []);
}

function handle(ev) {
  const d = ev.data;
  switch (ev.type) {
    case "state":
      drawState(d);
      break;
    case "input": {
      const at = performance.timeOrigin + performance.now();
      window.liveInputs.push({ participant: d.participant, control: d.control, event: d.event, at });
      if (window.liveInputs.length > 5000) window.liveInputs.splice(0, 1000);
      const per = (counts[d.control] ||= {});
      per[d.event] = (per[d.event] || 0) + 1;
      total++;
      if (d.x !== undefined && d.y !== undefined) {
        const t = (trails[d.control] ||= []);
        t.push({ x: d.x, y: d.y });
        if (t.length > 32) t.shift();
        movedSticks.add(d.control);
      }
      // Drawn once per frame: a thousand viewers pressing must not cost a
      // thousand layouts a second (a page that falls behind would lose its
      // stream).
      pendingInputs.push(d);
      if (pendingInputs.length > FEED_MAX) pendingInputs.splice(0, pendingInputs.length - FEED_MAX);
      scheduleDraw();
      break;
    }
    case "participants":
      for (const p of d.participants) {
        if (d.change === "leave") people.delete(p.sessionID); else people.set(p.sessionID, p);
      }
      drawPeople(d.count);
      if (d.change !== "update") feedLine(d.participants.map((p) => p.username || "anonymous").join(", ") + (d.change === "join" ? " joined" : " left"), "muted");
      break;
    case "capture": {
      const res = d.result === "ok" ? "captured" : d.result + (d.code ? " " + d.code : "") + (d.message ? ": " + d.message : "");
      const li = feedLine("transaction " + d.transactionID.slice(0, 8) + (d.auto ? " (auto)" : "") + " " + res, "capture " + (d.result === "ok" ? "ok" : "error"));
      li.dataset.capture = d.result === "ok" ? "ok" : String(d.code || d.result);
      break;
    }
    case "stats":
      Object.assign(counts, d.inputs || {});
      total = d.total || total;
      drawCounters();
      drawRate(d.perSecond || []);
      document.getElementById("live-participants-count").textContent = String(d.participants);
      break;
    case "notice":
      if (d.action === "liveChanges") { drawChanges(d.detail || []); break; }
      if (d.action === "moderation") {
        drawModeration(d.detail.list || []);
        feedLine(d.detail.viewer + ": " + d.detail.did, "notice");
        break;
      }
      feedLine(d.action + " " + JSON.stringify(d.detail), "notice");
      break;
    case "reaction": {
      // A press whose reactions were refused, or a reaction that failed.
      const who = d.username ? d.username + " on " : "";
      const li = feedLine("reaction " + d.result + ": " + who + (d.control || d.kind || "") + ": " + d.message, "reaction " + d.result);
      li.dataset.reaction = d.result;
      break;
    }
  }
}

const es = new EventSource(base + "/events");
es.addEventListener("snapshot", (e) => snapshot(JSON.parse(e.data)));
es.addEventListener("reset", (e) => { feedLine("(missed events: starting over)", "muted"); snapshot(JSON.parse(e.data)); });
es.addEventListener("message", (e) => handle(JSON.parse(e.data)));
es.addEventListener("open", () => { root.dataset.stream = "open"; });
es.addEventListener("error", () => { root.dataset.stream = "reconnecting"; });
