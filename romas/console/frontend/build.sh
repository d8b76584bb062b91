#!/bin/sh
# Rebuild static/vendor/vendor.js (Preact, htm, CodeMirror 6) from npm and copy each package's licence beside it.
# Needs node and npm; the console itself needs neither (the built file is committed).
set -eu
cd "$(dirname "$0")"
npm install --no-audit --no-fund
out=../static/vendor
npx esbuild entry.js --bundle --format=esm --minify --legal-comments=none --outfile="$out/vendor.js"
rm -rf "$out/LICENSES" && mkdir -p "$out/LICENSES"
for dir in node_modules/*/ node_modules/@*/*/; do
    dir=${dir%/}
    [ -f "$dir/package.json" ] || continue
    case "$dir" in */esbuild|*/@esbuild/*) continue ;; esac
    licence=$(ls "$dir"/LICEN[CS]E* "$dir"/licen[cs]e* 2>/dev/null | head -n 1 || true)
    [ -n "$licence" ] || { echo "no licence file in $dir" >&2; exit 1; }
    name=$(node -p "require('./$dir/package.json').name + '-' + require('./$dir/package.json').version")
    cp "$licence" "$out/LICENSES/$(echo "$name" | tr / _).txt"
done
echo "built $out/vendor.js"
