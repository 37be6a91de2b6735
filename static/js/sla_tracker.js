/* SLA tracker: keeps /admin/questions live without reloading, and fills the "Questions"
   badge in the admin navigation on every page. Plain script, no build step.
   - every 10 s: fetch the cards fragment and merge it (new questions appear, answered ones
     go); a card someone is typing an answer into is never replaced under their hands;
   - every 30 s: re-tick the "还剩 3 小时" labels with the server's clock. */
(function () {
  "use strict";
  var POLL_MS = 10000;
  var TICK_MS = 30000;
  var BADGE_MS = 60000;
  var offset = 0; // server clock minus this browser's clock, from the Date header

  function noteClock(response) {
    var header = response.headers.get("Date");
    var server = header ? Date.parse(header) : NaN;
    if (!isNaN(server)) offset = server - Date.now();
  }

  function get(url, accept) {
    return fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: accept },
      redirect: "follow"
    }).then(function (response) {
      // A session that ended lands on the sign-in page: stop pretending to be live.
      if (!response.ok || response.url.indexOf("/admin/login") !== -1) {
        throw new Error("status " + response.status);
      }
      noteClock(response);
      return response;
    });
  }

  /* The navigation badge: "2" in red when questions are overdue, amber when due soon. */
  var badge = document.querySelector("[data-sla-badge]");
  function refreshBadge() {
    if (!badge) return;
    get("/admin/questions/summary.json", "application/json")
      .then(function (response) { return response.json(); })
      .then(function (summary) { showBadge(summary.overdue, summary.soon, summary.text); })
      .catch(function () {});
  }
  function showBadge(overdue, soon, text) {
    if (!badge) return;
    var count = overdue || soon;
    badge.hidden = !count;
    badge.textContent = count ? String(count) : "";
    badge.className = "badge";
    badge.style.background = overdue ? "#fdecea" : "#fff4e5";
    badge.style.color = overdue ? "#c62828" : "#b54708";
    badge.title = text || "";
    badge.setAttribute("aria-label", text || "");
  }

  var cards = document.getElementById("sla-cards");
  if (!cards) {
    refreshBadge();
    window.setInterval(refreshBadge, BADGE_MS);
    return;
  }

  var phrases = JSON.parse(cards.getAttribute("data-phrases") || "{}");
  var state = document.querySelector("[data-live-state]");
  var summarySlot = document.querySelector('[data-live-part="summary"]');

  function label(deadline, now) {
    var seconds = (deadline - now) / 1000;
    var over = seconds <= 0;
    var abs = Math.abs(seconds);
    var unit, n;
    if (abs < 3600) { unit = "minutes"; n = Math.max(1, Math.floor(abs / 60)); }
    else if (abs < 48 * 3600) { unit = "hours"; n = Math.floor(abs / 3600); }
    else { unit = "days"; n = Math.floor(abs / 86400); }
    var forms = (phrases[over ? "over" : "left"] || {})[unit];
    if (!forms) return null;
    return (n === 1 ? forms[0] : forms[1]).replace("{n}", String(n));
  }

  function tick() {
    var now = Date.now() + offset;
    var labels = cards.querySelectorAll(".time-left[data-deadline]");
    for (var i = 0; i < labels.length; i++) {
      var deadline = Date.parse(labels[i].getAttribute("data-deadline"));
      var text = isNaN(deadline) ? null : label(deadline, now);
      if (text) labels[i].textContent = text;
    }
  }

  function busy(card) {
    var box = card.querySelector("textarea");
    var focused = document.activeElement;
    return (box && box.value.trim() !== "") || (focused && focused !== document.body && card.contains(focused));
  }

  function merge(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector('[data-part="cards"]');
    var summary = doc.querySelector('[data-part="summary"]');
    if (!fresh) return;
    if (summary && summarySlot) summarySlot.innerHTML = summary.innerHTML;

    var existing = {};
    var current = cards.querySelectorAll("article.q");
    for (var i = 0; i < current.length; i++) existing[current[i].getAttribute("data-id")] = current[i];

    var order = [];
    var incoming = fresh.querySelectorAll("article.q");
    for (var j = 0; j < incoming.length; j++) {
      var id = incoming[j].getAttribute("data-id");
      var old = existing[id];
      delete existing[id];
      if (old && (old.getAttribute("data-version") === incoming[j].getAttribute("data-version") || busy(old))) {
        order.push(old);
      } else {
        order.push(document.importNode(incoming[j], true));
      }
    }
    // Answered or closed meanwhile: gone, unless someone is writing in it (then dimmed).
    Object.keys(existing).forEach(function (key) {
      var card = existing[key];
      if (busy(card)) { card.classList.add("is-gone"); order.push(card); }
    });

    if (!order.length) {
      cards.innerHTML = fresh.innerHTML;
      return;
    }
    var placeholder = cards.querySelector(".empty");
    if (placeholder) placeholder.remove();
    // Put cards in order, moving as few nodes as possible (a moved node loses focus).
    for (var k = 0; k < order.length; k++) {
      var at = cards.children[k];
      if (at !== order[k]) cards.insertBefore(order[k], at || null);
    }
    while (cards.children.length > order.length) cards.removeChild(cards.lastElementChild);
  }

  function setState(text) {
    if (!state) return;
    state.hidden = !text;
    state.textContent = text || "";
  }

  var polling = false;
  function poll() {
    if (polling || document.hidden) return;
    polling = true;
    get(cards.getAttribute("data-live-url"), "text/html")
      .then(function (response) { return response.text(); })
      .then(function (html) { merge(html); tick(); setState(""); })
      .catch(function () { setState(cards.getAttribute("data-offline-text") || "…"); })
      .then(function () { polling = false; });
  }

  window.setInterval(poll, POLL_MS);
  window.setInterval(tick, TICK_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  tick();
  refreshBadge();
  window.setInterval(refreshBadge, BADGE_MS);
})();
