#!/usr/bin/env bash
# Build the standalone one-folder bundle with PyInstaller.
#
#   bash packaging/build.sh              -> packaging/dist/stenosis-player/stenosis-player
#
# Uses the project's virtual environment ($VENV, default .venv; made and the app installed
# into it if missing) and installs PyInstaller into it if it is not there yet. Build files
# go to packaging/build/ (both folders are ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"
PYINSTALLER_REQ="${PYINSTALLER_REQ:-pyinstaller>=6.10,<7}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "build.sh: making the virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import stenosis_player, PySide6' 2>/dev/null; then
  echo "build.sh: installing the app into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e .
fi
if ! "$VENV/bin/python" -c 'import PyInstaller' 2>/dev/null; then
  echo "build.sh: installing PyInstaller into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$PYINSTALLER_REQ"
fi

"$VENV/bin/python" packaging/make_icons.py --check

start=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath packaging/dist --workpath packaging/build/pyinstaller \
  packaging/stenosis-player.spec
echo "build.sh: built packaging/dist/stenosis-player/ in $(( $(date +%s) - start )) s" \
  "($(du -sh packaging/dist/stenosis-player | cut -f1))"
