// Installable and readable offline: registers the service worker (/sw.js), tells the visitor when the
// network is gone, and stops forms from being sent into nothing (what was typed stays on the page).
(function () {
  var body = document.body;
  var note = body.getAttribute("data-offline-note");
  var formNote = body.getAttribute("data-offline-form");

  if ("serviceWorker" in navigator && body.hasAttribute("data-sw")) {
    navigator.serviceWorker.register(body.getAttribute("data-sw")).catch(function () {});
  }

  var banner = null;
  function show() {
    if (navigator.onLine !== false) {
      if (banner) banner.hidden = true;
      return;
    }
    if (!banner) {
      banner = document.createElement("p");
      banner.className = "flash flash-warning offline-banner";
      banner.setAttribute("role", "status");
      banner.textContent = note;
      var main = document.getElementById("main");
      if (main) main.insertBefore(banner, main.firstChild);
    }
    banner.hidden = false;
  }
  window.addEventListener("online", show);
  window.addEventListener("offline", show);
  show();

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.method || "get").toLowerCase() === "post" && form.action && /\/auth\/logout/.test(form.action)) {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("forget-pages");
      if (window.caches) caches.delete("market-pages");
    }
    if (navigator.onLine !== false) return;
    event.preventDefault();
    var message = form.querySelector(".offline-form");
    if (!message) {
      message = document.createElement("p");
      message.className = "flash flash-error offline-form";
      message.setAttribute("role", "alert");
      message.textContent = formNote;
      form.insertBefore(message, form.firstChild);
    }
    message.hidden = false;
    message.setAttribute("tabindex", "-1");
    message.focus();
  }, true);
})();
