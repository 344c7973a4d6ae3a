// A label: text only, no input. Its text shrinks to fit its box.

import { base, bool, fitText, str, styleFrom } from "./controls.js";

export class LabelView {
  constructor(control) {
    this.kind = "label";
    this.el = base("div", control);
    this.update(control);
  }

  update(c) {
    this.control = c;
    this.el.textContent = str(c, "text");
    this.el.classList.toggle("bold", bool(c, "bold"));
    this.el.classList.toggle("italic", bool(c, "italic"));
    this.el.classList.toggle("underline", bool(c, "underline"));
    styleFrom(this.el, c);
    this.fontSize = this.el.style.fontSize; // textSize, or "" for the default
    fitText(this.el, this.fontSize);
  }

  // resized runs when the grid gives the label its size.
  resized() {
    fitText(this.el, this.fontSize);
  }

  destroy() {
    this.el.remove();
  }
}
