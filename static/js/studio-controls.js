// Draws the controls of the studio's pages (the editor's canvas, the
// preview) with the play page's own modules, so that a control looks the
// same to the streamer as to viewers: one rendering of a control. Each
// host element ([data-control], the control's protocol JSON) gets the
// control's view, made inert (the studio's pointer and keyboard handling
// stays on the host); the host itself carries only the studio's chrome
// (selection, handles, the control's id, warnings).
//
// The hosts are drawn on load and again after every htmx swap. The page
// loads this module async: it must not hold up DOMContentLoaded, when htmx
// binds the page's buttons.

import { createControl } from "./play/controls.js";

// The studio never sends input: an inert context for the views.
const ctx = {
  serverNow: () => Date.now(),
  sparks: () => null,
  refuse() {},
  canInput: () => false,
  input: () => false,
};

const overflowNote = "The text does not fit even at the smallest size: viewers see it cut. Make the control bigger or the text shorter.";

function draw(host) {
  if (host.dataset.drawn === host.dataset.control) return;
  let control;
  try {
    control = JSON.parse(host.dataset.control);
  } catch {
    return;
  }
  host.querySelector(":scope > .pc")?.remove();
  const view = createControl(control, ctx);
  view.el.inert = true;
  view.el.setAttribute("data-testid", "control-view");
  host.prepend(view.el);
  view.update(control); // again, attached: text fitting needs layout
  host.dataset.drawn = host.dataset.control;
  // Measured in the control's own pixels: the editor's zoom (a CSS
  // transform) does not change them.
  view.resized?.(view.el.offsetWidth, view.el.offsetHeight);
  // A text cut even at the smallest size is said where the control is.
  let warn = host.querySelector(":scope > [data-testid=control-overflow]");
  const cut = view.el.hasAttribute("data-overflow");
  if (cut && !warn) {
    warn = document.createElement("span");
    warn.className = "ctl-warn";
    warn.setAttribute("data-testid", "control-overflow");
    warn.textContent = "⚠ text cut";
    warn.title = overflowNote;
    host.append(warn);
  } else if (!cut && warn) warn.remove();
}

export function drawAll(root = document) {
  for (const host of root.querySelectorAll("[data-control]")) draw(host);
}

drawAll();
document.addEventListener("htmx:afterSwap", () => drawAll());
