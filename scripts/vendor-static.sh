#!/usr/bin/env bash
# Vendor the front-end assets (Bootstrap Italia, Chart.js) into static/vendor/
# from pinned npm versions, so that nothing is loaded from a CDN at run time.
#
# Usage: scripts/vendor-static.sh
#
# Needs: bash, npm (and the node it comes with), tar. Network: the npm registry only.
# Idempotent: static/vendor/bootstrap-italia and static/vendor/chart.js are wiped and
# rewritten on every run, and static/vendor/README.md is regenerated. Nothing is
# installed: the packages are fetched with `npm pack` into a temporary folder, so no
# node_modules/ or package-lock.json ever appears in the repository.
set -euo pipefail

# --- Pinned versions (change here, then re-run) -------------------------------------
BI_VERSION="2.18.3"
BI_INTEGRITY="sha512-dz4kNtcAYJF4OsWABT9m3CAT3NH5y6OzGG+v/VUGH1LjumIUmlP3GaQ+aHgtv5Vw3B5dS0jbHZiHGSfdu+DffA=="
CHARTJS_VERSION="4.6.1"
CHARTJS_INTEGRITY="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
BI_DEST="$VENDOR/bootstrap-italia"
CJ_DEST="$VENDOR/chart.js"

die() { echo "vendor-static: $*" >&2; exit 1; }
command -v npm >/dev/null || die "npm not found"
command -v node >/dev/null || die "node not found"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/vendor-static.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# Fetch one tarball with `npm pack`, check its integrity, unpack it to $TMP/<dir>.
fetch() {
    local spec="$1" integrity="$2" dir="$3" tgz actual
    echo "vendor-static: npm pack $spec"
    tgz="$(cd "$TMP" && npm pack "$spec" --ignore-scripts --silent | tail -n 1)"
    [ -f "$TMP/$tgz" ] || die "npm pack $spec produced no tarball"
    actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");
        process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TMP/$tgz")"
    [ "$actual" = "$integrity" ] || die "$spec: integrity mismatch (got $actual, pinned $integrity)"
    mkdir -p "$TMP/$dir"
    tar -xzf "$TMP/$tgz" -C "$TMP/$dir" --strip-components=1 --no-same-owner
}

fetch "bootstrap-italia@$BI_VERSION" "$BI_INTEGRITY" bi
fetch "chart.js@$CHARTJS_VERSION" "$CHARTJS_INTEGRITY" cj
BI="$TMP/bi"
CJ="$TMP/cj"

# --- Wipe and rewrite ----------------------------------------------------------------
rm -rf "$BI_DEST" "$CJ_DEST"
mkdir -p "$BI_DEST/css" "$BI_DEST/js" "$BI_DEST/svg" "$BI_DEST/fonts" "$CJ_DEST"

# Bootstrap Italia: CSS, JS bundle (includes Bootstrap + Popper + the rest), icon sprite.
install -m 0644 "$BI/dist/css/bootstrap-italia.min.css" "$BI_DEST/css/"
install -m 0644 "$BI/dist/js/bootstrap-italia.bundle.min.js" "$BI_DEST/js/"
install -m 0644 "$BI/dist/svg/sprites.svg" "$BI_DEST/svg/"
install -m 0644 "$BI/LICENSE" "$BI_DEST/LICENSE"

# Fonts: woff2 only (every browser that runs the bundle supports it), keeping the
# package's layout fonts/<Family>/..., plus each family's licence text.
for family_dir in "$BI/dist/fonts"/*/; do
    family="$(basename "$family_dir")"
    mkdir -p "$BI_DEST/fonts/$family"
    n=0
    for f in "$family_dir"*.woff2; do
        install -m 0644 "$f" "$BI_DEST/fonts/$family/"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || die "no woff2 fonts in $family_dir"
    lic=0
    for f in "$family_dir"OFL.txt "$family_dir"LICENSE*; do
        [ -f "$f" ] || continue
        install -m 0644 "$f" "$BI_DEST/fonts/$family/"
        lic=1
    done
    [ "$lic" -eq 1 ] || die "no licence text for font family $family"
done

# Chart.js: the UMD build (defines window.Chart) and its licence.
install -m 0644 "$CJ/dist/chart.umd.min.js" "$CJ_DEST/"
install -m 0644 "$CJ/LICENSE.md" "$CJ_DEST/LICENSE.md"

# Source maps are not vendored, so drop the comments that point at them: browsers'
# dev tools would 404 on them, and Django's ManifestStaticFilesStorage (collectstatic
# with whitenoise's CompressedManifestStaticFilesStorage) fails on a missing map.
sed -i -e '/^\/\*# sourceMappingURL=.*\*\/[[:space:]]*$/d' "$BI_DEST/css/bootstrap-italia.min.css"
sed -i -e '/^\/\/# sourceMappingURL=/d' "$BI_DEST/js/bootstrap-italia.bundle.min.js" "$CJ_DEST/chart.umd.min.js"
if grep -l 'sourceMappingURL=' "$BI_DEST/css/bootstrap-italia.min.css" \
    "$BI_DEST/js/bootstrap-italia.bundle.min.js" "$CJ_DEST/chart.umd.min.js"; then
    die "a sourceMappingURL comment is left in the file(s) above"
fi

# Checks and fonts.css, done in node (it came with npm):
# 1. every url() in the CSS that is not a data: URI must exist next to it (no 404);
# 2. every woff2 that bootstrap.loadFonts() asks for must exist under fonts/;
# 3. write css/fonts.css, the same @font-face rules as loadFonts() injects but as a
#    plain stylesheet (woff2 only) for pages whose CSP forbids inline <style>.
node - "$BI_DEST" <<'NODE'
const fs = require("fs"), path = require("path");
const dest = process.argv[2];
const fail = (m) => { console.error("vendor-static: " + m); process.exit(1); };

const cssPath = path.join(dest, "css", "bootstrap-italia.min.css");
const css = fs.readFileSync(cssPath, "utf8");
for (const m of css.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/g)) {
    const u = m[2];
    if (/^(data:|#|https?:|\/\/)/i.test(u)) {
        if (/^(https?:|\/\/)/i.test(u)) fail("bootstrap-italia.min.css loads a remote URL: " + u);
        continue;
    }
    const file = path.join(path.dirname(cssPath), u.split(/[?#]/)[0]);
    if (!fs.existsSync(file)) fail("bootstrap-italia.min.css references missing " + u);
}
if (/@import/.test(css)) fail("bootstrap-italia.min.css has an @import");

const js = fs.readFileSync(path.join(dest, "js", "bootstrap-italia.bundle.min.js"), "utf8");
const start = js.indexOf("loadFonts:(");
if (start < 0) fail("loadFonts not found in the bundle");
const tStart = js.indexOf("innerHTML=`", start);
const tEnd = js.indexOf("`", tStart + 11);
if (tStart < 0 || tEnd < 0 || tStart - start > 400) fail("loadFonts template not found");
// The template's only substitution is ${i} (the fonts path); its newlines are "\n".
const tpl = js.slice(tStart + 11, tEnd).replace(/\$\{i\}/g, "@FONTS@").replace(/\\n/g, "\n");
if (/\$\{/.test(tpl)) fail("unexpected substitution in the loadFonts template");
if (!/window\.__PUBLIC_PATH__/.test(js.slice(start, tStart)))
    fail("loadFonts no longer reads window.__PUBLIC_PATH__: check site.js");

const rules = [];
for (const block of tpl.match(/@font-face\s*\{[^}]*\}/g) || []) {
    const prop = (p) => { const m = block.match(new RegExp(p + ":\\s*([^;]+);")); return m && m[1].trim(); };
    const woff2 = block.match(/url\('@FONTS@\/([^']+\.woff2)'\)/);
    if (!woff2) fail("a loadFonts @font-face has no woff2: " + block.slice(0, 120));
    if (!fs.existsSync(path.join(dest, "fonts", woff2[1]))) fail("missing font " + woff2[1]);
    rules.push(`@font-face {\n  font-family: ${prop("font-family")};\n  font-style: ${prop("font-style")};\n` +
        `  font-weight: ${prop("font-weight")};\n  font-display: ${prop("font-display") || "swap"};\n` +
        `  src: url("../fonts/${woff2[1]}") format("woff2");\n}\n`);
}
if (rules.length < 10) fail("only " + rules.length + " @font-face rules found in loadFonts");
fs.writeFileSync(path.join(dest, "css", "fonts.css"),
    "/* Generated by scripts/vendor-static.sh from bootstrap.loadFonts() in\n" +
    " * bootstrap-italia.bundle.min.js: the same @font-face rules as a plain stylesheet\n" +
    " * (woff2 only), for pages whose Content-Security-Policy forbids inline <style>. */\n" +
    rules.join(""));
console.log("vendor-static: " + rules.length + " @font-face rules, all fonts present");
NODE

# --- README ------------------------------------------------------------------------
listing() {  # path relative to static/vendor, size in bytes
    (cd "$VENDOR" && find "$1" -type f | LC_ALL=C sort | while read -r f; do
        printf '| `%s` | %s |\n' "$f" "$(wc -c <"$f" | tr -d ' ')"
    done)
}
{
cat <<EOF
# Vendored front-end assets

Served by Django's staticfiles (whitenoise) from \`/static/vendor/\`; no CDN is used at run
time. **Do not edit these files by hand: regenerate with \`scripts/vendor-static.sh\`**
(it wipes and rewrites \`bootstrap-italia/\` and \`chart.js/\` and this README). To upgrade,
change the pinned version and integrity at the top of the script and run it again.

| package | exact version | licence | npm tarball integrity |
| --- | --- | --- | --- |
| bootstrap-italia | $BI_VERSION | BSD-3-Clause (\`bootstrap-italia/LICENSE\`) | \`$BI_INTEGRITY\` |
| chart.js | $CHARTJS_VERSION | MIT (\`chart.js/LICENSE.md\`) | \`$CHARTJS_INTEGRITY\` |
| fonts shipped by bootstrap-italia: Titillium Web, Lora | (as in bootstrap-italia $BI_VERSION) | SIL Open Font License 1.1 (\`fonts/*/OFL.txt\`) | |
| font shipped by bootstrap-italia: Roboto Mono | (as in bootstrap-italia $BI_VERSION) | Apache-2.0 (\`fonts/Roboto_Mono/LICENSE.txt\`) | |

\`bootstrap-italia.bundle.min.js\` embeds third-party libraries (Bootstrap 5, Popper,
video.js and its plugins, Splide, just-validate, progressbar.js, anime.js, …) under their
own MIT / Apache-2.0 / BSD licences; their licence headers are kept inside the bundle.

Changes from the npm files: only the trailing \`sourceMappingURL\` comment was removed
from \`bootstrap-italia.min.css\` and \`chart.umd.min.js\` (source maps are not vendored);
\`bootstrap-italia/css/fonts.css\` is generated (see below). Fonts: only the \`.woff2\`
files are vendored (the package also ships eot/svg/ttf/woff for old browsers).

## Fonts

Bootstrap Italia 2.x has no \`@font-face\` in its CSS. Two ways to get the fonts:

1. \`bootstrap.loadFonts()\` (in the bundle) injects a \`<style>\` whose URLs are
   \`window.__PUBLIC_PATH__ + "/Titillium_Web/…woff2"\` (it reads \`__PUBLIC_PATH__\` when
   called, not when the bundle loads). The value needed is exactly
   **\`/static/vendor/bootstrap-italia/fonts\`** (no trailing slash; with one the URLs get a
   \`//\`). \`static/js/site.js\` sets it from its \`data-fonts-path\` attribute and calls
   \`loadFonts()\`. An inline \`<style>\` is blocked by a CSP with \`style-src 'self'\`.
2. \`<link rel="stylesheet" href="{% static 'vendor/bootstrap-italia/css/fonts.css' %}">\`:
   the same \`@font-face\` rules as a static file; works under \`style-src 'self'\`.

In a template, build the fonts path as \`{% get_static_prefix %}vendor/bootstrap-italia/fonts\`:
\`{% static %}\` of a folder fails under the manifest storage (no manifest entry).

## Run-time behaviour of the bundle

It fetches nothing by itself. video.js (inside it) injects \`<style>\` elements when the
bundle is evaluated unless \`window.VIDEOJS_NO_DYNAMIC_STYLE = true\` was set before:
\`static/js/site.js\` sets it, so load it (deferred) before the bundle. Only if a page uses
the video player: YouTube videos load \`https://www.youtube.com/iframe_api\`, and captions
load vtt.js from \`vjs.zencdn.net\` unless the player is given a local \`vtt.js\` option.

## Files (bytes)

| file | size |
| --- | --- |
EOF
listing bootstrap-italia
listing chart.js
} >"$VENDOR/README.md"

[ ! -e "$ROOT/node_modules" ] || die "node_modules/ appeared in the repository"
total="$(du -sb "$BI_DEST" "$CJ_DEST" | awk '{s += $1} END {print s}')"
echo "vendor-static: done, $(find "$BI_DEST" "$CJ_DEST" -type f | wc -l) files, $total bytes in $VENDOR"
