"""Synthesise the keyword spotter's TRAINING speech (issue 19; no recordings of people).

    nice -n 10 python3 bench/voice_commands/make_train_data.py /tmp/kws-train   # ~5 min

Training voices only: eSpeak NG (many accents and voice variants), Festival ``kal`` and
``slt``, flite ``kal``, ``kal16`` and ``slt``. The held-out voices of the evaluation (Festival
``ked``, flite ``awb`` and ``rms``) are never used, and neither are make_eval_data.py's texts or
noise: the ordinary speech here comes from sentences written for this script and from Python's
own documentation strings. Each voice configuration gets its own speed and pitch.

Writes ``clips.npz`` (int16 clips, clean, trimmed, -3 dBFS, 16 kHz) and ``clips.json``: for
each clip its kind (``phrase``, ``word``, ``sentence``, ``embedded``: a command inside a
sentence), text and voice configuration. Noise,
reverberation, pauses after the leading word and the rest are added while training
(train_kws.py), so that no two examples sound the same.
"""

from __future__ import annotations

import argparse
import json
import pydoc
import random
import re
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

RATE = 16000
LEAD = "player"
LEAD_WORDS = ("back", "continue", "next", "no", "pause", "repeat", "stop", "yes")
PHRASES = (*(f"{LEAD} {w}" for w in LEAD_WORDS), "it hurts")
# Said alone they must not count: the leading word, the command words, half of "it hurts".
SINGLE_WORDS = (LEAD, *LEAD_WORDS, "hurts", "it")

ESPEAK_LANGS = (
    "en",
    "en-us",
    "en-gb-x-rp",
    "en-gb-scotland",
    "en-029",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-us-nyc",
)
ESPEAK_VARIANTS = (
    *(f"m{i}" for i in range(1, 8)),
    *(f"f{i}" for i in range(1, 6)),
    "klatt",
    "klatt2",
    "klatt3",
    "klatt4",
    "grandpa",
    "grandma",
    "Andy",
    "Annie",
    "edward",
    "Gene",
    "Lee",
    "Michael",
    "Mr",
    "paul",
    "rob",
    "steph",
    "john",
    "norbert",
    "victor",
)
HELD_OUT = ("ked", "awb", "rms")  # evaluation voices: never synthesised here

# Ordinary speech written for training, many of them close to the commands (none of them a
# command said on its own). Kept apart from make_eval_data.py's test sentences.
SENTENCES = [
    "The player who scored twice was named man of the match.",
    "When it hurts like that, I take a break and sit down.",
    "Can you stop by the shop and get some bread on your way home?",
    "She came back from holiday with a lovely tan.",
    "Next time we should book the table a bit earlier.",
    "I paused the film because the phone was ringing.",
    "Please continue with the form on the next page.",
    "Yes, that sounds like a good plan to me.",
    "No, I have never been to that part of Scotland.",
    "Could you repeat the last number? I did not catch it.",
    "The new player from Brazil looks very quick on the ball.",
    "My knee hurts a little when the weather turns cold.",
    "The bus stop is just round the corner from the library.",
    "He put the book back on the top shelf.",
    "The next station is Waterloo, change here for the Underground.",
    "After a short pause, the speaker went on with her talk.",
    "The rain continued for most of the afternoon.",
    "I think the answer is yes, but let me check first.",
    "There is no milk left in the fridge.",
    "They repeat the same programme every Sunday evening.",
    "Chelsea beat Arsenal two one, and the player of the season was their keeper.",
    "It hurts my feet to walk on the pebbles at the beach.",
    "Stop worrying, everything will be fine.",
    "Back then, nobody had a mobile phone.",
    "The next few days will be dry and bright.",
    "Press play to start the recording, and pause to hold it.",
    "We will continue this conversation tomorrow morning.",
    "Yes or no, you have to decide today.",
    "No one told me the meeting had been moved.",
    "Repeat the exercise ten times with each leg.",
    "The tennis player served an ace to win the set.",
    "It hurts less if you keep moving gently.",
    "The train did not stop at our village.",
    "Lean back against the cushion and relax your shoulders.",
    "What is next on the shopping list?",
    "There was a long pause before anyone answered.",
    "The road continues over the hill to the next town.",
    "Did she say yes to the invitation?",
    "No thank you, I have already eaten.",
    "The radio will repeat the news at the top of the hour.",
    "My grandson wants to be a football player when he grows up.",
    "It hurts when I laugh, said the old man with a smile.",
    "They stopped the game for ten minutes because of fog.",
    "Bring the chairs back inside before it rains.",
    "I will see you next Thursday at the surgery.",
    "Pause the music while I make the tea, would you?",
    "The story continues in the next chapter.",
    "Yes, the doctor said I can drive again.",
    "No, the shop closes at five on Saturdays.",
    "Please repeat that slowly, the line is bad.",
    "The score was three all at half time.",
    "On the seventh of October we went to the coast.",
    "The cricket player was out for forty two runs.",
    "Her back was aching after the long drive.",
    "The next episode starts at nine o'clock.",
    "The kettle has stopped boiling, the tea is ready.",
    "A player can only touch the ball with the feet.",
    "Does it hurt when you bend forward like this?",
    "Go on, keep walking, you are doing well.",
    "The weather forecast says it will rain later today.",
    "I put the DVD player in the spare room.",
    "If it hurts too much, we can try something easier.",
    "Stop at the lights and then turn right.",
    "The cat came back after two days away.",
    "Next door's dog barks every morning at seven.",
    "Everything paused when the power went out.",
    "The path continues along the river for a mile.",
    "Yes, I remember the old cinema on the high street.",
    "No, it was the twenty third, not the twenty second.",
    "The teacher asked the class to repeat the poem.",
]

TOPICS = (
    "the garden",
    "the football",
    "the weather",
    "my sister",
    "the kitchen",
    "the doctor",
    "the television",
    "the car",
    "the news",
    "the neighbours",
)
VERBS = ("talked about", "looked at", "forgot", "liked", "fixed", "watched", "asked about")
TEMPLATE_WORDS = (
    "player",
    "next",
    "back",
    "stop",
    "pause",
    "yes",
    "no",
    "continue",
    "repeat",
    "hurts",
)


# A command said inside a sentence must not count: these are read by every voice configuration,
# the phrase run into the words around it ("you can say player continue when you are ready").
EMBED_BEFORE = (
    "you can say",
    "he told me",
    "then the",
    "she asked if",
    "so I said",
    "remember to say",
    "the sign said",
    "and",
)
EMBED_AFTER = (
    "when you are ready",
    "and sit down",
    "to the others",
    "every time",
    "before lunch",
    "if you like",
    "on the radio",
    "again and again",
)


def embedded_sentences(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        phrase = rng.choice(PHRASES)
        form = rng.randrange(3)
        before, after = rng.choice(EMBED_BEFORE), rng.choice(EMBED_AFTER)
        if form == 0:
            out.append(f"{before} {phrase} {after}.")
        elif form == 1:
            out.append(f"{before} {phrase}.")
        else:
            out.append(f"{phrase} {after}.")
    return out


def template_sentences(rng: random.Random, n: int) -> list[str]:
    """Everyday sentences built from a few parts, each with a command word in it."""
    out = []
    for _ in range(n):
        w = rng.choice(TEMPLATE_WORDS)
        who = rng.choice(("We", "They", "My husband", "Our neighbour", "The nurse", "I"))
        topic, verb = rng.choice(TOPICS), rng.choice(VERBS)
        num = rng.choice(("two", "five", "eleven", "twenty", "half past three", "nine"))
        forms = (
            f"{who} {verb} {topic}, and then the word {w} came up again.",
            f"{who} {verb} {topic} at {num}, {w} was all anyone said.",
            f"The {w} button on {topic} remote has stopped working.",
            f"{who} said {w} twice and {verb} {topic}.",
            f"At {num} {who.lower()} {verb} {topic} and the player scored.",
        )
        out.append(rng.choice(forms))
    return out


MODULES = (
    *("collections", "random", "json", "pathlib", "textwrap", "calendar", "string"),
    *("argparse", "logging", "datetime", "unittest", "itertools", "functools", "os"),
    *("email", "http.client", "decimal", "fractions", "statistics", "shutil", "sqlite3"),
    *("threading", "subprocess", "tarfile", "zipfile", "csv", "configparser", "socket"),
)


def docstring_sentences(limit: int) -> list[str]:
    """Plain English prose from the documentation strings of Python's standard library."""
    out = []
    for name in MODULES:
        text = pydoc.render_doc(name, renderer=pydoc.plaintext)
        for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            if 6 <= len(s.split()) <= 25 and re.fullmatch(r"[A-Za-z ,.'\-]+", s):
                out.append(s)
    return out[:limit]


def sh(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def voice_configs(rng: random.Random, n_espeak: int, n_other: int) -> list[dict]:
    configs = []
    for i in range(n_espeak):
        configs.append(
            {
                "engine": "espeak",
                "voice": f"{ESPEAK_LANGS[i % len(ESPEAK_LANGS)]}+{rng.choice(ESPEAK_VARIANTS)}",
                "speed": rng.uniform(0.65, 1.2),
                "pitch": rng.randint(10, 85),
                "cents": rng.choice((0, 0, rng.randint(-350, 150))),
            }
        )
    for engine, voice in (
        ("festival", "kal"),
        ("festival", "slt"),
        ("flite", "kal"),
        ("flite", "kal16"),
        ("flite", "slt"),
    ):
        assert voice not in HELD_OUT
        for _ in range(n_other):
            configs.append(
                {
                    "engine": engine,
                    "voice": voice,
                    "speed": rng.uniform(0.7, 1.15),
                    "pitch": 50,
                    "cents": rng.randint(-400, 200),
                }
            )
    return configs


def synth(text: str, cfg: dict, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        speed = cfg["speed"]
        if cfg["engine"] == "espeak":
            sh(
                [
                    *("espeak-ng", "-v", cfg["voice"], "-s", str(round(165 * speed))),
                    *("-p", str(cfg["pitch"]), "-w", str(raw), text),
                ]
            )
        elif cfg["engine"] == "flite":
            stretch = f"duration_stretch={1 / speed:.3f}"
            sh(["flite", "-voice", cfg["voice"], "--setf", stretch, "-t", text, "-o", str(raw)])
        else:
            voice = {"kal": "(voice_kal_diphone)", "slt": "(voice_cmu_us_slt_arctic_hts)"}
            txt = Path(tmp) / "in.txt"
            txt.write_text(text + "\n")
            stretch = f"(Parameter.set 'Duration_Stretch {1 / speed:.3f})"
            sh(
                [
                    "text2wave",
                    "-eval",
                    voice[cfg["voice"]],
                    "-eval",
                    stretch,
                    str(txt),
                    "-o",
                    str(raw),
                ]
            )
        effects = ["pitch", str(cfg["cents"])] if cfg["cents"] else []
        sh(
            [
                *("sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)),
                *effects,
                *("silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%"),
                *("reverse", "norm", "-3"),
            ]
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default="/tmp/kws-train", type=Path)
    ap.add_argument("--espeak-configs", type=int, default=140)
    ap.add_argument("--other-configs", type=int, default=12, help="per Festival/flite voice")
    ap.add_argument("--sentences", type=int, default=1000)
    ap.add_argument("--embedded", type=int, default=3, help="per voice configuration")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    rng = random.Random(1919)
    configs = voice_configs(rng, args.espeak_configs, args.other_configs)
    sentences = list(SENTENCES) + template_sentences(rng, 150)
    sentences += docstring_sentences(max(0, args.sentences - len(sentences)))
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kws-train-"))
    jobs: list[tuple[str, dict, Path, dict]] = []
    for ci, cfg in enumerate(configs):
        for text in PHRASES:
            jobs.append((text, cfg, tmp / f"{len(jobs)}.wav", {"kind": "phrase", "config": ci}))
        for text in SINGLE_WORDS:
            jobs.append((text, cfg, tmp / f"{len(jobs)}.wav", {"kind": "word", "config": ci}))
        for text in embedded_sentences(rng, args.embedded):
            jobs.append((text, cfg, tmp / f"{len(jobs)}.wav", {"kind": "embedded", "config": ci}))
    # Each sentence once, in a voice chosen in turn (Festival is slow for long text: fewer).
    for text in sentences:
        ci = rng.randrange(len(configs))
        jobs.append(
            (text, configs[ci], tmp / f"{len(jobs)}.wav", {"kind": "sentence", "config": ci})
        )
    print(f"{len(configs)} voice configurations, {len(jobs)} clips ...", flush=True)

    def run(job):
        text, cfg, path, _meta = job
        try:
            synth(text, cfg, path)
            return True
        except subprocess.CalledProcessError:
            return False

    with ThreadPoolExecutor(args.jobs) as pool:
        ok = list(pool.map(run, jobs))
    clips, meta = [], []
    for good, (text, _cfg, path, info) in zip(ok, jobs, strict=True):
        if not good:
            continue
        x = read_wav(path)
        if len(x) < RATE // 10:
            continue
        clips.append(x)
        meta.append({**info, "text": text})
    offsets = np.cumsum([0] + [len(c) for c in clips])
    np.savez(args.out / "clips.npz", audio=np.concatenate(clips), offsets=offsets)
    (args.out / "clips.json").write_text(
        json.dumps({"configs": configs, "clips": meta}, indent=0) + "\n"
    )
    for kind in ("phrase", "word", "sentence", "embedded"):
        sel = [len(c) for c, m in zip(clips, meta, strict=True) if m["kind"] == kind]
        print(f"{kind}: {len(sel)} clips, {sum(sel) / RATE / 60:.1f} min")
    subprocess.run(["rm", "-rf", str(tmp)], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
