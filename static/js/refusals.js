// Every page shows every refusal where the streamer looks. Loaded by the
// layout on every page, after htmx.
//
// 409 and 422 answers carry the page's own error partial (the form with
// its messages, the stale-edit notice): htmx swaps them like a success.
// Any other refusal or failure is not swapped; its message (the central
// error handler answers {"error": "..."}) shows in the page's alert bar,
// as does a server that cannot be reached.
(() => {
  "use strict";

  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409", swap: true, error: false },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  function bar() {
    let el = document.getElementById("page-alert");
    if (el) return el;
    el = document.createElement("div");
    el.id = "page-alert";
    el.className = "page-alert";
    el.setAttribute("role", "alert");
    el.setAttribute("data-testid", "page-alert");
    const text = document.createElement("span");
    text.setAttribute("data-testid", "page-alert-text");
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", () => (el.hidden = true));
    el.append(text, close);
    (document.getElementById("main") || document.body).prepend(el);
    return el;
  }

  // alertPage shows message in the alert bar (text only, never markup).
  function alertPage(message) {
    const el = bar();
    el.querySelector("[data-testid=page-alert-text]").textContent = message;
    el.hidden = false;
  }
  window.mixstudioAlert = alertPage;

  function messageOf(xhr) {
    let msg = "";
    try {
      const body = JSON.parse(xhr.responseText);
      if (body && typeof body.error === "string") msg = body.error;
    } catch {
      /* not JSON: fall back to the status */
    }
    if (!msg) msg = xhr.statusText || "the request failed";
    if (msg.length > 300) msg = `${msg.slice(0, 300)}…`;
    return msg;
  }

  document.addEventListener("htmx:responseError", (e) => {
    const xhr = e.detail.xhr;
    const s = xhr.status;
    const what = s === 403 ? "Refused" : s >= 500 ? "The server failed" : "Not done";
    alertPage(`${what} (${s}): ${messageOf(xhr)}${s === 403 ? " — reload the page and try again." : ""}`);
  });
  document.addEventListener("htmx:sendError", () => {
    alertPage("The server could not be reached: nothing was saved. Check that mixstudio is running, then try again.");
  });
  // A successful answer clears an old alert: it no longer describes the page.
  document.addEventListener("htmx:afterSwap", () => {
    const el = document.getElementById("page-alert");
    if (el) el.hidden = true;
  });
})();
