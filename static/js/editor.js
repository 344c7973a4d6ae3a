// The studio's grid editor: selection, drag and resize snapped to grid
// units, keyboard nudging, copy/paste/duplicate and undo/redo.
//
// The server owns the layout: every edit is a request whose answer is the
// re-rendered #workspace (htmx swaps it). This script only turns pointer and
// keyboard gestures into those requests and keeps what the server cannot
// know: the selection, the clipboard and the undo/redo stacks. Data from the
// page is only ever put into the DOM with textContent, never as HTML.
(() => {
  "use strict";

  const state = {
    selected: new Set(), // control IDs
    drag: null, // an ongoing move or resize
    band: null, // an ongoing rubber-band selection
    queue: Promise.resolve(), // edits in flight, one at a time
    undo: [],
    redo: [],
  };

  // 409 (stale edit) and 422 (inline errors) answers carry the workspace
  // and are swapped: static/js/refusals.js sets that for every page.

  // Back and forward between scenes and grids load the page afresh: a
  // cached snapshot would carry old revisions and make the next save stale.
  htmx.config.historyCacheSize = 0;
  htmx.config.refreshOnHistoryMiss = true;
  // Settle at once: htmx binds the new workspace's buttons when it
  // settles, and a click in a 20 ms gap after each save would be lost.
  htmx.config.defaultSettleDelay = 0;

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
  const workspace = () => document.getElementById("workspace");
  const canvas = () => $("[data-canvas]");
  const readOnly = () => {
    const ws = workspace();
    return !ws || ws.dataset.readonly === "true";
  };
  const controlEl = (id) => $$(".ctl", canvas() || document).find((el) => el.dataset.id === id);

  function rectOf(el) {
    return { x: +el.dataset.x, y: +el.dataset.y, w: +el.dataset.w, h: +el.dataset.h };
  }

  function show(el, r) {
    el.style.setProperty("--x", r.x);
    el.style.setProperty("--y", r.y);
    el.style.setProperty("--w", r.w);
    el.style.setProperty("--h", r.h);
  }

  const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

  // ---- history (server-backed undo/redo) -------------------------------
  // Every entry is a real save's inverse with the revisions it expects, so
  // it is kept per version in localStorage: it survives a reload and a
  // closed tab, and a stale entry is refused with the stale message.

  const historyKey = () => `mixstudio-history-${workspace()?.dataset.version}`;

  function loadHistory() {
    try {
      const h = JSON.parse(localStorage.getItem(historyKey()) || "{}");
      state.undo = Array.isArray(h.undo) ? h.undo : [];
      state.redo = Array.isArray(h.redo) ? h.redo : [];
    } catch {
      state.undo = [];
      state.redo = [];
    }
  }

  function saveHistory() {
    try {
      localStorage.setItem(historyKey(), JSON.stringify({ undo: state.undo.slice(-100), redo: state.redo.slice(-100) }));
    } catch {
      /* a full localStorage only costs the history across reloads */
    }
  }

  // takeHistory reads the entry the server rendered for the edit it just
  // saved: its inverse, with the revisions the save produced.
  function takeHistory() {
    const t = $("template[data-history]");
    if (!t) return;
    const kind = t.dataset.history;
    let entry = null;
    try {
      entry = JSON.parse(t.dataset.entry);
    } catch {
      entry = null;
    }
    t.remove();
    if (!entry) return;
    if (kind === "undo") state.redo.push(entry);
    else if (kind === "redo") state.undo.push(entry);
    else {
      state.undo.push(entry);
      state.redo = [];
    }
    saveHistory();
  }

  function renderHistoryButtons() {
    const u = $("[data-testid=undo]");
    const r = $("[data-testid=redo]");
    const ro = readOnly();
    if (u) {
      u.disabled = ro || state.undo.length === 0;
      u.title = state.undo.length ? `Undo ${state.undo.at(-1).label} (Ctrl+Z)` : "Nothing to undo";
    }
    if (r) {
      r.disabled = ro || state.redo.length === 0;
      r.title = state.redo.length ? `Redo ${state.redo.at(-1).label} (Ctrl+Shift+Z)` : "Nothing to redo";
    }
  }

  function travel(direction) {
    if (readOnly()) return;
    send("restore", () => {
      const stack = direction === "undo" ? state.undo : state.redo;
      if (stack.length === 0) return null;
      const entry = stack.pop();
      saveHistory();
      return { payload: JSON.stringify(entry), history: direction };
    });
  }

  // ---- requests --------------------------------------------------------

  // send queues an edit: edits go one at a time, each built when its turn
  // comes (values may be a function), so that it carries the revisions the
  // previous answer brought — a held arrow key or a quick Ctrl+Z after a
  // drag would otherwise post revisions that are already stale.
  function send(action, values) {
    state.queue = state.queue.then(() => {
      const ws = workspace();
      if (!ws) return;
      const v = typeof values === "function" ? values() : values;
      if (!v) return;
      return htmx
        .ajax("POST", `${ws.dataset.base}/${action}`, { target: "#workspace", swap: "outerHTML settle:0ms", values: v })
        .catch(() => {});
    });
    return state.queue;
  }

  // Every request from the editor says which scene and grid it is about
  // and what is selected, so the answer shows the same view.
  document.addEventListener("htmx:configRequest", (e) => {
    const ws = workspace();
    if (!ws || !e.detail.path.startsWith(ws.dataset.base)) return;
    const p = e.detail.parameters;
    // A tab's link names its scene and grid, and htmx pushes that URL to
    // the address bar: adding anything to it would pile up there (the
    // selection survives the switch in this page anyway).
    if (new URL(e.detail.path, location.href).searchParams.has("scene")) return;
    const set = (k, v) => {
      if (p instanceof FormData) {
        if (!p.has(k)) p.set(k, v);
      } else if (!(k in p)) p[k] = v;
    };
    set("scene", ws.dataset.scene);
    set("grid", ws.dataset.grid);
    set("sel", JSON.stringify([...state.selected]));
  });

  // ---- selection -------------------------------------------------------

  function select(ids, { toggle = false } = {}) {
    if (!toggle) state.selected = new Set(ids);
    else for (const id of ids) state.selected.has(id) ? state.selected.delete(id) : state.selected.add(id);
    paintSelection();
    loadProperties();
  }

  function paintSelection() {
    for (const el of $$(".ctl")) {
      const on = state.selected.has(el.dataset.id);
      el.classList.toggle("selected", on);
      el.setAttribute("aria-selected", on ? "true" : "false");
    }
    const n = $("[data-testid=selection-count]");
    if (n) n.textContent = state.selected.size ? `${state.selected.size} selected` : "";
    // Copying from a published version is fine (to paste into a draft).
    for (const b of $$("[data-needs-selection]")) b.disabled = (readOnly() && b.dataset.action !== "copy") || state.selected.size === 0;
  }

  // loadProperties shows the single selected control's form (fetched: the
  // server renders it with its revision) or the multi-selection summary.
  function loadProperties() {
    const ws = workspace();
    const props = document.getElementById("props");
    if (!ws || !props) return;
    const ids = [...state.selected];
    if (ids.length === 1) {
      if (props.dataset.control === ids[0] || props.dataset.loading === ids[0]) return;
      props.dataset.loading = ids[0];
      htmx.ajax("GET", `${ws.dataset.base}/properties`, { target: "#props", swap: "outerHTML", values: { control: ids[0] } });
      return;
    }
    if (props.dataset.control === "" && props.dataset.count === String(ids.length)) return;
    props.dataset.control = "";
    props.dataset.count = String(ids.length);
    const body = $("[data-props-body]", props);
    if (!body) return;
    body.replaceChildren();
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = ids.length ? `${ids.length} controls selected. Drag, nudge with the arrow keys, duplicate or delete them together.` : "Select a control to edit its properties.";
    body.append(p);
  }

  // ---- drag and resize -------------------------------------------------

  // gridSize is the grid in units, and unit the screen pixels one grid
  // unit takes now (fitCanvas keeps data-unit up to date).
  function gridSize() {
    const c = canvas();
    return { w: +c.dataset.width, h: +c.dataset.height, unit: +c.dataset.unit };
  }

  // fitCanvas scales the canvas, drawn at the viewers' real 12 px a unit,
  // to the width beside the side panel (and to the window's height, for
  // the tall small grid): the controls stay exactly as viewers see them,
  // only larger or smaller.
  function fitCanvas() {
    const c = canvas();
    const wrap = $("[data-canvas-wrap]");
    const box = $("[data-canvas-box]");
    if (!c || !wrap || !box) return;
    const real = parseFloat(getComputedStyle(c).getPropertyValue("--unit")) || 12;
    const w = +c.dataset.width * real, h = +c.dataset.height * real;
    const roomW = wrap.clientWidth - 4;
    const roomH = Math.max(240, window.innerHeight - wrap.getBoundingClientRect().top - 70);
    const scale = Math.max(0.5, Math.min(3, roomW / w, Math.max(1, roomH / h)));
    c.style.setProperty("--scale", String(scale));
    box.style.width = `${w * scale}px`;
    box.style.height = `${h * scale}px`;
    c.dataset.unit = String(real * scale);
    c.dataset.scale = String(scale);
  }

  function limitsOf(el) {
    return {
      minW: +el.dataset.minw || 1,
      minH: +el.dataset.minh || 1,
      maxW: +el.dataset.maxw || gridSize().w,
      maxH: +el.dataset.maxh || gridSize().h,
      square: el.dataset.square === "true",
    };
  }

  function onPointerDown(e) {
    const el = e.target.closest(".ctl");
    const c = canvas();
    if (!c || !c.contains(e.target) || e.button !== 0) return;
    if (!el) {
      // On the empty grid: a rubber band selects what it touches (added to
      // the selection with Shift or Ctrl).
      const additive = e.shiftKey || e.ctrlKey || e.metaKey;
      if (!additive) select([]);
      const box = c.getBoundingClientRect();
      const band = document.createElement("div");
      band.className = "band";
      band.dataset.testid = "selection-band";
      c.append(band);
      state.band = { el: band, box, x: e.clientX, y: e.clientY, base: additive ? [...state.selected] : [] };
      c.setPointerCapture?.(e.pointerId);
      e.preventDefault();
      return;
    }
    const id = el.dataset.id;
    if (e.shiftKey || e.ctrlKey || e.metaKey) {
      select([id], { toggle: true });
      return;
    }
    if (!state.selected.has(id)) select([id]);
    if (readOnly()) return;
    e.preventDefault();
    const resizing = e.target.closest(".handle") !== null;
    const members = resizing ? [el] : [...state.selected].map(controlEl).filter(Boolean);
    state.drag = {
      resizing,
      startX: e.clientX,
      startY: e.clientY,
      members: members.map((m) => ({ el: m, from: rectOf(m), to: rectOf(m) })),
      moved: false,
    };
    el.setPointerCapture?.(e.pointerId);
    c.classList.add("dragging");
  }

  // bandRect is the rubber band in canvas pixels.
  function bandRect(b, e) {
    const x1 = Math.min(b.x, e.clientX) - b.box.left, y1 = Math.min(b.y, e.clientY) - b.box.top;
    const x2 = Math.max(b.x, e.clientX) - b.box.left, y2 = Math.max(b.y, e.clientY) - b.box.top;
    return { x1, y1, x2, y2 };
  }

  function onBandMove(e) {
    const b = state.band;
    const r = bandRect(b, e);
    const k = +canvas().dataset.scale || 1; // the band lives inside the scaled canvas
    Object.assign(b.el.style, { left: `${r.x1 / k}px`, top: `${r.y1 / k}px`, width: `${(r.x2 - r.x1) / k}px`, height: `${(r.y2 - r.y1) / k}px` });
    const unit = gridSize().unit;
    const hit = $$(".ctl", canvas()).filter((el) => {
      const c = rectOf(el);
      return c.x * unit < r.x2 && r.x1 < (c.x + c.w) * unit && c.y * unit < r.y2 && r.y1 < (c.y + c.h) * unit;
    });
    state.selected = new Set([...b.base, ...hit.map((el) => el.dataset.id)]);
    paintSelection();
  }

  function onPointerMove(e) {
    if (state.band) return onBandMove(e);
    const d = state.drag;
    if (!d) return;
    const g = gridSize();
    const du = Math.round((e.clientX - d.startX) / g.unit);
    const dv = Math.round((e.clientY - d.startY) / g.unit);
    if (d.resizing) {
      const m = d.members[0];
      const l = limitsOf(m.el);
      let w = Math.min(Math.max(m.from.w + du, l.minW), l.maxW, g.w - m.from.x);
      let h = Math.min(Math.max(m.from.h + dv, l.minH), l.maxH, g.h - m.from.y);
      if (l.square) {
        // A square follows the pointer's larger movement: 4 right and 3
        // up grows it by 4, not shrinks it by 3.
        const d = Math.abs(du) >= Math.abs(dv) ? du : dv;
        const side = Math.min(Math.max(m.from.w + d, l.minW), l.maxW, g.w - m.from.x, g.h - m.from.y);
        w = h = Math.max(side, l.minW);
      }
      m.to = { ...m.from, w, h };
    } else {
      // Clamp the whole group so that every member stays on the grid.
      let lo = -Infinity, hi = Infinity, top = -Infinity, bottom = Infinity;
      for (const m of d.members) {
        lo = Math.max(lo, -m.from.x);
        hi = Math.min(hi, g.w - m.from.x - m.from.w);
        top = Math.max(top, -m.from.y);
        bottom = Math.min(bottom, g.h - m.from.y - m.from.h);
      }
      const dx = Math.min(Math.max(du, lo), hi);
      const dy = Math.min(Math.max(dv, top), bottom);
      for (const m of d.members) m.to = { ...m.from, x: m.from.x + dx, y: m.from.y + dy };
    }
    d.moved = d.members.some((m) => m.to.x !== m.from.x || m.to.y !== m.from.y || m.to.w !== m.from.w || m.to.h !== m.from.h);
    const bad = collides(d.members);
    for (const m of d.members) {
      show(m.el, m.to);
      m.el.classList.toggle("colliding", bad);
    }
  }

  // collides reports whether the moved rectangles overlap a control that is
  // not moving with them.
  function collides(members) {
    const moving = new Set(members.map((m) => m.el));
    const others = $$(".ctl", canvas()).filter((el) => !moving.has(el)).map(rectOf);
    return members.some((m) => others.some((o) => overlaps(m.to, o)));
  }

  function onPointerUp() {
    if (state.band) {
      state.band.el.remove();
      state.band = null;
      loadProperties();
      return;
    }
    const d = state.drag;
    if (!d) return;
    state.drag = null;
    canvas()?.classList.remove("dragging");
    if (!d.moved) return;
    if (collides(d.members)) {
      for (const m of d.members) {
        show(m.el, m.from);
        m.el.classList.remove("colliding");
      }
      notify("Controls may not overlap: the move was not saved.");
      return;
    }
    saveRects(d.members.map((m) => ({ el: m.el, to: m.to })), d.resizing ? "Resize" : "Move");
  }

  function saveRects(items, label) {
    const wanted = items.map(({ el, to }) => ({ id: el.dataset.id, to }));
    send("move", () => {
      const moves = [];
      for (const { id, to } of wanted) {
        const el = controlEl(id); // the element of the latest answer
        if (!el) continue;
        moves.push({ controlID: id, revision: +el.dataset.rev, x: to.x, y: to.y, width: to.w, height: to.h });
      }
      return moves.length ? { moves: JSON.stringify(moves), label } : null;
    });
  }

  // nudge moves the selection one unit, refusing to leave the grid or to
  // land on another control.
  function nudge(dx, dy) {
    if (readOnly() || state.selected.size === 0) return;
    // Built when its turn comes, from the positions the previous save left.
    send("move", () => {
      const g = gridSize();
      const items = [...state.selected].map(controlEl).filter(Boolean).map((el) => {
        const r = rectOf(el);
        return { el, from: r, to: { ...r, x: r.x + dx, y: r.y + dy } };
      });
      if (items.length === 0) return null;
      if (items.some((m) => m.to.x < 0 || m.to.y < 0 || m.to.x + m.to.w > g.w || m.to.y + m.to.h > g.h)) {
        notify("That would leave the grid.");
        return null;
      }
      if (collides(items)) {
        notify("That would overlap another control.");
        return null;
      }
      for (const m of items) show(m.el, m.to);
      const moves = items.map(({ el, to }) => ({ controlID: el.dataset.id, revision: +el.dataset.rev, x: to.x, y: to.y, width: to.w, height: to.h }));
      return { moves: JSON.stringify(moves), label: "Nudge" };
    });
  }

  // ---- clipboard -------------------------------------------------------
  // The clipboard is shared by this browser's tabs (localStorage), so that
  // controls copied from one version paste into another. It is forgotten
  // after clipboardHours, and the Paste button always says what it holds
  // and where it came from: nothing is pasted by surprise.

  const clipboardKey = "mixstudio-clipboard";
  const clipboardHours = 8;

  function readClipboard() {
    let clip = state.clipboard || null;
    try {
      clip = JSON.parse(localStorage.getItem(clipboardKey)) || clip;
    } catch {
      /* keep this tab's clipboard */
    }
    if (!clip || !Array.isArray(clip.controls) || clip.controls.length === 0) return null;
    if (!(Date.now() - (+clip.at || 0) < clipboardHours * 3600e3)) return null;
    return clip;
  }

  function clipboardText(clip) {
    const n = clip.controls.length;
    const what = n === 1 ? clip.controls[0] : `${n} controls`;
    const ws = workspace();
    const here = ws && clip.version === ws.dataset.version && clip.scene === ws.dataset.scene;
    const from = here ? "" : ` from ${clip.versionLabel || "another version"} · scene “${clip.scene}”`;
    return { short: `Paste ${what}`, long: `Paste ${clip.controls.join(", ")}${from} (Ctrl+V)` };
  }

  function renderPaste() {
    const b = $("[data-testid=paste]");
    if (!b) return;
    const clip = readClipboard();
    b.disabled = readOnly() || !clip;
    b.textContent = clip ? clipboardText(clip).short : "Paste";
    b.title = clip ? clipboardText(clip).long : "Nothing to paste: select controls and press Ctrl+C (copies last 8 hours).";
  }

  function copy() {
    const ws = workspace();
    if (!ws || state.selected.size === 0) return;
    const clip = {
      version: ws.dataset.version,
      versionLabel: `${ws.dataset.project || "project"} v${ws.dataset.number || "?"}`,
      scene: ws.dataset.scene,
      controls: [...state.selected],
      at: Date.now(),
    };
    try {
      localStorage.setItem(clipboardKey, JSON.stringify(clip));
    } catch {
      /* the clipboard then lives only in this tab */
    }
    state.clipboard = clip;
    renderPaste();
    notify(`Copied ${clip.controls.join(", ")}.`);
  }

  function paste() {
    if (readOnly()) return;
    const clip = readClipboard();
    if (!clip) {
      notify("Nothing to paste: select controls and press Ctrl+C first.");
      return;
    }
    send("paste", { from_version: clip.version, from_scene: clip.scene, controls: JSON.stringify(clip.controls) });
  }

  function duplicate() {
    if (readOnly() || state.selected.size === 0) return;
    const ws = workspace();
    send("paste", { from_version: ws.dataset.version, from_scene: ws.dataset.scene, controls: JSON.stringify([...state.selected]) });
  }

  function removeSelected() {
    if (readOnly() || state.selected.size === 0) return;
    const ids = [...state.selected];
    state.selected.clear();
    send("delete-controls", () => {
      const items = ids.map(controlEl).filter(Boolean).map((el) => ({ controlID: el.dataset.id, revision: +el.dataset.rev }));
      return items.length ? { controls: JSON.stringify(items) } : null;
    });
  }

  // ---- messages --------------------------------------------------------

  function notify(text) {
    const box = $("[data-testid=editor-notice]");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => (box.hidden = true), 4000);
  }

  // ---- keyboard --------------------------------------------------------

  function onKeyDown(e) {
    if (!workspace()) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    // Tab reaches each control; Enter or Space selects it (Shift adds).
    const focused = t instanceof HTMLElement ? t.closest(".ctl") : null;
    if (focused && (key === "enter" || key === " ")) {
      e.preventDefault();
      select([focused.dataset.id], { toggle: e.shiftKey });
      return;
    }
    const arrows = { arrowleft: [-1, 0], arrowright: [1, 0], arrowup: [0, -1], arrowdown: [0, 1] };
    if (arrows[key] && !mod) {
      if (state.selected.size === 0) return;
      e.preventDefault();
      const step = e.shiftKey ? 5 : 1; // Shift: one major grid line
      nudge(arrows[key][0] * step, arrows[key][1] * step);
    } else if (mod && key === "z") {
      e.preventDefault();
      travel(e.shiftKey ? "redo" : "undo");
    } else if (mod && key === "y") {
      e.preventDefault();
      travel("redo");
    } else if (mod && key === "c") {
      copy();
    } else if (mod && key === "v") {
      e.preventDefault();
      paste();
    } else if (mod && key === "d") {
      e.preventDefault();
      duplicate();
    } else if (mod && key === "a") {
      e.preventDefault();
      select($$(".ctl", canvas() || document).map((el) => el.dataset.id));
    } else if (key === "delete" || key === "backspace") {
      e.preventDefault();
      removeSelected();
    } else if (key === "escape") {
      select([]);
    }
  }

  // ---- wiring ----------------------------------------------------------

  // setup runs on page load and after every swap of the workspace: the
  // selection survives (controls that no longer exist drop out of it).
  function setup() {
    const ws = workspace();
    if (!ws) return;
    if (ws.dataset.version !== setup.version) {
      setup.version = ws.dataset.version;
      loadHistory();
    }
    takeHistory();
    fitCanvas();
    renderPaste();
    const present = new Set($$(".ctl").map((el) => el.dataset.id));
    // The server picks the selection after an add or a paste, once.
    const fromServer = ws.dataset.select ? JSON.parse(ws.dataset.select) : null;
    delete ws.dataset.select;
    if (Array.isArray(fromServer)) state.selected = new Set(fromServer.filter((id) => present.has(id)));
    else state.selected = new Set([...state.selected].filter((id) => present.has(id)));
    paintSelection();
    renderHistoryButtons();
    const props = document.getElementById("props");
    if (props && state.selected.size === 1 && props.dataset.control !== [...state.selected][0]) loadProperties();
    if (props && state.selected.size !== 1 && props.dataset.control) loadProperties();
  }

  document.addEventListener("pointerdown", onPointerDown);
  document.addEventListener("pointermove", onPointerMove);
  document.addEventListener("pointerup", onPointerUp);
  document.addEventListener("pointercancel", onPointerUp);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("click", (e) => {
    const b = e.target.closest("[data-action]");
    if (!b || b.disabled) return;
    const act = { undo: () => travel("undo"), redo: () => travel("redo"), copy, paste, duplicate, delete: removeSelected }[b.dataset.action];
    if (act) {
      e.preventDefault();
      act();
    }
  });
  // The history entry is read as soon as the answer is in the page (a
  // Ctrl+Z right after must find it); settling only repaints.
  document.addEventListener("htmx:afterSwap", setup);
  window.addEventListener("resize", () => fitCanvas());
  window.addEventListener("storage", (e) => e.key === clipboardKey && renderPaste());
  document.addEventListener("htmx:afterSettle", setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();

  // For tests and the console: the editor's state, read-only.
  window.mixstudioEditor = {
    selected: () => [...state.selected],
    undoDepth: () => state.undo.length,
    redoDepth: () => state.redo.length,
  };
})();
