// A textbox: its text goes to the game client as the control's "submit"
// event with the value (Enter or the submit button). Multiline boxes
// submit with the button, or Ctrl+Enter.

import { base, bool, num, str, styleFrom } from "./controls.js";

export class TextboxView {
  constructor(control, ctx) {
    this.kind = "textbox";
    this.ctx = ctx;
    this.el = base("form", control);
    this.el.setAttribute("novalidate", "");
    this.multiline = null;
    this.submit = document.createElement("button");
    this.submit.type = "submit";
    this.submit.className = "pc-submit";
    this.submit.setAttribute("data-testid", "submit");
    this.cost = document.createElement("span");
    this.cost.className = "pc-cost";
    this.el.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.update(control);
  }

  send() {
    if (bool(this.control, "disabled")) {
      this.ctx.refuse(this, "This textbox is disabled.");
      return;
    }
    const until = num(this.control, "cooldown", 0);
    const left = until - this.ctx.serverNow();
    if (left > 0) {
      this.ctx.refuse(this, `Cooling down: ${Math.ceil(left / 1000)} s left.`);
      return;
    }
    const value = this.field.value;
    const input = { controlID: this.control.controlID, event: "submit", value };
    if (this.ctx.input(this, input, { costly: num(this.control, "cost") > 0 })) this.field.value = "";
  }

  // build swaps input and textarea when multiline changes.
  build(multiline) {
    if (this.multiline === multiline) return;
    this.multiline = multiline;
    const old = this.field;
    this.field = document.createElement(multiline ? "textarea" : "input");
    if (!multiline) this.field.type = "text";
    this.field.className = "pc-field";
    this.field.setAttribute("data-testid", "textbox-field");
    this.field.setAttribute("maxlength", "1000");
    this.field.setAttribute("aria-label", this.control.controlID);
    if (old) {
      this.field.value = old.value;
      old.remove();
    }
    if (multiline) {
      this.field.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          this.send();
        }
      });
    }
    this.el.prepend(this.field);
  }

  update(c) {
    this.control = c;
    this.build(bool(c, "multiline"));
    this.field.setAttribute("placeholder", str(c, "placeholder"));
    const hasSubmit = c.hasSubmit !== false; // default: shown
    this.submit.textContent = str(c, "submitText", "Submit") || "Submit";
    this.submit.hidden = !hasSubmit && !this.multiline;
    if (!this.submit.isConnected) this.el.append(this.submit, this.cost);
    const cost = Math.max(0, Math.floor(num(c, "cost")));
    this.cost.hidden = cost === 0;
    this.cost.textContent = cost ? `✦ ${cost}` : "";
    const disabled = bool(c, "disabled");
    this.el.classList.toggle("disabled", disabled);
    this.field.disabled = disabled;
    this.submit.disabled = disabled;
    styleFrom(this.el, c);
  }

  destroy() {
    this.el.remove();
  }
}
