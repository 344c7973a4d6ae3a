// A button: mousedown/mouseup with the mouse button, touchstart/touchend as
// button 0, keydown/keyup for its keyCode, and its gamepad button. It shows
// text, tooltip, cost, progress, a cooldown counted on the server's clock
// and a disabled look.

import { base, bool, fitText, num, str, styleFrom } from "./controls.js";

function part(cls, testid) {
  const el = document.createElement("span");
  el.className = cls;
  if (testid) el.setAttribute("data-testid", testid);
  return el;
}

export class ButtonView {
  constructor(control, ctx) {
    this.kind = "button";
    this.ctx = ctx;
    this.el = base("button", control);
    this.el.type = "button";
    this.text = part("pc-text", "control-text");
    this.cost = part("pc-cost", "cost");
    this.cooldown = part("pc-cooldown", "cooldown");
    this.progress = part("pc-progress");
    this.fill = part("pc-progress-fill");
    this.progress.appendChild(this.fill);
    this.el.append(this.progress, this.text, this.cost, this.cooldown);
    this.down = null; // what pressed it: "mouse", "touch", "key", "pad"
    this.mouseButton = 0;

    this.el.addEventListener("mousedown", (e) => {
      e.preventDefault(); // keep focus and text selection out of it
      if (this.down) return;
      this.mouseButton = e.button;
      this.press("mouse", "mousedown", e.button);
    });
    // A release anywhere ends the press, as a mouse may leave the button.
    this.onMouseUp = (e) => {
      if (this.down === "mouse" && e.button === this.mouseButton) this.release("mouseup", e.button);
    };
    window.addEventListener("mouseup", this.onMouseUp);
    this.el.addEventListener("contextmenu", (e) => e.preventDefault());
    // A focused button is pressed with Enter or Space, like a touch: the
    // keyboard user without a bound keyCode can still use it.
    const isActivation = (e) => e.key === "Enter" || e.key === " ";
    this.el.addEventListener("keydown", (e) => {
      if (!isActivation(e)) return;
      e.preventDefault();
      e.stopPropagation(); // not also the page's keyCode handling
      if (!e.repeat && !this.down) this.press("focus", "mousedown", 0);
    });
    this.el.addEventListener("keyup", (e) => {
      if (!isActivation(e)) return;
      e.preventDefault();
      e.stopPropagation();
      if (this.down === "focus") this.release("mouseup", 0);
    });
    this.el.addEventListener(
      "touchstart",
      (e) => {
        e.preventDefault(); // no emulated mouse events after the touch
        if (!this.down) this.press("touch", "mousedown", 0);
      },
      { passive: false },
    );
    const touchEnd = (e) => {
      e.preventDefault();
      if (this.down === "touch") this.release("mouseup", 0);
    };
    this.el.addEventListener("touchend", touchEnd);
    this.el.addEventListener("touchcancel", touchEnd);
    this.update(control);
  }

  get keyCode() {
    return num(this.control, "keyCode", -1);
  }

  get gamepadButton() {
    return num(this.control, "gamepadButton", -1);
  }

  // cooldownLeft is how many ms the cooldown still runs (server clock).
  cooldownLeft() {
    const until = num(this.control, "cooldown", 0);
    return Math.max(0, until - this.ctx.serverNow());
  }

  // blocked says why a press cannot go out now, or "".
  blocked() {
    if (bool(this.control, "disabled")) return "This button is disabled.";
    const left = this.cooldownLeft();
    if (left > 0) return `Cooling down: ${Math.ceil(left / 1000)} s left.`;
    return "";
  }

  press(source, event, button) {
    const why = this.blocked();
    if (why) {
      this.ctx.refuse(this, why);
      return;
    }
    const input = { controlID: this.control.controlID, event };
    if (event === "mousedown") input.button = button;
    const sent = this.ctx.input(this, input, { costly: num(this.control, "cost") > 0 });
    if (!sent) return;
    this.down = source;
    this.accepted = sent; // true, or a promise for a paid press
    this.el.classList.add("pressed");
  }

  release(event, button) {
    this.down = null;
    this.el.classList.remove("pressed");
    const input = { controlID: this.control.controlID, event };
    if (event === "mouseup") input.button = button;
    const send = () => this.ctx.input(this, input, { quiet: true });
    const accepted = this.accepted;
    this.accepted = null;
    // A refused paid press has no release for the game to hear.
    if (accepted instanceof Promise) accepted.then((ok) => ok && send());
    else send();
  }

  // key handles the control's keyCode (main.js routes it here).
  key(down) {
    if (down && !this.down) this.press("key", "keydown");
    else if (!down && this.down === "key") this.release("keyup");
  }

  // pad handles its gamepad button: triggers count from half way.
  pad(down) {
    if (down && !this.down) this.press("pad", "mousedown", 0);
    else if (!down && this.down === "pad") this.release("mouseup", 0);
  }

  update(c) {
    this.control = c;
    this.text.textContent = str(c, "text");
    const tip = str(c, "tooltip");
    if (tip) this.el.setAttribute("title", tip);
    else this.el.removeAttribute("title");
    const cost = Math.max(0, Math.floor(num(c, "cost")));
    this.cost.hidden = cost === 0;
    this.cost.textContent = cost ? `✦ ${cost}` : "";
    const p = Math.min(1, Math.max(0, num(c, "progress")));
    this.progress.hidden = !(p > 0);
    this.fill.style.width = `${p * 100}%`;
    const disabled = bool(c, "disabled");
    this.el.classList.toggle("disabled", disabled);
    this.el.setAttribute("aria-disabled", String(disabled));
    const key = this.keyCode;
    this.el.setAttribute("aria-keyshortcuts", key >= 0 ? keyName(key) : "");
    if (key < 0) this.el.removeAttribute("aria-keyshortcuts");
    styleFrom(this.el, c);
    this.fontSize = this.el.style.fontSize;
    fitText(this.el, this.fontSize);
    if (disabled && this.down) this.release(this.down === "key" ? "keyup" : "mouseup", 0);
    this.tick();
  }

  // resized runs when the grid gives the button its size: long text
  // shrinks to fit.
  resized() {
    fitText(this.el, this.fontSize);
  }

  // tick redraws what depends on time and the balance.
  tick() {
    const left = this.cooldownLeft();
    const cooling = left > 0;
    this.el.classList.toggle("cooling", cooling);
    this.cooldown.hidden = !cooling;
    const label = cooling ? `${Math.ceil(left / 1000)}s` : "";
    if (this.cooldown.textContent !== label) this.cooldown.textContent = label;
    const sparks = this.ctx.sparks();
    const cost = num(this.control, "cost");
    this.el.classList.toggle("unaffordable", sparks !== null && cost > sparks);
  }

  destroy() {
    window.removeEventListener("mouseup", this.onMouseUp);
    this.el.remove();
  }
}

// keyName turns a keyCode into what aria-keyshortcuts expects, where easy.
function keyName(code) {
  if ((code >= 65 && code <= 90) || (code >= 48 && code <= 57)) return String.fromCharCode(code);
  const names = { 32: "Space", 13: "Enter", 37: "ArrowLeft", 38: "ArrowUp", 39: "ArrowRight", 40: "ArrowDown" };
  return names[code] || `Key${code}`;
}
