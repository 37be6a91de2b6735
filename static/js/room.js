// The live Q&A room: one websocket, resumed by ?after=<last id> after any drop.
// Message bodies are plain text: built with text nodes (never innerHTML), links made clickable.
// The server renders the page complete (times in the cohort's zone, day separators, quotes,
// reply/report controls); this script only adds what arrives live, in the same markup.
(function () {
  "use strict";
  var root = document.getElementById("room");
  var list = document.getElementById("messages");
  var scroller = document.scrollingElement || document.documentElement;

  function nearBottom() {
    return window.innerHeight + window.scrollY >= scroller.scrollHeight - 120;
  }
  function toBottom() { window.scrollTo(0, scroller.scrollHeight); }

  // Open at the newest message, unless the address asks for a particular one (the
  // moderation view is a wider page with more than the room: it stays at its top).
  var moderating = root && root.getAttribute("data-moderator") === "1";
  if (list && !moderating && !/^#m\d+$/.test(location.hash)) toBottom();
  if (!root || !list) return;

  var t = function (key) { return root.getAttribute("data-t-" + key) || key; };
  var roomId = root.getAttribute("data-room-id");
  var me = root.getAttribute("data-me");
  var moderator = root.getAttribute("data-moderator") === "1";
  var zone = root.getAttribute("data-tz") || undefined;
  var lang = root.getAttribute("data-lang") || undefined;
  var csrf = root.getAttribute("data-csrf") || "";
  var status = document.getElementById("room-status");
  var form = document.getElementById("composer");
  var pill = document.getElementById("new-pill");
  var lastId = parseInt(root.getAttribute("data-after") || "0", 10) || 0;
  // Live frames of a room can arrive out of id order by a moment (each worker publishes on
  // its own), so a resume asks from the highest id seen RESUME_LAG_MS ago, not the highest
  // id: a message still on its way is not skipped, and insert() drops what is already shown.
  var RESUME_LAG_MS = 5000;
  var settledId = lastId;
  var newIds = []; // [time, id] of each new highest id within RESUME_LAG_MS
  var outbox = {}; // client_id -> frame, until acknowledged (re-sent after a reconnect)
  var socket = null;
  var backoff = 1000;
  var lastFrameAt = 0;
  var LINK = /https?:\/\/[^\s<>"']+/gi;
  var TRAILING = /[.,;:!?)\]}。，；：！？）]+$/;

  function safe(fn) { try { return fn(); } catch (e) { return null; } }
  var clockFormat = safe(function () {
    return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
  });
  var dayFormat = safe(function () {
    return new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone });
  });
  function clock(iso) { return clockFormat ? clockFormat.format(new Date(iso)) : iso.slice(11, 16); }
  function dayOf(iso) { return dayFormat ? dayFormat.format(new Date(iso)) : iso.slice(0, 10); }

  // -- the on-screen keyboard and the pill ------------------------------------------
  var vv = window.visualViewport;
  function keyboard(event) {
    var covered = Math.max(0, Math.round(window.innerHeight - vv.height - vv.offsetTop));
    document.documentElement.style.setProperty("--room-keyboard", covered + "px");
    // The keyboard opening (a resize) while writing: keep the newest message in view.
    if (event.type === "resize" && form && document.activeElement === form.body) toBottom();
  }
  if (vv) { vv.addEventListener("resize", keyboard); vv.addEventListener("scroll", keyboard); }

  function showPill(show) { if (pill) pill.hidden = !show; }
  if (pill) pill.addEventListener("click", function () { showPill(false); toBottom(); });
  window.addEventListener("scroll", function () { if (nearBottom()) showPill(false); }, { passive: true });

  if (!window.WebSocket || !form) return;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  function setStatus(online) {
    status.textContent = online ? t("online") : t("offline");
    status.className = "status" + (online ? "" : " offline");
  }

  function textWithLinks(parent, text) {
    var position = 0, match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text))) {
      var url = match[0].replace(TRAILING, "");
      parent.appendChild(document.createTextNode(text.slice(position, match.index)));
      var a = document.createElement("a");
      a.href = url; a.textContent = url; a.rel = "nofollow noopener noreferrer"; a.target = "_blank";
      parent.appendChild(a);
      position = match.index + url.length;
      LINK.lastIndex = position;
    }
    parent.appendChild(document.createTextNode(text.slice(position)));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function tag(meta, className, text) {
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("span", "tag " + className, text));
  }

  function isMine(m) { return m.author.role === "candidate" && String(m.author.id) === me && !moderator; }

  function serverActions(meta, m) {
    // The same controls the server renders (templates/portal/_room_messages.html).
    var actions = el("span", "actions");
    var reply = el("a", "", t("reply"));
    reply.href = "/rooms/" + roomId + "?reply=" + m.id + "#composer";
    reply.rel = "nofollow";
    reply.setAttribute("data-action", "reply");
    actions.appendChild(reply);
    if (!isMine(m)) {
      var report = el("button", "", t("report"));
      report.type = "button";
      report.setAttribute("data-action", "report");
      actions.appendChild(report);
    }
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(actions);
  }

  function render(m) {
    var li = el("li", "msg msg-" + m.kind + (m["private"] ? " msg-private" : ""));
    if (isMine(m)) li.className += " mine";
    li.id = "m" + m.id;
    li.setAttribute("data-id", m.id);
    li.setAttribute("data-author-id", m.author.id);
    li.setAttribute("data-author-role", m.author.role);
    var meta = el("div", "meta");
    meta.appendChild(el("b", "who", m.author.name));
    if (m.author.role === "hr") tag(meta, "tag-staff", "HR");
    if (m.author.role === "manager") tag(meta, "tag-staff", t("manager"));
    if (m.kind === "question") tag(meta, "tag-q", t("question"));
    if (m.kind === "answer") tag(meta, "tag-a", t("answer"));
    if (m["private"]) tag(meta, "", t("private"));
    var time = el("time", "", clock(m.created_at));
    time.setAttribute("datetime", m.created_at);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(time);
    if (!moderator) serverActions(meta, m);
    li.appendChild(meta);
    if (m.reply_to) {
      var quote = el("a", "quote");
      quote.href = "#m" + m.reply_to;
      if (m.quote) {
        quote.appendChild(el("b", "", m.quote.author));
        quote.appendChild(document.createTextNode(" "));
        if (m.quote.text) quote.appendChild(document.createTextNode(m.quote.text));
        else quote.appendChild(el("i", "", t("hidden")));
      } else {
        quote.textContent = t("reply-to").replace("{id}", m.reply_to);
      }
      li.appendChild(quote);
    }
    var body = el("p", "body");
    textWithLinks(body, m.body);
    li.appendChild(body);
    if (moderator) addActions(li);
    return li;
  }

  function addActions(li) {
    // The moderation view's controls (the candidate page has them from the server).
    if (li.querySelector(".actions")) return;
    var actions = el("div", "actions");
    var buttons = [["reply", t("reply")], ["hide", t("hide")], ["pin", t("pin")]];
    if (li.getAttribute("data-author-role") === "candidate") buttons.push(["mute", t("mute")]);
    buttons.forEach(function (b) {
      var button = el("button", "", b[1]);
      button.type = "button";
      button.setAttribute("data-action", b[0]);
      actions.appendChild(button);
    });
    li.appendChild(actions);
  }

  function lastDay() {
    var times = list.querySelectorAll("li.msg time[datetime]");
    return times.length ? dayOf(times[times.length - 1].getAttribute("datetime")) : null;
  }

  function settle() {
    var cutoff = Date.now() - RESUME_LAG_MS;
    while (newIds.length && newIds[0][0] <= cutoff) settledId = newIds.shift()[1];
    return settledId;
  }
  function noteId(id) {
    if (id <= lastId) return;
    lastId = id;
    settle();
    newIds.push([Date.now(), id]);
  }

  function insert(m) {
    if (document.getElementById("m" + m.id)) return; // already shown: never twice
    var node = render(m);
    var waiting = list.querySelector('li.pending[data-ack-id="' + m.id + '"]');
    if (!waiting && isMine(m)) {
      // Our own message, before its ack: the first bubble waiting with the same text.
      waiting = Array.prototype.find.call(list.querySelectorAll("li.pending"), function (li) {
        return !li.hasAttribute("data-ack-id") && li.querySelector(".body").textContent === m.body;
      });
    }
    if (waiting) { waiting.replaceWith(node); noteId(m.id); return; }
    var empty = document.getElementById("room-empty");
    if (empty) empty.remove();
    var wasNearBottom = nearBottom();
    // Keep id order even if a message arrives late.
    var after = null;
    for (var child = list.lastElementChild; child; child = child.previousElementSibling) {
      if (parseInt(child.getAttribute("data-id"), 10) < m.id) break;
      if (child.hasAttribute("data-id")) after = child;
    }
    if (!after && lastDay() !== dayOf(m.created_at)) {
      // A new day since the last message shown (live ones are today's).
      var separator = el("li", "day-sep");
      separator.setAttribute("data-day", "");
      separator.appendChild(el("span", "", t("today")));
      list.appendChild(separator);
    }
    list.insertBefore(node, after);
    noteId(m.id);
    if (isMine(m) || wasNearBottom) { toBottom(); showPill(false); }
    else showPill(true);
  }

  // Your message shows at once, marked "sending…", until the server has stored it (also
  // offline: it is sent when the connection is back).
  function pendingFor(clientId) {
    return list.querySelector('li.pending[data-client-id="' + clientId + '"]');
  }
  function showPending(frame) {
    var li = el("li", "msg mine pending");
    li.setAttribute("data-client-id", frame.client_id);
    var meta = el("div", "meta");
    meta.appendChild(el("span", "", t("sending")));
    li.appendChild(meta);
    var body = el("p", "body");
    textWithLinks(body, frame.body);
    li.appendChild(body);
    var empty = document.getElementById("room-empty");
    if (empty) empty.remove();
    list.appendChild(li);
  }

  function hide(id) {
    var node = document.getElementById("m" + id);
    if (!node) return;
    node.className = "msg hidden-msg";
    node.textContent = t("hidden");
  }

  function pinned(frame) {
    var box = document.getElementById("pinned");
    if (!box) return;
    var body = box.querySelector(".pinned-body");
    if (!frame.message) { box.hidden = true; body.textContent = ""; return; }
    body.textContent = "";
    textWithLinks(body, frame.message.author.name + ": " + frame.message.body);
    box.hidden = false;
  }

  function showError(text) {
    var error = form.querySelector(".error");
    error.textContent = text;
    error.hidden = !text;
  }

  function onFrame(event) {
    lastFrameAt = Date.now();
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    if (frame.type === "message") insert(frame);
    else if (frame.type === "hidden") hide(frame.id);
    else if (frame.type === "pinned") pinned(frame);
    else if (frame.type === "answered") {
      var q = document.getElementById("m" + frame.question);
      if (q && !q.querySelector(".tag-answered")) {
        var mark = el("span", "tag tag-a tag-answered", t("answered"));
        var meta = q.querySelector(".meta");
        meta.insertBefore(mark, meta.querySelector("time") ? meta.querySelector("time").nextSibling : null);
        meta.insertBefore(document.createTextNode(" "), mark);
      }
    } else if (frame.type === "ack") {
      delete outbox[frame.client_id];
      var sent = pendingFor(frame.client_id);
      if (sent && document.getElementById("m" + frame.id)) sent.remove();
      else if (sent) sent.setAttribute("data-ack-id", frame.id); // its message frame replaces it
    } else if (frame.type === "error") {
      if (frame.client_id && outbox[frame.client_id]) {
        // Refused: give the text back so nothing typed is lost.
        var refused = outbox[frame.client_id];
        delete outbox[frame.client_id];
        var failed = pendingFor(frame.client_id);
        if (failed) failed.remove();
        if (!form.body.value) form.body.value = refused.body;
      }
      showError(frame.detail);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/rooms/" + roomId + "?after=" + settle());
    socket.onopen = function () {
      backoff = 1000;
      lastFrameAt = Date.now();
      setStatus(true);
      Object.keys(outbox).forEach(function (id) { socket.send(JSON.stringify(outbox[id])); });
    };
    socket.onmessage = onFrame;
    socket.onclose = function (event) {
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        // Signed out, or no longer a member here: reconnecting would only be refused.
        status.textContent = t(event.code === 4401 ? "signed-out" : "not-member");
        status.className = "status offline";
        return;
      }
      setStatus(false);
      // Back off 1 s, 2 s, 4 s… up to 30 s, with jitter so a cohort doesn't reconnect in step.
      setTimeout(connect, backoff * (0.7 + Math.random() * 0.6));
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  // Heart-beat: a phone that lost its network often reports nothing; a silent socket is dead.
  setInterval(function () {
    if (!socket || socket.readyState !== 1) return;
    if (Date.now() - lastFrameAt > 45000) { socket.close(); return; }
    socket.send('{"type":"ping"}');
  }, 20000);
  window.addEventListener("online", function () { if (socket) socket.close(); });

  function asking() { return !!(form.kind && form.kind.value === "question"); }
  form.addEventListener("change", function () { form.classList.toggle("asking", asking()); });
  form.classList.toggle("asking", asking());

  // The message box grows with its text (up to the CSS max-height), then scrolls.
  function grow() {
    form.body.style.height = "auto";
    form.body.style.height = form.body.scrollHeight + 2 + "px";
  }
  form.body.addEventListener("input", grow);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = form.body.value.trim();
    if (!body) return;
    var frame = {
      type: "send", client_id: uuid(), kind: asking() ? "question" : "chat", body: body,
      reply_to: form.reply_to.value ? parseInt(form.reply_to.value, 10) : null
    };
    if (asking()) {
      frame.category = parseInt(form.category.value, 10) || null;
      frame["private"] = form["private"].checked;
    }
    outbox[frame.client_id] = frame;
    showPending(frame);
    showError("");
    form.body.value = "";
    grow();
    cancelReply();
    toBottom();
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
  });

  var replying = form.querySelector(".replying");
  function cancelReply() { form.reply_to.value = ""; replying.hidden = true; }
  var cancel = form.querySelector("[data-cancel-reply]");
  if (cancel) cancel.addEventListener("click", function (event) { event.preventDefault(); cancelReply(); });

  function post(template, id, fields) {
    var url = template.replace("{id}", id).replace("{candidate}", fields.candidate || "");
    var body = new URLSearchParams(fields);
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "x-csrftoken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      if (response.ok) { showError(""); return response; }
      // A refusal (already hidden, a bad duration…) is said, not swallowed.
      return response.json().then(function (problem) {
        showError(problem.detail || response.statusText);
        return response;
      }, function () { showError(response.statusText); return response; });
    }, function () { showError(t("offline")); return { ok: false }; });
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action]");
    if (!button) return;
    event.preventDefault();
    var li = button.closest("li.msg");
    var id = li.getAttribute("data-id");
    var action = button.getAttribute("data-action");
    if (action === "reply") {
      form.reply_to.value = id;
      var span = replying.querySelector("span");
      span.textContent = "";
      span.appendChild(el("b", "", li.querySelector(".who").textContent));
      var text = (li.querySelector(".body") || li).textContent.replace(/\s+/g, " ").trim();
      span.appendChild(document.createTextNode(" " + (text.length > 40 ? text.slice(0, 39) + "…" : text)));
      replying.hidden = false;
      form.body.focus();
    } else if (action === "report") {
      var reason = window.prompt(t("report-ask"));
      if (reason === null) return;
      post(root.getAttribute("data-report-url"), id, { reason: reason }).then(function (r) {
        if (r.ok) button.replaceWith(el("span", "", t("reported")));
      });
    } else if (action === "hide") {
      var why = window.prompt(t("hide-ask"));
      if (why === null) return;
      post(root.getAttribute("data-hide-url"), id, { reason: why });
    } else if (action === "pin") {
      post(root.getAttribute("data-pin-url"), id, {});
    } else if (action === "mute") {
      var minutes = window.prompt(t("mute-ask"), "60");
      if (!minutes) return;
      post(root.getAttribute("data-mute-url"), id, {
        candidate: li.getAttribute("data-author-id"), minutes: minutes, reason: ""
      });
    }
  });

  if (moderator && !zone) {
    // The moderation view was written in UTC: show the staff member's own clock.
    Array.prototype.forEach.call(list.querySelectorAll("li.msg time[datetime]"), function (node) {
      node.textContent = clock(node.getAttribute("datetime"));
    });
  }
  if (moderator) Array.prototype.forEach.call(list.querySelectorAll("li.msg"), addActions);
  connect();
})();
