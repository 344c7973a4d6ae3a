// What the participant knows of the session: the scenes and groups the
// mediator showed it, itself, and the ready state. The mediator sends a
// participant only its own view (onSceneCreate and onGroupCreate on join
// and whenever its group's scene changes), so the current scene is always
// the one its group shows.

// mergePatch applies a JSON Merge Patch (RFC 7396) to a plain object.
export function mergePatch(target, patch) {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === "__proto__") continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function list(params, key) {
  return isObject(params) && Array.isArray(params[key]) ? params[key].filter(isObject) : [];
}

export class World {
  constructor() {
    this.reset();
  }

  reset() {
    this.scenes = new Map(); // sceneID -> {sceneID, controls: [control]}
    this.groups = new Map(); // groupID -> group
    this.self = null;
    this.ready = false;
  }

  get groupID() {
    return (this.self && typeof this.self.groupID === "string" && this.self.groupID) || "default";
  }

  get sceneID() {
    const g = this.groups.get(this.groupID);
    return (g && typeof g.sceneID === "string" && g.sceneID) || "default";
  }

  get scene() {
    return this.scenes.get(this.sceneID) || null;
  }

  get disabled() {
    return !!(this.self && this.self.disabled === true);
  }

  // apply takes one method from the server and returns what it changed:
  // "view" (scene, controls, group, self, ready), "event", or "" (nothing
  // the page shows).
  apply(method, params) {
    switch (method) {
      case "onSceneCreate":
        for (const s of list(params, "scenes")) {
          if (typeof s.sceneID !== "string") continue;
          this.scenes.set(s.sceneID, { ...s, controls: list(s, "controls").filter(validControl) });
        }
        return "view";
      case "onSceneUpdate":
        for (const s of list(params, "scenes")) {
          const old = this.scenes.get(s.sceneID);
          if (!old) continue;
          const next = mergePatch(old, { ...s, controls: undefined });
          next.controls = Array.isArray(s.controls) ? list(s, "controls").filter(validControl) : old.controls;
          this.scenes.set(s.sceneID, next);
        }
        return "view";
      case "onSceneDelete":
        if (isObject(params)) this.scenes.delete(params.sceneID);
        return "view";
      case "onControlCreate":
      case "onControlUpdate":
      case "onControlDelete":
        return this.applyControls(method, params);
      case "onGroupCreate":
        for (const g of list(params, "groups")) {
          if (typeof g.groupID === "string") this.groups.set(g.groupID, g);
        }
        return "view";
      case "onGroupUpdate":
        for (const g of list(params, "groups")) {
          if (typeof g.groupID !== "string") continue;
          this.groups.set(g.groupID, mergePatch(this.groups.get(g.groupID), g));
        }
        return "view";
      case "onGroupDelete":
        if (isObject(params)) this.groups.delete(params.groupID);
        return "view";
      case "onParticipantJoin":
      case "onParticipantUpdate": {
        // A participant is told only about itself.
        const p = list(params, "participants")[0];
        if (!p) return "";
        this.self = method === "onParticipantJoin" ? p : mergePatch(this.self, p);
        return "view";
      }
      case "onReady":
        this.ready = isObject(params) && params.isReady === true;
        return "view";
      case "event":
        return "event";
    }
    return "";
  }

  applyControls(method, params) {
    if (!isObject(params)) return "";
    const scene = this.scenes.get(params.sceneID);
    if (!scene) return "";
    const controls = list(params, "controls");
    let next = scene.controls;
    if (method === "onControlDelete") {
      const gone = new Set(controls.map((c) => c.controlID));
      next = next.filter((c) => !gone.has(c.controlID));
    } else {
      next = next.slice();
      for (const c of controls) {
        const i = next.findIndex((x) => x.controlID === c.controlID);
        if (i >= 0) next[i] = mergePatch(next[i], c);
        else if (validControl(c)) next.push(c);
      }
    }
    this.scenes.set(scene.sceneID, { ...scene, controls: next });
    return "view";
  }
}

function validControl(c) {
  return typeof c.controlID === "string" && typeof c.kind === "string";
}
