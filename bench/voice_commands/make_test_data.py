"""Generate synthetic test audio for the voice commands (no recordings of people).

Uses Festival (``festvox-us-slt-hts`` and ``festvox-kallpc16k`` voices), eSpeak NG and sox::

    apt-get install festival festvox-us-slt-hts festvox-kallpc16k espeak-ng sox
    python3 bench/voice_commands/make_test_data.py [OUT_DIR]   # default /tmp/vc-data
    python3 bench/voice_commands/make_test_data.py --small tests/data/voice_commands

Layout of OUT_DIR (all WAV files 16 kHz, mono, 16-bit):

* ``commands/<snr>/<voice>_<speed>_<phrase>.wav``: one spoken command with silence before and
  after (``clean``, ``20db``, ``10db``, ``5db``: pink noise mixed at that SNR, relative to the
  speech's own power).
* ``negatives/<source>/<voice>_<nnn>.wav``: ordinary speech that must not trigger anything: the
  articles' text (/work/shared/seeds/*.txt), the app's own spoken script (built from
  exercises.json), and a few sentences that come close to the commands.
* ``manifest.json``: one entry per file with its kind, phrase, voice, speed, SNR and the time at
  which the command's speech ends (used to measure latency).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from stenosis_player.voice_commands.commands import DEFAULT_LEADING_WORD, phrase_table  # noqa: E402

RATE = 16000
SEEDS = Path("/work/shared/seeds")
EXERCISES = REPO / "exercises.json"

# (voice id, speeds). Festival speeds are Duration_Stretch factors (>1 = slower);
# eSpeak NG speeds are words per minute.
FESTIVAL_VOICES = {
    "slt": "(voice_cmu_us_slt_arctic_hts)",
    "kal": "(voice_kal_diphone)",
}
VOICES: dict[str, list[str]] = {
    "slt": ["0.85", "1.0", "1.25"],
    "kal": ["0.85", "1.0", "1.25"],
    "espeak": ["130", "175"],
}
SNRS = {"clean": None, "20db": 20.0, "10db": 10.0, "5db": 5.0}

# Sentences that share words with the commands (a harder test than the articles).
NEAR_MISSES = [
    "The video player paused for a second and then carried on.",
    "I will stop at the shop on the way back home.",
    "Next time we could try the other stretch first.",
    "Yes, I think the back of my leg feels a little tight.",
    "No, it does not hurt at all today.",
    "My neighbour plays the piano every evening after dinner.",
    "Can you pause the music while I find my glasses?",
    "Let us continue with the next part of the story.",
    "The football player went back to the bench.",
    "Please repeat that, I did not hear you properly.",
    "It hurts a little when I bend forward, but only for a moment.",
    "She said yes and then no and then yes again.",
]

# Things the session engine says besides the exercise text.
APP_CUES = [
    "Welcome back. Today's session has six exercises and takes about fifteen minutes.",
    "Lie on your back on the mat. Take your time.",
    "Get ready.",
    "One. Two. Three. Four. Five. Six. Seven. Eight. Nine. Ten.",
    "Hold. Keep breathing.",
    "Five seconds left.",
    "And slowly release.",
    "Rest for ten seconds.",
    "Well done. That was the last repetition.",
    "Now the other side.",
    "Next exercise.",
    "Session paused. Say player continue when you are ready.",
    "Continuing.",
    "Skipping ahead. Say player back to undo.",
    "Going back to the previous exercise.",
    "Stopping the session. Say player back to undo.",
    "You said it hurts. Do you want to stop, rest, or try an easier version?",
    "If a stretch hurts or causes sciatica to worsen, stop immediately.",
    "Please answer yes or no.",
    "That is the end of today's session. Well done.",
]


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)


def write_wav(path: Path, samples: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def synth(text: str, voice: str, speed: str, out: Path) -> None:
    """Speak *text* into *out* (16 kHz mono), with leading/trailing silence trimmed."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if voice == "espeak":
            sh(["espeak-ng", "-v", "en-us", "-s", speed, "-w", str(raw), text])
        else:
            txt = Path(tmp) / "in.txt"
            txt.write_text(text + "\n")
            sh(
                [
                    "text2wave",
                    "-eval",
                    FESTIVAL_VOICES[voice],
                    "-eval",
                    f"(Parameter.set 'Duration_Stretch {speed})",
                    str(txt),
                    "-o",
                    str(raw),
                ]
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        # Resample to 16 kHz mono 16 bit; trim silence at both ends; normalise to -3 dBFS.
        sh(
            [
                *("sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)),
                *("silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%"),
                *("reverse", "norm", "-3"),
            ]
        )


def speech_power(x: np.ndarray) -> float:
    """Mean power over the 20 ms frames that hold speech (within 30 dB of the loudest)."""
    n = len(x) // 320
    if n == 0:
        return float(np.mean(x**2) + 1e-9)
    frames = x[: n * 320].reshape(n, 320)
    p = np.mean(frames**2, axis=1)
    active = p[p > p.max() / 1000]
    return float(np.mean(active))


class NoiseBank:
    """Pink noise made once by sox, handed out in slices."""

    def __init__(self, tmp: Path, seconds: int = 120) -> None:
        path = tmp / "pink.wav"
        sh(
            [
                *("sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(path)),
                *("synth", str(seconds), "pinknoise", "vol", "0.5"),
            ]
        )
        self.noise = read_wav(path)
        self.pos = 0

    def take(self, n: int) -> np.ndarray:
        if self.pos + n > len(self.noise):
            self.pos = 0
        out = self.noise[self.pos : self.pos + n]
        self.pos += n
        return out


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float, power: float) -> np.ndarray:
    gain = np.sqrt(power / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    return speech + gain * noise


def app_script() -> list[str]:
    """Every line the app speaks in the shipped catalogue's programs, as it says them (the
    catalogue's version-2 steps and cautions are objects; the script builder reads them)."""
    from stenosis_player.catalog import load_catalog
    from stenosis_player.script import build_script
    from stenosis_player.voice.lines import speech_texts

    catalog = load_catalog(EXERCISES)
    lines: list[str] = list(APP_CUES)
    for program_id in catalog.programs:
        lines.extend(t for t in speech_texts(build_script(catalog, program_id)) if t not in lines)
    return lines


def article_text(limit_words: int | None = None) -> list[str]:
    sentences: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(errors="ignore")
        text = re.sub(r"[^A-Za-z0-9.,;:!?'\- \n]", " ", text)
        for para in text.split("\n"):
            para = para.strip()
            if len(para.split()) >= 3:
                sentences.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", para) if s.strip())
    if limit_words:
        out, n = [], 0
        for s in sentences:
            out.append(s)
            n += len(s.split())
            if n >= limit_words:
                break
        return out
    return sentences


def chunks(sentences: list[str], max_words: int = 80) -> list[str]:
    out, cur = [], []
    for s in sentences:
        cur.append(s)
        if sum(len(c.split()) for c in cur) >= max_words:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


# Commands that must work while the app is speaking, and how loud the user is compared with
# the app's voice at the microphone.
OVER_APP_PHRASES = ("player pause", "player stop", "it hurts")
OVER_APP_RATIOS = {"app+6db": 6.0, "app0db": 0.0, "app-6db": -6.0}


def room_echo(rng: np.random.Generator) -> np.ndarray:
    """An echo path from the laptop's loudspeaker to its microphone: output latency (20-120 ms),
    the direct sound, and a reverberant tail dying away over about a third of a second."""
    latency = int(rng.uniform(0.02, 0.12) * RATE)
    tail = int(0.25 * RATE)
    ir = np.zeros(latency + tail)
    ir[latency] = 1.0
    t = np.arange(1, tail)
    ir[latency + 1 :] = rng.normal(0, 0.12, tail - 1) * np.exp(-t / (0.05 * RATE))
    return ir


def loudspeaker_echo(played: np.ndarray, room: np.ndarray) -> np.ndarray:
    """What the microphone hears of *played* (int16 scale): a laptop loudspeaker that
    saturates a little, then the room (see room_echo)."""
    distorted = np.tanh(0.6 * played / 16000) / 0.6 * 16000
    return 0.5 * np.convolve(distorted, room)[: len(played)]


def over_app_voice(out: Path, jobs: list, rng: np.random.Generator) -> list[dict]:
    """Commands said while the app's own voice (eSpeak NG reading its script) plays through a
    loudspeaker that distorts a little, in a room (see room_echo). The clip as played is
    written beside each file, for the echo canceller. The app has been talking for a few
    seconds when the command is said, as it would be in a session."""
    app = [
        (read_wav(path), meta["text"])
        for _t, voice, _s, path, meta in jobs
        if meta.get("source") == "app_script" and voice == "espeak"
    ]
    rooms = {name: room_echo(rng) for name in OVER_APP_RATIOS}
    entries = []
    for _t, voice, speed, path, meta in jobs:
        if meta["kind"] != "command" or meta["phrase"] not in OVER_APP_PHRASES:
            continue
        if voice == "espeak":
            continue
        speech = read_wav(path)
        lead = rng.uniform(2.5, 4.0)
        signal = np.concatenate([np.zeros(int(lead * RATE)), speech, np.zeros(int(1.5 * RATE))])
        for name, ratio in OVER_APP_RATIOS.items():
            # An app chunk that does not itself contain the command's words.
            choices = [a for a in app if meta["phrase"] not in a[1].lower()]
            app_audio, app_text = choices[rng.integers(len(choices))]
            if len(app_audio) <= len(signal):
                continue
            off = int(rng.integers(len(app_audio) - len(signal)))
            played = app_audio[off : off + len(signal)]
            # the same loudspeaker and room for every file of a level (the echo path does not
            # change during a session); the user's loudness sets the level instead
            echo = loudspeaker_echo(played, rooms[name])
            # the user's voice is `ratio` dB louder than the app's at the microphone
            gain = np.sqrt(speech_power(echo) * 10 ** (ratio / 10) / speech_power(speech))
            rel = Path("over_app") / name / path.name
            ref = Path("over_app") / name / f"played_{path.name}"
            write_wav(out / rel, gain * signal + echo)
            write_wav(out / ref, played)
            entries.append(
                {
                    **meta,
                    "path": str(rel),
                    "reference": str(ref),
                    "voice": voice,
                    "speed": speed,
                    "snr": name,
                    "over_app": True,
                    "text": app_text,
                    "speech_start_s": round(lead, 3),
                    "speech_end_s": round(lead + len(speech) / RATE, 3),
                }
            )
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default="/tmp/vc-data", type=Path)
    ap.add_argument(
        "--small",
        action="store_true",
        help="small set for the unit tests (Festival voices at normal speed, "
        "slt clean and kal at 20 dB SNR, a few negative chunks)",
    )
    ap.add_argument("--leading-word", default=DEFAULT_LEADING_WORD)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    for tool in ("text2wave", "espeak-ng", "sox"):
        if not shutil.which(tool):
            print(
                f"{tool} not found: apt-get install festival festvox-us-slt-hts "
                "festvox-kallpc16k espeak-ng sox",
                file=sys.stderr,
            )
            return 1

    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").exists():
            print(
                f"{out} is not empty and holds no manifest.json; not overwriting it",
                file=sys.stderr,
            )
            return 1
        shutil.rmtree(out)
    out.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp())
    noise = NoiseBank(tmp)
    rng = np.random.default_rng(11)

    if args.small:  # about 2.5 MB: Festival's two voices, one noisy, short pauses
        voices = {"slt": ["1.0"], "kal": ["1.0"]}
        snrs = {"clean": None, "20db": 20.0}
        small_snr = {"slt": "clean", "kal": "20db"}
        pad = (0.5, 0.8, 0.9)
    else:
        voices, snrs, small_snr = VOICES, SNRS, {}
        pad = (0.6, 1.2, 1.5)

    phrases = sorted({p for ps in phrase_table(args.leading_word).values() for p in ps})
    jobs = []  # (text, voice, speed, path, meta)
    for voice, speeds in voices.items():
        for speed in speeds:
            for phrase in phrases:
                slug = phrase.replace(" ", "_")
                jobs.append(
                    (
                        phrase,
                        voice,
                        speed,
                        tmp / "cmd" / f"{voice}_{speed}_{slug}.wav",
                        {"kind": "command", "phrase": phrase},
                    )
                )

    negative_sources = {
        "near_miss": NEAR_MISSES,
        "app_script": chunks(app_script(), 60),
        "articles": chunks(article_text(), 80),
    }
    neg_voices = {
        "near_miss": ["slt", "kal", "espeak"],
        "app_script": ["espeak", "slt"],  # the app speaks with eSpeak NG
        "articles": ["slt", "kal"],
    }
    if args.small:
        negative_sources["near_miss"] = NEAR_MISSES[:4]
        negative_sources["app_script"] = chunks(app_script(), 20)[:1]
        negative_sources["articles"] = chunks(article_text(), 40)[1:2]
        neg_voices = {"near_miss": ["slt"], "app_script": ["espeak"], "articles": ["slt"]}
    for source, texts in negative_sources.items():
        for voice in neg_voices[source]:
            speed = "160" if voice == "espeak" else "1.0"
            for i, text in enumerate(texts):
                jobs.append(
                    (
                        text,
                        voice,
                        speed,
                        tmp / "neg" / source / f"{voice}_{i:03d}.wav",
                        {"kind": "negative", "source": source, "text": text},
                    )
                )

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda j: synth(j[0], j[1], j[2], j[3]), jobs))

    manifest = []
    for _text, voice, speed, path, meta in jobs:
        speech = read_wav(path)
        if meta["kind"] == "command":
            power = speech_power(speech)
            lead = rng.uniform(pad[0], pad[1])
            sil_before = np.zeros(int(lead * RATE))
            sil_after = np.zeros(int(pad[2] * RATE))
            signal = np.concatenate([sil_before, speech, sil_after])
            for snr_name, snr in snrs.items():
                if small_snr and small_snr[voice] != snr_name:
                    continue
                mixed = signal if snr is None else mix(signal, noise.take(len(signal)), snr, power)
                rel = Path("commands") / snr_name / path.name
                write_wav(out / rel, mixed)
                manifest.append(
                    {
                        **meta,
                        "path": str(rel),
                        "voice": voice,
                        "speed": speed,
                        "snr": snr_name,
                        "speech_start_s": round(lead, 3),
                        "speech_end_s": round(lead + len(speech) / RATE, 3),
                    }
                )
        else:
            # Ordinary speech: a short pause between chunks, as in conversation.
            signal = np.concatenate([np.zeros(int(0.3 * RATE)), speech, np.zeros(int(0.3 * RATE))])
            rel = Path("negatives") / meta["source"] / path.name
            write_wav(out / rel, signal)
            manifest.append(
                {
                    **meta,
                    "path": str(rel),
                    "voice": voice,
                    "speed": speed,
                    "snr": "clean",
                    "seconds": round(len(signal) / RATE, 2),
                }
            )
    if not args.small:
        manifest += over_app_voice(out, jobs, rng)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    shutil.rmtree(tmp)
    n_cmd = sum(1 for m in manifest if m["kind"] == "command")
    neg_s = sum(m.get("seconds", 0) for m in manifest if m["kind"] == "negative")
    print(f"{out}: {n_cmd} command files, {neg_s / 60:.1f} min of negative speech")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
