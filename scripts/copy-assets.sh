#!/usr/bin/env bash
# Copy the front-end packages installed by npm into the static tree served by Django.
set -euo pipefail
dest=src/tinhso/static/vendor
mkdir -p "$dest"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx.min.js"
mkdir -p "$dest/echarts" "$dest/leaflet/images"
cp node_modules/echarts/dist/echarts.min.js "$dest/echarts/echarts.min.js"
cp node_modules/echarts/LICENSE "$dest/echarts/LICENSE"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$dest/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$dest/leaflet/images/"
cp node_modules/leaflet/LICENSE "$dest/leaflet/LICENSE"
