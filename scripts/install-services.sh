#!/usr/bin/env bash
# Installs the Debian packages of the real services that the integration tests start on
# loopback. Idempotent: skips what is already installed. Needs root (CI and dev machines run as root).
set -euo pipefail
PACKAGES=(graphite-carbon python3-whisper)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "services: all installed (${PACKAGES[*]})"
  exit 0
fi
echo "services: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
