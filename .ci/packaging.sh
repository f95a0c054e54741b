#!/usr/bin/env bash
# Packaging check: build the wheel, install it alone into a fresh venv (through
# packaging/linux/install.sh, into a temporary prefix), run it from there, validate the
# desktop entry and AppStream metainfo, then build the PyInstaller bundle and self-test it.
# Works on a fresh Debian 12 as root (or with sudo), with no standard input.
#   bash .ci/packaging.sh            everything (about 2–3 minutes with a warm pip cache)
#   SKIP_BUNDLE=1 bash .ci/packaging.sh   without the PyInstaller bundle
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
exec </dev/null

T0=$(date +%s)
STEP_T=$T0
TIMINGS=()
step() {
  local now; now=$(date +%s)
  if [ -n "${STEP_NAME:-}" ]; then TIMINGS+=("$(printf '%4ss  %s' $((now - STEP_T)) "$STEP_NAME")"); fi
  STEP_NAME="$1"; STEP_T=$now
  printf '\n==== packaging: %s ====\n' "$1"
}
fail() { echo "packaging: FAILED: $*" >&2; exit 1; }
# Run a command with its output in a log; show the log (less pip's index notes) either way.
logged() {
  local log="$WORK/step.log" rc=0
  "$@" >"$log" 2>&1 || rc=$?
  grep -v "^WARNING: Location '" "$log" || true
  return $rc
}

# Keep the machine's pip cache (HOME is moved below): PySide6 is a large download.
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/pip}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
WORK="$(mktemp -d -t stenosis-packaging.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
# Never touch the real user folders.
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" \
  XDG_DATA_HOME="$WORK/home/.local/share" XDG_CACHE_HOME="$WORK/home/.cache"
mkdir -p "$HOME"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then export QT_QPA_PLATFORM=offscreen; fi

step "system packages"
APT_PACKAGES=(python3-venv libgl1 libegl1 libglib2.0-0 libxkbcommon0 libfontconfig1
  libdbus-1-3 libpulse0 libespeak-ng1 desktop-file-utils appstream)
bash scripts/apt-install.sh "${APT_PACKAGES[@]}"
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  fail "Python 3.11 or newer is needed ($("$PY" --version 2>&1))"
echo "python: $("$PY" --version)"

step "desktop entry and AppStream metainfo"
desktop-file-validate packaging/linux/io.github.stenosis_player.StenosisPlayer.desktop
appstreamcli validate --no-net packaging/linux/io.github.stenosis_player.StenosisPlayer.metainfo.xml

step "wheel"
# Build from a copy of the working tree (files git tracks or would track), so no stale
# build/ folder or egg-info in the checkout can leak into the wheel.
SRC="$WORK/src"
mkdir -p "$SRC"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z -co --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$SRC"
else
  tar --exclude=.venv --exclude=.git --exclude='packaging/dist' --exclude='packaging/build' \
    -cf - . | tar -xf - -C "$SRC"
fi
"$PY" -m venv "$WORK/buildenv"
t=$(date +%s)
logged "$WORK/buildenv/bin/python" -m pip wheel -q --no-deps -w "$WORK/dist" "$SRC" ||
  fail "pip wheel failed"
WHEEL_S=$(( $(date +%s) - t ))
WHEEL="$(ls "$WORK"/dist/stenosis_player-*.whl)"
echo "built $(basename "$WHEEL") in ${WHEEL_S} s"
"$WORK/buildenv/bin/python" - "$WHEEL" <<'EOF'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["stenosis_player/data/exercises.json", "stenosis_player/data/exercises.schema.json",
        "stenosis_player/data/assets/icon.svg"]
missing = [n for n in need if n not in names]
svgs = [n for n in names if n.startswith("stenosis_player/data/assets/exercises/") and n.endswith(".svg")]
if missing or not svgs:
    sys.exit(f"wheel lacks {missing or 'the exercise pictures'}")
print(f"wheel has the catalogue, the schema and {len(svgs)} exercise pictures")
EOF

step "install the wheel into a fresh venv (packaging/linux/install.sh)"
PREFIX="$WORK/prefix"
t=$(date +%s)
logged bash packaging/linux/install.sh --prefix "$PREFIX" --wheel "$WHEEL" ||
  fail "packaging/linux/install.sh --wheel failed"
INSTALL_S=$(( $(date +%s) - t ))
BIN="$PREFIX/bin/stenosis-player"
[ -x "$BIN" ] || fail "install.sh did not install $BIN"
echo "installed in ${INSTALL_S} s"
desktop-file-validate "$PREFIX/share/applications/io.github.stenosis_player.StenosisPlayer.desktop"
for size in 16 32 48 64 128 256 512; do
  [ -f "$PREFIX/share/icons/hicolor/${size}x${size}/apps/io.github.stenosis_player.StenosisPlayer.png" ] ||
    fail "icon ${size}x${size} not installed"
done
echo "menu entry and icons installed"

step "run the installed app (from outside the checkout)"
cd "$WORK"
out="$("$BIN" check)"; echo "$out"
case "$out" in *site-packages/stenosis_player/data/exercises.json*) ;;
  *) fail "check did not use the installed catalogue" ;; esac
"$BIN" script --no-settings >"$WORK/script.txt"
tail -n 1 "$WORK/script.txt"
grep -q "^Total: " "$WORK/script.txt" || fail "script printed no total"
t=$(date +%s)
selftest="$("$BIN" --self-test --data-dir "$WORK/data-wheel" 2>"$WORK/selftest.err")" ||
  { cat "$WORK/selftest.err" >&2; fail "self-test of the installed wheel: $selftest"; }
SELFTEST_S=$(( $(date +%s) - t ))
echo "$selftest  (${SELFTEST_S} s)"
"$PREFIX/share/stenosis-player/venv/bin/python" "$ROOT/packaging/make_icons.py" --check
echo "icons up to date"
cd "$ROOT"

if [ -n "${SKIP_BUNDLE:-}" ]; then
  echo "SKIP_BUNDLE set: not building the PyInstaller bundle"
else
  step "PyInstaller bundle (packaging/build.sh)"
  t=$(date +%s)
  rm -rf packaging/dist/stenosis-player
  logged bash packaging/build.sh || fail "packaging/build.sh failed"
  BUNDLE_S=$(( $(date +%s) - t ))
  EXE="packaging/dist/stenosis-player/stenosis-player"
  [ -x "$EXE" ] || fail "the bundle was not built"
  echo "bundle built in ${BUNDLE_S} s ($(du -sh packaging/dist/stenosis-player | cut -f1))"

  step "run the bundle"
  cd "$WORK"
  "$ROOT/$EXE" check
  selftest="$("$ROOT/$EXE" --self-test --data-dir "$WORK/data-bundle" 2>"$WORK/selftest.err")" ||
    { cat "$WORK/selftest.err" >&2; fail "self-test of the bundle: $selftest"; }
  echo "$selftest"
  cd "$ROOT"
fi

step "done"
printf '%s\n' "${TIMINGS[@]}"
echo "packaging: OK in $(( $(date +%s) - T0 )) s"
