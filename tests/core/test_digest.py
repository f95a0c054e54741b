"""SHA-256 without OpenSSL: the same digests, and the app's start never loads hashlib."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from stenosis_player.digest import sha256


def test_digests_are_hashlibs():
    for data in (b"", b"abc", b"Hold the position. 60 seconds." * 1000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    h = sha256()
    h.update(b"move|seated|1|")
    h.update(b"2|left\n")
    assert h.hexdigest() == hashlib.sha256(b"move|seated|1|2|left\n").hexdigest()


def test_the_window_speech_store_and_settings_do_not_load_openssl(tmp_path):
    code = (
        "import sys\n"
        "from stenosis_player.catalog import load_catalog\n"
        "from stenosis_player.ui import app\n"
        "from stenosis_player.voice import service, synth\n"
        "from stenosis_player import recorder, settings, single_instance, store\n"
        f"from pathlib import Path\nload_catalog(cache_dir=Path({str(tmp_path)!r}))\n"
        "synth.cache_key('Hold.', synth.VoiceConfig())\n"
        "print('_hashlib' in sys.modules, 'hashlib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False"], done.stdout + done.stderr
