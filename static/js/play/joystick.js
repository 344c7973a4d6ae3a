// A joystick: a stick dragged with mouse or touch (pointer events), the
// arrow keys while it has focus, or its gamepad stick. It sends move {x, y} with |(x, y)| ≤ 1, at most once per
// sampleRate ms (default 50) and only while the position changes; letting
// go springs back to the centre and sends (0, 0) once. The halo shows the
// control's angle and intensity.

import { base, bool, num, styleFrom } from "./controls.js";

const defaultSampleRate = 50;
const deadzone = 0.15; // gamepad sticks rest a little off centre

// clampUnit limits (x, y) to the unit disc and truncates to 3 decimals
// toward zero, so that rounding can never push the length past 1.
export function clampUnit(x, y) {
  const len = Math.hypot(x, y);
  if (len > 1) {
    x /= len;
    y /= len;
  }
  const t = (v) => Math.trunc(v * 1000) / 1000 || 0;
  return { x: t(x), y: t(y) };
}

function div(cls) {
  const el = document.createElement("div");
  el.className = cls;
  return el;
}

export class JoystickView {
  constructor(control, ctx) {
    this.kind = "joystick";
    this.ctx = ctx;
    this.el = base("div", control);
    this.el.setAttribute("role", "application");
    this.halo = div("pc-halo");
    this.halo.setAttribute("data-testid", "halo");
    this.pad = div("pc-stick-base");
    this.knob = div("pc-knob");
    this.knob.setAttribute("data-testid", "knob");
    this.pad.appendChild(this.knob);
    this.el.append(this.halo, this.pad);
    this.pos = { x: 0, y: 0 }; // where the stick is
    this.sent = { x: 0, y: 0 }; // what the server last heard
    this.lastSentAt = -Infinity;
    this.timer = 0;
    this.pointer = null; // the pointer dragging it
    this.padActive = false;

    this.el.addEventListener("pointerdown", (e) => {
      if (this.pointer !== null) return;
      e.preventDefault();
      if (bool(this.control, "disabled")) {
        this.ctx.refuse(this, "This joystick is disabled.");
        return;
      }
      if (!this.ctx.canInput(this)) return;
      this.pointer = e.pointerId;
      try {
        this.el.setPointerCapture(e.pointerId);
      } catch {
        // synthetic pointers may not be capturable; moves still arrive
      }
      this.el.classList.add("dragging");
      this.drag(e);
    });
    this.el.addEventListener("pointermove", (e) => {
      if (e.pointerId === this.pointer) this.drag(e);
    });
    const end = (e) => {
      if (e.pointerId !== this.pointer) return;
      this.pointer = null;
      this.el.classList.remove("dragging");
      this.moveTo(0, 0);
    };
    this.el.addEventListener("pointerup", end);
    this.el.addEventListener("pointercancel", end);
    this.el.addEventListener("lostpointercapture", end);

    // A focused joystick follows the arrow keys held down.
    this.el.tabIndex = 0;
    this.keys = new Set();
    const arrow = (e) => ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(e.key);
    const fromKeys = () => {
      if (this.pointer !== null) return;
      const k = (name) => (this.keys.has(name) ? 1 : 0);
      this.moveTo(k("ArrowRight") - k("ArrowLeft"), k("ArrowDown") - k("ArrowUp"));
    };
    this.el.addEventListener("keydown", (e) => {
      if (!arrow(e)) return;
      e.preventDefault();
      e.stopPropagation(); // not also a button's keyCode
      if (this.keys.has(e.key)) return;
      if (bool(this.control, "disabled") || !this.ctx.canInput(this)) return;
      this.keys.add(e.key);
      fromKeys();
    });
    this.el.addEventListener("keyup", (e) => {
      if (!arrow(e)) return;
      e.preventDefault();
      e.stopPropagation();
      if (this.keys.delete(e.key)) fromKeys();
    });
    this.el.addEventListener("blur", () => {
      if (this.keys.size === 0) return;
      this.keys.clear();
      fromKeys();
    });
    this.update(control);
  }

  get gamepadJoystick() {
    return num(this.control, "gamepadJoystick", -1);
  }

  drag(e) {
    const r = this.pad.getBoundingClientRect();
    const radius = Math.max(1, r.width / 2);
    const x = (e.clientX - (r.left + r.width / 2)) / radius;
    const y = (e.clientY - (r.top + r.height / 2)) / radius;
    this.moveTo(x, y);
  }

  // stick takes a gamepad's axes (main.js polls them).
  stick(axes) {
    if (this.pointer !== null || bool(this.control, "disabled")) return;
    const i = this.gamepadJoystick * 2;
    let x = axes[i] || 0;
    let y = axes[i + 1] || 0;
    if (Math.hypot(x, y) < deadzone) x = y = 0;
    const active = x !== 0 || y !== 0;
    if (!active && !this.padActive) return;
    this.padActive = active;
    this.moveTo(x, y);
  }

  moveTo(x, y) {
    this.pos = clampUnit(x, y);
    const r = this.pad.clientWidth / 2 - this.knob.offsetWidth / 2;
    this.knob.style.transform = `translate(${this.pos.x * r}px, ${this.pos.y * r}px)`;
    this.el.setAttribute("data-x", String(this.pos.x));
    this.el.setAttribute("data-y", String(this.pos.y));
    // Remember the farthest point reached while a send waits: a flick or a
    // key tap that is back at rest before the next sample still counts.
    this.schedule();
    const p = this.pos;
    if (this.timer && (!this.peak || Math.hypot(p.x, p.y) > Math.hypot(this.peak.x, this.peak.y))) this.peak = p;
  }

  get sampleRate() {
    const r = num(this.control, "sampleRate", defaultSampleRate);
    return r > 0 ? r : defaultSampleRate;
  }

  // schedule sends the position now or when sampleRate allows.
  schedule() {
    if (this.timer) return;
    const wait = this.lastSentAt + this.sampleRate - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), Math.ceil(wait));
  }

  flush() {
    this.timer = 0;
    let { x, y } = this.pos;
    const peak = this.peak;
    this.peak = null;
    if (peak && x === 0 && y === 0 && (peak.x !== 0 || peak.y !== 0) && (peak.x !== this.sent.x || peak.y !== this.sent.y)) {
      // Back at rest already: report where it went, then the rest.
      ({ x, y } = peak);
      this.timer = setTimeout(() => this.flush(), this.sampleRate);
    }
    if (x === this.sent.x && y === this.sent.y) return; // only while it moves
    this.sent = { x, y };
    this.lastSentAt = performance.now();
    this.ctx.input(this, { controlID: this.control.controlID, event: "move", x, y }, { quiet: true });
  }

  update(c) {
    this.control = c;
    const disabled = bool(c, "disabled");
    this.el.classList.toggle("disabled", disabled);
    this.el.setAttribute("aria-disabled", String(disabled));
    this.el.setAttribute("aria-label", `Joystick ${c.controlID}`);
    const angle = num(c, "angle");
    const intensity = Math.min(1, Math.max(0, num(c, "intensity")));
    this.halo.style.transform = `rotate(${angle}rad)`;
    this.halo.style.opacity = String(intensity);
    styleFrom(this.el, c);
    if (disabled && this.pointer !== null) {
      this.pointer = null;
      this.el.classList.remove("dragging");
      this.moveTo(0, 0);
    }
  }

  destroy() {
    clearTimeout(this.timer);
    this.el.remove();
  }
}
