"""Generate the held-out evaluation set for the voice commands (issue 19; no recordings of people).

    apt-get install festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k flite \
        espeak-ng sox
    nice -n 15 python3 bench/voice_commands/make_eval_data.py /tmp/vc-eval [--per-phrase 3]

Six voices from three synthesisers, so that leaving one out leaves a real stranger:
Festival ``slt`` (female, HTS), ``kal`` and ``ked`` (male diphone), flite ``awb`` (Scottish
male) and ``rms`` (male), and eSpeak NG (``en-us+m3`` and ``en-gb+f3`` alternating). Every
utterance gets its own small speed and pitch change, so no two are the same sound.

Two splits, kept apart in everything but the command words themselves:

* ``tune``: the seed articles and the app's own script as ordinary speech; noise made with its
  own random seeds and babble/TV built from that speech; noise at 15 dB SNR only.
* ``test``: other ordinary speech (licence texts and everyday sentences written to come close
  to the commands: sports, dates, "if it hurts, stop"); other noise; clean, 20 dB and 10 dB.

Conditions of the command files (``variant`` x ``noise`` x ``snr``):

* variants: ``plain``; ``slow`` (sox tempo 0.8); ``deep`` (sox pitch -200 cents: two semitones
  lower); ``pause`` (0.35-0.8 s of silence after the leading word); ``reverb`` (a living room,
  sox reverb); ``far`` (a speaker 2 m away: 6 dB quieter than at 1 m and more reverberant,
  the noise kept at the 1 m level, so its SNR is 6 dB below the cell's nominal one).
* noise kinds: ``white``, ``pink``, ``babble`` (five talkers), ``tv`` (a talker and music
  through a small loudspeaker); SNR against the speech's own power. ``plain`` runs every kind
  at every level; the other variants take the kinds in turn at each level.

Ordinary speech (negatives) is read by every voice, a different share of the texts each, and
mixed with each noise kind at 20 dB (test) or 15 dB (tune), besides clean. The test split's at
another SNR can be added to an existing set afterwards, nothing else changed:

    nice -n 10 python3 bench/voice_commands/make_eval_data.py /tmp/vc-eval --add-negatives-snr 10
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
LICENCES = Path("/usr/share/common-licenses")
EXERCISES = REPO / "exercises.json"

#: voice -> (synthesiser, voice ids used in turn)
VOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "slt": ("festival", ("(voice_cmu_us_slt_arctic_hts)",)),
    "kal": ("festival", ("(voice_kal_diphone)",)),
    "ked": ("festival", ("(voice_ked_diphone)",)),
    "awb": ("flite", ("awb",)),
    "rms": ("flite", ("rms",)),
    "espeak": ("espeak", ("en-us+m3", "en-gb+f3")),
}
VARIANTS = ("plain", "slow", "deep", "pause", "reverb", "far")
NOISES = ("white", "pink", "babble", "tv")
SPLIT_SNRS = {"test": (None, 20.0, 10.0), "tune": (None, 15.0)}
NEG_SNR = {"test": 20.0, "tune": 15.0}

# Everyday sentences for the test split that come close to the commands (none of them is a
# command said on its own). Never used for tuning.
TEST_SENTENCES = [
    "The player was great in the second half.",
    "If it hurts, stop and rest for a minute.",
    "United won three nil, and the next match is on Saturday.",
    "My appointment is on the fourth of March at half past ten.",
    "Could you pass me the remote? The player is on the shelf.",
    "He said it hurts when he walks up the stairs.",
    "We stopped at the garage on the way back.",
    "The next bus leaves at twenty past four.",
    "Press pause on the television, the kettle is boiling.",
    "Yes, I will be back by six.",
    "No, the player did not score.",
    "Continue down the road and turn left at the church.",
    "The doctor asked whether it hurts more in the morning.",
    "Her back has been much better since she started walking.",
    "The best player on the team is only nineteen.",
    "Stop the car, I think I left my bag behind.",
    "Repeat after me: one, two, three.",
    "It was the second of June, a Tuesday, and it rained all day.",
    "The record player in the corner still works.",
    "Next week we are going to visit my sister in Leeds.",
    "It hurts to see the garden so dry.",
    "The final score was two to one after extra time.",
    "Pause for a moment and think about it.",
    "Back in nineteen seventy we lived by the sea.",
    "Is that the new player they signed in January?",
    "I said yes, then changed my mind and said no.",
    "The match was stopped because of the rain.",
    "Keep going, you are nearly there.",
    "What time does the news start tonight?",
    "He is a better player than his brother.",
]

# Things the app says (the tune split's second source of ordinary speech).
APP_CUES = [
    "Welcome back. Today's session has six exercises and takes about fifteen minutes.",
    "Lie on your back on the mat. Take your time.",
    "Get ready.",
    "Hold. Keep breathing.",
    "And slowly release.",
    "Rest for ten seconds.",
    "Well done. That was the last repetition.",
    "Session paused. Say player continue when you are ready.",
    "You said it hurts. Do you want to stop, rest, or try an easier version?",
]


def sh(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), path
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)


def write_wav(path: Path, samples: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def synth(text: str, voice: str, k: int, speed: float, cents: int, out: Path) -> None:
    """*text* in *voice* (its k-th voice id), *speed* times faster and *cents* higher, 16 kHz
    mono, silence trimmed, at -3 dBFS."""
    engine, ids = VOICES[voice]
    vid = ids[k % len(ids)]
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if engine == "espeak":
            sh(["espeak-ng", "-v", vid, "-s", str(round(165 * speed)), "-w", str(raw), text])
        elif engine == "flite":
            stretch = f"duration_stretch={1 / speed:.3f}"
            sh(["flite", "-voice", vid, "--setf", stretch, "-t", text, "-o", str(raw)])
        else:
            txt = Path(tmp) / "in.txt"
            txt.write_text(text + "\n")
            stretch = f"(Parameter.set 'Duration_Stretch {1 / speed:.3f})"
            sh(["text2wave", "-eval", vid, "-eval", stretch, str(txt), "-o", str(raw)])
        out.parent.mkdir(parents=True, exist_ok=True)
        effects = ["pitch", str(cents)] if cents else []
        sh(
            [
                *("sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)),
                *effects,
                *("silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%"),
                *("reverse", "norm", "-3"),
            ]
        )


def sox_effect(x: np.ndarray, effects: list[str], tmp: Path, name: str) -> np.ndarray:
    a, b = tmp / f"{name}-in.wav", tmp / f"{name}-out.wav"
    write_wav(a, x)
    sh(["sox", str(a), str(b), *effects])
    return read_wav(b)


def speech_power(x: np.ndarray) -> float:
    """Mean power over the 20 ms frames that hold speech (within 30 dB of the loudest)."""
    n = len(x) // 320
    if n == 0:
        return float(np.mean(x**2) + 1e-9)
    p = np.mean(x[: n * 320].reshape(n, 320) ** 2, axis=1)
    return float(np.mean(p[p > p.max() / 1000]))


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))
    spectrum[0] = 0
    return np.fft.irfft(spectrum, n)


def band(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    spectrum[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spectrum, len(x))


def music(n: int, rng: np.random.Generator) -> np.ndarray:
    """Something like a TV's music bed: chords of harmonic notes with a beat."""
    out = np.zeros(n)
    t = 0
    while t < n:
        dur = int(rng.uniform(0.15, 0.6) * RATE)
        seg = np.arange(min(dur, n - t)) / RATE
        env = np.exp(-seg * rng.uniform(2, 8))
        for semis in rng.choice([0, 3, 4, 7, 10, 12], size=3, replace=False):
            f0 = 110 * 2 ** ((rng.integers(0, 24) + semis) / 12)
            for h in range(1, 5):
                out[t : t + len(seg)] += env * np.sin(2 * np.pi * f0 * h * seg) / h
        t += dur
    return out


class NoiseBank:
    """Ten minutes of each noise kind for one split, handed out in random slices."""

    def __init__(self, speech: list[np.ndarray], rng: np.random.Generator, seconds=600) -> None:
        n = seconds * RATE
        self.rng = rng
        stream = np.concatenate([s / np.sqrt(speech_power(s)) for s in speech])

        def talker() -> np.ndarray:
            out = np.zeros(n)
            pos = 0
            while pos < n:
                start = int(rng.integers(0, max(1, len(stream) - RATE)))
                piece = stream[start : start + int(rng.uniform(3, 12) * RATE)]
                out[pos : pos + len(piece)] = piece[: n - pos]
                pos += len(piece)
            return out

        babble = sum(talker() for _ in range(5))
        tv = band(talker() + 0.5 * music(n, rng) / np.std(music(RATE * 5, rng)), 180, 5000)
        tv = np.tanh(tv / (3 * np.std(tv))) * 3  # a small loudspeaker, compressed
        self.noise = {
            "white": rng.normal(size=n),
            "pink": pink(n, rng),
            "babble": babble,
            "tv": tv,
        }
        for k, v in self.noise.items():
            self.noise[k] = v / np.sqrt(np.mean(v**2))

    def take(self, kind: str, n: int) -> np.ndarray:
        src = self.noise[kind]
        start = int(self.rng.integers(0, len(src) - n))
        return src[start : start + n]


NEG_PAD_S = 0.3  # silence before and after each piece of ordinary speech


def mix_negative(
    out: Path,
    split: str,
    voice: str,
    text: str,
    name: str,
    speech: np.ndarray,
    bank: NoiseBank,
    kind: str,
    snr: float | None,
) -> dict:
    """Write one piece of ordinary speech (padded with silence) clean or with *kind* noise at
    *snr* dB against the speech's own power; return its manifest entry."""
    pad = np.zeros(int(NEG_PAD_S * RATE))
    signal = np.concatenate([pad, speech, pad])
    mixed = signal
    if snr is not None:
        power = speech_power(speech)
        mixed = signal + bank.take(kind, len(signal)) * np.sqrt(power / 10 ** (snr / 10))
    snr_name = "clean" if snr is None else f"{snr:.0f}db"
    rel = Path(split) / "negatives" / f"{kind}_{snr_name}" / name
    write_wav(out / rel, mixed)
    return {
        "kind": "negative",
        "split": split,
        "voice": voice,
        "noise": kind,
        "snr": snr_name,
        "text": text,
        "path": str(rel),
        "seconds": round(len(signal) / RATE, 2),
    }


def add_negatives(out: Path, snr: float) -> int:
    """Add the test split's ordinary speech at *snr* dB in each noise kind to an existing set,
    appending to its manifest without changing any entry (nothing is synthesised again).

    The clean test negatives, without their padding, are the speech the set was made from;
    the test split's noise bank is rebuilt from them in the same order with the same seed, so
    the noise material is the same as the 20 dB files'. Its slices are drawn with a seed of
    their own (the original draw order, after every command file, is not replayed)."""
    manifest = json.loads((out / "manifest.json").read_text())
    snr_name = f"{snr:.0f}db"
    if any(
        e["kind"] == "negative" and e["split"] == "test" and e["snr"] == snr_name for e in manifest
    ):
        print(f"{out} already holds test negatives at {snr_name}; nothing added", file=sys.stderr)
        return 1
    clean = [
        e
        for e in manifest
        if e["kind"] == "negative" and e["split"] == "test" and e["noise"] == "none"
    ]
    pad = int(NEG_PAD_S * RATE)
    speech = [read_wav(out / e["path"])[pad:-pad] for e in clean]
    bank = NoiseBank(speech, np.random.default_rng(202))  # the test split's seed, as in main()
    bank.rng = np.random.default_rng(2020 + round(snr))  # new slices, apart from the others'
    added = [
        mix_negative(out, "test", e["voice"], e["text"], Path(e["path"]).name, x, bank, kind, snr)
        for e, x in zip(clean, speech, strict=True)
        for kind in NOISES
    ]
    (out / "manifest.json").write_text(json.dumps(manifest + added, indent=0) + "\n")
    minutes = sum(e["seconds"] for e in added) / 60
    print(f"{out}/test: added {len(added)} ordinary-speech files at {snr_name} ({minutes:.0f} min)")
    return 0


def sentences_of(text: str) -> list[str]:
    text = re.sub(r"[^A-Za-z0-9.,;:!?'\- \n]", " ", text)
    out = []
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if len(para.split()) >= 4:
            out.extend(s for s in re.split(r"(?<=[.!?;])\s+", para) if len(s.split()) >= 3)
    return out


def chunks(sentences: list[str], words: int) -> list[str]:
    out, cur = [], []
    for s in sentences:
        cur.append(s)
        if sum(len(c.split()) for c in cur) >= words:
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


def _line(item: object) -> str | None:
    """A spoken line of the catalogue: a string, or (catalogue v2) a dict with its "text"."""
    if isinstance(item, dict):
        item = item.get("text")
    return item if isinstance(item, str) else None


def app_script() -> list[str]:
    data = json.loads(EXERCISES.read_text())
    lines = list(APP_CUES)
    for ex in data["exercises"]:
        lines.append(ex["name"] + ".")
        lines.extend(t for t in map(_line, ex.get("setup", [])) if t)
        lines.extend(t for t in map(_line, ex.get("steps", {}).values()) if t)
    return lines


def negative_texts(split: str, minutes: float) -> list[str]:
    """About *minutes* of ordinary speech (150 words a minute) for *split*, in ~40 word pieces."""
    if split == "tune":
        sents = []
        for path in sorted(SEEDS.glob("*.txt")):
            sents += sentences_of(path.read_text(errors="ignore"))
        sents += app_script()
    else:
        sents = list(TEST_SENTENCES)
        for name in ("GPL-3", "Apache-2.0", "MPL-2.0", "LGPL-2.1", "Artistic", "GFDL-1.3"):
            if (LICENCES / name).exists():
                sents += sentences_of((LICENCES / name).read_text(errors="ignore"))
        # the close-to-command sentences come back now and then, as in a conversation
        mixed = []
        for i, s in enumerate(sents):
            mixed.append(s)
            if i % 7 == 6:
                mixed.append(TEST_SENTENCES[(i // 7) % len(TEST_SENTENCES)])
        sents = mixed
    pieces = chunks(sents, 40)
    budget = minutes * 150
    out, n = [], 0
    for p in pieces:
        if n >= budget:
            break
        out.append(p)
        n += len(p.split())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default="/tmp/vc-eval", type=Path)
    ap.add_argument("--per-phrase", type=int, default=3, help="utterances per phrase and voice")
    ap.add_argument("--neg-minutes", type=float, default=60, help="test speech, all voices")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--voices", default=",".join(VOICES))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--leading-word", default=DEFAULT_LEADING_WORD)
    ap.add_argument(
        "--exercises",
        type=Path,
        help="the catalogue whose script is the tune split's ordinary speech (default: the "
        "repository's). Its number of ~40-word pieces shifts every later random draw, so the "
        "test split is file for file the same only with a catalogue giving as many pieces",
    )
    ap.add_argument(
        "--add-negatives-snr",
        type=float,
        metavar="DB",
        help="only add the test split's ordinary speech with each noise kind at DB dB to the "
        "existing set in OUT (its manifest.json entries are kept as they are)",
    )
    args = ap.parse_args(argv)
    if args.add_negatives_snr is not None:
        if not (args.out / "manifest.json").exists():
            print(f"{args.out} holds no manifest.json to add to", file=sys.stderr)
            return 1
        return add_negatives(args.out, args.add_negatives_snr)
    global EXERCISES
    if args.exercises is not None:
        EXERCISES = args.exercises
    for tool in ("text2wave", "flite", "espeak-ng", "sox"):
        if not shutil.which(tool):
            print(f"{tool} not found; see this script's docstring", file=sys.stderr)
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
    voices = args.voices.split(",")
    variants = args.variants.split(",")
    lead = args.leading_word
    phrases = sorted({p for ps in phrase_table(lead).values() for p in ps})
    rng = np.random.default_rng(19)

    # 1. synthesis: (text, voice, k, speed, cents, path)
    jobs: list[tuple] = []
    cmd_meta = []
    for split in ("tune", "test"):
        for voice in voices:
            for phrase in phrases:
                for i in range(args.per_phrase):
                    k = i + (split == "test")
                    speed, cents = float(rng.uniform(0.9, 1.12)), int(rng.integers(-60, 61))
                    slug = f"{split}_{voice}_{phrase.replace(' ', '_')}_{i}"
                    whole = tmp / "cmd" / f"{slug}.wav"
                    jobs.append((phrase, voice, k, speed, cents, whole))
                    parts = []
                    if phrase.startswith(lead + " "):
                        for j, word in enumerate(phrase.split(" ", 1)):
                            parts.append(tmp / "cmd" / f"{slug}_part{j}.wav")
                            jobs.append((word, voice, k, speed, cents, parts[-1]))
                    cmd_meta.append((split, voice, phrase, i, whole, parts))
    neg_meta = []
    for split in ("tune", "test"):
        minutes = args.neg_minutes if split == "test" else args.neg_minutes / 2
        texts = negative_texts(split, minutes)
        for j, text in enumerate(texts):
            voice = voices[j % len(voices)]
            path = tmp / "neg" / f"{split}_{voice}_{j:03d}.wav"
            jobs.append((text, voice, j, float(rng.uniform(0.9, 1.1)), 0, path))
            neg_meta.append((split, voice, text, path))
    print(f"synthesising {len(jobs)} utterances ...", flush=True)
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(lambda j: synth(*j), jobs))

    # 2. noise, per split, from that split's own ordinary speech
    banks = {
        split: NoiseBank(
            [read_wav(p) for s, _v, _t, p in neg_meta if s == split], np.random.default_rng(seed)
        )
        for split, seed in (("tune", 101), ("test", 202))
    }

    # 3. command files
    manifest = []
    for split, voice, phrase, i, whole, parts in cmd_meta:
        bank = banks[split]
        base = read_wav(whole)
        for variant in variants:
            if variant == "pause" and not parts:
                continue  # "it hurts" has no leading word to pause after
            tag = f"{whole.stem}_{variant}"
            gain = 1.0
            if variant == "slow":
                x = sox_effect(base, ["tempo", "-s", "0.8"], tmp, tag)
            elif variant == "deep":
                x = sox_effect(base, ["pitch", "-200"], tmp, tag)
            elif variant == "pause":
                gap = np.zeros(int(rng.uniform(0.35, 0.8) * RATE))
                x = np.concatenate([read_wav(parts[0]), gap, read_wav(parts[1])])
            elif variant == "reverb":
                x = sox_effect(base, ["reverb", "40", "50", "60"], tmp, tag)
            elif variant == "far":
                x = sox_effect(base, ["reverb", "80", "50", "100", "100", "20"], tmp, tag)
                gain = 10 ** (-6 / 20)
            else:
                x = base
            power = speech_power(x)  # at 1 m: the far speaker's gain comes after
            lead_s = float(rng.uniform(0.6, 1.2))
            signal = np.concatenate([np.zeros(int(lead_s * RATE)), x, np.zeros(int(1.2 * RATE))])
            speech_end = lead_s + len(base if variant in ("reverb", "far") else x) / RATE
            conds = []
            for snr in SPLIT_SNRS[split]:
                if snr is None:
                    conds.append(("none", None))
                elif variant == "plain":
                    conds += [(kind, snr) for kind in NOISES]
                else:
                    conds.append((NOISES[(i + len(conds) + voices.index(voice)) % 4], snr))
            for kind, snr in conds:
                mixed = gain * signal
                if snr is not None:
                    noise = bank.take(kind, len(signal))
                    mixed = mixed + noise * np.sqrt(power / 10 ** (snr / 10))
                snr_name = "clean" if snr is None else f"{snr:.0f}db"
                rel = Path(split) / "commands" / variant / f"{kind}_{snr_name}" / f"{tag}.wav"
                write_wav(out / rel, mixed)
                manifest.append(
                    {
                        "kind": "command",
                        "split": split,
                        "phrase": phrase,
                        "voice": voice,
                        "variant": variant,
                        "noise": kind,
                        "snr": snr_name,
                        "path": str(rel),
                        "speech_start_s": round(lead_s, 3),
                        "speech_end_s": round(speech_end, 3),
                    }
                )

    # 4. ordinary speech, clean and in each noise kind
    for split, voice, text, path in neg_meta:
        speech = read_wav(path)
        for kind in ("none", *NOISES):
            snr = None if kind == "none" else NEG_SNR[split]
            manifest.append(
                mix_negative(out, split, voice, text, path.name, speech, banks[split], kind, snr)
            )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=0) + "\n")
    shutil.rmtree(tmp)
    for split in ("tune", "test"):
        n_cmd = sum(1 for m in manifest if m["kind"] == "command" and m["split"] == split)
        neg = sum(m["seconds"] for m in manifest if m["kind"] == "negative" and m["split"] == split)
        print(f"{out}/{split}: {n_cmd} command files, {neg / 60:.0f} min of ordinary speech")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
