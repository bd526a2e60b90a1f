#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for the browser tests (never a browser downloaded by a
# test tool), poppler (pdftotext, pdffonts, pdfsig), NSS certutil, zbar (QR decoding), gettext, the Mosquitto MQTT broker
# and SoftHSM2 (a PKCS#11 token in software, so the tests of the production signing path run instead of skipping).
set -euo pipefail
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v pdfsig >/dev/null || need+=(poppler-utils)
command -v certutil >/dev/null || need+=(libnss3-tools)
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v msgfmt >/dev/null || need+=(gettext)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null || need+=(mosquitto)
{ [ -e /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null; } || need+=(softhsm2)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
