// The participant's side of the Interactive 2 protocol: it asks the API for
// a socket address and key, opens /participant (opting in to JSON-array
// batches), answers nothing it is not asked, correlates replies, keeps a
// server clock offset (getTime), and reconnects by itself after a drop with
// exponential backoff and jitter.

// Close codes the page treats specially (the spec's Error Codes table).
export const CLOSE = {
  restart: 1012,
  sessionEnded: 4016,
  authFailed: 4019,
  channelOffline: 4022,
  noBundle: 4023,
  accessRevoked: 4025,
};

const callTimeoutMs = 10000;

// revokedState names a 4025 by the mediator's reason ("banned: ...",
// "removed: ...", anything else: another window took over).
export function revokedState(reason = "") {
  if (reason.startsWith("banned:")) return "banned";
  if (reason.startsWith("removed:")) return "removed";
  return "replaced";
}

function revokedNote(reason = "") {
  return revokedState(reason) === "replaced" ? reason : "";
}

// backoffMs is the wait before reconnect attempt n (0-based): doubling from
// 500 ms up to max, then ±30% jitter so that every viewer of a restarted
// server does not come back in the same instant.
export function backoffMs(n, max = 15000, random = Math.random) {
  const base = Math.min(max, 500 * 2 ** Math.min(n, 10));
  return Math.round(base * (0.7 + 0.6 * random()));
}

export class Connection {
  // opts: channelID, onMethod(name, params), onState({state, code, reason,
  // retryAt}), onOpen(), fetch (for tests), WebSocket (for tests).
  constructor(opts) {
    this.opts = opts;
    this.fetch = opts.fetch || window.fetch.bind(window);
    this.WS = opts.WebSocket || window.WebSocket;
    this.ws = null;
    this.nextID = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.offset = 0; // server time minus local time, ms
    this.attempt = 0;
    this.join = null; // {socketAddress, key}
    this.joined = false; // hello arrived on the current socket
    this.timer = 0;
    this.stopped = false;
  }

  // serverNow is the server's clock in Unix ms (cooldowns are in it).
  serverNow() {
    return Date.now() + this.offset;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
  }

  // reconnectNow cancels a scheduled attempt and tries at once.
  reconnectNow() {
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.ws && this.ws.readyState <= 1) return;
    this.open();
  }

  state(state, extra = {}) {
    this.opts.onState({ state, ...extra });
  }

  async open() {
    if (this.stopped) return;
    this.state("connecting");
    try {
      if (!this.join) this.join = await this.fetchJoin();
    } catch (err) {
      this.scheduleRetry("reconnecting", { reason: String(err.message || err) });
      return;
    }
    const url = new URL(this.join.socketAddress, location.href);
    url.searchParams.set("x-protocol-version", "2.0");
    url.searchParams.set("batch", "1");
    if (this.join.key) url.searchParams.set("key", this.join.key);
    let ws;
    try {
      ws = new this.WS(url.toString());
    } catch (err) {
      this.scheduleRetry("reconnecting", { reason: String(err.message || err) });
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => this.closed(ws, ev.code, ev.reason);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      // The mediator holds a viewer's socket open for a while when the
      // channel has no session yet: until hello, we wait for the streamer.
      if (!this.joined) this.state("offline");
      this.syncClock();
    };
  }

  async fetchJoin() {
    const res = await this.fetch(`/api/v1/interactive/${encodeURIComponent(this.opts.channelID)}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (res.status === 404) throw new Error("This channel does not exist.");
    if (!res.ok) throw new Error(`The server answered ${res.status}.`);
    const body = await res.json();
    if (!body || typeof body.socketAddress !== "string") throw new Error("The server gave no socket address.");
    return { socketAddress: body.socketAddress, key: typeof body.key === "string" ? body.key : "" };
  }

  // receive handles one frame: a packet or, since we opted in, an array.
  receive(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return; // not ours to fix; the server never sends broken JSON
    }
    const packets = Array.isArray(msg) ? msg : [msg];
    for (const p of packets) {
      if (!p || typeof p !== "object") continue;
      if (p.type === "reply") this.reply(p);
      else if (p.type === "method" && typeof p.method === "string") {
        if (p.method === "hello") {
          this.attempt = 0;
          this.joined = true;
        }
        try {
          this.opts.onMethod(p.method, p.params);
        } catch (err) {
          console.error("play: handling", p.method, err);
        }
      }
    }
  }

  reply(p) {
    const call = this.pending.get(p.id);
    if (!call) return;
    this.pending.delete(p.id);
    clearTimeout(call.timer);
    if (p.error) call.reject(Object.assign(new Error(String(p.error.message || "error")), p.error));
    else call.resolve(p.result);
  }

  // call sends a method. A discarded call still hears of errors (the
  // server replies to every failure), so it returns a promise too.
  call(method, params, { discard = false } = {}) {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return Promise.reject(Object.assign(new Error("Not connected."), { code: 0 }));
    const id = this.nextID++;
    if (this.nextID > 0x7fffffff) this.nextID = 1;
    const packet = { type: "method", id, method, params, discard };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        if (discard) resolve(null);
        else reject(Object.assign(new Error("No answer from the server."), { code: 0 }));
      }, discard ? 3000 : callTimeoutMs);
      this.pending.set(id, { resolve, reject, timer, discard });
      ws.send(JSON.stringify(packet));
    });
  }

  giveInput(input, opts) {
    return this.call("giveInput", input, opts);
  }

  // syncClock estimates the offset with one getTime round trip, assuming
  // the reply was written halfway through it.
  async syncClock() {
    const t0 = Date.now();
    try {
      const r = await this.call("getTime", {});
      const t1 = Date.now();
      if (r && typeof r.time === "number") this.offset = r.time - (t0 + t1) / 2;
    } catch {
      // keep the old offset
    }
  }

  closed(ws, code, reason) {
    if (this.ws !== ws) return;
    this.ws = null;
    this.joined = false;
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      // A discarded call went out and would only have heard of an error;
      // a call that waits for its answer will never get one.
      if (call.discard) call.resolve(null);
      else call.reject(Object.assign(new Error("The connection closed before the server answered."), { code: 0 }));
      this.pending.delete(id);
    }
    if (this.stopped) return;
    switch (code) {
      case CLOSE.accessRevoked:
        // Another tab of this viewer took over (coming back would take it
        // over in turn, forever), or the streamer removed or banned this
        // viewer (the reason's prefix says which). Wait for the viewer.
        this.state(revokedState(reason), { code, reason: revokedNote(reason) });
        return;
      case CLOSE.sessionEnded:
        this.scheduleRetry("ended", { code, reason, min: 10000 });
        return;
      case CLOSE.channelOffline:
        this.scheduleRetry("offline", { code, reason, max: 10000 });
        return;
      case CLOSE.noBundle:
        // The game runs its version with a control bundle the version does
        // not have: nothing to show until the streamer uploads it.
        this.scheduleRetry("nobundle", { code, reason, min: 10000 });
        return;
      case CLOSE.authFailed:
        this.join = null; // the key expired or was revoked: ask again
        break;
    }
    this.scheduleRetry("reconnecting", { code, reason });
  }

  scheduleRetry(state, { min = 0, max = 15000, ...extra } = {}) {
    const wait = Math.max(min, backoffMs(this.attempt++, max));
    const retryAt = Date.now() + wait;
    this.state(state, { ...extra, retryAt });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), wait);
  }
}
