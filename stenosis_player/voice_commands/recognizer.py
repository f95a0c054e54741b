"""Offline command recognition with pocketsphinx keyphrase spotting (no Qt, no audio device).

Feed 16 kHz mono signed 16-bit PCM with :meth:`CommandRecognizer.feed`; it returns the commands
heard in that audio. Audio is only held in memory for a few seconds and never stored.

How false alarms are kept down:

1. Commands are two-word phrases with a leading word ("player next"), spotted with a threshold
   per phrase (``stenosis_player/data/voice_command_thresholds.json``, tuned on generated speech
   by ``bench/voice_commands/tune_thresholds.py``).
2. Rejection rule: a command must be said on its own. Just before it, at most a little speech
   (``lead_gap_s``, ``lead_max_speech``); soon after it, a short pause (``tail_gap_s`` within
   ``tail_slack_s``), which is what makes "player next" inside a sentence not count. Pauses are
   found from the sound level above the noise floor; the phrase itself must sound like speech.
3. Yes/no are only accepted while a question is open; while the app speaks, only "player
   pause", "player stop" and "it hurts" are, and not if the app itself is saying those words.

How commands are found in noise: the streaming search's cepstral mean lags behind the noise,
so each burst of speech said on its own that gave no command is spotted again as one
utterance (the segment pass, with looser thresholds: the pauses around it already make it a
likely command).

Over the app's own voice, the clip being played is given with :meth:`play_reference`, and an
echo canceller (``echo.py``) takes it out of the microphone signal before anything else sees it.
"""

from __future__ import annotations

import array
import contextlib
import math
import re
import sys
import tempfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .commands import (
    ALLOWED_WHILE_SPEAKING,
    DEFAULT_LEADING_WORD,
    QUESTION_ONLY,
    Command,
    generic_phrase,
    phrase_table,
)
from .stream import StreamPosition

SAMPLE_RATE = 16000
BYTES_PER_SECOND = SAMPLE_RATE * 2
FRAME_S = 0.01  # pocketsphinx frame step
VAD_FRAME_S = 0.03
THRESHOLDS_RESOURCE = "voice_command_thresholds.json"
AUDIO_KEPT_S = 6.0


class RecognizerError(RuntimeError):
    """pocketsphinx is missing or could not be set up."""


@dataclass(frozen=True)
class Heard:
    command: Command
    phrase: str
    confidence: float  # pocketsphinx's posterior for the phrase, 0..1
    time: float  # seconds since the stream started, at the end of the phrase
    start: float = 0.0  # seconds since the stream started, at the start of the phrase


@dataclass(frozen=True)
class Rejected:
    phrase: str
    reason: str
    time: float


@dataclass
class Settings:
    """Tuned values; see the thresholds file for the current ones."""

    thresholds: dict[str, float] = field(default_factory=dict)  # generic phrase -> kws threshold
    default_threshold: float = 1e-20
    lead_gap_s: float = 0.3  # look this far back before the phrase ...
    lead_skip_s: float = 0.06  # ... leaving out this much next to it (word boundaries drift)
    lead_max_speech: float = 0.34  # and allow at most this share of speech there
    tail_gap_s: float = 0.25  # a pause this long must follow ... (this also gives a longer
    # overlapping phrase time to be spotted before a shorter one is accepted)
    tail_slack_s: float = 0.45  # ... starting at most this long after the spotted phrase end
    min_confidence: float = 0.0
    min_phrase_s: float = 0.25
    # At least this share of the phrase must sound like speech (above the noise floor and
    # above what is left of the app's voice): keyphrase spotting also fires on noise.
    min_phrase_speech: float = 0.4
    max_phrase_s: float = 2.0
    # A pause after the leading word: a first burst this short, then another within
    # lead_wait_s, are spotted together with the pause cut out.
    pause_after_lead: bool = True
    lead_max_s: float = 0.9
    lead_wait_s: float = 1.2
    # A phrase found in a burst shorter than this (the leading word alone is about as long)
    # waits lead_wait_s for more speech before it is taken.
    lead_hold_below_s: float = 0.55
    speaking_hangover_s: float = 0.4
    # Segment pass: each burst of speech said on its own (pauses around it, at most
    # max_phrase_s long) is spotted again as a whole utterance. Its cepstral mean is then
    # taken over the burst itself, which in noise finds far more commands than the live mean
    # of the streaming search (measured at 20 dB SNR: 88 of 88 against 76).
    segment_pass: bool = True
    segment_threshold_factor: float = 1.0  # the segment pass's thresholds: this times looser
    isolate_while_speaking: bool = True  # apply the pause rule over the app's voice too
    dither: bool = False  # (measured: adding dither lowered recall on clean eSpeak speech)
    vad_margin_db: float = 6.0  # a frame is speech this far above the noise floor ...
    vad_min_db: float = 30.0  # ... and above this absolute level (16-bit: 90 dB = full scale)
    # Over the app's voice, leftover echo is assumed this far below the echo canceller's
    # estimate of the echo; a frame is only speech this far + vad_margin_db above that.
    echo_residual_db: float = 12.0
    # Over the app's voice the pauses around a command are filled with what is left of the
    # app's voice, which the echo canceller underestimates on a real sound path (measured
    # through PulseAudio's loopback: "it hurts" refused as "speech just before (100%)").
    # There, speech around a phrase only counts if it is within this many dB of the
    # phrase's own level: a user's command stands out above the leftover; the app's own
    # words spotted as a phrase do not stand out above the app's words around them.
    # (Chosen, not tuned: the real-audio test is the only measurement.)
    over_app_margin_db: float = 10.0

    @classmethod
    def load(cls, path: str | Path | None = None) -> Settings:
        from .tuned_values import load_tuned

        return load_tuned(cls, THRESHOLDS_RESOURCE, path)


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
        self.last_level = 0.0  # dB of the frame last judged

    def is_speech(self, frame: bytes, echo_floor_db: float = -math.inf) -> bool:
        """*echo_floor_db*: the level of the app's voice left over after echo cancelling."""
        samples = array.array("h", frame)
        if sys.byteorder == "big":  # pragma: no cover
            samples.byteswap()
        power = sum(x * x for x in samples) / max(1, len(samples))
        level = 10 * math.log10(power + 1.0)
        self.last_level = level
        self._levels.append(level)
        ordered = sorted(self._levels)
        self.floor_db = ordered[len(ordered) // 10]
        floor = max(self.floor_db, echo_floor_db)
        return level > self.min_db and level > floor + self.margin_db


class _Spotter:
    """One pocketsphinx keyphrase search over a continuous stream. Detections are not acted
    on by restarting the search (that would lose a longer phrase that overlaps a shorter one,
    e.g. "player back" inside "player pause"); instead each new segment is reported once."""

    def __init__(self, ps, phrases: dict[str, float], dict_path: str, dither: bool) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="stenosis-kws-")
        self.kws = Path(self._dir.name) / "phrases.kws"  # also used by the segment pass
        self.kws.write_text("".join(f"{p} /{t:.0e}/\n" for p, t in phrases.items()))
        try:
            self.decoder = ps.Decoder(
                hmm=str(Path(ps.get_model_path()) / "en-us" / "en-us"),
                dict=dict_path,
                kws=str(self.kws),
                dither=dither,
                seed=11,
                loglevel="FATAL",
            )
        except Exception as exc:  # pocketsphinx raises RuntimeError without detail
            raise RecognizerError(f"pocketsphinx could not start: {exc}") from exc
        self.utt_start = 0  # sample index at which the current utterance began
        self._hyp_len = 0
        self._seen: set[tuple[str, int]] = set()
        self.decoder.start_utt()

    def process(self, chunk: bytes) -> list[tuple[str, float, float, float]]:
        """Feed *chunk*; return new detections as (phrase, confidence, start s, end s)."""
        self.decoder.process_raw(chunk, False, False)
        hyp = self.decoder.hyp()
        if hyp is None or len(hyp.hypstr) == self._hyp_len:
            return []
        self._hyp_len = len(hyp.hypstr)
        base = self.utt_start / SAMPLE_RATE
        out = []
        for seg in self.decoder.seg():
            key = (seg.word.strip(), seg.start_frame)
            if not key[0] or key in self._seen:
                continue
            self._seen.add(key)
            start = base + seg.start_frame * FRAME_S
            end = base + (seg.end_frame + 1) * FRAME_S
            out.append((key[0], float(seg.prob), start, end))
        return out

    def restart(self, pos: int) -> None:
        self.decoder.end_utt()
        self.decoder.start_utt()
        self.utt_start = pos
        self._hyp_len = 0
        self._seen.clear()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.decoder.end_utt()
        self._dir.cleanup()


class SphinxRecognizer(StreamPosition):
    """Spots voice commands in a stream of 16 kHz mono int16 PCM with pocketsphinx: for a
    leading word other than "player", and when the neural model cannot be loaded (see
    :func:`CommandRecognizer`). Not thread-safe: feed it
    from one thread; :meth:`set_app_speaking` and :meth:`set_question_open` may be called from
    another (they only set flags that :meth:`feed` reads)."""

    engine = "sphinx"

    def __init__(
        self,
        leading_word: str = DEFAULT_LEADING_WORD,
        settings: Settings | None = None,
        commands: set[Command] | frozenset[Command] | None = None,
        cancel_echo: bool = True,
    ) -> None:
        self.explain_rejections = False
        #: Why the neural spotter is not used (set by CommandRecognizer), or "".
        self.fallback_reason = ""
        self.last_cancelled = b""  # the last chunk fed, after echo cancelling
        ps = _import_pocketsphinx()
        #: Why the app's voice is not cancelled, or "" if it is.
        self.echo_unavailable = "" if cancel_echo else "turned off"
        self._canceller = None
        if cancel_echo:
            try:
                from .echo import EchoCanceller
            except ImportError as exc:  # numpy missing: commands still work, less over speech
                self.echo_unavailable = f"numpy is missing ({exc})"
            else:
                self._canceller = EchoCanceller()
        self._clock: tuple[int, float] | None = None  # (stream sample, monotonic time)
        self.settings = settings or Settings.load()
        self.leading_word = leading_word
        table = phrase_table(leading_word)
        enabled = set(commands) if commands is not None else set(Command)
        self._phrase_cmd: dict[str, Command] = {}
        main: dict[str, float] = {}
        for cmd, phrases in table.items():
            if cmd not in enabled:
                continue
            for p in phrases:
                self._phrase_cmd[p] = cmd
                thr = self.settings.thresholds.get(
                    generic_phrase(p, leading_word), self.settings.default_threshold
                )
                main[p] = thr
        self._dict_path = self._write_dict(ps, list(self._phrase_cmd))
        self._kws_phrases = main
        self._spotter = _Spotter(ps, main, self._dict_path, self.settings.dither)
        self._vad = _EnergyVad(self.settings.vad_margin_db, self.settings.vad_min_db)
        self._vad_bytes = int(SAMPLE_RATE * VAD_FRAME_S) * 2
        self._vad_buf = b""
        # Speech flags for recent VAD frames: (frame start sample, is_speech).
        self._speech: deque[tuple[int, bool]] = deque(maxlen=int(10 / VAD_FRAME_S))
        self._frame_db: deque[float] = deque(maxlen=int(10 / VAD_FRAME_S))  # their levels
        # over the app's voice: (phrase, t0, t1) -> the level speech around it must reach
        self._around_floor: dict[tuple[str, float, float], float] = {}
        self._pos = 0  # samples fed so far
        # The last few seconds of audio, in memory only, for the second pass.
        self._audio = bytearray()
        self._audio_start = 0  # sample index of self._audio[0]
        self._ps = ps
        self._verifier = None
        # (command, phrase, confidence, start, end, apply the isolation rule)
        self._pending: list[tuple[Command, str, float, float, float, bool]] = []
        self._app_speaking = False
        self._app_text: list[str] = []
        self._app_speaking_until = -1.0  # stream time until which the app counts as speaking
        self._question_open = False
        self._silent_since = 0
        # Bursts of speech: the one going on (start sample, end sample) and those just ended.
        self._burst: tuple[int, int] | None = None
        self._bursts: list[tuple[int, int]] = []
        self._prev_burst: tuple[int, int] | None = None  # the last burst that ended
        # Phrases the segment pass found in very short bursts (phrase, start, end).
        self._short_bursts: deque[tuple[str, float, float]] = deque(maxlen=20)
        self._spliced: deque[tuple[str, float, float]] = deque(maxlen=20)  # the same, spliced
        self._released: deque[tuple[Command, str, float, float, float, bool]] = deque(maxlen=20)
        self.rejected: deque[Rejected] = deque(maxlen=200)
        self._shadows: deque[tuple[Command, str, float, float, float, bool]] = deque(maxlen=20)

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

    @property
    def noise_floor_db(self) -> float:
        """The background level the pause detector measures (16-bit: 90 dB = full scale)."""
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
        echo = left = None
        if self._canceller is not None:
            pcm = self._canceller.process(pcm)
            if self._canceller.active:
                echo = self._canceller.last_echo
                left = getattr(self._canceller, "last_floor_db", None)
        self.last_cancelled = pcm  # (the hybrid recognizer's network hears the same audio)
        start = self._pos
        self._update_vad(pcm, start, echo, left)
        self._audio += pcm
        excess = len(self._audio) - int(AUDIO_KEPT_S * BYTES_PER_SECOND)
        if excess > 0:
            del self._audio[:excess]
            self._audio_start += excess // 2
        detections = self._spotter.process(pcm)
        self._pos += len(pcm) // 2
        for phrase, conf, t0, t1 in detections:
            self._consider(phrase, conf, t0, t1)
        heard = self._release()
        # Bursts of speech that just ended and gave no command: a second look as a whole
        # utterance (after the release above, so it never delays what was already found).
        bursts, self._bursts = self._bursts, []
        for a, b in bursts:
            ta, tb = a / SAMPLE_RATE, b / SAMPLE_RATE
            prev, self._prev_burst = self._prev_burst, (a, b)
            if any(o[3] < tb and ta < o[4] for o in self._released):
                continue
            short = (b - a) / SAMPLE_RATE < self.settings.lead_hold_below_s
            for phrase, conf, t0, t1 in self._segment_pass(a, b):
                if short:  # perhaps the leading word alone: see _held_for_more
                    self._short_bursts.append((phrase, t0, t1))
                self._consider(phrase, conf, t0, t1)
            if prev is not None:
                self._pause_after_lead(prev, (a, b))
        if bursts:
            heard += self._release()
        self._maybe_restart()
        return heard

    def flush(self) -> list[Heard]:
        """End of stream: add silence so pending commands are decided, and return them."""
        s = self.settings
        pause = max(s.tail_slack_s + s.tail_gap_s, s.lead_wait_s) + 0.2
        return self.feed(b"\0\0" * int(SAMPLE_RATE * pause))

    def close(self) -> None:
        self._spotter.close()
        Path(self._dict_path).unlink(missing_ok=True)

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _write_dict(ps, phrases: list[str]) -> str:
        """A dictionary with only the words in the phrases: loads in milliseconds."""
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
        fd, path = tempfile.mkstemp(prefix="stenosis-kws-", suffix=".dict")
        with open(fd, "w", encoding="utf-8") as f:
            f.writelines(lines)
        return path

    def _update_vad(self, pcm: bytes, start: int, echo=None, left_db=None) -> None:
        """Mark each VAD frame as speech or not. *echo*: the canceller's estimate of the
        app's voice in *pcm* (numpy, one value per sample), or None when there is none;
        *left_db*: the canceller's echo floor (``EchoCanceller.last_floor_db``), the level
        up to which what is left of the app's voice reaches, per sample."""
        buf = self._vad_buf + pcm
        n = self._vad_bytes
        first = start - len(self._vad_buf) // 2
        gap = self.settings.tail_gap_s * SAMPLE_RATE
        if echo is not None:
            # echo power per sample (numpy), lined up with buf: the buffered part had none
            lead = len(self._vad_buf) // 2
            echo_power = echo.astype("f8") ** 2
        i = 0
        while i + n <= len(buf):
            floor = -math.inf
            if echo is not None:
                a, b = max(0, i // 2 - lead), max(0, (i + n) // 2 - lead)
                power = float(echo_power[a:b].sum()) / (n // 2)
                floor = 10 * math.log10(power + 1.0) - self.settings.echo_residual_db
                if left_db is not None and b > a:
                    floor = max(floor, float(left_db[a:b].max()))
            speech = self._vad.is_speech(buf[i : i + n], floor)
            frame_start, frame_end = first + i // 2, first + (i + n) // 2
            self._speech.append((frame_start, bool(speech)))
            self._frame_db.append(self._vad.last_level)
            if speech:
                self._silent_since = frame_end
                self._burst = (self._burst[0] if self._burst else frame_start, frame_end)
            elif self._burst and frame_end - self._burst[1] >= gap:
                self._bursts.append(self._burst)  # a pause ends it
                self._burst = None
            i += n
        self._vad_buf = buf[i:]

    def _speech_fraction(self, t0: float, t1: float, above_db: float = -math.inf) -> float | None:
        """Share of VAD frames in [t0, t1) (stream seconds) that hold speech (at least
        *above_db* loud); None if not all of that span has been analysed yet."""
        a, b = t0 * SAMPLE_RATE, t1 * SAMPLE_RATE
        frames = [
            s and db >= above_db
            for (pos, s), db in zip(self._speech, self._frame_db, strict=True)
            if pos >= a and pos + VAD_FRAME_S * SAMPLE_RATE <= b
        ]
        analysed_to = self._speech[-1][0] + VAD_FRAME_S * SAMPLE_RATE if self._speech else 0
        if analysed_to < b:
            return None
        if not frames:
            return 0.0
        return sum(frames) / len(frames)

    def _pause_after_lead(self, first: tuple[int, int], second: tuple[int, int]) -> None:
        """ "player ... next": a short burst, a pause of up to ``lead_wait_s``, then another.
        The pause is cut out (all but a little of it) and the two are spotted as one
        utterance, with the same thresholds as any other; only leading-word phrases count."""
        s = self.settings
        (a0, b0), (a1, b1) = first, second
        if not s.pause_after_lead or not (
            (b0 - a0) <= s.lead_max_s * SAMPLE_RATE
            and a1 - b0 <= s.lead_wait_s * SAMPLE_RATE
            and (b1 - a1) <= s.max_phrase_s * SAMPLE_RATE
        ):
            return
        t0, t1 = a0 / SAMPLE_RATE, b1 / SAMPLE_RATE
        if any(o[3] < t1 and t0 < o[4] for o in self._released):
            return
        keep = int(0.08 * SAMPLE_RATE)  # of the pause, on each side
        spliced = self._audio_between(a0 - int(0.3 * SAMPLE_RATE), b0 + keep)
        spliced += self._audio_between(a1 - keep, b1 + int(0.25 * SAMPLE_RATE))
        lead = self.leading_word + " "
        spotted = [d for d in self._spot_whole(spliced, 0.0) if d[0].startswith(lead)]
        if not spotted:
            return
        # Which phrase: keyphrase spotting says one is there; the grammar of all of them,
        # over the whole spliced audio, says which (as for overlapping spotted phrases).
        phrases = sorted(p for p in self._phrase_cmd if p.startswith(lead))
        phrase = self._grammar_decode(spliced, phrases) or spotted[0][0]
        self._spliced.append((phrase, t0, t1))
        self._consider(phrase, max(d[1] for d in spotted), t0, t1, spliced=True)

    def _audio_between(self, a: int, b: int) -> bytes:
        a, b = max(a, self._audio_start), min(b, self._pos)
        return bytes(self._audio[(a - self._audio_start) * 2 : (b - self._audio_start) * 2])

    def _longest_pause(self, t0: float, t1: float) -> float:
        """The longest run of non-speech VAD frames within [t0, t1] (stream s), in s."""
        a, b = t0 * SAMPLE_RATE, t1 * SAMPLE_RATE
        longest = run = 0
        for pos, speech in self._speech:
            if a <= pos and pos + VAD_FRAME_S * SAMPLE_RATE <= b:
                run = 0 if speech else run + 1
                longest = max(longest, run)
        return longest * VAD_FRAME_S

    def _consider(
        self, phrase: str, conf: float, t0: float, t1: float, spliced: bool = False
    ) -> None:
        """*spliced*: found by :meth:`_pause_after_lead` in audio with the pause cut out, so
        its length and share of speech in the stream say nothing."""
        cmd = self._phrase_cmd.get(phrase)
        s = self.settings
        if cmd is None:
            return
        # The streaming search and the segment pass often both find a phrase: keep one. And
        # one utterance gives one command: nothing overlapping a command already given.
        for o in (*self._pending, *self._released):
            if o[3] < t1 and t0 < o[4] and (o[1] == phrase or o in self._released):
                return
        over_app = self._app_speaking or t0 < self._app_speaking_until
        # Over the app's voice there are no pauses to look for; the phrase alone must do.
        isolate = s.isolate_while_speaking or not over_app
        reason = None
        if spliced:
            pass
        elif not s.min_phrase_s <= t1 - t0 <= s.max_phrase_s:
            reason = f"implausible length {t1 - t0:.2f}s"
        elif (gap := self._longest_pause(t0 + 0.05, t1 - 0.05)) >= s.tail_gap_s:
            # a phrase across a pause is two bursts: _pause_after_lead judges those
            reason = f"spans a pause of {gap:.2f} s"
        elif conf < s.min_confidence:
            reason = f"low confidence {conf:.2f}"
        elif (voiced := self._speech_fraction(t0, t1 - VAD_FRAME_S)) is not None and (
            voiced < s.min_phrase_speech
        ):
            reason = f"not speech ({voiced:.0%} voiced)"
        if reason:
            self.rejected.append(Rejected(phrase, reason, t1))
            return
        if cmd in QUESTION_ONLY and not self._question_open:
            reason = "no question open"
        elif over_app:
            if cmd not in ALLOWED_WHILE_SPEAKING:
                reason = "app speaking"
            elif self._echo(phrase):
                reason = "the app said it"
        state_reason = reason is not None
        floor = -math.inf
        if over_app and isolate:
            floor = self._phrase_level(t0, t1) - s.over_app_margin_db
        if reason is None and isolate:
            a = t0 - s.lead_skip_s - s.lead_gap_s
            lead = self._speech_fraction(max(0.0, a), t0 - s.lead_skip_s, floor)
            if lead is not None and a >= 0 and lead > s.lead_max_speech:
                reason = f"speech just before ({lead:.0%})"
        if reason:
            self.rejected.append(Rejected(phrase, reason, t1))
            if state_reason:
                # Not accepted now, but it still explains the speech: a weaker overlapping
                # phrase must not win in its place ("player yes" -> "player back").
                self._shadows.append((cmd, phrase, conf, t0, t1, isolate))
            return
        self._pending.append((cmd, phrase, conf, t0, t1, isolate))
        if floor > -math.inf:
            self._around_floor[(phrase, t0, t1)] = floor

    def _phrase_level(self, t0: float, t1: float) -> float:
        """The level (dB) of the louder frames in [t0, t1]: the phrase's own loudness."""
        a, b = t0 * SAMPLE_RATE, t1 * SAMPLE_RATE
        levels = sorted(
            db for (pos, _), db in zip(self._speech, self._frame_db, strict=True) if a <= pos < b
        )
        return levels[(3 * len(levels)) // 4] if levels else -math.inf

    def _echo(self, phrase: str) -> bool:
        words = phrase.split()
        text = self._app_text
        return any(text[i : i + len(words)] == words for i in range(len(text) - len(words) + 1))

    def _pause_after(self, t1: float, above_db: float = -math.inf) -> float | bool | None:
        """Start (stream s) of the first pause of ``tail_gap_s`` after *t1* (quieter than
        *above_db* counts as a pause); None if not known yet; False if speech goes on past
        the allowed slack."""
        s = self.settings
        a = t1 * SAMPLE_RATE
        frame = VAD_FRAME_S * SAMPLE_RATE
        need = max(1, round(s.tail_gap_s / VAD_FRAME_S))
        run_start, run = None, 0
        for (pos, speech), db in zip(self._speech, self._frame_db, strict=True):
            if pos + frame <= a:
                continue
            if speech and db >= above_db:
                run_start, run = None, 0
                if (pos - a) / SAMPLE_RATE > s.tail_slack_s:
                    return False
            else:
                if run_start is None:
                    run_start = pos
                run += 1
                if run >= need:
                    return max(t1, run_start / SAMPLE_RATE)
        return None

    def _burst_length_around(self, t0: float, t1: float) -> float:
        """Length (s) of the burst of speech (pauses shorter than tail_gap_s inside) that
        overlaps [t0, t1] (stream s); 0 if none is known."""
        gap = self.settings.tail_gap_s * SAMPLE_RATE
        frame = VAD_FRAME_S * SAMPLE_RATE
        start = end = None
        for pos, speech in self._speech:
            if not speech:
                continue
            if end is not None and pos - end >= gap:  # a burst ended before this frame
                if start <= t1 * SAMPLE_RATE and t0 * SAMPLE_RATE <= end:
                    break
                start = None
            if start is None:
                start = pos
            end = pos + frame
        if start is None or not (start <= t1 * SAMPLE_RATE and t0 * SAMPLE_RATE <= end):
            return 0.0
        return (end - start) / SAMPLE_RATE

    def _held_for_more(self, cand) -> bool | None:
        """A very short burst heard as a phrase may be the leading word alone
        ("player", a pause, "next"): True while it waits to see whether more speech follows
        within ``lead_wait_s``; False if some did (the two are then spotted together);
        None if it need not wait or nothing followed."""
        s = self.settings
        _cmd, phrase, _conf, t0, t1, isolate = cand
        lead_phrase = phrase.startswith(self.leading_word + " ")  # ("it hurts" never waits)
        if not isolate or not lead_phrase or (phrase, t0, t1) in self._spliced:
            return None
        if (phrase, t0, t1) not in self._short_bursts and (
            self._burst_length_around(t0, t1) >= s.lead_hold_below_s
        ):
            return None
        if self._burst is not None and self._burst[0] > t1 * SAMPLE_RATE:
            return False
        return True if self.stream_time < t1 + s.lead_wait_s else None

    def _release(self) -> list[Heard]:
        """Decide the candidates after which a pause has been heard. Of overlapping candidates
        ("player back" inside "player pause"), the one that explains more of the speech (ends
        later) wins; pocketsphinx's posteriors for such pairs are nearly equal."""
        out: list[Heard] = []
        keep = []
        for cand in self._pending:
            cmd, phrase, conf, t0, t1, isolate = cand
            if isolate:
                pause = self._pause_after(t1, self._around_floor.get((phrase, t0, t1), -math.inf))
            elif self.stream_time >= t1 + self.settings.tail_gap_s:
                pause = t1
            else:
                pause = None
            if pause is None:
                keep.append(cand)
                continue
            given = next((o for o in self._released if o[3] < t1 and t0 < o[4]), None)
            if given is not None:  # one utterance gives one command
                self.rejected.append(Rejected(phrase, f"overlaps {given[1]!r}, given", t1))
                continue
            held = self._held_for_more(cand)
            if held is True:
                keep.append(cand)
                continue
            if held is False:
                self.rejected.append(Rejected(phrase, "more speech followed the pause", t1))
                continue
            rival = self._rival(cand)
            if rival is not None:
                self.rejected.append(Rejected(phrase, f"overlaps {rival!r}", t1))
            elif pause is False:
                self.rejected.append(Rejected(phrase, "speech goes on after it", t1))
            else:
                out.append(Heard(cmd, phrase, conf, round(t1, 3), round(t0, 3)))
                self._released.append(cand)
        self._pending = keep
        out.sort(key=lambda h: h.time)
        return out

    def _rival(self, cand) -> str | None:
        """The phrase that should win over *cand*, if another overlapping one should.
        Keyphrase spotting fires on several similar phrases for one utterance ("player back"
        inside "player pause"); a second pass decodes the audio with a grammar of just those
        phrases, which compares them over the whole utterance."""
        _cmd, phrase, _conf, t0, t1, _iso = cand
        others = [
            o
            for o in (*self._pending, *self._shadows)
            if o is not cand and o[3] < t1 and t0 < o[4] and o[1] != phrase
        ]
        if not others:
            return None
        phrases = sorted({phrase, *(o[1] for o in others)})
        start = min(t0, *(o[3] for o in others)) - 0.25
        end = max(t1, *(o[4] for o in others)) + 0.25
        winner = self._second_pass(phrases, start, end)
        if winner is None:  # fall back: the phrase that explains more of the speech
            best = max((cand, *others), key=lambda o: (o[4], o[2]))
            winner = best[1]
        return None if winner == phrase else winner

    def _whole_utterance_decoder(self):
        """A second decoder for short stretches of audio decoded as whole utterances (batch
        cepstral mean): the segment pass's keyphrase search and the rivals' grammars."""
        if self._verifier is None:
            self._verifier = self._ps.Decoder(
                hmm=str(Path(self._ps.get_model_path()) / "en-us" / "en-us"),
                dict=self._dict_path,
                lm=None,
                cmn="batch",
                loglevel="FATAL",
            )
        return self._verifier

    def _segment_pass(self, a: int, b: int) -> list[tuple[str, float, float, float]]:
        """Spot the phrases in the burst of speech [a, b) (stream samples), decoded as one
        utterance with a little of the pauses around it."""
        s = self.settings
        if not s.segment_pass or not s.min_phrase_s <= (b - a) / SAMPLE_RATE <= s.max_phrase_s:
            return []
        start = max(self._audio_start, a - int(0.3 * SAMPLE_RATE))
        end = min(self._pos, b + int(0.25 * SAMPLE_RATE))
        return self._spot_whole(self._audio_between(start, end), start / SAMPLE_RATE)

    def _spot_whole(self, audio: bytes, base: float) -> list[tuple[str, float, float, float]]:
        """Keyphrase spotting on *audio* decoded as one utterance; times from *base* (s)."""
        s = self.settings
        try:
            dec = self._whole_utterance_decoder()
            if dec.get_kws("segment") is None:
                kws = self._spotter.kws.with_name("segment.kws")
                factor = s.segment_threshold_factor
                kws.write_text(
                    "".join(f"{p} /{t * factor:.0e}/\n" for p, t in self._kws_phrases.items())
                )
                dec.add_kws("segment", str(kws))
            dec.activate_search("segment")
            dec.start_utt()
            dec.process_raw(audio, False, True)
            dec.end_utt()
            segs = list(dec.seg() or ())
        except Exception:  # the streaming search still runs; never stop listening over this
            return []
        return [
            (
                seg.word.strip(),
                float(seg.prob),
                base + seg.start_frame * FRAME_S,
                base + (seg.end_frame + 1) * FRAME_S,
            )
            for seg in segs
            if seg.word.strip() in self._phrase_cmd
        ]

    def _second_pass(self, phrases: list[str], start: float, end: float) -> str | None:
        a = max(0, int(start * SAMPLE_RATE) - self._audio_start) * 2
        b = max(0, int(end * SAMPLE_RATE) - self._audio_start) * 2
        return self._grammar_decode(bytes(self._audio[a:b]), phrases)

    def _grammar_decode(self, audio: bytes, phrases: list[str]) -> str | None:
        """Which of *phrases* *audio*, decoded as one utterance, is (None: not known)."""
        if len(audio) < 0.3 * BYTES_PER_SECOND:
            return None
        try:
            self._whole_utterance_decoder()
            name = "g" + "_".join(p.replace(" ", "-") for p in phrases).replace("'", "")
            if self._verifier.get_fsg(name) is None:
                rules = " | ".join(f"( {p} )" for p in phrases)
                self._verifier.add_jsgf_string(
                    name, f"#JSGF V1.0;\ngrammar cmds;\npublic <cmd> = {rules};\n"
                )
            self._verifier.activate_search(name)
            self._verifier.start_utt()
            self._verifier.process_raw(audio, False, True)
            self._verifier.end_utt()
            hyp = self._verifier.hyp()
        except Exception:  # a failed second pass must not stop recognition
            return None
        text = " ".join(hyp.hypstr.split()) if hyp is not None else ""
        return text if text in phrases else None

    def _maybe_restart(self) -> None:
        """Keep the search's utterance short: restart it during pauses in speech."""
        sp = self._spotter
        length = self._pos - sp.utt_start
        quiet = self._pos - self._silent_since > 0.5 * SAMPLE_RATE
        if not self._pending and (
            (length > 10 * SAMPLE_RATE and quiet) or length > 60 * SAMPLE_RATE
        ):
            sp.restart(self._pos)


#: The recognizers CommandRecognizer chooses from ("neural": neural.NeuralRecognizer).
ENGINES = ("hybrid", "neural", "sphinx")
DEFAULT_ENGINE = "sphinx"  # the held-out figures of the other two do not beat it yet (issue 19)
ENROLLED_ENGINE = "neural"


def engine_for(leading_word: str, enrolment=None) -> str:
    """The engine the app listens with. Once the user has enrolled (Settings → Teach it my
    voice) with the leading word the network knows, the network adapted to their own takes:
    on held-out voices enrolled as the app asks (plain speech) it heard 93 % in quiet,
    77 / 91 / 81 / 72 % in white / pink / babble / TV noise at 20 dB and 47 / 73 / 27 / 43 % at
    10 dB, against pocketsphinx's 98 %, 77 / 69 / 63 / 4 % and 32 / 52 / 37 / 3 % on the same
    files; a voice two semitones deeper in quiet 94 against 62 % (the README's table, session
    8; bench/voice_commands/enrolment_results.txt, heldout_results.txt). Otherwise pocketsphinx."""
    if leading_word != DEFAULT_LEADING_WORD or enrolment is None:
        return DEFAULT_ENGINE
    if getattr(enrolment, "leading_word", leading_word) != leading_word:
        return DEFAULT_ENGINE  # taught with another leading word: nothing there fits
    takes = getattr(enrolment, "takes_with_phrases", None)
    return ENROLLED_ENGINE if takes is not None and takes() else DEFAULT_ENGINE


def CommandRecognizer(  # (a function where the class used to be: callers are unchanged)
    leading_word: str = DEFAULT_LEADING_WORD,
    settings=None,
    commands: set[Command] | frozenset[Command] | None = None,
    cancel_echo: bool = True,
    engine: str | None = None,
    model=None,
    enrolment=None,
):
    """The recognizer for *leading_word*: the neural keyword spotter where it can be used (it
    was trained on "player"), else pocketsphinx. If the model file is missing or damaged, the
    pocketsphinx one is returned with ``fallback_reason`` naming the file and the fault.
    *settings*: a :class:`Settings` asks for pocketsphinx, a ``NeuralSettings`` for the
    neural one. *enrolment*: the user's takes (``enrolment.load_enrolment``), which the neural
    spotter adapts to (pocketsphinx does not use them)."""
    engine = engine or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ValueError(f"unknown recognizer {engine!r}; choose one of {ENGINES}")
    if isinstance(settings, Settings):
        engine = "sphinx"
    reason = ""
    if engine != "sphinx" and leading_word != DEFAULT_LEADING_WORD:
        reason = f"the neural model knows only the leading word {DEFAULT_LEADING_WORD!r}"
    elif engine in ("neural", "hybrid"):
        from .hybrid import HybridRecognizer
        from .kws_model import KwsModelError
        from .neural import NeuralRecognizer

        make = NeuralRecognizer if engine == "neural" else HybridRecognizer
        try:
            return make(
                leading_word, settings, commands, cancel_echo, model=model, enrolment=enrolment
            )
        except KwsModelError as exc:
            reason = str(exc)
    rec = SphinxRecognizer(
        leading_word, settings if isinstance(settings, Settings) else None, commands, cancel_echo
    )
    rec.fallback_reason = reason
    return rec
