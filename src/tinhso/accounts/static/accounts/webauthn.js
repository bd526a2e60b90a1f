// Security keys and passkeys (WebAuthn) for officials: adding a key (#webauthn-register) and
// signing in with one after the password (#webauthn-signin). Both sections stay hidden unless
// the browser has window.PublicKeyCredential; the code form keeps working without them.
//
// The server speaks the JSON form of the WebAuthn options and responses, with binary fields
// in base64url. Converting them is done by hand below (a few lines, no library, no CDN):
// newer browsers have PublicKeyCredential.parseCreationOptionsFromJSON, older ones do not.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var text = window.atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) { bytes[i] = text.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i += 1) { text += String.fromCharCode(bytes[i]); }
    return window.btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = descriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.allowCredentials = descriptors(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      out.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return out;
  }

  function post(section, url, body) {
    var token = section.querySelector("input[name=csrfmiddlewaretoken]").value;
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function showError(section, message) {
    var box = section.querySelector("[data-webauthn-error]");
    box.textContent = message;
    box.hidden = false;
    box.focus();
  }

  // A refusal by the browser (the person cancelled, no key touched in time, a key already
  // registered): nothing was sent to the server. The texts come translated from the page.
  function browserMessage(section, error) {
    if (error && error.name === "InvalidStateError") { return section.dataset.msgDuplicate; }
    return section.dataset.msgCancelled;
  }

  function run(section, adding) {
    var button = section.querySelector("[data-webauthn-start]");
    button.disabled = true;
    var done = function () { button.disabled = false; };
    post(section, section.dataset.optionsUrl).then(function (answer) {
      if (!answer.ok) {
        if (answer.data.redirect) { window.location.assign(answer.data.redirect); return; }
        showError(section, answer.data.error);
        done();
        return;
      }
      var ceremony = adding
        ? navigator.credentials.create({ publicKey: creationOptions(answer.data) })
        : navigator.credentials.get({ publicKey: requestOptions(answer.data) });
      return ceremony.then(function (credential) {
        var body = { credential: credentialJSON(credential) };
        if (adding) {
          body.name = document.getElementById("webauthn-name").value;
        } else {
          body.next = section.dataset.next || "";
        }
        return post(section, section.dataset.submitUrl, body).then(function (result) {
          if (result.data.redirect) { window.location.assign(result.data.redirect); return; }
          showError(section, result.data.error);
          done();
        });
      }, function (error) {
        showError(section, browserMessage(section, error));
        done();
      });
    }).catch(function () {
      showError(section, section.dataset.msgNetwork);
      done();
    });
  }

  function setUp() {
    var supported = typeof window.PublicKeyCredential !== "undefined" &&
      navigator.credentials && typeof navigator.credentials.create === "function";
    var unsupported = document.getElementById("webauthn-unsupported");
    if (unsupported && supported) { unsupported.hidden = true; }
    [["webauthn-register", true], ["webauthn-signin", false]].forEach(function (pair) {
      var section = document.getElementById(pair[0]);
      if (!section || !supported) { return; }
      section.hidden = false;
      section.querySelector("[data-webauthn-start]").addEventListener("click", function () {
        run(section, pair[1]);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
