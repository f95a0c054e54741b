"""EXPERIMENT (issue 19), not used by the app: bursts decoded against commands-or-phones.

Measured with evaluate_heldout.py --experiment burst-grammar and found worse than the shipped
keyphrase recognizer on held-out voices (far more false commands; see the README's figures),
so it stays here, with its tuner (tune_acceptance.py), for the next attempt. Its interface is
the shipped recognizer's.

Feed 16 kHz mono signed 16-bit PCM with :meth:`CommandRecognizer.feed`; it returns the commands
heard in that audio. Audio is only held in memory for a few seconds and never stored.

How it works (issue 19; chosen on held-out voices, see ``bench/voice_commands``):

1. **Bursts.** A voice-activity detector finds each burst of speech: frames louder than the
   noise floor it tracks, ended by a pause (``tail_gap_s``). A command is said on its own, so
   only a burst short enough to be one (``max_burst_s``) is looked at; speech in a sentence
   runs on and is never decoded.
2. **A small grammar with a garbage path.** The burst is decoded as one utterance (its own
   cepstral mean, which copes with noise) against a grammar of the command phrases *or* any
   sequence of phones. Whatever is not a command is better explained by the phones, so the
   burst must be a command from start to end: "if it hurts" or "the player" is not
   "it hurts" or "player ...". How much weight the phone path gets is the one tuned number
   (``garbage_weight``), the same for every phrase; at a low signal-to-noise ratio, measured
   on the burst against the noise floor, it gets ``garbage_weight_noisy`` instead.
3. **A pause after the leading word.** A burst that is the leading word alone is held for
   ``lead_wait_s``; a burst that starts within that time is decoded together with it.
4. **App state.** Yes/no are only accepted while a question is open; while the app speaks,
   only "player pause", "player stop" and "it hurts" are, and not if the app itself is saying
   those words. Over the app's own voice the clip being played is given with
   :meth:`play_reference`, and an echo canceller (``echo.py``) takes it out of the microphone
   signal before anything else sees it; leftover echo does not count as speech.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections import deque
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from stenosis_player.voice_commands.commands import (
    ALLOWED_WHILE_SPEAKING,
    DEFAULT_LEADING_WORD,
    QUESTION_ONLY,
    Command,
    phrase_table,
)

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
VAD_FRAME_S = 0.03
VAD_FRAME = int(SAMPLE_RATE * VAD_FRAME_S)
THRESHOLDS_RESOURCE = "voice_command_thresholds.json"
AUDIO_KEPT_S = 8.0
# The phones of pocketsphinx's US English model: the garbage path is any sequence of them.
PHONES = [
    "AA",
    "AE",
    "AH",
    "AO",
    "AW",
    "AY",
    "B",
    "CH",
    "D",
    "DH",
    "EH",
    "ER",
    "EY",
    "F",
    "G",
    "HH",
    "IH",
    "IY",
    "JH",
    "K",
    "L",
    "M",
    "N",
    "NG",
    "OW",
    "OY",
    "P",
    "R",
    "S",
    "SH",
    "T",
    "TH",
    "UH",
    "UW",
    "V",
    "W",
    "Y",
    "Z",
    "ZH",
]


class RecognizerError(RuntimeError):
    """pocketsphinx is missing or could not be set up."""


@dataclass(frozen=True)
class Heard:
    command: Command
    phrase: str
    confidence: float  # 0..1: how far the burst was from being taken as other speech
    time: float  # seconds since the stream started, at the end of the phrase
    start: float = 0.0  # seconds since the stream started, at the start of the phrase
    score: float = 0.0  # log10 of the highest garbage weight the phrase still won against
    snr_db: float = 0.0  # the burst's level above the noise floor


@dataclass(frozen=True)
class Rejected:
    phrase: str
    reason: str
    time: float


@dataclass
class Settings:
    """Tuned values; see the thresholds file for the current ones."""

    # Weight of the garbage (any phones) path against the commands: higher is stricter. The
    # one tuned number, the same for every phrase.
    garbage_weight: float = 1.0
    garbage_weight_noisy: float = 1.0  # for a noisy burst: ...
    noisy_below_db: float = 18.0  # ... one this little above the noise floor
    # Evaluation only: decode each burst at these weights and report the highest one the
    # phrase still wins at (Heard.score = its log10), accepting every command found.
    probe_weights: tuple[float, ...] = (1e-20, 1e-10, 1e-5, 1e-2, 1.0, 1e2, 1e5)
    accept_all: bool = False
    tail_gap_s: float = 0.24  # a pause this long ends a burst
    min_burst_s: float = 0.2
    max_burst_s: float = 2.2
    lead_wait_s: float = 1.2  # after a short burst that was no command, wait this long ...
    lead_max_s: float = 0.9  # (one this short: perhaps the leading word) for the rest
    pad_before_s: float = 0.15  # decode this much of the pause before the burst ...
    pad_after_s: float = 0.15  # ... and after it
    speaking_hangover_s: float = 0.4
    vad_margin_db: float = 6.0  # a frame is speech this far above the noise floor ...
    vad_min_db: float = 30.0  # ... and above this absolute level (16-bit: 90 dB = full scale)
    vad_start_extra_db: float = 3.0  # to start a burst, a frame must be this much louder still
    # Over the app's voice, leftover echo is assumed this far below the echo canceller's
    # estimate of the echo; a frame is only speech this far + vad_margin_db above that.
    echo_residual_db: float = 12.0
    extra: dict = field(default_factory=dict)  # unknown keys of an older file, kept

    @classmethod
    def load(cls, path: str | Path | None = None) -> Settings:
        if path is None:
            try:
                text = (
                    resources.files("stenosis_player.data")
                    .joinpath(THRESHOLDS_RESOURCE)
                    .read_text(encoding="utf-8")
                )
            except (FileNotFoundError, ModuleNotFoundError):
                return cls()
            return cls()  # (the shipped file holds the keyphrase recognizer's thresholds)
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__} - {"extra"}
        kw = {k: v for k, v in data.items() if k in known}
        if "probe_weights" in kw:
            kw["probe_weights"] = tuple(kw["probe_weights"])
        return cls(**kw, extra={k: v for k, v in data.items() if k not in known})

    def weight_for(self, snr_db: float) -> float:
        """The garbage weight for a burst this far above the noise floor."""
        return self.garbage_weight_noisy if snr_db < self.noisy_below_db else self.garbage_weight

    def accepts(self, score: float, snr_db: float) -> bool:
        """Would a phrase that still won at garbage weight 10**score be accepted?"""
        return score >= math.log10(self.weight_for(snr_db)) - 1e-9

    def describe(self) -> str:
        return (
            f"garbage weight {self.garbage_weight:.0e}, {self.garbage_weight_noisy:.0e} for "
            f"bursts less than {self.noisy_below_db:.0f} dB above the noise"
        )


def _import_pocketsphinx():
    try:
        import pocketsphinx
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RecognizerError(
            "Voice commands need the pocketsphinx package: pip install pocketsphinx"
        ) from exc
    return pocketsphinx


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


class _EnergyVad:
    """Speech/pause decision per frame from its level above a tracked noise floor (the
    quietest frames of the last few seconds). Unlike WebRTC's detector it keeps working in
    steady background noise such as a fan."""

    def __init__(self, margin_db: float, min_db: float, history_s: float = 4.0) -> None:
        self.margin_db = margin_db
        self.min_db = min_db
        self._levels: deque[float] = deque(maxlen=int(history_s / VAD_FRAME_S))
        self.floor_db = 0.0

    def frame_levels(self, samples: np.ndarray) -> np.ndarray:
        """dB level of each whole frame in *samples* (int16 values as float)."""
        n = len(samples) // VAD_FRAME
        frames = samples[: n * VAD_FRAME].reshape(n, VAD_FRAME)
        return 10 * np.log10(np.mean(frames**2, axis=1) + 1.0)

    def is_speech(
        self, level: float, echo_floor_db: float = -math.inf, extra_db: float = 0.0
    ) -> bool:
        """*echo_floor_db*: the level of the app's voice left over after echo cancelling;
        *extra_db*: a higher bar (to start a burst, so that noise blips do not)."""
        self._levels.append(level)
        ordered = sorted(self._levels)
        self.floor_db = ordered[len(ordered) // 10]
        floor = max(self.floor_db, echo_floor_db)
        return level > self.min_db and level > floor + self.margin_db + extra_db


class _BurstDecoder:
    """Decodes a burst of speech as one utterance against the commands-or-phones grammar.
    The garbage path is a loop of phones, each paying the word insertion penalty
    (``PHONE_PENALTY``: measured, higher let noise through as phones and made decoding far
    slower, lower lost commands); *weight* then tips the balance between the two paths."""

    PHONE_PENALTY = 1e-4

    def __init__(self, ps, phrases: list[str], dict_path: str) -> None:
        self._phrases = phrases
        try:
            self.decoder = ps.Decoder(
                hmm=str(Path(ps.get_model_path()) / "en-us" / "en-us"),
                dict=dict_path,
                lm=None,
                cmn="batch",
                wip=self.PHONE_PENALTY,
                loglevel="FATAL",
            )
        except Exception as exc:  # pocketsphinx raises RuntimeError without detail
            raise RecognizerError(f"pocketsphinx could not start: {exc}") from exc
        self._searches: dict[float, str] = {}

    def _search(self, weight: float) -> str:
        name = self._searches.get(weight)
        if name is None:
            name = f"g{len(self._searches)}"
            cmds = " | ".join(f"( {p} )" for p in self._phrases)
            phones = " | ".join(f"ph_{p.lower()}" for p in PHONES)
            self.decoder.add_jsgf_string(
                name,
                "#JSGF V1.0;\ngrammar cmds;\n"
                f"<cmd> = {cmds};\n<garbage> = ( {phones} )+;\n"
                f"public <utt> = /1/ <cmd> | /{weight:.6g}/ <garbage>;\n",
            )
            self._searches[weight] = name
        return name

    def decode(self, audio: bytes, weight: float) -> str | None:
        """The phrase the burst is, when the garbage path has this *weight* (higher: the
        burst must sound more like a command); None if it is not a phrase."""
        try:
            self.decoder.activate_search(self._search(weight))
            self.decoder.start_utt()
            self.decoder.process_raw(audio, False, True)
            self.decoder.end_utt()
            hyp = self.decoder.hyp()
        except Exception:  # a failed decode must never stop listening
            return None
        text = " ".join(hyp.hypstr.split()) if hyp is not None else ""
        return text if text in self._phrases else None


class CommandRecognizer:
    """Recognizes voice commands in a stream of 16 kHz mono int16 PCM. Not thread-safe: feed
    it from one thread; :meth:`set_app_speaking` and :meth:`set_question_open` may be called
    from another (they only set flags that :meth:`feed` reads)."""

    def __init__(
        self,
        leading_word: str = DEFAULT_LEADING_WORD,
        settings: Settings | None = None,
        commands: set[Command] | frozenset[Command] | None = None,
        cancel_echo: bool = True,
    ) -> None:
        ps = _import_pocketsphinx()
        #: Why the app's voice is not cancelled, or "" if it is.
        self.echo_unavailable = "" if cancel_echo else "turned off"
        self._canceller = None
        if cancel_echo:
            from stenosis_player.voice_commands.echo import EchoCanceller

            self._canceller = EchoCanceller()
        self._clock: tuple[int, float] | None = None  # (stream sample, monotonic time)
        self.settings = settings or Settings.load()
        self.leading_word = leading_word
        table = phrase_table(leading_word)
        enabled = set(commands) if commands is not None else set(Command)
        self._phrase_cmd: dict[str, Command] = {
            p: cmd for cmd, phrases in table.items() if cmd in enabled for p in phrases
        }
        self._lead = leading_word.strip().lower()
        grammar = list(self._phrase_cmd)
        self._dict_path = self._write_dict(ps, grammar)
        self._decoder = _BurstDecoder(ps, grammar, self._dict_path)
        s = self.settings
        self._vad = _EnergyVad(s.vad_margin_db, s.vad_min_db)
        self._vad_buf = np.zeros(0)
        self._pos = 0  # samples fed so far
        self._audio = bytearray()  # the last few seconds, in memory only
        self._audio_start = 0  # sample index of self._audio[0]
        self._app_speaking = False
        self._app_text: list[str] = []
        self._app_speaking_until = -1.0  # stream time until which the app counts as speaking
        self._question_open = False
        # The burst going on: [start sample, end sample of its last speech, peak levels].
        self._burst: list | None = None
        self._closed: list[tuple[int, int, float]] = []  # (start, end, level dB) to decode
        self._run = 0  # loud frames in a row
        self._pending_lead: tuple[int, int, float] | None = None
        self.rejected: deque[Rejected] = deque(maxlen=200)
        #: Also say what a refused burst sounded like (one more decode each; for --verbose).
        self.explain_rejections = False

    # -- state from the app -------------------------------------------------------------------
    def set_app_speaking(self, speaking: bool, text: str = "") -> None:
        """Tell the recognizer the app's voice is (or is no longer) playing. *text* is what it
        says, so that the app saying "stop" does not stop the session."""
        now = self._pos / SAMPLE_RATE
        if speaking:
            self._app_speaking = True
            self._app_text = _words(text)
            self._app_speaking_until = float("inf")
        else:
            self._app_speaking = False
            self._app_speaking_until = now + self.settings.speaking_hangover_s

    def set_question_open(self, is_open: bool) -> None:
        """Yes/no are only accepted while a question is on screen."""
        self._question_open = is_open

    def play_reference(self, samples, at: int | None = None) -> None:
        """The app plays *samples* (float numpy array, 16 kHz; see ``echo.read_reference``)
        from stream sample *at* (default: now); its echo is cancelled from then on."""
        if self._canceller is not None:
            self._canceller.add_reference(samples, self._pos if at is None else at)

    def cut_reference(self, at: int | None = None) -> None:
        """Playback stopped: no reference plays after stream sample *at* (default: now)."""
        if self._canceller is not None:
            self._canceller.cut_reference(self._pos if at is None else at)

    def stream_sample_at(self, monotonic_time: float) -> int:
        """The stream sample captured at *monotonic_time*, from the capture times given to
        :meth:`feed` (without them: the samples fed so far)."""
        if self._clock is None:
            return self._pos
        pos, when = self._clock
        return pos + round((monotonic_time - when) * SAMPLE_RATE)

    @property
    def stream_time(self) -> float:
        return self._pos / SAMPLE_RATE

    @property
    def noise_floor_db(self) -> float:
        """The background level the speech detector measures (16-bit: 90 dB = full scale)."""
        return self._vad.floor_db

    # -- audio --------------------------------------------------------------------------------
    def feed(self, pcm: bytes, captured_at: float | None = None) -> list[Heard]:
        """Process a chunk of 16 kHz mono int16 PCM; return the commands it completed.
        *captured_at* is the monotonic time at which the chunk's last sample was captured;
        it lets :meth:`stream_sample_at` place the app's clips in the stream."""
        if len(pcm) % 2:
            raise ValueError("PCM chunks must hold whole 16-bit samples")
        if captured_at is not None:
            self._clock = (self._pos + len(pcm) // 2, captured_at)
        echo = None
        if self._canceller is not None:
            pcm = self._canceller.process(pcm)
            if self._canceller.active:
                echo = self._canceller.last_echo
        start = self._pos
        self._audio += pcm
        excess = len(self._audio) - int(AUDIO_KEPT_S * BYTES_PER_SECOND)
        if excess > 0:
            del self._audio[:excess]
            self._audio_start += excess // 2
        self._pos += len(pcm) // 2
        self._update_vad(pcm, start, echo)
        heard = []
        closed, self._closed = self._closed, []
        for burst in closed:
            h = self._decide(burst)
            if h is not None:
                heard.append(h)
        self._expire_lead()
        return heard

    def flush(self) -> list[Heard]:
        """End of stream: add silence so pending commands are decided, and return them."""
        s = self.settings
        pause = max(s.tail_gap_s + 0.1, s.lead_wait_s + 0.1)
        return self.feed(b"\0\0" * int(SAMPLE_RATE * pause))

    def close(self) -> None:
        Path(self._dict_path).unlink(missing_ok=True)

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _write_dict(ps, phrases: list[str]) -> str:
        """A dictionary with only the words in the phrases, and one word per phone for the
        garbage path: loads in milliseconds."""
        words = {w for p in phrases for w in p.split()}
        full = Path(ps.get_model_path()) / "en-us" / "cmudict-en-us.dict"
        lines = []
        with open(full, encoding="utf-8") as f:
            for line in f:
                head = line.split(" ", 1)[0]
                if head.split("(", 1)[0] in words:
                    lines.append(line)
        found = {ln.split(" ", 1)[0].split("(", 1)[0] for ln in lines}
        missing = words - found
        if missing:
            raise RecognizerError(
                f"pocketsphinx's dictionary has no pronunciation for {sorted(missing)}; "
                "choose another leading word"
            )
        lines += [f"ph_{p.lower()} {p}\n" for p in PHONES]
        fd, path = tempfile.mkstemp(prefix="stenosis-cmd-", suffix=".dict")
        with open(fd, "w", encoding="utf-8") as f:
            f.writelines(lines)
        return path

    def _update_vad(self, pcm: bytes, start: int, echo=None) -> None:
        """Mark each VAD frame as speech or not and track bursts. *echo*: the canceller's
        estimate of the app's voice in *pcm* (numpy, one value per sample), or None."""
        new = np.frombuffer(pcm, "<i2").astype(np.float64)
        lead = len(self._vad_buf)
        buf = np.concatenate([self._vad_buf, new])
        first = start - lead
        n = len(buf) // VAD_FRAME
        levels = self._vad.frame_levels(buf)
        echo_db = None
        if echo is not None:
            e = np.concatenate([np.zeros(lead), np.asarray(echo, dtype=np.float64)])
            e = e[: n * VAD_FRAME].reshape(n, VAD_FRAME)
            echo_db = 10 * np.log10(np.mean(e**2, axis=1) + 1.0) - self.settings.echo_residual_db
        gap = self.settings.tail_gap_s * SAMPLE_RATE
        for i in range(n):
            floor = -math.inf if echo_db is None else float(echo_db[i])
            level = float(levels[i])
            extra = 0.0 if self._burst is not None else self.settings.vad_start_extra_db
            speech = self._vad.is_speech(level, floor, extra)
            frame_start = first + i * VAD_FRAME
            frame_end = frame_start + VAD_FRAME
            # a burst starts with two loud frames in a row, so a blip of noise does not
            self._run = self._run + 1 if speech else 0
            if speech and self._burst is None and self._run < 2:
                continue
            if speech:
                if self._burst is None:
                    self._burst = [frame_start - VAD_FRAME, frame_end, [level]]
                else:
                    self._burst[1] = frame_end
                    self._burst[2].append(level)
            elif self._burst is not None and frame_end - self._burst[1] >= gap:
                a, b, lv = self._burst
                # the burst's speech level above the floor: its loud frames, not its edges
                snr = float(np.percentile(lv, 75)) - max(self._vad.floor_db, floor)
                self._closed.append((a, b, snr))
                self._burst = None
        self._vad_buf = buf[n * VAD_FRAME :]

    def _audio_between(self, a: int, b: int) -> bytes:
        a = max(a, self._audio_start)
        b = min(b, self._pos)
        return bytes(self._audio[(a - self._audio_start) * 2 : (b - self._audio_start) * 2])

    def _expire_lead(self) -> None:
        """Forget a short refused burst once nothing has followed it for lead_wait_s."""
        if self._pending_lead is None:
            return
        end = self._pending_lead[1]
        wait = self.settings.lead_wait_s * SAMPLE_RATE
        followed = self._burst is not None and self._burst[0] - end <= wait
        if not followed and self._pos - end > wait:
            self._pending_lead = None

    def _decide(self, burst: tuple[int, int, float]) -> Heard | None:
        s = self.settings
        a, b, snr = burst
        t_end = b / SAMPLE_RATE
        length = (b - a) / SAMPLE_RATE
        prev, self._pending_lead = self._pending_lead, None
        # "player ... next": a short burst that was no command, a pause, then this one
        if (
            prev is not None
            and a - prev[1] <= s.lead_wait_s * SAMPLE_RATE
            and (b - prev[0]) / SAMPLE_RATE <= s.max_burst_s + s.lead_wait_s
        ):
            found = self._decode(prev[0], b, min(snr, prev[2]))
            if found is not None:
                return self._accept(found, prev[0], b)
        if length < s.min_burst_s:
            return None
        if length > s.max_burst_s:
            self.rejected.append(
                Rejected("-", f"speech too long for a command ({length:.1f} s)", t_end)
            )
            return None
        found = self._decode(a, b, snr)
        if found is None:
            if length <= s.lead_max_s:
                self._pending_lead = (a, b, snr)  # perhaps the leading word, then a pause
            self._explain(a, b, snr)
            return None
        return self._accept(found, a, b)

    def _explain(self, a: int, b: int, snr: float) -> None:
        """Record what a refused burst came closest to, for ``listen --verbose``."""
        if not self.explain_rejections:
            return
        guess = self._decoder.decode(self._burst_audio(a, b), 1e-30)
        if guess is not None:
            self.rejected.append(
                Rejected(
                    guess,
                    f"sounded more like other speech (speech {snr:.0f} dB above the noise)",
                    b / SAMPLE_RATE,
                )
            )

    def _burst_audio(self, a: int, b: int) -> bytes:
        s = self.settings
        return self._audio_between(
            a - int(s.pad_before_s * SAMPLE_RATE), b + int(s.pad_after_s * SAMPLE_RATE)
        )

    def _decode(self, a: int, b: int, snr: float) -> tuple[str, float, float] | None:
        """(phrase, score, snr) for the burst [a, b), or None."""
        s = self.settings
        audio = self._burst_audio(a, b)
        if s.accept_all:
            phrase, score = self._probe(audio)
        else:
            weight = s.weight_for(snr)
            phrase = self._decoder.decode(audio, weight)
            score = math.log10(weight)
        return None if phrase is None else (phrase, score, snr)

    def _probe(self, audio: bytes) -> tuple[str | None, float]:
        """Evaluation: the phrase at the lowest probe weight, and the log10 of the highest
        weight at which it still wins (found by bisection: a phrase that wins at one weight
        wins at every lower one)."""
        probes = sorted(self.settings.probe_weights)
        lo = 0
        phrase = self._decoder.decode(audio, probes[0])
        if phrase is None:
            return None, -math.inf
        hi = len(probes)  # probes[lo] wins; find the last index that wins
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._decoder.decode(audio, probes[mid]) == phrase:
                lo = mid
            else:
                hi = mid
        return phrase, math.log10(probes[lo])

    def _accept(self, found, a: int, b: int) -> Heard | None:
        phrase, score, snr = found
        cmd = self._phrase_cmd[phrase]
        t0, t1 = a / SAMPLE_RATE, b / SAMPLE_RATE
        over_app = self._app_speaking or t0 < self._app_speaking_until
        reason = None
        if cmd in QUESTION_ONLY and not self._question_open:
            reason = "no question open"
        elif over_app:
            if cmd not in ALLOWED_WHILE_SPEAKING:
                reason = "app speaking"
            elif self._echo(phrase):
                reason = "the app said it"
        if reason:
            self.rejected.append(Rejected(phrase, reason, t1))
            return None
        margin = score - math.log10(self.settings.weight_for(snr))
        confidence = 1.0 / (1.0 + math.exp(-(margin + 1.0)))
        return Heard(cmd, phrase, round(confidence, 3), round(t1, 3), round(t0, 3), score, snr)

    def _echo(self, phrase: str) -> bool:
        words = phrase.split()
        text = self._app_text
        return any(text[i : i + len(words)] == words for i in range(len(text) - len(words) + 1))
