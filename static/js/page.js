// Small behaviours every page may use, declared with data- attributes:
// pages allow no inline scripts (Content-Security-Policy, web/headers.go).
document.addEventListener("click", (e) => {
  const select = e.target.closest("[data-select-on-click]");
  if (select) select.select();
  const close = e.target.closest("[data-clear-closest]");
  if (close) close.closest(close.dataset.clearClosest)?.replaceChildren();
});
