// Instant answers while typing: any <textarea data-faq-suggest="/faq/suggest"> gets the
// best matching FAQ entries and earlier answers under it (debounced). "This answered my
// question" counts it (POST /faq/answered) and clears the draft. Text is set with text
// nodes only, never innerHTML. Without JavaScript the room shows the same suggestions as
// a step before a question is posted.
(function () {
  "use strict";
  var DELAY = 400;
  var MIN_LENGTH = 2;

  function csrfOf(form) {
    var input = form && form.querySelector("input[name=_csrf_token]");
    return input ? input.value : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.appendChild(document.createTextNode(text));
    return node;
  }

  function attach(area) {
    var url = area.getAttribute("data-faq-suggest");
    var context = area.getAttribute("data-faq-context") || "room";
    var form = area.form;
    var box = el("div", "faq-suggest");
    box.setAttribute("aria-live", "polite");
    box.hidden = true;
    area.parentNode.insertBefore(box, area.nextSibling);
    var timer = null;
    var asked = "";
    var seq = 0;

    function clear() {
      while (box.firstChild) box.removeChild(box.firstChild);
    }

    function answered(match, labels) {
      var body = new URLSearchParams();
      body.set("match", match.key);
      body.set("context", context);
      var client = form && form.querySelector("input[name=client_id]");
      body.set("client_id", client ? client.value : "");
      body.set("_csrf_token", csrfOf(form));
      fetch("/faq/answered", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "x-csrftoken": csrfOf(form) },
        body: body
      }).then(function (response) {
        if (!response.ok) return;
        area.value = "";
        asked = "";
        clear();
        box.appendChild(el("p", "faq-thanks", labels.thanks));
      });
    }

    function show(data) {
      clear();
      if (!data.matches || !data.matches.length) { box.hidden = true; return; }
      box.appendChild(el("p", "faq-heading", data.labels.heading));
      var list = el("ul", "faq-matches");
      data.matches.forEach(function (match) {
        var item = el("li");
        var details = el("details");
        details.appendChild(el("summary", "", match.title));
        details.appendChild(el("p", "meta", match.source_label));
        details.appendChild(el("p", "faq-answer", match.answer));
        var button = el("button", "link", data.labels.answered);
        button.type = "button";
        button.addEventListener("click", function () { answered(match, data.labels); });
        details.appendChild(button);
        item.appendChild(details);
        list.appendChild(item);
      });
      box.appendChild(list);
      box.hidden = false;
    }

    function lookUp() {
      var text = area.value.trim();
      if (text === asked) return;
      asked = text;
      if (text.length < MIN_LENGTH) { clear(); box.hidden = true; return; }
      var mine = ++seq;
      fetch(url + "?q=" + encodeURIComponent(text.slice(0, 500)), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && mine === seq) show(data);  // an older answer never replaces a newer one
      }).catch(function () { /* offline: no suggestions */ });
    }

    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookUp, DELAY);
    });
  }

  var areas = document.querySelectorAll("textarea[data-faq-suggest]");
  for (var i = 0; i < areas.length; i++) attach(areas[i]);
})();
