#!/usr/bin/env bash
# Run a command on a fresh Xvfb screen with the openbox window manager (a real X server
# with window frames, as on a desktop), then stop both.
#   bash scripts/with-x-server.sh 1280x800 python -m stenosis_player.ui.layout_audit
set -euo pipefail
size="$1"; shift
for n in $(seq 90 140); do
  [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || break
done
Xvfb ":$n" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
wm=""
cleanup() {
  [ -n "$wm" ] && kill "$wm" 2>/dev/null || true
  kill "$xvfb" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
export DISPLAY=":$n"
unset QT_QPA_PLATFORM
openbox --sm-disable >/dev/null 2>&1 &
wm=$!
sleep 0.5
"$@"
