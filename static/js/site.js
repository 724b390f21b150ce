/*
 * site.js: site-wide start-up, with no inline JS (the CSP forbids inline scripts).
 *
 * Load it with `defer` right AFTER bootstrap-italia.bundle.min.js:
 *   <script defer src=".../bootstrap-italia.bundle.min.js"></script>
 *   <script defer src=".../js/site.js" data-fonts-path="/static/vendor/bootstrap-italia/fonts"></script>
 *
 * bootstrap.loadFonts() builds its font URLs as window.__PUBLIC_PATH__ + "/Titillium_Web/…"
 * and reads __PUBLIC_PATH__ when it is called (not when the bundle is evaluated), so
 * setting it here, after the bundle, is enough. The path must have no trailing slash
 * (one is stripped here anyway). Without data-fonts-path nothing is done for fonts:
 * use that when the page links vendor/bootstrap-italia/css/fonts.css instead (needed
 * under `style-src 'self'`, which blocks the <style> element loadFonts() injects).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var fontsPath = script && script.dataset ? (script.dataset.fontsPath || "") : "";
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
  } else if (document.readyState === "loading" || document.readyState === "interactive") {
    // Loaded before the bundle by mistake: deferred scripts all run before
    // DOMContentLoaded, so the bundle is there by then.
    document.addEventListener("DOMContentLoaded", loadFonts, { once: true });
  }
})();
