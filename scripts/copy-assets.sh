#!/usr/bin/env bash
# Copy the front-end packages installed by npm into the static tree served by Django.
set -euo pipefail
dest=src/tinhso/static/vendor
mkdir -p "$dest"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx.min.js"
