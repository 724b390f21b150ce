/*
 * site.js: site-wide start-up, with no inline JS (the CSP forbids inline scripts).
 *
 * Load it with `defer` right BEFORE bootstrap-italia.bundle.min.js (deferred scripts run
 * in document order, before DOMContentLoaded):
 *   <script defer src="/static/js/site.js" data-fonts-path="/static/vendor/bootstrap-italia/fonts"></script>
 *   <script defer src="/static/vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js"></script>
 * It also works loaded after the bundle, except for VIDEOJS_NO_DYNAMIC_STYLE below.
 *
 * 1. window.VIDEOJS_NO_DYNAMIC_STYLE = true: video.js, inside the bundle, reads it when the
 *    bundle is evaluated; unset, it injects <style> elements on every page, which
 *    `style-src 'self'` blocks (a CSP violation per page). Must run before the bundle.
 * 2. Fonts, only if data-fonts-path is given: bootstrap.loadFonts() builds its URLs as
 *    window.__PUBLIC_PATH__ + "/Titillium_Web/…woff2" and reads __PUBLIC_PATH__ when it
 *    is called (not when the bundle is evaluated). The path must have no trailing slash
 *    (one is stripped here). loadFonts() injects a <style>, which `style-src 'self'`
 *    blocks: under that CSP link vendor/bootstrap-italia/css/fonts.css instead and leave
 *    data-fonts-path out.
 */
(function () {
  "use strict";

  if (window.VIDEOJS_NO_DYNAMIC_STYLE === undefined) {
    window.VIDEOJS_NO_DYNAMIC_STYLE = true;
  }

  var script = document.currentScript;
  var fontsPath = (script && script.dataset && script.dataset.fontsPath) || "";
  fontsPath = fontsPath.replace(/\/+$/, "");
  if (!fontsPath) {
    return;
  }
  window.__PUBLIC_PATH__ = fontsPath;

  function loadFonts() {
    var bs = window.bootstrap;
    if (bs && typeof bs.loadFonts === "function") {
      bs.loadFonts(fontsPath);
    }
  }

  if (window.bootstrap) {
    loadFonts();
  } else if (document.readyState !== "complete") {
    // Bundle not evaluated yet (site.js loaded before it): deferred scripts all run
    // before DOMContentLoaded, so bootstrap exists by then.
    document.addEventListener("DOMContentLoaded", loadFonts, { once: true });
  } else {
    window.addEventListener("load", loadFonts, { once: true });
  }
})();
