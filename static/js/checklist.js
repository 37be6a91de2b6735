// The checklist page (a file, not inline: the pages' CSP allows no inline script).
(function () {
  "use strict";
  // The "done" notice is for this visit only: a later reload must not repeat it.
  if (location.search) history.replaceState(null, "", location.pathname + location.hash);
  // Upload as soon as files are chosen; the button stays for browsers without JS.
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button");
    input.addEventListener("change", function () {
      if (!input.files.length) return;
      button.disabled = true;
      button.textContent = form.getAttribute("data-t-uploading") || button.textContent;
      form.submit();
    });
  });
})();
