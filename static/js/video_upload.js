/* Resumable welcome-video upload for /admin/videos (no framework, no build step).
 *
 * 1. POST the form (title, department, poster, total size, never the video itself)
 *    to open an upload; the server answers {id, offset, total}.
 * 2. PUT the file in chunks (File.slice) to /admin/videos/uploads/{id}, each with the
 *    byte offset it starts at in an Upload-Offset header.
 * 3. When a chunk fails on the network, wait (back-off), ask the server where the upload
 *    stands (GET on the same URL) and continue from there; a 409 also names the offset.
 * The CSRF token travels in the x-csrftoken header (the cookie is HttpOnly, so the page
 * carries the token in data-csrf).
 */
(function () {
  "use strict";

  var RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
  var MAX_ATTEMPTS = 12;

  var mainForm = document.getElementById("video-upload");
  if (!mainForm) return;
  var csrf = mainForm.getAttribute("data-csrf");
  var chunkBytes = parseInt(mainForm.getAttribute("data-chunk-bytes"), 10) || 4194304;
  var maxBytes = parseInt(mainForm.getAttribute("data-max-bytes"), 10) || 0;

  function msg(name) {
    return mainForm.getAttribute("data-msg-" + name) || "";
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function UploadError(message) {
    this.message = message;
  }

  function view(form) {
    var box = form.querySelector(".upload-progress");
    return {
      box: box,
      bar: box.querySelector("progress"),
      percent: box.querySelector("[data-testid=upload-percent]"),
      message: form.querySelector(".upload-message"),
      button: form.querySelector("button[type=submit]")
    };
  }

  function showProgress(ui, offset, total) {
    var percent = total ? Math.floor((offset * 100) / total) : 0;
    ui.box.hidden = false;
    ui.bar.value = percent;
    ui.percent.textContent = percent + "%";
  }

  function say(ui, text, bad) {
    ui.message.textContent = text;
    ui.message.classList.toggle("bad", !!bad);
  }

  async function readJson(response) {
    if (response.type === "opaqueredirect") throw new UploadError(msg("signin"));
    try {
      return await response.json();
    } catch (notJson) {
      throw new UploadError(msg("failed") + " (HTTP " + response.status + ")");
    }
  }

  function request(url, options) {
    options.credentials = "same-origin";
    // A signed-out session redirects to the sign-in page: report it instead of following.
    options.redirect = "manual";
    options.headers = Object.assign({ "x-csrftoken": csrf, Accept: "application/json" },
      options.headers || {});
    return fetch(url, options);
  }

  async function askOffset(url) {
    var answer = await readJson(await request(url, { method: "GET", cache: "no-store" }));
    if (typeof answer.offset !== "number") throw new UploadError(answer.error || msg("failed"));
    return answer;
  }

  async function sendChunks(url, file, offset, ui) {
    var attempt = 0;
    showProgress(ui, offset, file.size);
    while (offset < file.size) {
      var end = Math.min(offset + chunkBytes, file.size);
      var response = null;
      try {
        if (attempt > 0) {
          say(ui, msg("retrying"));
          await sleep(RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)]);
          var state = await askOffset(url);
          if (state.complete) { offset = state.total; break; }
          offset = state.offset;
          showProgress(ui, offset, file.size);
          end = Math.min(offset + chunkBytes, file.size);
          say(ui, msg("uploading"));
        }
        response = await request(url, {
          method: "PUT",
          headers: { "Upload-Offset": String(offset), "Content-Type": "application/octet-stream" },
          body: file.slice(offset, end)
        });
      } catch (error) {
        if (error instanceof UploadError) throw error;
        // The network dropped: try again from wherever the server says it stopped.
        attempt += 1;
        if (attempt > MAX_ATTEMPTS) throw new UploadError(msg("failed"));
        continue;
      }
      if (response.status >= 500 || response.status === 429) {
        attempt += 1;
        if (attempt > MAX_ATTEMPTS) throw new UploadError(msg("failed"));
        continue;
      }
      var answer = await readJson(response);
      if (response.ok) {
        attempt = 0;
        offset = answer.offset;
        showProgress(ui, offset, file.size);
        if (answer.complete) break;
      } else if (response.status === 409 && typeof answer.offset === "number") {
        offset = answer.offset; // the server has a different part: continue from there
        showProgress(ui, offset, file.size);
      } else if (response.status === 409) {
        var now = await askOffset(url);
        if (now.complete) break;
        throw new UploadError(answer.error || msg("failed"));
      } else {
        throw new UploadError(answer.error || msg("failed"));
      }
    }
    showProgress(ui, file.size, file.size);
  }

  function rememberFile(id, file) {
    try {
      localStorage.setItem("onramp-video-" + id, file.name + "|" + file.size);
    } catch (unavailable) { /* private mode: resuming still checks the size */ }
  }

  function finished(ui, id) {
    try { localStorage.removeItem("onramp-video-" + id); } catch (unavailable) { /* ignore */ }
    say(ui, msg("done"));
    var link = document.createElement("a");
    link.href = "/admin/videos";
    link.textContent = msg("list");
    ui.message.appendChild(document.createTextNode(" "));
    ui.message.appendChild(link);
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (node) {
      node.hidden = true;
      node.textContent = "";
    });
  }

  function showErrors(form, errors, ui) {
    var shown = false;
    Object.keys(errors || {}).forEach(function (field) {
      var node = form.querySelector("[data-error-for=" + field + "]");
      if (node) {
        node.textContent = errors[field];
        node.hidden = false;
        shown = true;
      }
    });
    if (!shown) say(ui, Object.values(errors || {}).join(" "), true);
  }

  mainForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    var ui = view(mainForm);
    var file = mainForm.querySelector("input[type=file][data-testid=video-file]").files[0];
    clearErrors(mainForm);
    say(ui, "");
    if (!file) return showErrors(mainForm, { file: msg("choose") }, ui);
    if (maxBytes && file.size > maxBytes) return showErrors(mainForm, { file: msg("too-large") }, ui);
    mainForm.elements.total_bytes.value = String(file.size);
    ui.button.disabled = true;
    try {
      var opened = await request(mainForm.action, { method: "POST", body: new FormData(mainForm) });
      var answer = await readJson(opened);
      if (opened.status !== 201) {
        showErrors(mainForm, answer.errors || { file: answer.error }, ui);
        ui.button.disabled = false;
        return;
      }
      rememberFile(answer.id, file);
      say(ui, msg("uploading"));
      await sendChunks("/admin/videos/uploads/" + answer.id, file, answer.offset, ui);
      finished(ui, answer.id);
    } catch (error) {
      say(ui, error instanceof UploadError ? error.message : msg("failed"), true);
      ui.button.disabled = false;
    }
  });

  document.querySelectorAll("form.video-resume").forEach(function (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var ui = view(form);
      var id = form.getAttribute("data-upload-id");
      var total = parseInt(form.getAttribute("data-total"), 10);
      var file = form.querySelector("input[type=file]").files[0];
      if (!file) return say(ui, msg("choose"), true);
      if (file.size !== total) return say(ui, msg("other-file"), true);
      ui.button.disabled = true;
      try {
        var url = "/admin/videos/uploads/" + id;
        var state = await askOffset(url);
        say(ui, msg("uploading"));
        if (!state.complete) await sendChunks(url, file, state.offset, ui);
        finished(ui, id);
      } catch (error) {
        say(ui, error instanceof UploadError ? error.message : msg("failed"), true);
        ui.button.disabled = false;
      }
    });
  });
})();
