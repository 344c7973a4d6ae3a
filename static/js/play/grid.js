// The grid: picks the grid that fits the viewport (spec: Control
// Positioning), places each control of the current scene on it, and
// reconciles the DOM with the scene by controlID so that a control being
// pressed or dragged survives updates of other controls.
//
// The grid table and the pixel unit are the server's (studio.Grids and
// studio.UnitPx), read from the play root's data-grids and data-unit:
// they are defined once, in Go, never retyped here.

import { createControl } from "./controls.js";

// pageGrids reads the grid table and unit from the element carrying them.
export function pageGrids(el) {
  const root = el.closest("[data-grids]");
  let grids = [];
  try {
    grids = JSON.parse(root.getAttribute("data-grids"));
  } catch {
    grids = [];
  }
  return { grids: Array.isArray(grids) ? grids : [], unit: Number(root.getAttribute("data-unit")) || 0 };
}

// gridFor picks from grids (the largest first) the first whose minimum
// width the viewport reaches.
export function gridFor(grids, viewportPx) {
  return grids.find((g) => viewportPx >= g.minViewportPx) || grids[grids.length - 1];
}

function positionOn(control, gridName) {
  const ps = Array.isArray(control.position) ? control.position : [];
  const p = ps.find((x) => x && x.size === gridName);
  if (!p) return null;
  const n = (v) => (Number.isFinite(v) ? v : 0);
  return { x: n(p.x), y: n(p.y), w: Math.max(0, n(p.width)), h: Math.max(0, n(p.height)) };
}

export class Grid {
  constructor(el, emptyEl, ctx) {
    this.el = el;
    this.emptyEl = emptyEl;
    this.ctx = ctx;
    this.controls = new Map(); // controlID -> control view
    this.sceneID = "";
    this.grid = null;
    ({ grids: this.grids, unit: this.unit } = pageGrids(el));
  }

  // show makes the DOM match scene (null: nothing to show yet).
  show(scene) {
    const seen = new Set();
    const list = scene ? scene.controls : [];
    for (const c of list) {
      seen.add(c.controlID);
      let view = this.controls.get(c.controlID);
      if (view && view.kind !== c.kind) {
        view.destroy();
        view = null;
      }
      if (!view) {
        view = createControl(c, this.ctx);
        this.controls.set(c.controlID, view);
        this.el.appendChild(view.el);
      }
      view.update(c);
    }
    for (const [id, view] of this.controls) {
      if (!seen.has(id)) {
        view.destroy();
        this.controls.delete(id);
      }
    }
    const sceneID = scene ? scene.sceneID : "";
    if (sceneID !== this.sceneID) {
      this.sceneID = sceneID;
      this.el.setAttribute("data-scene", sceneID);
    }
    this.layout();
  }

  // layout places the controls on the grid the viewport uses now.
  layout() {
    const g = gridFor(this.grids, window.innerWidth);
    const UNIT = this.unit;
    if (this.grid !== g) {
      this.grid = g;
      this.el.setAttribute("data-grid", g.name);
    }
    this.el.style.width = `${g.width * UNIT}px`;
    this.el.style.height = `${g.height * UNIT}px`;
    let visible = 0;
    for (const view of this.controls.values()) {
      const p = positionOn(view.control, g.name);
      // A control without a position on this grid is not shown on it.
      view.el.hidden = !p;
      if (!p) continue;
      visible++;
      const s = view.el.style;
      s.left = `${p.x * UNIT}px`;
      s.top = `${p.y * UNIT}px`;
      s.width = `${p.w * UNIT}px`;
      s.height = `${p.h * UNIT}px`;
      if (view.resized) view.resized(p.w * UNIT, p.h * UNIT);
    }
    this.emptyEl.hidden = visible > 0;
    const note = this.sceneID ? "No controls in this scene." : "The controls appear when the streamer goes live.";
    if (this.emptyEl.textContent !== note) this.emptyEl.textContent = note;
  }

  // each runs fn on every control shown now.
  each(fn) {
    for (const view of this.controls.values()) if (!view.el.hidden) fn(view);
  }
}
