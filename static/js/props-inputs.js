// The property form's helpers: "Press a key" for keyCode, a colour picker
// beside each colour's text field (the text stays the saved value: any
// CSS colour may be typed), and the first refused field brought into view.
// Everything works by delegation, so it survives htmx swapping the form.
(() => {
  "use strict";

  const byId = (id) => document.getElementById(id);

  // ---- keyCode ---------------------------------------------------------

  const keyNames = { 8: "Backspace", 9: "Tab", 13: "Enter", 16: "Shift", 17: "Ctrl", 18: "Alt", 27: "Escape", 32: "Space",
    37: "Arrow left", 38: "Arrow up", 39: "Arrow right", 40: "Arrow down", 46: "Delete" };

  function keyName(code) {
    if (!Number.isInteger(code) || code < 0) return "";
    if ((code >= 65 && code <= 90) || (code >= 48 && code <= 57)) return String.fromCharCode(code);
    if (code >= 96 && code <= 105) return `Numpad ${code - 96}`;
    if (code >= 112 && code <= 123) return `F${code - 111}`;
    return keyNames[code] || `key code ${code}`;
  }

  function showKeyName(input) {
    const out = document.querySelector(`[data-key-name="${input.id}"]`);
    if (!out) return;
    const v = input.value.trim();
    out.textContent = v === "" ? "No key bound." : /^\d+$/.test(v) ? `Key: ${keyName(+v)}` : "";
  }

  let capturing = null; // the button waiting for a key

  function stopCapture() {
    if (!capturing) return;
    capturing.textContent = "Press a key";
    capturing.classList.remove("capturing");
    capturing = null;
  }

  document.addEventListener("click", (e) => {
    const b = e.target.closest("[data-key-capture]");
    if (!b) return;
    e.preventDefault();
    if (capturing === b) return stopCapture();
    stopCapture();
    capturing = b;
    b.textContent = "Press any key… (Esc cancels)";
    b.classList.add("capturing");
  });

  // Capture phase: the key must reach neither the editor's shortcuts nor
  // the button itself.
  document.addEventListener(
    "keydown",
    (e) => {
      if (!capturing) return;
      e.preventDefault();
      e.stopPropagation();
      const input = byId(capturing.dataset.keyCapture);
      if (e.key !== "Escape" && input) {
        input.value = String(e.keyCode);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      stopCapture();
    },
    true,
  );

  // ---- colours ---------------------------------------------------------

  // toHex turns any CSS colour the browser knows into #rrggbb for the
  // picker ("" when it is not one, or not opaque).
  const probe = document.createElement("canvas").getContext("2d");
  function toHex(text) {
    const v = text.trim();
    if (!v || !CSS.supports("color", v)) return "";
    probe.fillStyle = "#000001";
    probe.fillStyle = v;
    const out = probe.fillStyle;
    return /^#[0-9a-f]{6}$/i.test(out) ? out : "";
  }

  function syncPicker(input) {
    const picker = document.querySelector(`[data-color-for="${input.id}"]`);
    if (!picker) return;
    const hex = toHex(input.value);
    if (hex) picker.value = hex;
    picker.classList.toggle("unset", !hex);
  }

  document.addEventListener("input", (e) => {
    const t = e.target;
    if (t.matches?.("[data-color-for]")) {
      const input = byId(t.dataset.colorFor);
      if (input) input.value = t.value;
      t.classList.remove("unset");
    } else if (t.id && document.querySelector(`[data-color-for="${t.id}"]`)) syncPicker(t);
    else if (t.id && document.querySelector(`[data-key-name="${t.id}"]`)) showKeyName(t);
  });

  // ---- after each swap ---------------------------------------------------

  function setup() {
    for (const p of document.querySelectorAll("[data-color-for]")) {
      const input = byId(p.dataset.colorFor);
      if (input) syncPicker(input);
    }
    for (const out of document.querySelectorAll("[data-key-name]")) {
      const input = byId(out.dataset.keyName);
      if (input) showKeyName(input);
    }
    // A refused save: bring its first refused field into view, so the
    // message sits where the streamer looks.
    const bad = document.querySelector("#props [aria-invalid=true], #props .field.invalid textarea");
    if (bad && !setup.focused?.isConnected) {
      bad.scrollIntoView({ block: "center" });
      bad.focus({ preventScroll: true });
    }
    setup.focused = bad;
  }

  document.addEventListener("htmx:afterSwap", setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
