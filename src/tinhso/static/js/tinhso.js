// Tỉnh Số behaviour (no inline scripts: CSP script-src 'self').
// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary so keyboard and screen-reader users land on it.
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  // Warn before uploading a file over the limit (the server enforces it anyway).
  function checkFileSize(event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) {
      return;
    }
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var tooBig = Array.prototype.some.call(input.files || [], function (file) {
      return file.size > limit;
    });
    input.setCustomValidity(tooBig ? input.getAttribute("data-too-big") || "!" : "");
    if (tooBig) {
      input.reportValidity();
    }
  }

  // Ignore a second click on a submit button while the first submission is on its way.
  function guardDoubleSubmit(event) {
    var form = event.target;
    if (form.getAttribute("method") !== "post") {
      return;
    }
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () {
      form.dataset.submitting = "false";
      form.removeAttribute("aria-busy");
    }, 10000);
  }

  document.addEventListener("change", checkFileSize);
  document.addEventListener("submit", guardDoubleSubmit);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }
})();
