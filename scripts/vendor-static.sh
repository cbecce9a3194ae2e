#!/usr/bin/env bash
# Copies the explicit list of front-end files Zhidu serves from node_modules into
# zhidu/static/vendor/ (DESIGN: static files). Source maps come along where they exist.
set -eu
cd "$(dirname "$0")/.."
dst=zhidu/static/vendor
rm -rf "$dst"; mkdir -p "$dst"
copy() { # copy SRC DEST_SUBDIR
  mkdir -p "$dst/$2"; cp "node_modules/$1" "$dst/$2/"
  [ -f "node_modules/$1.map" ] && cp "node_modules/$1.map" "$dst/$2/" || true
}
copy htmx.org/dist/htmx.min.js htmx
copy echarts/dist/echarts.min.js echarts
copy @tabler/core/dist/css/tabler.min.css tabler/css
copy @tabler/core/dist/js/tabler.min.js tabler/js
copy @tabler/icons-webfont/dist/tabler-icons.min.css tabler-icons
# The stylesheet names all three font formats; the hashed-manifest storage used in
# production (collectstatic) refuses a stylesheet that points at a missing file.
mkdir -p "$dst/tabler-icons/fonts"
for ext in woff2 woff ttf; do
  cp "node_modules/@tabler/icons-webfont/dist/fonts/tabler-icons.$ext" "$dst/tabler-icons/fonts/"
done
echo "vendored: $(find "$dst" -type f | wc -l) files into $dst"
