#!/usr/bin/env bash
# Install Stenosis Player for one user, with its menu entry and icons.
#
#   bash packaging/linux/install.sh                  # the app from this checkout, into ~/.local
#   bash packaging/linux/install.sh --wheel FILE     # the app from a built wheel
#   bash packaging/linux/install.sh --no-app         # only the menu entry and icons (the app
#                                                    #   is already on PATH, e.g. from pipx)
#   bash packaging/linux/install.sh --prefix DIR     # into DIR instead of ~/.local
#   bash packaging/linux/install.sh --uninstall      # remove what this script installed
#
# What goes where (PREFIX = ~/.local unless --prefix):
#   PREFIX/share/stenosis-player/venv/    the app in its own virtual environment
#   PREFIX/bin/stenosis-player            a link to the app's command
#   PREFIX/share/applications/io.github.stenosis_player.StenosisPlayer.desktop
#   PREFIX/share/metainfo/io.github.stenosis_player.StenosisPlayer.metainfo.xml
#   PREFIX/share/icons/hicolor/*/apps/io.github.stenosis_player.StenosisPlayer.{png,svg}
# Your settings and progress are not touched (they live in ~/.config and ~/.local/share/
# stenosis-player/, which --uninstall keeps; only the venv folder is removed).
# Needs Python 3.11+ with venv (Debian: python3-venv) and, for speech, libespeak-ng1.
set -euo pipefail

APP_ID="io.github.stenosis_player.StenosisPlayer"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PREFIX="${HOME}/.local"
WHEEL=""
MODE=app
PY="${PYTHON:-python3}"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) PREFIX="${1#--prefix=}"; shift ;;
    --wheel) WHEEL="${2:?--wheel needs a file}"; shift 2 ;;
    --wheel=*) WHEEL="${1#--wheel=}"; shift ;;
    --no-app) MODE=desktop; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

mkdir -p "$PREFIX"
PREFIX="$(cd "$PREFIX" && pwd)"
SHARE="$PREFIX/share"
VENV="$SHARE/stenosis-player/venv"
BIN="$PREFIX/bin/stenosis-player"
DESKTOP="$SHARE/applications/$APP_ID.desktop"
METAINFO="$SHARE/metainfo/$APP_ID.metainfo.xml"
ICONS_SRC="$HERE/icons/hicolor"
ICONS_DST="$SHARE/icons/hicolor"

refresh_caches() {
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$SHARE/applications" 2>/dev/null || true
  fi
  if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$ICONS_DST/index.theme" ]; then
    gtk-update-icon-cache -q -t -f "$ICONS_DST" 2>/dev/null || true
  fi
}

if [ "$MODE" = uninstall ]; then
  rm -f "$DESKTOP" "$METAINFO"
  (cd "$ICONS_SRC" && find . -name "$APP_ID.*" -type f) | while read -r rel; do
    rm -f "$ICONS_DST/$rel"
  done
  if [ -L "$BIN" ] && [ "$(readlink "$BIN")" = "$VENV/bin/stenosis-player" ]; then
    rm -f "$BIN"
  fi
  rm -rf "$VENV"
  rmdir "$SHARE/stenosis-player" 2>/dev/null || true
  refresh_caches
  echo "install.sh: removed Stenosis Player from $PREFIX (your settings and progress are kept)"
  exit 0
fi

if [ "$MODE" = app ]; then
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "install.sh: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  source_spec="$ROOT"
  if [ -n "$WHEEL" ]; then
    [ -f "$WHEEL" ] || { echo "install.sh: no such wheel: $WHEEL" >&2; exit 1; }
    source_spec="$(cd "$(dirname "$WHEEL")" && pwd)/$(basename "$WHEEL")"
  fi
  echo "install.sh: installing the app into $VENV"
  rm -rf "$VENV"
  if ! "$PY" -m venv "$VENV"; then
    echo "install.sh: cannot make a virtual environment (Debian: apt install python3-venv)" >&2
    exit 1
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$source_spec"
  mkdir -p "$PREFIX/bin"
  ln -sfn "$VENV/bin/stenosis-player" "$BIN"
  exec_path="$BIN"
else
  exec_path="$(command -v stenosis-player || true)"
  if [ -z "$exec_path" ]; then
    echo "install.sh: --no-app: stenosis-player is not on PATH; the menu entry will run" \
      "'stenosis-player' and work once it is" >&2
    exec_path="stenosis-player"
  fi
fi

# Desktop entry: the command by its full path (a desktop session's PATH may lack ~/.local/bin).
quoted="$exec_path"
case "$exec_path" in
  *[[:space:]\"\`\$\\]*) quoted="\"$(printf '%s' "$exec_path" | sed 's/[\\"`$]/\\\\&/g')\"" ;;
esac
mkdir -p "$(dirname "$DESKTOP")" "$(dirname "$METAINFO")"
escaped="$(printf '%s' "$quoted" | sed 's/[&|\\]/\\&/g')"
sed "s|^Exec=stenosis-player|Exec=$escaped|" "$HERE/$APP_ID.desktop" >"$DESKTOP"
cp "$HERE/$APP_ID.metainfo.xml" "$METAINFO"
(cd "$ICONS_SRC" && find . -name "$APP_ID.*" -type f) | while read -r rel; do
  mkdir -p "$(dirname "$ICONS_DST/$rel")"
  cp "$ICONS_SRC/$rel" "$ICONS_DST/$rel"
done
refresh_caches

echo "install.sh: installed Stenosis Player into $PREFIX"
echo "  command:    $exec_path"
echo "  menu entry: $DESKTOP"
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) [ "$MODE" = app ] && echo "  note: $PREFIX/bin is not on your PATH; the menu entry works anyway" ;;
esac
exit 0
