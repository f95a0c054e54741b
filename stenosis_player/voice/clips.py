"""Speech clips as heard: eSpeak NG ends every clip with 0.3–0.7 s of silence (more at slow
rates), which would make every line look longer than it sounds. A slow voice's "three"
then lasts 1.3 s and a countdown said a second apart loses its numbers. Clips are trimmed
to their last audible sample plus a short natural tail before they enter the cache, so
the plan is made with the length the user hears. Qt-free, standard library only.
"""

from __future__ import annotations

import array
import os
import sys
import wave

TAIL_S = 0.08  # kept after the last audible sample: the voice's own decay
THRESHOLD = 0.02  # of the clip's peak (and never below ~ -60 dBFS)


def trim_trailing_silence(path: str | os.PathLike[str]) -> float:
    """Cut a 16-bit PCM WAV after its last audible sample (+ TAIL_S); returns the new
    length in seconds. Other sample formats and silent clips are left as they are."""
    try:
        with wave.open(os.fspath(path), "rb") as w:
            params = w.getparams()
            frames = w.readframes(params.nframes)
    except (wave.Error, EOFError):
        return 0.0  # not a WAV we can read: left alone (playing it reports the problem)
    if params.sampwidth != 2 or params.nframes == 0:
        return params.nframes / float(params.framerate or 1)
    samples = array.array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    peak = max(abs(min(samples)), abs(max(samples)))
    level = max(int(peak * THRESHOLD), 32)
    last = len(samples) - 1
    while last >= 0 and -level <= samples[last] <= level:
        last -= 1
    if last < 0:
        return params.nframes / float(params.framerate)
    keep_frames = min(
        params.nframes, (last // params.nchannels) + 1 + int(TAIL_S * params.framerate)
    )
    if keep_frames >= params.nframes:
        return params.nframes / float(params.framerate)
    with wave.open(os.fspath(path), "wb") as w:
        w.setparams(params)
        w.writeframes(frames[: keep_frames * params.nchannels * params.sampwidth])
    return keep_frames / float(params.framerate)
