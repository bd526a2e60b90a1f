// VietQR transfer details: copy buttons for the account number, the amount and the transfer note.
// Progressive enhancement (CSP script-src 'self'): without this file the text is still shown and
// can be selected by hand; the buttons stay hidden.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "absolute";
    field.style.left = "-9999px";
    document.body.appendChild(field);
    field.select();
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    document.body.removeChild(field);
    return done ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  function say(panel, key) {
    var status = panel.querySelector(".copy-status");
    if (status) {
      status.textContent = status.getAttribute(key) || "";
    }
  }

  function onClick(event) {
    var button = event.target.closest ? event.target.closest("[data-vietqr] .copy-button") : null;
    if (!button) {
      return;
    }
    var panel = button.closest("[data-vietqr]");
    copy(button.getAttribute("data-copy") || "").then(
      function () {
        button.classList.add("copied");
        say(panel, "data-copied");
      },
      function () {
        say(panel, "data-failed");
      }
    );
  }

  function init() {
    document.querySelectorAll("[data-vietqr] .copy-button").forEach(function (button) {
      button.hidden = false;
    });
  }

  if (!window.tinhsoVietQR) {
    window.tinhsoVietQR = true;
    document.addEventListener("click", onClick);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
