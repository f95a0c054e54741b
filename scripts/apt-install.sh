#!/usr/bin/env bash
# Install the Debian/Ubuntu packages named as arguments that are not installed yet
# (through sudo when not root; with no apt-get, print the exact list to install).
#   bash scripts/apt-install.sh PACKAGE...
set -euo pipefail
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
[ "${#missing[@]}" -gt 0 ] || exit 0
echo "installing Debian packages: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no apt-get here; install these packages yourself: ${missing[*]}" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" </dev/null >/dev/null
