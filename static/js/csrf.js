// Every HTMX request carries the page's CSRF token (the server refuses
// unsafe requests without it).
document.addEventListener("htmx:configRequest", (e) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) e.detail.headers["X-CSRF-Token"] = meta.content;
});
