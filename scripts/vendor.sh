#!/usr/bin/env bash
# Vendor the front-end files into static/vendor/ from the versions pinned in
# package.json / package-lock.json, so that running the app needs no npm and no
# internet. Run this (needs npm + registry) only when changing a version:
#
#     scripts/vendor.sh        # or: npm run vendor
#
# and commit package.json, package-lock.json and static/vendor/ together.
# node_modules/ is a throw-away build directory (git-ignored).
#
# What it does, and why:
#   * `npm ci` installs exactly the lock file (no install scripts run).
#   * static/vendor/ is wiped and rebuilt (nothing else lives there), so the
#     script is idempotent and a removed file cannot linger.
#   * Only the minified distribution files are copied, under stable names
#     (no version in the path: templates never change on an upgrade).
#   * Trailing `//# sourceMappingURL=...` / `/*# sourceMappingURL=... */` lines are
#     stripped and no .map files are copied: browsers would 404 on them, and
#     Django's ManifestStaticFilesStorage fails collectstatic on a referenced
#     file that is missing.
#   * Tabler icons: the @font-face `src` is rewritten to the woff2 font only
#     (every supported browser reads woff2), so the ~1.8 MB ttf and ~0.8 MB woff
#     are not shipped. The relative url ./fonts/... is kept, so the css must stay
#     next to its fonts/ directory.
#   * The copied css/js are checked for @import and url(http...) loads; nothing
#     may come from the internet (Tabler 1.x uses a system font stack, no
#     Google Fonts). The build fails if such a load appears in a new version.
#   * Each package's license goes next to its files; VERSIONS.txt lists
#     package@version as installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NM="$ROOT/node_modules"
OUT="$ROOT/static/vendor"

npm ci --ignore-scripts --no-audit --no-fund

rm -rf "$OUT"
mkdir -p "$OUT"

# copy SRC DEST: copy one file, dropping a trailing source-map reference.
copy() {
    local src="$NM/$1" dest="$OUT/$2"
    [[ -f "$src" ]] || { echo "vendor.sh: missing $src" >&2; exit 1; }
    mkdir -p "$(dirname "$dest")"
    sed -E '/^[[:space:]]*(\/\/[#@][[:space:]]*sourceMappingURL=.*|\/\*[#@][[:space:]]*sourceMappingURL=.*\*\/[[:space:]]*)$/d' \
        "$src" >"$dest"
}

# license SRC DEST: copy a license file verbatim.
license() {
    local src="$NM/$1" dest="$OUT/$2"
    [[ -f "$src" ]] || { echo "vendor.sh: missing license $src" >&2; exit 1; }
    mkdir -p "$(dirname "$dest")"
    cp "$src" "$dest"
}

# mit_license PKG DEST COPYRIGHT: some tarballs ship no LICENSE file; write the
# MIT text (package.json declares "MIT") with the copyright line of the project.
mit_license() {
    local pkg="$1" dest="$OUT/$2" copyright="$3" declared
    declared="$(node -p "require('$NM/$pkg/package.json').license")"
    [[ "$declared" == "MIT" ]] || { echo "vendor.sh: $pkg license is now '$declared'" >&2; exit 1; }
    {
        echo "The npm package $pkg ships no LICENSE file; its package.json declares \"MIT\"."
        echo "This is the MIT License text with the copyright line of the project."
        echo
        echo "MIT License"
        echo
        echo "$copyright"
        echo
        # The standard MIT body, taken from a shipped MIT license (from its "Permission" line on).
        sed -n '/^Permission is hereby granted/,$p' "$NM/@tabler/icons-webfont/LICENSE"
    } >"$dest"
}

version() { node -p "require('$NM/$1/package.json').version"; }

# --- Tabler (Bootstrap 5 based; tabler.min.js bundles Bootstrap's JS and Popper)
copy @tabler/core/dist/css/tabler.min.css tabler/tabler.min.css
# Tabler's restyling of third-party widgets (tom-select among them); load after tom-select's css.
copy @tabler/core/dist/css/tabler-vendors.min.css tabler/tabler-vendors.min.css
copy @tabler/core/dist/js/tabler.min.js tabler/tabler.min.js
mit_license @tabler/core tabler/LICENSE \
    "Copyright (c) 2018-2026 The Tabler Authors, codecalm.net Paweł Kuna"
license @popperjs/core/LICENSE.md tabler/LICENSE-popper.md

# --- Tabler icons (webfont, outline set)
copy @tabler/icons-webfont/dist/tabler-icons.min.css tabler-icons/tabler-icons.min.css
mkdir -p "$OUT/tabler-icons/fonts"
cp "$NM/@tabler/icons-webfont/dist/fonts/tabler-icons.woff2" "$OUT/tabler-icons/fonts/"
# src:url("./fonts/tabler-icons.woff2?v…") format("woff2"),url(…woff…) format("woff"),url(…ttf…) format("truetype")
#   -> src:url("./fonts/tabler-icons.woff2?v…") format("woff2")
sed -i -E 's#(src:url\("\./fonts/tabler-icons\.woff2[^"]*"\) format\("woff2"\))[^;}]*#\1#' \
    "$OUT/tabler-icons/tabler-icons.min.css"
if grep -Eq 'tabler-icons\.(woff|ttf|eot|svg)([?"#)])' "$OUT/tabler-icons/tabler-icons.min.css"; then
    echo "vendor.sh: tabler-icons.min.css still references a non-woff2 font; fix the @font-face sed" >&2
    exit 1
fi
grep -q 'url("./fonts/tabler-icons.woff2' "$OUT/tabler-icons/tabler-icons.min.css" ||
    { echo "vendor.sh: tabler-icons.min.css lost its woff2 url" >&2; exit 1; }
license @tabler/icons-webfont/LICENSE tabler-icons/LICENSE

# --- htmx (2.x)
copy htmx.org/dist/htmx.min.js htmx/htmx.min.js
license htmx.org/LICENSE htmx/LICENSE

# --- Alpine.js (CDN build: starts itself; load with defer, after any plugin)
copy alpinejs/dist/cdn.min.js alpinejs/alpine.min.js
mit_license alpinejs alpinejs/LICENSE "Copyright (c) 2019-present Caleb Porzio and contributors"

# --- ECharts (full build; the ZH and EN locales are built in)
copy echarts/dist/echarts.min.js echarts/echarts.min.js
license echarts/LICENSE echarts/LICENSE
license echarts/NOTICE echarts/NOTICE
license echarts/licenses/LICENSE-d3 echarts/LICENSE-d3

# --- frappe-gantt (UMD build: defines window.Gantt)
copy frappe-gantt/dist/frappe-gantt.css frappe-gantt/frappe-gantt.css
copy frappe-gantt/dist/frappe-gantt.umd.js frappe-gantt/frappe-gantt.umd.js
license frappe-gantt/license.txt frappe-gantt/LICENSE

# --- tom-select (complete build: all plugins, defines window.TomSelect)
copy tom-select/dist/js/tom-select.complete.min.js tom-select/tom-select.complete.min.js
copy tom-select/dist/css/tom-select.bootstrap5.min.css tom-select/tom-select.bootstrap5.min.css
license tom-select/LICENSE tom-select/LICENSE

# --- versions
{
    echo "# Generated by scripts/vendor.sh from package-lock.json; do not edit."
    for pkg in @tabler/core @tabler/icons-webfont htmx.org alpinejs echarts frappe-gantt tom-select; do
        echo "$pkg@$(version "$pkg")"
    done
} >"$OUT/VERSIONS.txt"

# --- checks: no .map files, no source-map references, nothing loaded from the internet
if find "$OUT" -name '*.map' | grep -q .; then
    echo "vendor.sh: .map file copied" >&2; exit 1
fi
if grep -rlE 'sourceMappingURL=' "$OUT" --include='*.js' --include='*.css' | grep -q .; then
    echo "vendor.sh: a sourceMappingURL reference is left:" >&2
    grep -rlE 'sourceMappingURL=' "$OUT" --include='*.js' --include='*.css' >&2
    exit 1
fi
if grep -rnoE '@import[^;]*|url\([[:space:]]*["'"'"']?(https?:)?//[^)]*' "$OUT" --include='*.css' | grep -q .; then
    echo "vendor.sh: css loads something remote:" >&2
    grep -rnoE '@import[^;]*|url\([[:space:]]*["'"'"']?(https?:)?//[^)]*' "$OUT" --include='*.css' >&2
    exit 1
fi

echo "vendor.sh: static/vendor rebuilt:"
sed 's/^/  /' "$OUT/VERSIONS.txt" | grep -v '^  #'
du -sh "$OUT"
