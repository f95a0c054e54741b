#!/usr/bin/env bash
# One entry point for the README's two set-up commands:
#   bash scripts/setup.sh run [ARGS...]   install (system libraries + .venv) and launch the app
#   bash scripts/setup.sh test [ARGS...]  install (with test tools) and run the test suite
set -euo pipefail
mode="${1:-run}"; shift || true
cd "$(dirname "$0")/.."

# Debian/Ubuntu libraries Qt and eSpeak NG need (headless Qt, X11 window, speech, checks).
APT_PACKAGES=(python3-venv libgl1 libegl1 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0
  libfontconfig1 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libpulse0 libespeak-ng1 espeak-ng
  libportaudio2)
if [ "$mode" = test ]; then
  # pulseaudio: a private sound server for the real-audio tests (tests/sound_server.py)
  APT_PACKAGES+=(sox xvfb xauth desktop-file-utils appstream pulseaudio pulseaudio-utils)
  # reminders: a real session bus, a notification server, systemd-analyze for the units,
  # xdotool to answer the fallback window
  APT_PACKAGES+=(dbus-daemon dbus-bin dunst systemd xdotool)
  # the layout matrix: a window manager on Xvfb; ImageMagick's import for its screenshots
  APT_PACKAGES+=(openbox imagemagick)
fi

bash scripts/apt-install.sh "${APT_PACKAGES[@]}"

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: Python 3.11 or newer is needed ($("$PY" --version 2>&1) found)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$mode" = test ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi

case "$mode" in
  run) exec .venv/bin/stenosis-player "$@" ;;
  test) exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: bash scripts/setup.sh run|test [ARGS...]" >&2; exit 2 ;;
esac
