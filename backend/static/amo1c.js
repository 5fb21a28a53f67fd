/* amo1c framed pages: talk to the widget that frames them (see widget/script.js).
 * - tell a card's frame height to the widget so the panel fits its content;
 * - take a renewed UI token from the widget and use it for the next htmx requests;
 * - show times in the viewer's time zone;
 * - the few behaviours htmx attributes cannot say: the pages' CSP allows no inline handlers and no eval (hx-on).
 * Messages are accepted only from amoCRM account origins and the origins this server was configured with. */
(function () {
  "use strict";
  // amoCRM's account domains come from the server (one list, in backend/amocrm/domains.py)
  var domains = (document.body.getAttribute("data-amocrm-domains") || "").split(" ").filter(Boolean);
  var extra = (document.body.getAttribute("data-extra-origins") || "").split(" ").filter(Boolean);
  var SUBDOMAIN = /^[a-z0-9][a-z0-9-]{0,62}$/;

  function trusted(origin) {
    var match = /^https:\/\/([^.\/:]+)\.([^\/:]+)$/.exec(origin);
    var account = match !== null && SUBDOMAIN.test(match[1]) && domains.indexOf(match[2]) !== -1;
    return account || extra.indexOf(origin) !== -1;
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!trusted(event.origin) || !data || data.type !== "amo1c:token" || typeof data.token !== "string") {
      return;
    }
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-UI-Token": data.token }));
  });

  // Times are rendered in UTC; show them in the viewer's own time zone.
  function localTimes() {
    var english = document.documentElement.lang === "en";
    var items = document.querySelectorAll("time.amo1c-time[datetime]:not([data-local])");
    for (var i = 0; i < items.length; i++) {
      var moment = new Date(items[i].getAttribute("datetime"));
      if (!isNaN(moment.getTime())) {
        items[i].textContent = moment.toLocaleString(english ? "en-GB" : "ru-RU", {
          day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit"
        });
        items[i].setAttribute("data-local", "");
      }
    }
  }
  localTimes();
  document.addEventListener("htmx:afterSettle", localTimes);

  // An add form marked data-amo1c-reset-on-success is emptied once its own request succeeded, ready for the next one.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form.hasAttribute("data-amo1c-reset-on-success") && event.detail.xhr.status === 200) {
      form.reset();
    }
  });

  // A sync log entry's «detail» button marked data-amo1c-detail-toggle closes the open detail row instead of
  // asking for it again.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail.elt;
    if (!button.hasAttribute("data-amo1c-detail-toggle")) {
      return;
    }
    var next = button.closest("tr").nextElementSibling;
    if (next && next.classList.contains("amo1c-log-detail")) {
      next.remove();
      event.preventDefault();
    }
  });

  // --- overview / log: addresses that survive a reload ---
  // The settings' tabs and the log's filters push their address into the history (hx-push-url, HX-Push-Url). A
  // page is opened with its UI token in the address, so the pushed one gets the current token too: a reload or
  // "back" (htmx keeps no copy of pages, historyCacheSize 0, so it reloads the address) opens the same tab.
  function currentToken() {
    try {
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-UI-Token"];
      return typeof token === "string" ? token : "";
    } catch (error) {
      return "";
    }
  }
  document.addEventListener("htmx:pushedIntoHistory", function (event) {
    var token = currentToken();
    if (!token) {
      return;
    }
    var address = new URL(event.detail.path, window.location.href);
    address.searchParams.set("token", token);
    window.history.replaceState(window.history.state, "", address.pathname + address.search + address.hash);
  });

  if (window.parent === window) {
    return;
  }
  var last = 0;
  function reportHeight() {
    // the body, not the document: a document is never shorter than its frame, so the frame could only grow
    var height = Math.ceil(document.body.getBoundingClientRect().height) + 16;
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "amo1c:height", height: height }, "*");
    }
  }
  document.addEventListener("htmx:afterSettle", reportHeight);
  window.addEventListener("load", reportHeight);
  if (window.ResizeObserver) {
    new ResizeObserver(reportHeight).observe(document.body);
  }
})();
