// The participant page: connects to the channel's session, keeps the
// world the mediator shows this viewer, draws the current scene on the
// grid that fits, and turns mouse, touch, keyboard and gamepad into input.

import { Connection } from "./protocol.js";
import { World } from "./world.js";
import { Grid } from "./grid.js";
import { Status, Toasts, eventText } from "./ui.js";
import { Gamepads } from "./gamepad.js";
import { BundleSlot } from "./bundle-slot.js";

const root = document.querySelector("[data-testid=play-root]");
if (root) start(root);

function start(root) {
  const $ = (id) => root.querySelector(`[data-testid=${id}]`);
  const channelID = root.getAttribute("data-channel");
  const signedIn = root.getAttribute("data-signed-in") === "true";
  const signInURL = root.getAttribute("data-signin-url") || "/signin";
  const sparksEl = $("play-sparks");
  const sparksValue = $("play-sparks-value");
  let sparks = sparksEl ? Number(sparksEl.getAttribute("data-sparks")) : null;

  const world = new World();
  const toasts = new Toasts($("play-toasts"));
  let connected = false; // the mediator has let us join
  let connState = "connecting";
  let connExtra = {};

  const refusals = {
    4007: () => ({ message: "You don't have enough sparks." }),
    4026: () => ({ message: "Sign in to spend sparks.", link: { href: signInURL, text: "Sign in" } }),
  };

  // refuse shows why an input did not go out (or was refused).
  function refuse(view, message, link = null) {
    const name = view && view.control ? controlName(view.control) : "";
    toasts.show(name ? `${name}: ${message}` : message, { kind: "refusal", link });
    if (view && view.el) {
      view.el.setAttribute("data-refused", message);
      view.el.classList.remove("refused");
      void view.el.offsetWidth; // restart the shake
      view.el.classList.add("refused");
    }
  }

  function canInput(view, quiet = false) {
    let why = "";
    if (!connected) why = "Not connected.";
    else if (!world.ready) why = "Waiting for the streamer to get ready.";
    else if (world.disabled) why = "Your input is disabled.";
    if (why && !quiet) refuse(view, why);
    return !why;
  }

  const ctx = {
    serverNow: () => conn.serverNow(),
    sparks: () => (signedIn ? sparks : null),
    refuse,
    canInput: (view) => canInput(view),
    // input sends one input; false when it could not go out. A paid input
    // waits for the server's answer and returns a promise of whether it was
    // accepted (a button's release follows only an accepted press); then
    // the balance is refreshed.
    input(view, input, { costly = false, quiet = false } = {}) {
      if (!canInput(view, quiet)) return false;
      const reply = conn.giveInput(input, { discard: !costly }).then(
        () => {
          // The charge is captured by the game client a moment later.
          if (costly) for (const ms of [0, 1500, 5000]) setTimeout(refreshSparks, ms);
          return true;
        },
        (err) => {
          if (err.code === 4007) refreshSparks(); // our balance was stale
          const r = refusals[err.code] ? refusals[err.code]() : { message: err.message || "Refused." };
          if (!quiet || err.code === 4007 || err.code === 4026) refuse(view, r.message, r.link || null);
          else if (view && view.el) view.el.setAttribute("data-refused", r.message); // a release or a move: no toast
          return false;
        },
      );
      return costly ? reply : true;
    },
  };

  const grid = new Grid($("play-grid"), $("play-empty"), ctx);
  // A version with a control bundle shows it instead of the grid.
  const bundle = new BundleSlot({
    channelID,
    stage: $("play-stage"),
    send: (method, params, opts) => conn.call(method, params, opts),
    world: () => ({ scenes: [...world.scenes.values()], groups: [...world.groups.values()], self: world.self, ready: world.ready }),
    serverNow: () => conn.serverNow(),
  });

  function render() {
    grid.show(connected || grid.sceneID ? world.scene : null);
    const live = connected && world.ready;
    root.setAttribute("data-live", String(live));
    root.setAttribute("data-disabled", String(world.disabled));
    let state = connState;
    if (connState === "open") state = world.ready ? "live" : "waiting";
    status.set(state, { ...connExtra, note: connected && world.disabled ? "your input is disabled" : "" });
  }

  // renderSoon draws once after the frame being read: a scene switch is
  // onSceneCreate, onGroupCreate and onGroupUpdate, often in one batch.
  let renderQueued = false;
  function renderSoon() {
    if (renderQueued) return;
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      render();
    });
  }

  const conn = new Connection({
    channelID,
    onMethod(method, params) {
      bundle.forward(method, params);
      if (method === "hello") bundle.check();
      if (method === "hello") {
        world.reset(); // a fresh join sends the whole view again
        return;
      }
      if (method === "onParticipantJoin") {
        connected = true;
        connState = "open";
        connExtra = {};
        refreshSparks();
      }
      const what = world.apply(method, params);
      if (what === "event") toasts.show(eventText(params), { kind: "event" });
      else if (what === "view") renderSoon();
    },
    onState({ state, retryAt = 0, reason = "" }) {
      connected = false;
      connState = state;
      connExtra = { retryAt };
      if (state === "replaced" && reason) connExtra.note = reason;
      grid.each((v) => v.down && v.release && v.release(v.down === "key" ? "keyup" : "mouseup", 0));
      render();
    },
  });
  const status = new Status($("play-status"), () => conn.reconnectNow());

  async function refreshSparks() {
    if (!signedIn) return;
    try {
      const res = await fetch(`/play/${encodeURIComponent(channelID)}/sparks`, { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) return;
      const body = await res.json();
      if (typeof body.sparks !== "number") return;
      sparks = body.sparks;
      sparksEl.setAttribute("data-sparks", String(sparks));
      sparksValue.textContent = String(sparks);
      grid.each((v) => v.tick && v.tick());
    } catch {
      // the next refresh will tell
    }
  }

  // Keyboard: a button's keyCode presses it, unless the viewer is typing.
  function typing(e) {
    const t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }
  function onKey(e, down) {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    let hit = false;
    grid.each((v) => {
      if (v.kind === "button" && v.keyCode === e.keyCode) {
        hit = true;
        if (!e.repeat) v.key(down);
      }
    });
    if (hit) e.preventDefault();
  }
  document.addEventListener("keydown", (e) => onKey(e, true));
  document.addEventListener("keyup", (e) => onKey(e, false));
  window.addEventListener("blur", () =>
    grid.each((v) => (v.down === "key" || v.down === "focus") && v.release(v.down === "key" ? "keyup" : "mouseup", 0)),
  );

  new Gamepads((pads) => {
    grid.each((v) => {
      if (v.kind === "button" && v.gamepadButton >= 0) {
        v.pad(pads.some((p) => {
          const b = p.buttons[v.gamepadButton];
          return b && (b.pressed || b.value >= 0.5);
        }));
      } else if (v.kind === "joystick" && v.gamepadJoystick >= 0 && pads[0]) {
        v.stick(pads[0].axes);
      }
    });
  }).start();

  let resizeQueued = false;
  window.addEventListener("resize", () => {
    if (resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(() => {
      resizeQueued = false;
      grid.layout();
    });
  });

  setInterval(() => {
    grid.each((v) => v.tick && v.tick());
    status.render();
  }, 250);
  setInterval(() => connected && refreshSparks(), 30000);

  render();
  conn.start();
}

function controlName(c) {
  const t = typeof c.text === "string" && c.text.trim() ? c.text.trim() : c.controlID;
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}
