// The stream overlay (an OBS browser source). It follows the channel's
// overlay events (server-sent events; the browser resumes with
// Last-Event-ID after a drop) and shows alerts one after another, never
// overlapping, plus the counters and votes of the live session.

const body = document.body;
const ds = body.dataset;

// The look comes from the URL, checked by the server.
body.style.setProperty("--overlay-size", `${Number(ds.size) || 28}px`);
for (const name of ["color", "background", "accent"]) {
  if (ds[name]) body.style.setProperty(`--overlay-${name}`, ds[name]);
}

const alertBox = document.querySelector(".overlay-alert");
const alertText = document.querySelector(".overlay-alert-text");
const alertImage = document.querySelector(".overlay-alert-image");
const votesBox = document.querySelector(".overlay-votes");
const countersBox = document.querySelector(".overlay-counters");

let versionID = 0;
const queue = [];
let playing = false;
let sound = null;

function fileURL(name) {
  return `${ds.files}${versionID}/${encodeURIComponent(name)}?key=${encodeURIComponent(ds.key)}`;
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// Alerts play one at a time for their duration, in the order they came.
function enqueueAlert(a) {
  queue.push(a);
  if (!playing) playNext();
}

function playNext() {
  const a = queue.shift();
  if (!a) {
    playing = false;
    alertBox.hidden = true;
    body.dataset.alert = "";
    return;
  }
  playing = true;
  alertText.textContent = a.text || "";
  if (a.image) {
    alertImage.src = fileURL(a.image);
    alertImage.hidden = false;
  } else {
    alertImage.hidden = true;
    alertImage.removeAttribute("src");
  }
  if (a.sound) {
    sound = new Audio(fileURL(a.sound));
    sound.play().catch(() => {}); // OBS plays sound; a browser tab may refuse until clicked
  }
  alertBox.hidden = !(a.text || a.image); // a sound alone plays unseen
  body.dataset.alert = String(a.press);
  setTimeout(() => {
    if (sound) {
      sound.pause();
      sound = null;
    }
    playNext();
  }, a.durationMs);
}

// Counters and votes keep one box each, created on first sight.
const counters = new Map();
const votes = new Map();

function drawCounter(c) {
  let box = counters.get(c.name);
  if (!box) {
    box = el("div", "overlay-counter");
    box.dataset.testid = "overlay-counter";
    box.dataset.name = c.name;
    countersBox.append(box);
    counters.set(c.name, box);
  }
  box.textContent = `${c.label}: ${c.count}`;
  box.dataset.count = String(c.count);
}

function drawVote(v) {
  let box = votes.get(v.name);
  if (!box) {
    box = el("div", "overlay-vote");
    box.dataset.testid = "overlay-vote";
    box.dataset.name = v.name;
    box.append(el("div", "overlay-vote-title", v.name));
    votesBox.append(box);
    votes.set(v.name, box);
  }
  box.dataset.total = String(v.total);
  for (const o of v.options) {
    let row = box.querySelector(`[data-option="${CSS.escape(o.id)}"]`);
    if (!row) {
      row = el("div", "overlay-vote-option");
      row.dataset.option = o.id;
      row.append(el("span", "overlay-vote-label", o.label), el("span", "overlay-vote-count"));
      const bar = el("div", "overlay-vote-bar");
      bar.append(el("div", "overlay-vote-fill"));
      row.append(bar);
      box.append(row);
    }
    const share = v.total > 0 ? o.count / v.total : 0;
    row.querySelector(".overlay-vote-count").textContent = `${Math.round(share * 100)}%`;
    row.querySelector(".overlay-vote-fill").style.width = `${(share * 100).toFixed(1)}%`;
    row.dataset.count = String(o.count);
    row.dataset.share = share.toFixed(3);
  }
}

function clearAll() {
  counters.clear();
  votes.clear();
  countersBox.replaceChildren();
  votesBox.replaceChildren();
}

function snapshot(ev) {
  const s = JSON.parse(ev.data);
  versionID = s.versionID || versionID;
  clearAll();
  for (const c of s.counters || []) drawCounter(c);
  for (const v of s.votes || []) drawVote(v);
  body.dataset.state = s.live ? "live" : "offline";
}

const source = new EventSource(ds.events);
source.addEventListener("snapshot", snapshot);
source.addEventListener("reset", snapshot);
source.addEventListener("open", () => {
  if (body.dataset.state === "connecting" || body.dataset.state === "reconnecting") body.dataset.state = "open";
});
source.addEventListener("error", () => {
  body.dataset.state = "reconnecting";
});
source.addEventListener("message", (ev) => {
  const msg = JSON.parse(ev.data);
  const d = msg.data || {};
  body.dataset.lastEvent = String(msg.id);
  switch (d.kind) {
    case "alert":
      enqueueAlert(d);
      break;
    case "counter":
      drawCounter(d);
      break;
    case "vote":
      drawVote(d);
      break;
    case "clear":
      versionID = d.versionID || versionID;
      clearAll();
      queue.length = 0;
      break;
  }
});
