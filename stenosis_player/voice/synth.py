"""Qt-free speech synthesis: text → cached WAV clip, through one worker process per slot.

Each worker process (``worker.py``) owns a pyttsx3 engine and serves one request at a time,
waiting for the engine's ``finished-utterance`` callback and checking the WAV is complete
before it answers, so a burst of requests all produce their files. Clips are cached as
``<sha256 of text, voice, rate, volume, engine>.wav``, written under a temporary name and
renamed atomically. A worker that hangs past ``hang_timeout`` or dies is ended and started
again on the next request. All calls here block: call them from a worker thread, never
from the Qt UI thread (``service.SpeechService`` does that for the window).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import queue
import sys
import threading
import wave
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..digest import sha256
from ..durable_files import durable_replace
from .clips import trim_trailing_silence
from .config import VoiceConfig

# subprocess, uuid (with platform) and concurrent.futures are imported where they are used:
# the window makes a Synthesizer before its first frame but starts a worker only later, and
# those imports were ~10 ms of that first frame
if TYPE_CHECKING:
    import subprocess

WORKER_FLAG = "--voice-worker"
PARENT_ENV = "STENOSIS_PLAYER_PARENT_PID"


def default_worker_argv() -> tuple[str, ...]:
    """How to start a worker: ``python -m stenosis_player.voice.worker``; in a frozen
    (PyInstaller) build, the app's own executable with ``--voice-worker``, which its entry
    point must hand to ``stenosis_player.voice.worker.main()``."""
    if getattr(sys, "frozen", False):
        return (sys.executable, WORKER_FLAG)
    # -P: the folder the app was started from is not put on sys.path, so a pyttsx3.py (or
    # a file named like a standard module) lying there is never imported (see _Worker: the
    # worker also runs in the package's own folder, never the user's)
    return (sys.executable, "-P", "-m", "stenosis_player.voice.worker")


MAX_CONSECUTIVE_FAILURES = 3
RESERVE_BYTES = 256 * 1024  # a long clip's size: claimed before asking the engine for one


class SynthesisError(Exception):
    """One request failed (engine error, hang, worker died); the next may succeed."""


class SynthesisUnavailable(SynthesisError):
    """No speech can be synthesised here; the message says why and what to install."""


class CacheUnwritable(SynthesisError):
    """The speech cache cannot be written (full disk, read-only folder): speak directly."""


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]


def clip_seconds(path: str | os.PathLike[str]) -> float:
    """A WAV clip's length in seconds, from its header."""
    with wave.open(os.fspath(path), "rb") as w:
        return w.getnframes() / float(w.getframerate())


def default_workers() -> int:
    """Worker processes to use: two where there are two cores (a cold session's lines are
    made in about 1.3 s instead of 1.9 s), else one."""
    return max(1, min(2, os.cpu_count() or 1))


CLIP_FORMAT = "trimmed-1"  # part of the key: clips made before trimming are not reused


def cache_key(text: str, config: VoiceConfig) -> str:
    payload = json.dumps(
        [text, config.voice, config.rate, round(config.volume, 4), config.engine, CLIP_FORMAT],
        ensure_ascii=False,
    )
    return sha256(payload.encode("utf-8")).hexdigest()


class _Worker:
    """One worker process and the threads that read its output."""

    def __init__(
        self,
        argv: Sequence[str],
        start_timeout: float,
        on_spawn: Callable[[subprocess.Popen[str]], None] | None = None,
    ) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env.pop("PYTHONSTARTUP", None)
        env[PARENT_ENV] = str(os.getpid())  # the worker ends itself if this process is gone
        import subprocess  # here, not at the top: see the imports above

        try:
            self.proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
                env=env,
                cwd=root,  # a folder we own, not wherever the app was launched from
            )
        except OSError as exc:
            raise SynthesisUnavailable(f"cannot start the speech worker: {exc}") from exc
        if on_spawn is not None:
            on_spawn(self.proc)  # known at once, so closing while it starts can end it
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr_tail: deque[str] = deque(maxlen=20)
        threading.Thread(target=self._read_stdout, daemon=True, name="voice-worker-out").start()
        threading.Thread(target=self._read_stderr, daemon=True, name="voice-worker-err").start()
        self._next_id = 0
        try:
            hello = self.replies.get(timeout=start_timeout)
        except queue.Empty:
            self.kill()
            raise SynthesisUnavailable(
                f"the speech engine did not start within {start_timeout:.0f} s"
            ) from None
        if hello is None:
            self.kill()
            raise SynthesisUnavailable(f"the speech worker exited at start{self._why()}")
        if not hello.get("ready"):
            self.kill()
            raise SynthesisUnavailable(str(hello.get("error") or "the speech engine is unusable"))
        self.engine = str(hello.get("engine", "?"))

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                try:
                    self.replies.put(json.loads(line))
                except ValueError:
                    self.stderr_tail.append(line.rstrip())
        self.replies.put(None)  # end of file: the process is gone

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.stderr_tail.append(line.rstrip())

    def _why(self) -> str:
        lines = [s for s in self.stderr_tail if s.strip()]
        return f": {lines[-1]}" if lines else ""

    def request(self, msg: dict[str, Any], timeout: float) -> dict[str, Any]:
        self._next_id += 1
        msg = {**msg, "id": self._next_id}
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError) as exc:
            raise _WorkerLost(f"the speech worker died{self._why()}") from exc
        while True:
            try:
                reply = self.replies.get(timeout=timeout)
            except queue.Empty:
                raise _WorkerLost(f"the speech engine hung for more than {timeout:g} s") from None
            if reply is None:
                self.proc.wait()
                raise _WorkerLost(
                    f"the speech worker died (exit code {self.proc.returncode}){self._why()}"
                )
            if reply.get("id") == self._next_id:
                return reply

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        # stdout and stderr are closed by their reader threads at end of file: closing them
        # here would block while a reader holds the lock (and a child the worker started,
        # such as aplay, may keep the pipe open after the worker is gone).
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin:
                self.proc.stdin.close()


def _end(proc: subprocess.Popen[str]) -> None:
    import subprocess

    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


class _WorkerLost(SynthesisError):
    """The worker hung or died; it has to be replaced."""


class _Slot:
    """A place for one worker; the process starts lazily and restarts after a failure."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None


class Synthesizer:
    """Text → WAV clip in the cache, through ``workers`` worker processes (each serial).

    Thread-safe: many threads may call ``synthesize`` at once; each call waits for a free
    worker. ``synth_calls`` counts requests that really synthesised (cache misses);
    ``restarts`` counts workers replaced after a hang or a death.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        config: VoiceConfig | None = None,
        *,
        workers: int = 1,
        hang_timeout: float = 5.0,
        start_timeout: float = 20.0,
        worker_argv: Sequence[str] | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.config = config or VoiceConfig()
        self.hang_timeout = hang_timeout
        self.start_timeout = start_timeout
        self.worker_argv = tuple(worker_argv or default_worker_argv())
        self.synth_calls = 0
        self.restarts = 0
        self.engine_name: str | None = None
        self._unavailable: SynthesisUnavailable | None = None
        self._failures = 0
        self._lock = threading.Lock()
        self._slots: queue.Queue[_Slot] = queue.Queue()
        self._all_slots = [_Slot() for _ in range(max(1, workers))]
        for slot in self._all_slots:
            self._slots.put(slot)
        self._inflight: dict[str, threading.Lock] = {}
        self._closed = False
        self._procs: set[subprocess.Popen[str]] = set()  # every worker started, even starting

    # ------------------------------------------------------------------ cache
    def key(self, text: str, config: VoiceConfig | None = None) -> str:
        return cache_key(text, config or self.config)

    def path_for(self, text: str, config: VoiceConfig | None = None) -> Path:
        return self.cache_dir / f"{self.key(text, config)}.wav"

    def cached(self, text: str, config: VoiceConfig | None = None) -> Path | None:
        """The clip's path if it is already in the cache (a cheap stat), else None."""
        path = self.path_for(text, config)
        try:
            return path if path.stat().st_size > 44 else None
        except OSError:
            return None

    @property
    def workers(self) -> int:
        """How many worker processes (so how many requests can run at once)."""
        return len(self._all_slots)

    @property
    def unavailable(self) -> SynthesisUnavailable | None:
        """Set once synthesis is known not to work here (reason and remedy in the message)."""
        return self._unavailable

    # ------------------------------------------------------------------ synthesis
    def synthesize(self, text: str, config: VoiceConfig | None = None) -> Path:
        """The clip for ``text``: from the cache, else synthesised now (blocks).

        Raises SynthesisUnavailable (no engine), CacheUnwritable (cannot write the cache:
        use ``say_direct``), or SynthesisError (this request failed; the worker restarts).
        """
        if not text.strip():
            raise ValueError("nothing to say")
        config = config or self.config
        path = self.path_for(text, config)
        if self.cached(text, config):
            return path
        with self._lock:
            gate = self._inflight.setdefault(path.name, threading.Lock())
        with gate:  # the same text asked twice at once is synthesised once
            if self.cached(text, config):
                return path
            try:
                return self._synthesize_to(text, config, path)
            finally:
                with self._lock:
                    self._inflight.pop(path.name, None)

    def _synthesize_to(self, text: str, config: VoiceConfig, path: Path) -> Path:
        import uuid

        tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp.wav")
        try:
            self._reserve(tmp)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise CacheUnwritable(f"cannot write the speech cache {self.cache_dir}: {exc}") from exc
        try:
            self._request(
                {
                    "op": "synth",
                    "text": text,
                    "path": str(tmp),
                    "voice": config.voice,
                    "rate": config.rate,
                    "volume": config.volume,
                },
                self._timeout_for(text),
            )
            with self._lock:
                self.synth_calls += 1
            try:
                trim_trailing_silence(tmp)  # the length planned is the length heard
                self._commit(tmp, path)
            except OSError as exc:
                raise CacheUnwritable(
                    f"cannot write the speech cache {self.cache_dir}: {exc}"
                ) from exc
            return path
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _reserve(self, tmp: Path) -> None:
        """Make the cache folder and the temporary file, so an unwritable cache shows up here
        (the eSpeak driver hangs instead of failing when it cannot write its file)."""
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            # room for a clip, claimed now: on a full disk the eSpeak driver hangs instead
            # of failing, which used to be reported as "the speech engine hung"
            try:
                f.write(bytes(RESERVE_BYTES))
                f.flush()
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise OSError(exc.errno, "the disk holding it is full") from None
                raise
            f.truncate(0)

    def _commit(self, tmp: Path, path: Path) -> None:
        durable_replace(tmp, path)  # a power cut never leaves a truncated clip in the cache

    def _timeout_for(self, text: str) -> float:
        # eSpeak NG makes about 2000 words a second; allow generously for slow machines.
        return self.hang_timeout + len(text.split()) * 0.01

    def synthesize_all(
        self,
        texts: Iterable[str],
        on_result: Callable[[str, Path | None, BaseException | None], None] | None = None,
    ) -> dict[str, Path]:
        """Synthesise many texts on all workers, first texts first. Failures are reported
        to ``on_result`` and left out of the result; SynthesisUnavailable stops the batch."""
        todo = list(dict.fromkeys(t for t in texts if t.strip()))
        done: dict[str, Path] = {}

        def one(text: str) -> None:
            if self._unavailable is not None:
                if on_result:
                    on_result(text, None, self._unavailable)
                return
            try:
                path = self.synthesize(text)
            except SynthesisError as exc:
                if on_result:
                    on_result(text, None, exc)
                return
            done[text] = path
            if on_result:
                on_result(text, path, None)

        if len(self._all_slots) == 1:
            for text in todo:
                one(text)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(self._all_slots), thread_name_prefix="voice") as pool:
                list(pool.map(one, todo))
        if self._unavailable is not None and not done:
            raise self._unavailable
        return done

    def say_direct(self, text: str, config: VoiceConfig | None = None) -> None:
        """Speak through the engine's own audio (the fallback where files cannot be made).
        Blocks until spoken; cannot be interrupted and its length is unknown."""
        config = config or self.config
        words = len(text.split())
        self._request(
            {
                "op": "say",
                "text": text,
                "voice": config.voice,
                "rate": config.rate,
                "volume": config.volume,
            },
            self.hang_timeout + words * 60.0 / max(config.rate, 50) * 2,
        )

    def voices(self) -> list[VoiceInfo]:
        reply = self._request({"op": "voices"}, self.hang_timeout)
        return [
            VoiceInfo(str(v["id"]), str(v.get("name") or v["id"]), tuple(v.get("languages", ())))
            for v in reply.get("voices", [])
        ]

    def warm_up(self) -> None:
        """Start the worker processes now (so the first clip does not wait for them)."""
        from concurrent.futures import ThreadPoolExecutor

        slots = [self._slots.get() for _ in self._all_slots]
        try:
            with ThreadPoolExecutor(len(slots), thread_name_prefix="voice-start") as pool:
                list(pool.map(self._ensure, slots))  # start them side by side
        finally:
            for slot in slots:
                self._slots.put(slot)

    # ------------------------------------------------------------------ workers
    def _ensure(self, slot: _Slot) -> _Worker:
        if self._unavailable is not None:
            raise self._unavailable
        if slot.worker is None or not slot.worker.alive():
            if slot.worker is not None:
                slot.worker.kill()
                with self._lock:
                    self.restarts += 1
            slot.worker = None
            try:
                slot.worker = _Worker(self.worker_argv, self.start_timeout, self._spawned)
            except SynthesisUnavailable as exc:
                self._unavailable = exc
                raise
            self.engine_name = slot.worker.engine
        return slot.worker

    def _request(self, msg: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self._closed:
            raise SynthesisError("the synthesizer is closed")
        slot = self._slots.get()
        try:
            for attempt in (1, 2):
                worker = self._ensure(slot)
                try:
                    reply = worker.request(msg, timeout)
                    break
                except _WorkerLost as exc:
                    worker.kill()  # replaced by _ensure
                    self._failed(str(exc))
                    if attempt == 2 or msg["op"] == "say" or self._unavailable is not None:
                        raise SynthesisError(str(exc)) from None
            if not reply.get("ok"):
                self._failed(str(reply.get("error")))
                raise SynthesisError(f"the speech engine failed: {reply.get('error')}")
            self._failures = 0
            return reply
        finally:
            self._slots.put(slot)

    def _failed(self, why: str) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= MAX_CONSECUTIVE_FAILURES * len(self._all_slots):
                if self.config.voice:  # most likely the voice, not the installation
                    advice = (
                        f"the voice {self.config.voice!r} may not exist here: choose another "
                        "in Settings → Voice, or leave it empty for the default voice"
                    )
                else:
                    advice = "reinstall eSpeak NG (Debian: libespeak-ng1)"
                self._unavailable = SynthesisUnavailable(
                    f"the speech engine failed {self._failures} times in a row ({why}); " + advice
                )

    def _spawned(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._procs = {p for p in self._procs if p.poll() is None}
            self._procs.add(proc)
            closed = self._closed
        if closed:  # close() ran while this one was being started
            _end(proc)

    def live_workers(self) -> int:
        """How many worker processes are running now."""
        return sum(1 for slot in self._all_slots if slot.worker is not None)

    def release_idle(self) -> int:
        """End the worker processes that are idle now (each about 22 MB; the next request
        starts one again). Busy ones are left alone. Returns how many were ended."""
        taken: list[_Slot] = []
        while True:
            try:
                taken.append(self._slots.get_nowait())
            except queue.Empty:
                break
        ended = 0
        try:
            for slot in taken:
                if slot.worker is not None:
                    slot.worker.kill()
                    slot.worker = None
                    ended += 1
        finally:
            for slot in taken:
                self._slots.put(slot)
        return ended

    def close(self) -> None:
        """End every worker this synthesizer started: idle, busy, hung or still starting."""
        with self._lock:
            self._closed = True
            procs = list(self._procs)
        for slot in self._all_slots:
            if slot.worker is not None:
                slot.worker.kill()
                slot.worker = None
        for proc in procs:
            _end(proc)

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
