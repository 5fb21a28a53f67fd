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

  /* ---- settings: in-page confirm, keyboard in edit rows, focus after swaps, sub-tab URLs ---- */

  // hx-confirm asks with the page's own <dialog id="amo1c-confirm"> (ui/settings/page.html), never window.confirm:
  // the question is the element's hx-confirm, the confirming button says what the element does, focus starts on
  // «Отмена» and Escape cancels.
  document.addEventListener("htmx:confirm", function (event) {
    var dialog = document.getElementById("amo1c-confirm");
    if (!event.detail.question || !dialog || typeof dialog.showModal !== "function") {
      return;
    }
    event.preventDefault();
    var yes = dialog.querySelector("[data-amo1c-confirm-yes]");
    var no = dialog.querySelector("[data-amo1c-confirm-no]");
    var elt = event.detail.elt;
    dialog.querySelector("[data-amo1c-confirm-text]").textContent = event.detail.question;
    if (!yes.hasAttribute("data-default")) {
      yes.setAttribute("data-default", yes.textContent);
    }
    yes.textContent = elt.getAttribute("data-amo1c-confirm-label") || elt.textContent.trim() || yes.getAttribute("data-default");
    dialog.returnValue = "";
    function answered() {
      dialog.removeEventListener("close", answered);
      yes.removeEventListener("click", agree);
      no.removeEventListener("click", decline);
      if (dialog.returnValue === "yes") {
        event.detail.issueRequest(true);  // true: htmx must not ask again
      } else if (document.body.contains(elt)) {
        elt.focus();
      }
    }
    function agree() { dialog.close("yes"); }
    function decline() { dialog.close("no"); }
    dialog.addEventListener("close", answered);
    yes.addEventListener("click", agree);
    no.addEventListener("click", decline);
    dialog.showModal();
    no.focus();
  });

  // An edit row or card (data-amo1c-edit): Enter saves it, Escape puts the view back.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var editing = target.closest ? target.closest("[data-amo1c-edit]") : null;
    if (!editing || event.defaultPrevented || event.isComposing || target.closest("dialog")) {
      return;
    }
    var button = null;
    if (event.key === "Escape") {
      button = editing.querySelector("[data-amo1c-cancel]");
    } else if (event.key === "Enter" && !event.shiftKey && (target.tagName === "INPUT" || target.tagName === "SELECT")) {
      button = editing.querySelector("[data-amo1c-save]");
    }
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  // After a swap focus stays where the person was: an edit row's first field, the control of the same name in a
  // redrawn row, the tab or sub-tab just opened, the new content's heading, or — when a row was deleted — its
  // neighbour; never <body>.
  var FIELD = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
  var FOCUSABLE = FIELD + ", button:not([disabled]), a[href]";

  function focusInto(element) {
    if (!element || !document.body.contains(element)) {
      return false;
    }
    var editing = element.matches("[data-amo1c-edit]") ? element : element.querySelector("[data-amo1c-edit]");
    var chosen = (editing && editing.querySelector(FIELD)) || element.querySelector("[data-amo1c-focus]") ||
      element.querySelector("h1, h2, h3") ||
      element.querySelector(FOCUSABLE) || element;
    if (!chosen.matches(FOCUSABLE) && !chosen.hasAttribute("tabindex")) {
      chosen.setAttribute("tabindex", "-1");
    }
    chosen.focus();
    return true;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var active = document.activeElement;
    // only focus the swap takes away: a load that fills a badge in leaves the person's focus alone
    if (!target || !event.detail.shouldSwap || !active || active === document.body || !target.contains(active)) {
      return;
    }
    var same = null;  // the control the person was on, to find again in the new content
    if (active.hasAttribute("name")) {
      same = '[name="' + CSS.escape(active.getAttribute("name")) + '"]';
    } else if (active.hasAttribute("href")) {
      same = 'a[href="' + CSS.escape(active.getAttribute("href")) + '"]';
    }
    var id = target.id;
    var after = target.nextElementSibling, before = target.previousElementSibling;
    var around = target.parentElement ? target.parentElement.closest("table, section, #amo1c-section") : null;
    window.setTimeout(function () {
      var now = document.activeElement;
      if (now && now !== document.body && document.body.contains(now)) {
        return;  // focus survived the swap (htmx keeps an element with an id)
      }
      var fresh = document.body.contains(target) ? target : id ? document.getElementById(id) : null;
      var again = fresh && same ? fresh.querySelector(same) : null;
      if (again) {
        again.focus();
        return;
      }
      if (focusInto(fresh)) {
        return;
      }
      var neighbour = [after, before].filter(function (item) {
        return item && document.body.contains(item) && item.offsetParent !== null;
      })[0];
      focusInto(neighbour && neighbour.querySelector(FOCUSABLE) ? neighbour.querySelector(FOCUSABLE) : around);
    }, 0);
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
