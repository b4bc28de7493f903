// Security keys and passkeys: run the browser's WebAuthn ceremony with the options the server
// put on the form (data-options, JSON with base64url strings), then submit the form with the
// key's answer as JSON in its hidden "credential" field, beside the form's CSRF token.
// Without JavaScript the forms stay hidden and the page's "no-js" text says why; this script
// shows the forms and removes that text. (Not <noscript>: a browser that merely blocks scripts
// still parses it as if they ran, and shows nothing.)
(function () {
  "use strict";

  function toBytes(base64url) {
    const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, function (char) { return char.charCodeAt(0); });
  }

  function toBase64url(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach(function (byte) { binary += String.fromCharCode(byte); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBytes(descriptor.id) });
    });
  }

  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      user: Object.assign({}, options.user, { id: toBytes(options.user.id) }),
      excludeCredentials: withIds(options.excludeCredentials),
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: toBytes(options.challenge),
      allowCredentials: withIds(options.allowCredentials),
    });
  }

  function answer(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) {
        json.response.userHandle = toBase64url(response.userHandle);
      }
    }
    return JSON.stringify(json);
  }

  function ceremony(form) {
    const options = JSON.parse(form.dataset.options);
    if (form.dataset.webauthn === "create") {
      return navigator.credentials.create({ publicKey: creationOptions(options) });
    }
    return navigator.credentials.get({ publicKey: requestOptions(options) });
  }

  function say(form, reason) {
    const box = form.querySelector("[data-webauthn-error]");
    box.textContent = box.dataset[reason];
    box.hidden = false;
  }

  function start(event) {
    const form = event.currentTarget;
    event.preventDefault();
    if (!form.reportValidity()) {
      return;
    }
    if (!window.PublicKeyCredential) {
      say(form, "unsupported");
      return;
    }
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    ceremony(form)
      .then(function (credential) {
        form.elements.credential.value = answer(credential);
        HTMLFormElement.prototype.submit.call(form); // form.submit is the button named "submit"
      })
      .catch(function () {
        button.disabled = false;
        say(form, "cancelled");
      });
  }

  document.querySelectorAll(".js-only, form[data-webauthn]").forEach(function (element) {
    element.hidden = false;
  });
  document.querySelectorAll(".no-js").forEach(function (element) {
    element.remove();
  });
  document.querySelectorAll("form[data-webauthn]").forEach(function (form) {
    form.addEventListener("submit", start);
  });
})();
