/* The candidate app's shell behaviour (deferred; pages work without it):
 * - registers the service worker (/sw.js) that keeps pages readable offline;
 * - shows the offline banner while the phone has no network;
 * - a quiz answered offline is saved on the phone and sent when the network returns
 *   (the form's attempt token makes a repeat harmless: points are awarded once);
 * - on a course page, asks the worker to save its lessons for offline reading.
 */
(function () {
  "use strict";
  var QUEUE_KEY = "onramp-offline-forms";
  var body = document.body;
  var banner = document.querySelector("[data-offline-banner]");

  function say(text, ok) {
    if (!banner) return;
    banner.textContent = text;
    banner.classList.toggle("ok", !!ok);
    banner.hidden = !text;
  }

  function showNetworkState() {
    if (!navigator.onLine) say(body.dataset.tOffline);
    else if (banner && !banner.classList.contains("ok")) say("");
  }

  function queue() {
    try {
      return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
    } catch (e) {
      return [];
    }
  }

  function saveQueue(items) {
    if (items.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    else localStorage.removeItem(QUEUE_KEY);
  }

  var flushing = false;
  function flush() {
    var items = queue();
    if (!items.length || flushing || !navigator.onLine) return;
    flushing = true;
    var item = items[0];
    fetch(item.action, {
      method: "POST",
      body: item.body,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    })
      .then(function (response) {
        // The server answered: done with this one, whatever it said (a retry would say
        // the same); only a network failure keeps it for later.
        saveQueue(queue().slice(1));
        flushing = false;
        if (queue().length) return flush();
        say(body.dataset.tSent, true);
        if (response.redirected) window.location.assign(response.url);
      })
      .catch(function () {
        flushing = false;
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-offline-queue") || navigator.onLine) return;
    event.preventDefault();
    var items = queue();
    items.push({
      action: form.getAttribute("action"),
      body: new URLSearchParams(new FormData(form)).toString(),
      at: Date.now(),
    });
    saveQueue(items);
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button) button.disabled = true;
    say(body.dataset.tQueued);
  });

  window.addEventListener("online", function () {
    showNetworkState();
    flush();
  });
  window.addEventListener("offline", showNetworkState);
  showNetworkState();
  if (queue().length && !navigator.onLine) say(body.dataset.tQueued);
  flush();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    if (/^\/learning\/courses\/\d+$/.test(location.pathname)) {
      navigator.serviceWorker.ready.then(function (registration) {
        var paths = [];
        document.querySelectorAll("main a[href]").forEach(function (link) {
          var path = link.getAttribute("href");
          if (/^\/learning\/courses\/\d+\/(lessons\/\d+|quiz)$/.test(path)) paths.push(path);
        });
        if (paths.length && registration.active) {
          registration.active.postMessage({ type: "save-pages", paths: paths });
        }
      });
    }
  }
})();
