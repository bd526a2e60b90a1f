// Tỉnh Số back office: small progressive enhancements; every page works without them.
// Loaded as a file (CSP script-src 'self'); no inline handlers.
(function () {
  "use strict";

  // After a refused submission, move focus to the error summary so that keyboard and screen-reader
  // users land on it (the summary links to each field).
  function focusErrors() {
    var summary = document.querySelector("main .bo-alert--error[tabindex]");
    if (summary) {
      summary.focus();
      return;
    }
    var invalid = document.querySelector("main .bo-action .bo-field--error textarea, " +
      "main .bo-action .bo-field--error input, main .bo-action .bo-field--error select");
    if (invalid) {
      invalid.focus();
    }
  }

  // "Trả kết quả": the tracking number only matters for the postal service.
  function togglePostal(form) {
    var method = form.querySelector("select[name$='-return_method']");
    var tracking = form.querySelector("input[name$='-postal_tracking']");
    if (!method || !tracking) {
      return;
    }
    var field = tracking.closest(".bo-field");
    var address = form.querySelector("input[name$='-postal_address']");
    var addressField = address ? address.closest(".bo-field") : null;
    function update() {
      var postal = method.value === "postal";
      field.hidden = !postal;
      tracking.required = postal;
      if (addressField) {
        addressField.hidden = !postal;
      }
    }
    method.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors();
    document.querySelectorAll("#thao-tac-return_result form").forEach(togglePostal);
  });
})();
