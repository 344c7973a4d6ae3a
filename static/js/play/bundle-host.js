// The host of a control bundle (custom controls built with Mixer's CDK and
// @mixer/cdk-std): a sandboxed frame on the play page, and the host's side
// of cdk-std's postMessage RPC. Written from the protocol as cdk-std's
// sources describe it (docs/custom-controls.md lists every method and
// what this host does with it).
//
// The frame runs someone else's code. It gets an opaque origin (sandbox
// without allow-same-origin, and its files come with their own CSP), so it
// cannot reach the page, its cookies or the studio. What it says is data:
// checked, bounded and rate-limited here, never evaluated; what it may not
// do is refused with a console warning, never by failing the page.

// SERVICE_ID marks cdk-std's RPC packets (its RPC.serviceID).
export const SERVICE_ID = "8f5b3a83-dd7b-4b8a-84ad-146948bc8d27";
export const RPC_VERSION = "1.0";

// Socket methods a bundle may call on the participant's connection
// (cdk-std: "the only available methods are giveInput and getTime").
const SOCKET_METHODS = new Set(["giveInput", "getTime"]);

// Limits on what one bundle may ask of the page.
export const LIMITS = {
  messagesPerSecond: 200, // postMessage packets of any kind (bursts of twice that pass)
  callsPerSecond: 50, // socket calls (giveInput, getTime)
  packetBytes: 60000, // one socket call's JSON (the mediator reads 64 KiB)
  queue: 256, // out-of-order packets held for reordering
  logsPerSecond: 20,
  statesPerSecond: 2, // whole-state replays (a bundle that keeps restarting)
};

const ERR_UNKNOWN_METHOD = 4003;
const ERR_BAD_INPUT = 4099;

// Bucket is a token bucket: rate per second, bursts of twice that.
class Bucket {
  constructor(rate, now = () => performance.now()) {
    this.rate = rate;
    this.cap = rate * 2;
    this.tokens = this.cap;
    this.now = now;
    this.at = now();
  }

  take() {
    const t = this.now();
    this.tokens = Math.min(this.cap, this.tokens + ((t - this.at) / 1000) * this.rate);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

// Warner prints a warning at most once a second per kind, with a count of
// those it held back, so that a flooding bundle cannot flood the console.
class Warner {
  constructor(prefix) {
    this.prefix = prefix;
    this.last = new Map(); // kind -> {at, held}
  }

  warn(kind, ...args) {
    const now = performance.now();
    const w = this.last.get(kind) || { at: -Infinity, held: 0 };
    if (now - w.at < 1000) {
      w.held++;
      this.last.set(kind, w);
      return;
    }
    const held = w.held ? ` (and ${w.held} more like it)` : "";
    this.last.set(kind, { at: now, held: 0 });
    console.warn(`${this.prefix}: ${kind}${held}`, ...args);
  }
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isCounter(n) {
  return Number.isSafeInteger(n) && n >= 0;
}

// platform is cdk-std's ISettings.platform for this browser.
export function platform() {
  return window.matchMedia && window.matchMedia("(pointer: coarse)").matches ? "mobile" : "desktop";
}

// BundleHost runs one bundle in a frame inside container.
//
// opts:
//   address: the bundle's index.html (served sandboxed, /bundles/...)
//   send(method, params, {discard}): a promise of the server's result
//     (the participant's connection)
//   world(): {scenes, groups, self, ready} as the page knows them, for
//     replaying the state to a bundle that (re)starts
//   serverNow(): the server's clock, for the CDK's own getTime
//   onLoaded(), onMaximize(maximized, message): optional
export class BundleHost {
  constructor(container, opts) {
    this.opts = opts;
    this.container = container;
    this.warner = new Warner("bundle");
    this.messages = new Bucket(LIMITS.messagesPerSecond);
    this.calls = new Bucket(LIMITS.callsPerSecond);
    this.logs = new Bucket(LIMITS.logsPerSecond);
    this.states = new Bucket(LIMITS.statesPerSecond);
    this.ready = false; // the bundle called controlsReady
    this.outCounter = 0; // our packets' counter
    this.expected = 0; // the bundle's next counter
    this.queue = []; // the bundle's packets that came early, by counter
    this.nextID = 0;
    this.destroyed = false;
    this.stats = { received: 0, dropped: 0, refused: 0, forwarded: 0 };

    this.frame = document.createElement("iframe");
    this.frame.className = "bundle-frame";
    this.frame.setAttribute("data-testid", "bundle-frame");
    this.frame.setAttribute("sandbox", "allow-scripts");
    this.frame.setAttribute("referrerpolicy", "no-referrer");
    this.frame.setAttribute("allow", "");
    this.frame.setAttribute("title", "Interactive controls");

    // The stream's area: the page shows no video, so a bundle that places
    // the video (moveVideo) places this frame of it, and learns where it
    // is (updateVideoPosition), as on Mixer.
    this.video = document.createElement("div");
    this.video.className = "bundle-video";
    this.video.setAttribute("data-testid", "bundle-video");
    this.video.setAttribute("aria-hidden", "true");

    this.onMessage = (ev) => this.receive(ev);
    window.addEventListener("message", this.onMessage);
    this.frame.addEventListener("load", () => this.frameLoaded());
    container.append(this.video, this.frame);
    this.frame.src = opts.address;
    container.setAttribute("data-bundle-state", "loading");

    if (window.ResizeObserver) {
      this.resize = new ResizeObserver(() => this.sendVideoPosition());
      this.resize.observe(this.frame);
    }
    this.video.addEventListener("transitionend", () => this.sendVideoPosition());
  }

  get address() {
    return this.opts.address;
  }

  destroy() {
    this.destroyed = true;
    window.removeEventListener("message", this.onMessage);
    if (this.resize) this.resize.disconnect();
    this.frame.remove();
    this.video.remove();
    this.container.removeAttribute("data-bundle-state");
  }

  // --- sending ---------------------------------------------------------

  post(packet) {
    if (this.destroyed || !this.frame.contentWindow) return;
    packet.serviceID = SERVICE_ID;
    packet.counter = this.outCounter++;
    try {
      // An opaque origin can only be addressed with "*"; what we send is
      // what this viewer's socket already told the page.
      this.frame.contentWindow.postMessage(packet, "*");
    } catch (err) {
      this.warner.warn("could not post to the frame", err);
    }
  }

  call(method, params) {
    this.post({ type: "method", id: this.nextID++, method, params, discard: true });
  }

  reply(id, result, error) {
    const packet = { type: "reply", id, result: result === undefined ? null : result };
    if (error) packet.error = { code: error.code | 0, message: String(error.message || "error") };
    this.post(packet);
  }

  // forward passes one server packet to the bundle (once it is ready; the
  // state before that is replayed from the page's world).
  forward(method, params) {
    if (!this.ready) return;
    this.stats.forwarded++;
    this.call("recieveInteractivePacket", { type: "method", method, params, discard: true });
  }

  // resendState replays the world as a fresh participant receives it: its
  // scenes, groups, itself and the ready state.
  resendState() {
    const w = this.opts.world();
    const packets = [];
    if (w.scenes.length) packets.push(["onSceneCreate", { scenes: w.scenes }]);
    if (w.groups.length) packets.push(["onGroupCreate", { groups: w.groups }]);
    if (w.self) packets.push(["onParticipantJoin", { participants: [w.self] }]);
    packets.push(["onReady", { isReady: !!w.ready }]);
    for (const [method, params] of packets) this.forward(method, params);
  }

  settings() {
    return {
      platform: platform(),
      language: navigator.language || "en",
      placesVideo: true,
    };
  }

  updateSettings() {
    if (this.ready) this.call("updateSettings", this.settings());
  }

  videoRect() {
    const f = this.frame.getBoundingClientRect();
    const v = this.video.getBoundingClientRect();
    const left = v.left - f.left;
    const top = v.top - f.top;
    return {
      left, top, width: v.width, height: v.height,
      right: left + v.width, bottom: top + v.height, x: left, y: top,
      channelId: Number(this.opts.channelID) || 0,
    };
  }

  sendVideoPosition() {
    if (!this.ready) return;
    const r = this.videoRect();
    this.call("updateVideoPosition", { connectedPlayer: r, costreamPlayers: [r] });
  }

  // moveVideo places the stream's area (IVideoPositionOptions): numbers
  // are pixels, strings CSS lengths; a missing side clears it.
  moveVideo(o) {
    if (!isObject(o)) {
      this.warner.warn("moveVideo without options: ignored");
      return;
    }
    const css = (v) => {
      if (typeof v === "number" && Number.isFinite(v)) return `${v}px`;
      if (typeof v === "string" && v.length <= 64 && /^[-+0-9a-z.%() *\/]*$/i.test(v)) return v;
      return "";
    };
    const st = this.video.style;
    for (const side of ["left", "top", "right", "bottom", "width", "height"]) {
      st.setProperty(side, css(o[side])); // the CSSOM drops what is not a length
    }
    const ms = Math.max(0, Math.min(10000, Number(o.duration) || 0));
    const easing = typeof o.easing === "string" && /^[a-z-]+(\([0-9., ]*\))?$/i.test(o.easing) ? o.easing : "linear";
    st.setProperty("transition", ms ? `all ${ms}ms ${easing}` : "none");
    this.container.setAttribute("data-video-moved", "true");
    if (!ms) this.sendVideoPosition();
  }

  // --- receiving ---------------------------------------------------------

  frameLoaded() {
    if (this.destroyed) return;
    // As cdk-std's host does on load: announce ourselves, then ask a bundle
    // that was ready before we listened to say so again.
    this.call("ready", { protocolVersion: RPC_VERSION });
    this.call("resendReady", {});
  }

  receive(ev) {
    if (this.destroyed || ev.source !== this.frame.contentWindow || ev.source === null) return;
    this.stats.received++;
    if (!this.messages.take()) {
      this.stats.dropped++;
      this.warner.warn("too many messages from the controls; dropping them");
      return;
    }
    const p = ev.data;
    if (!isObject(p) || p.serviceID !== SERVICE_ID || (p.type !== "method" && p.type !== "reply") || !isCounter(p.counter)) {
      this.stats.dropped++;
      return; // not cdk-std's RPC (or garbage): not ours to answer
    }
    if (p.type === "method" && p.method === "ready") {
      // A (re)started bundle counts from its ready; ours restart too.
      this.expected = p.counter;
      this.outCounter = 0;
      this.queue = [];
      if (this.ready) {
        this.ready = false; // it reloaded: it will say controlsReady again
        this.container.setAttribute("data-bundle-state", "loading");
      }
    }
    if (p.counter > this.expected && this.queue.length >= LIMITS.queue) {
      // A gap that never fills (or a hostile counter): skip to the oldest
      // packet held, rather than hold more.
      this.warner.warn("the controls' packets are out of order beyond repair; skipping ahead");
      this.expected = this.queue[0].counter;
      this.drain();
    }
    if (p.counter <= this.expected) {
      this.dispatch(p);
      this.drain();
      return;
    }
    const at = this.queue.findIndex((q) => q.counter > p.counter);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, p);
  }

  drain() {
    while (this.queue.length && this.queue[0].counter <= this.expected) {
      this.dispatch(this.queue.shift());
    }
  }

  dispatch(p) {
    this.expected = Math.max(this.expected, p.counter + 1);
    if (p.type === "reply") return; // we never wait for the bundle's answers
    if (typeof p.method !== "string" || p.method.length > 64) return;
    const id = isCounter(p.id) ? p.id : 0;
    const answer = !p.discard;
    try {
      this.method(p.method, p.params, id, answer);
    } catch (err) {
      // Our bug or a hostile packet: neither may break the page.
      this.warner.warn(`handling ${p.method} failed`, err);
      if (answer) this.reply(id, null, { code: ERR_BAD_INPUT, message: "The host could not handle that." });
    }
  }

  method(name, params, id, answer) {
    const ok = (result) => answer && this.reply(id, result === undefined ? null : result);
    const refuse = (code, message) => {
      this.stats.refused++;
      this.warner.warn(`refused ${name}: ${message}`);
      if (answer) this.reply(id, null, { code, message });
    };
    switch (name) {
      case "ready":
        return ok(null);
      case "controlsReady":
        if (!this.ready) {
          if (!this.states.take()) return refuse(ERR_BAD_INPUT, "the controls restart too often");
          this.ready = true;
          this.container.setAttribute("data-bundle-state", "ready");
          this.call("updateSettings", this.settings());
          this.sendVideoPosition();
          this.resendState();
          if (this.opts.onLoaded) this.opts.onLoaded();
        }
        return ok(null);
      case "sendInteractivePacket":
        return this.socketCall(params, id, answer, refuse);
      case "getTime": // the CDK's emulator answered this one itself
        return ok({ time: Math.round(this.opts.serverNow()) });
      case "moveVideo":
        this.moveVideo(params);
        return ok(null);
      case "maximize": {
        const max = !isObject(params) || params.maximized !== false;
        this.container.setAttribute("data-bundle-minimized", String(!max));
        const msg = isObject(params) && typeof params.message === "string" ? params.message.slice(0, 200) : "";
        this.container.setAttribute("data-bundle-message", max ? "" : msg);
        if (this.opts.onMaximize) this.opts.onMaximize(max, msg);
        return ok(null);
      }
      case "log":
        if (this.logs.take() && isObject(params)) {
          const level = ["debug", "info", "warn", "error"].includes(params.level) ? params.level : "info";
          console[level]("bundle log:", ...(Array.isArray(params.params) ? params.params.slice(0, 10) : []));
        }
        return ok(null);
      case "unloading":
        this.ready = false;
        this.container.setAttribute("data-bundle-state", "loading");
        return ok(null);
      case "focusOut":
      case "navigate":
      case "handleExit":
      case "preventExit":
      case "allowExit":
        return ok(null); // console and gamepad navigation: nothing to do on a web page
      case "verificationChallenge":
        return refuse(ERR_UNKNOWN_METHOD, "identity verification (getIdentityVerification) is not supported by mixstudio");
    }
    return refuse(ERR_UNKNOWN_METHOD, `Unknown method name ${name}`);
  }

  // socketCall sends a bundle's protocol call on the viewer's connection
  // and answers with the server's reply.
  socketCall(params, id, answer, refuse) {
    if (!isObject(params) || typeof params.method !== "string") {
      return refuse(ERR_BAD_INPUT, "sendInteractivePacket needs {method, params}");
    }
    const method = params.method;
    if (!SOCKET_METHODS.has(method)) {
      return refuse(ERR_UNKNOWN_METHOD, `a custom control may not call ${method.slice(0, 64)}`);
    }
    const args = params.params === undefined ? {} : params.params;
    if (!isObject(args)) return refuse(ERR_BAD_INPUT, `${method} needs an object of parameters`);
    if (method === "giveInput" && (typeof args.controlID !== "string" || args.controlID === "")) {
      return refuse(ERR_BAD_INPUT, "giveInput needs a controlID");
    }
    let size;
    try {
      size = JSON.stringify(args).length;
    } catch {
      return refuse(ERR_BAD_INPUT, `${method}'s parameters are not JSON`);
    }
    if (size > LIMITS.packetBytes) return refuse(ERR_BAD_INPUT, `${method} is ${size} bytes; at most ${LIMITS.packetBytes}`);
    if (!this.calls.take()) return refuse(ERR_BAD_INPUT, "too many calls from the controls; slow down");
    this.opts.send(method, args, { discard: !answer }).then(
      (result) => answer && this.reply(id, result),
      (err) => answer && this.reply(id, null, { code: err && err.code ? err.code : 0, message: (err && err.message) || "failed" }),
    );
  }
}
