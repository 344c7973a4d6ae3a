// A screen: an area that reports the pointer (mouse, pen or finger, as
// pointer events) to the game client, as Mixer's screen control did (the
// node SDK's IScreenInput): mousedown, move and mouseup with x and y, the
// fractions of the area's width and height from its top left corner, in
// [0, 1]. Its properties choose what is sent:
//   sendMoveEvents     "always" (whenever the pointer moves over it),
//                      "mousedown" (while pressed; the default) or "never"
//   moveThrottle       ms between moves (default 50); the latest position
//                      is sent when the interval allows, and only if it
//                      changed
//   sendMouseDownEvent, sendMouseUpEvent   default true
// The module depends only on controls.js, so other pages (the editor) can
// draw a screen with it.

import { base, bool, num, str, styleFrom } from "./controls.js";

const defaultMoveThrottle = 50;

// fraction maps a client coordinate into [0, 1] along an edge of the
// rectangle, truncated to 4 decimals so that it never passes the ends.
export function fraction(v, start, size) {
  if (!(size > 0)) return 0;
  const f = Math.min(1, Math.max(0, (v - start) / size));
  return Math.trunc(f * 10000) / 10000;
}

export class ScreenView {
  constructor(control, ctx) {
    this.kind = "screen";
    this.ctx = ctx;
    this.el = base("div", control);
    this.el.setAttribute("role", "application");
    this.mark = document.createElement("span");
    this.mark.className = "pc-screen-mark";
    this.mark.setAttribute("data-testid", "screen-mark");
    this.mark.hidden = true;
    this.el.append(this.mark);
    this.pointer = null; // the pointer pressing it
    this.pos = null; // the pointer's last position over it
    this.sent = null; // the last move sent
    this.lastMoveAt = -Infinity;
    this.timer = 0;

    this.el.addEventListener("pointerdown", (e) => {
      if (this.pointer !== null) return;
      e.preventDefault(); // no text selection, no emulated mouse events
      if (bool(this.control, "disabled")) {
        this.ctx.refuse(this, "This screen is disabled.");
        return;
      }
      if (!this.ctx.canInput(this)) return;
      this.pointer = e.pointerId;
      try {
        this.el.setPointerCapture(e.pointerId); // moves outside still count
      } catch {
        // synthetic pointers may not be capturable
      }
      this.el.classList.add("pressed");
      this.at(e);
      if (this.sends("sendMouseDownEvent")) this.send("mousedown", this.pos);
    });
    this.el.addEventListener("pointermove", (e) => {
      const mode = this.moveMode;
      if (mode === "never" || (mode === "mousedown" && e.pointerId !== this.pointer)) return;
      if (mode === "always" && this.pointer !== null && e.pointerId !== this.pointer) return;
      if (bool(this.control, "disabled")) return;
      this.at(e);
      this.schedule();
    });
    const end = (e) => {
      if (e.pointerId !== this.pointer) return;
      this.pointer = null;
      this.el.classList.remove("pressed");
      if (e.type !== "lostpointercapture") this.at(e);
      // A move still waiting for its turn is dropped: the release carries
      // the last position.
      clearTimeout(this.timer);
      this.timer = 0;
      if (this.sends("sendMouseUpEvent") && !bool(this.control, "disabled")) this.send("mouseup", this.pos);
    };
    this.el.addEventListener("pointerup", end);
    this.el.addEventListener("pointercancel", end);
    this.el.addEventListener("lostpointercapture", end);
    this.el.addEventListener("contextmenu", (e) => e.preventDefault());
    this.update(control);
  }

  get moveMode() {
    const m = str(this.control, "sendMoveEvents", "mousedown");
    return m === "always" || m === "never" ? m : "mousedown";
  }

  get moveThrottle() {
    const t = num(this.control, "moveThrottle", defaultMoveThrottle);
    return t >= 0 ? t : defaultMoveThrottle;
  }

  sends(flag) {
    return this.control[flag] !== false;
  }

  // at records where e is, as fractions of the area, and shows it.
  at(e) {
    const r = this.el.getBoundingClientRect();
    this.pos = { x: fraction(e.clientX, r.left, r.width), y: fraction(e.clientY, r.top, r.height) };
    this.mark.hidden = false;
    this.mark.style.left = `${this.pos.x * 100}%`;
    this.mark.style.top = `${this.pos.y * 100}%`;
    this.el.setAttribute("data-x", String(this.pos.x));
    this.el.setAttribute("data-y", String(this.pos.y));
  }

  // schedule sends the latest position now or when moveThrottle allows.
  schedule() {
    if (this.timer) return;
    const wait = this.lastMoveAt + this.moveThrottle - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), Math.ceil(wait));
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    const p = this.pos;
    if (!p || this.moveMode === "never") return;
    if (this.sent && p.x === this.sent.x && p.y === this.sent.y) return;
    this.sent = p;
    this.lastMoveAt = performance.now();
    this.send("move", p);
  }

  send(event, p) {
    if (!p) return;
    // A press says why it was refused; moves and releases do so quietly.
    this.ctx.input(this, { controlID: this.control.controlID, event, x: p.x, y: p.y }, { quiet: event !== "mousedown" });
  }

  update(c) {
    this.control = c;
    const disabled = bool(c, "disabled");
    this.el.classList.toggle("disabled", disabled);
    this.el.setAttribute("aria-disabled", String(disabled));
    this.el.setAttribute("aria-label", `Screen ${c.controlID}`);
    this.el.setAttribute("data-send-move", this.moveMode);
    styleFrom(this.el, c);
    if (disabled && this.pointer !== null) {
      this.pointer = null;
      this.el.classList.remove("pressed");
    }
  }

  destroy() {
    clearTimeout(this.timer);
    this.el.remove();
  }
}
