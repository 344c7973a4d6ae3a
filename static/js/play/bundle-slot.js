// The play page's place for a control bundle: after every join it asks
// the server which bundle the channel's running version has, and hosts it
// (bundle-host.js) in the stage instead of the grid, or takes it down.
// On Mixer a bundle drew every control of the scene; so it does here.

import { BundleHost } from "./bundle-host.js";

export class BundleSlot {
  // opts: channelID, stage (the element the frame fills), fetch (tests),
  // send, world, serverNow (as BundleHost takes them), onChange(active).
  constructor(opts) {
    this.opts = opts;
    this.fetch = opts.fetch || window.fetch.bind(window);
    this.host = null;
    this.checking = 0;
    this.box = document.createElement("div");
    this.box.className = "bundle-box";
    this.box.setAttribute("data-testid", "bundle-box");
    this.box.hidden = true;
    opts.stage.append(this.box);
  }

  get active() {
    return !!this.host;
  }

  // check asks which bundle to show (after each hello: a new session may
  // run another version, or the same version with a new upload).
  async check() {
    const mine = ++this.checking;
    let address = "";
    try {
      const res = await this.fetch(`/play/${encodeURIComponent(this.opts.channelID)}/bundle`, {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
      if (!res.ok) return; // keep what we have; the next join asks again
      const body = await res.json();
      address = body && typeof body.contentAddress === "string" ? body.contentAddress : "";
    } catch {
      return;
    }
    if (mine !== this.checking) return; // a newer check is under way
    // Only our own server's bundle paths are hosted.
    if (address && !address.startsWith("/bundles/")) {
      console.warn("bundle: refusing a bundle address outside /bundles/:", address);
      address = "";
    }
    if (this.host && this.host.address === address) return;
    if (this.host) this.host.destroy();
    this.host = null;
    if (address) {
      this.host = new BundleHost(this.box, {
        address,
        channelID: this.opts.channelID,
        send: this.opts.send,
        world: this.opts.world,
        serverNow: this.opts.serverNow,
      });
    }
    this.box.hidden = !this.host;
    this.opts.stage.setAttribute("data-bundle", this.host ? "on" : "off");
    if (this.opts.onChange) this.opts.onChange(!!this.host);
  }

  // forward passes a server packet to the bundle.
  forward(method, params) {
    if (this.host) this.host.forward(method, params);
  }
}
