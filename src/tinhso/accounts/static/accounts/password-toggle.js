// Show-password buttons (ASVS 2.1.12) for the password fields of a form marked
// data-password-toggle; the button's label comes from the form's data-show-label (translated
// by the template). A file, not an inline script: CSP script-src 'self'.
// Progressive enhancement: without this file the fields stay ordinary password fields.
(function () {
  "use strict";

  function addToggle(form, input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary password-toggle";
    button.textContent = form.getAttribute("data-show-label") || "Hiện mật khẩu";
    // A toggle button: the label stays, aria-pressed says whether the password is shown.
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", input.id);
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      input.focus();
    });
    input.insertAdjacentElement("afterend", button);
  }

  function hideAll(form) {
    // Never submit while a password is visible on screen, nor leave it so for the back button.
    form.querySelectorAll("input[data-password-field]").forEach(function (input) {
      input.type = "password";
    });
    form.querySelectorAll(".password-toggle").forEach(function (button) {
      button.setAttribute("aria-pressed", "false");
    });
  }

  function init() {
    document.querySelectorAll("form[data-password-toggle]").forEach(function (form) {
      form.querySelectorAll("input[type=password]").forEach(function (input) {
        if (!input.id) {
          return;
        }
        input.setAttribute("data-password-field", "");
        addToggle(form, input);
      });
      form.addEventListener("submit", function () {
        hideAll(form);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
