// A label: text only, no input.

import { base, bool, str, styleFrom } from "./controls.js";

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
  }

  destroy() {
    this.el.remove();
  }
}
