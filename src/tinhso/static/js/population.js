// The filing page's lookup in the national population database, with consent by a one-time code
// (portal/templates/portal/_population_prefill.html). No inline script (CSP script-src 'self');
// without this file the block stays hidden and the citizen fills the form by hand.
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("dancu");
    if (!box || !window.fetch) {
      return;
    }
    var form = box.closest("form");
    var token = form ? form.querySelector("input[name=csrfmiddlewaretoken]") : null;
    var status = box.querySelector("[data-dancu-status]");
    var verify = box.querySelector("[data-dancu-verify]");
    var codeInput = box.querySelector("#dancu-code");
    box.hidden = false;

    function say(text) {
      status.textContent = text || box.getAttribute("data-failed");
    }

    function post(url, body) {
      var data = new FormData();
      Object.keys(body).forEach(function (key) {
        data.append(key, body[key]);
      });
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
      }).then(function (response) {
        return response.json().then(function (json) {
          return { ok: response.ok, json: json };
        });
      });
    }

    // Only empty fields are filled: what the citizen typed stays theirs.
    function fill(values) {
      var filled = [];
      Object.keys(values).forEach(function (name) {
        var field = form.querySelector('[name="' + name.replace(/"/g, "") + '"]');
        if (field && !field.value) {
          field.value = values[name];
          filled.push(name);
        }
      });
      return filled;
    }

    box.querySelector("[data-dancu-send]").addEventListener("click", function () {
      post(box.getAttribute("data-send-url"), {})
        .then(function (answer) {
          say(answer.ok ? answer.json.message : answer.json.error);
          if (answer.ok) {
            verify.hidden = false;
            codeInput.focus();
          }
        })
        .catch(function () {
          say("");
        });
    });

    box.querySelector("[data-dancu-lookup]").addEventListener("click", function () {
      post(box.getAttribute("data-lookup-url"), { code: codeInput.value.trim() })
        .then(function (answer) {
          var json = answer.json;
          say(answer.ok ? json.message : json.error);
          if (!answer.ok) {
            return;
          }
          verify.hidden = true;
          codeInput.value = "";
          form.querySelector("input[name=population_lookup]").value = json.lookup;
          if (json.found) {
            var filled = fill(json.values || {});
            form.querySelector("input[name=population_fields]").value = filled.join(",");
            var shown = box.querySelector("[data-dancu-confirmed]");
            shown.querySelector("[data-dancu-name]").textContent = json.confirmed.name;
            shown.querySelector("[data-dancu-birth]").textContent = json.confirmed.birth_date;
            shown.querySelector("[data-dancu-address]").textContent = json.confirmed.address;
            shown.hidden = false;
          }
        })
        .catch(function () {
          say("");
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
