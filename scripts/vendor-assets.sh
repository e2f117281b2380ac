#!/bin/sh
# Copy the front-end libraries installed by npm (package.json) into the
# package's static folder, so the application serves them itself: government
# intranets have no internet and no CDN.
set -eu
cd "$(dirname "$0")/.."
if [ ! -d node_modules/htmx.org ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
dest=src/lianfang/static/vendor
rm -rf "$dest"
mkdir -p "$dest/bootstrap" "$dest/bootstrap-icons/fonts" "$dest/htmx" "$dest/echarts"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$dest/bootstrap-icons/"
cp node_modules/bootstrap-icons/font/fonts/* "$dest/bootstrap-icons/fonts/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/"
for pkg in bootstrap bootstrap-icons htmx.org echarts; do
    cp "node_modules/$pkg/LICENSE" "$dest/LICENSE.$pkg" 2>/dev/null || true
done
echo "vendored front-end assets into $dest"
