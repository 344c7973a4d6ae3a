// The studio's preview of a version's control bundle: the play page's host
// (play/bundle-host.js) with the scene's saved state instead of a live
// session. Input the bundle gives is listed on the page, as the CDK's
// emulator did; getTime answers with the local clock.

import { BundleHost } from "./play/bundle-host.js";

for (const box of document.querySelectorAll(".preview-bundle-box[data-address]")) {
  let world = { scenes: [], groups: [], self: null, ready: true };
  try {
    world = { ...world, ...JSON.parse(box.getAttribute("data-world") || "{}") };
  } catch (err) {
    console.warn("bundle preview: unreadable world", err);
  }
  const list = box.parentElement.querySelector("[data-testid=preview-inputs]");
  new BundleHost(box, {
    address: box.getAttribute("data-address"),
    channelID: 0,
    world: () => world,
    serverNow: () => Date.now(),
    send(method, params) {
      if (method === "getTime") return Promise.resolve({ time: Date.now() });
      const li = document.createElement("li");
      li.setAttribute("data-testid", "preview-input");
      li.textContent = JSON.stringify(params); // data, never markup
      list.append(li);
      return Promise.resolve(null);
    },
  });
}
