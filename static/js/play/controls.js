// Control views: one per control of the current scene. Each has el (its
// DOM), kind, control (the latest object), update(control) and destroy().
// Text from the game client is data: it reaches the DOM only through
// textContent and setAttribute, never as markup.

import { ButtonView } from "./button.js";
import { JoystickView } from "./joystick.js";
import { LabelView } from "./label.js";
import { ScreenView } from "./screen.js";
import { TextboxView } from "./textbox.js";

export function createControl(control, ctx) {
  switch (control.kind) {
    case "button":
      return new ButtonView(control, ctx);
    case "joystick":
      return new JoystickView(control, ctx);
    case "label":
      return new LabelView(control, ctx);
    case "textbox":
      return new TextboxView(control, ctx);
    case "screen":
      return new ScreenView(control, ctx);
  }
  return new UnknownView(control);
}

// base builds a control's outer element.
export function base(tag, control) {
  const el = document.createElement(tag);
  el.className = `pc pc-${control.kind}`;
  el.setAttribute("data-testid", "control");
  el.setAttribute("data-id", control.controlID);
  el.setAttribute("data-kind", control.kind);
  return el;
}

// str, num and bool read a property of the right type or the fallback.
export function str(c, key, fallback = "") {
  return typeof c[key] === "string" ? c[key] : fallback;
}

export function num(c, key, fallback = 0) {
  return typeof c[key] === "number" && Number.isFinite(c[key]) ? c[key] : fallback;
}

export function bool(c, key) {
  return c[key] === true;
}

// styleFrom applies the styling properties. Values go through the CSSOM,
// which drops anything that is not a valid value for that property.
const styleProps = {
  textColor: "color",
  textSize: "font-size",
  backgroundColor: "background-color",
  borderColor: "border-color",
  accentColor: "--pc-accent",
  focusColor: "--pc-focus",
};

export function styleFrom(el, c) {
  for (const [key, css] of Object.entries(styleProps)) {
    const v = str(c, key);
    if (v && css.startsWith("--") && !/^[#a-zA-Z0-9(),.%\s-]+$/.test(v)) {
      el.style.removeProperty(css); // custom properties take any tokens: keep them to colours
      continue;
    }
    if (v) el.style.setProperty(css, v);
    else el.style.removeProperty(css);
  }
  const img = str(c, "backgroundImage");
  let url = null;
  try {
    url = img ? new URL(img) : null;
  } catch {
    url = null;
  }
  if (url && (url.protocol === "https:" || url.protocol === "http:")) {
    el.style.setProperty("background-image", `url(${JSON.stringify(url.href)})`);
  } else {
    el.style.removeProperty("background-image");
  }
}

// fitText shrinks el's font, from its styled size (base, "" for the
// stylesheet's) down to minFontPx, until its content fits its box, and
// marks it data-overflow when even that is not enough: text is never cut
// without anyone seeing it (the studio shows the mark as a warning). It
// needs layout, so it does nothing while el is detached or hidden.
export const minFontPx = 8;

export function fitText(el, base) {
  el.style.fontSize = base || "";
  if (!el.isConnected || el.clientHeight === 0) return;
  const over = () => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
  let size = parseFloat(getComputedStyle(el).fontSize) || 14;
  while (over() && size > minFontPx) {
    size = Math.max(minFontPx, size - 1);
    el.style.fontSize = `${size}px`;
  }
  if (over()) el.setAttribute("data-overflow", "true");
  else el.removeAttribute("data-overflow");
}

// UnknownView shows a custom kind this page cannot draw.
class UnknownView {
  constructor(control) {
    this.kind = control.kind;
    this.el = base("div", control);
    this.el.classList.add("pc-unknown");
    this.update(control);
  }

  update(control) {
    this.control = control;
    this.el.textContent = control.controlID;
    this.el.setAttribute("title", `A "${control.kind}" control this page cannot show.`);
  }

  destroy() {
    this.el.remove();
  }
}
