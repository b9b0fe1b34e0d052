// Upload with a progress bar. The form works as a plain multipart POST; this
// script sends it with XMLHttpRequest instead so that the browser reports
// progress, and adds the CSRF token as a header (the server reads upload
// bodies as a stream and never parses them as a form).
(function () {
  "use strict";
  function init(form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var input = form.querySelector("input[type=file]");
      if (!input.files.length) {
        status.textContent = "Choose a file to upload.";
        input.focus();
        return;
      }
      var data = new FormData();
      data.append("file", input.files[0]);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", form.querySelector("input[name=_csrf]").value);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.max = e.total;
          bar.value = e.loaded;
          status.textContent = "Uploading: " + Math.round((100 * e.loaded) / e.total) + "%";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          status.textContent = "Uploaded. Checking the file…";
          window.location.assign(form.dataset.done);
          return;
        }
        var msg = "The upload failed (" + xhr.status + ").";
        try {
          var body = JSON.parse(xhr.responseText);
          msg = body.error.message;
          if (body.error.fields && body.error.fields.file) { msg = body.error.fields.file; }
        } catch (e) { /* keep the generic message */ }
        status.textContent = msg;
        button.disabled = false;
      });
      xhr.addEventListener("error", function () {
        status.textContent = "The connection was lost during the upload. Try again.";
        button.disabled = false;
      });
      button.disabled = true;
      bar.hidden = false;
      bar.value = 0;
      status.textContent = "Uploading…";
      xhr.send(data);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload]").forEach(init);
  });
})();
