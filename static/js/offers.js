/*
 * offers.js: small progressive enhancements for the offer pages (no inline JS: CSP).
 *
 * - form[data-cp-offer-form]: after the first submit the button is disabled and says
 *   data-sending-label, so a double click sends nothing twice (the server's idempotency
 *   key protects anyway). Re-enabled when the page is shown again from the back/forward
 *   cache.
 * - form[data-cp-confirm]: asks for confirmation before submitting (e.g. withdraw).
 */
(function () {
  "use strict";

  function setUp() {
    document.querySelectorAll("form[data-cp-offer-form]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          if (!button.dataset.label) {
            button.dataset.label = button.textContent;
          }
          button.disabled = true;
          button.setAttribute("aria-disabled", "true");
          if (form.dataset.sendingLabel) {
            button.textContent = form.dataset.sendingLabel;
          }
        });
      });
    });
    document.querySelectorAll("form[data-cp-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.cpConfirm)) {
          event.preventDefault();
        }
      });
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-cp-offer-form] button[type=submit]").forEach(
      function (button) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        if (button.dataset.label) {
          button.textContent = button.dataset.label;
        }
      }
    );
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
