// The page's messages: the connection status line and toasts (events the
// streamer broadcasts, refused inputs). Everything is built with
// textContent and setAttribute.

const toastMs = 6000;
const maxToasts = 5;

export class Toasts {
  constructor(el) {
    this.el = el;
  }

  // show adds a toast; link ({href, text}) adds a link after the message.
  show(message, { kind = "info", link = null } = {}) {
    const t = document.createElement("div");
    t.className = `toast toast-${kind}`;
    t.setAttribute("data-testid", "toast");
    t.setAttribute("data-kind", kind);
    t.setAttribute("role", kind === "refusal" ? "alert" : "status");
    const text = document.createElement("span");
    text.textContent = message;
    t.appendChild(text);
    if (link) {
      const a = document.createElement("a");
      a.setAttribute("href", link.href);
      a.setAttribute("data-testid", "toast-link");
      a.textContent = link.text;
      t.append(" ", a);
    }
    this.el.appendChild(t);
    while (this.el.children.length > maxToasts) this.el.firstElementChild.remove();
    setTimeout(() => t.remove(), toastMs);
    return t;
  }
}

// eventText is what a broadcast event shows: a string as is, else a
// message/text/title field, else the JSON (cut short).
export function eventText(data) {
  if (typeof data === "string") return data;
  if (data && typeof data === "object") {
    for (const k of ["message", "text", "title"]) {
      if (typeof data[k] === "string") return data[k];
    }
  }
  const s = JSON.stringify(data);
  return s && s.length > 300 ? `${s.slice(0, 300)}…` : String(s);
}

const texts = {
  connecting: () => "Connecting…",
  live: () => "Live",
  waiting: () => "Waiting for the streamer…",
  offline: (s, retrying) => (retrying ? `Waiting for the streamer (offline) · retrying in ${s} s` : "Waiting for the streamer (offline)…"),
  reconnecting: (s) => `Connection lost · reconnecting in ${s} s`,
  ended: (s) => `The session has ended · checking again in ${s} s`,
  replaced: () => "Opened in another window",
  nobundle: (s) => `The streamer's custom controls are missing (no control bundle) · checking again in ${s} s`,
  removed: () => "The streamer removed you from the session",
  banned: () => "The streamer banned you from this channel",
};

export class Status {
  constructor(el, onReconnect) {
    this.el = el;
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "play-reconnect";
    this.button.setAttribute("data-testid", "play-reconnect");
    this.button.textContent = "Reconnect here";
    this.button.hidden = true;
    this.button.addEventListener("click", onReconnect);
    el.after(this.button);
    this.state = "connecting";
    this.retryAt = 0;
    this.note = "";
  }

  set(state, { retryAt = 0, note = "" } = {}) {
    this.state = state;
    this.retryAt = retryAt;
    this.note = note;
    this.render();
  }

  // render also runs every tick, for the countdown.
  render() {
    const secs = Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000));
    let text = (texts[this.state] || texts.connecting)(secs, this.retryAt > 0);
    if (this.note) text += ` · ${this.note}`;
    if (this.el.textContent !== text) this.el.textContent = text;
    if (this.el.getAttribute("data-state") !== this.state) this.el.setAttribute("data-state", this.state);
    // Offer to skip the wait only when an attempt is scheduled (or we
    // gave up): an open socket waiting for the streamer needs nothing.
    // A banned viewer would only be refused again.
    this.button.hidden = !(this.state === "replaced" || this.state === "removed" || this.retryAt > 0);
  }
}
