"""The adapted last layer kept beside the enrolment, so listening starts at once (issue 19).

Adapting the network to 26 takes with their noise copies costs several seconds of CPU on the
listener thread, during which no command is heard. The result depends only on the takes, the
base network and the adaptation's parameters, so it is saved once in the enrolment folder::

    <data_dir>/voice_enrolment/adapted-layer.npz

with a digest of all three (:func:`cache_key`). Listening uses it when the digest matches and
adapts afresh (and rewrites it, atomically) when not. A file that cannot be read, or holds a
layer that does not fit the network, is ignored and replaced: never a crash. It is derived from
the user's voice, so "Forget my recordings" deletes it (enrolment.files).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .adapt import Adaptation, Take, adapt_output, adaptation_parameters
from .kws_model import KwsModel

CACHE_FILE = "adapted-layer.npz"
CACHE_FORMAT = 1
CACHE_LIMIT = 4 * 1024 * 1024  # the layer is ~10 KB; a bigger file is not ours

_log = logging.getLogger(__name__)


def cache_key(model: KwsModel, takes: Sequence[Take], parameters: dict) -> str:
    """A digest of the base network's weights, each take (phrase, speech bounds, audio) in
    order, and the adaptation's parameters: any change to one gives another key."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"format {CACHE_FORMAT}\n".encode())
    h.update(model.weights_digest().encode())
    h.update(repr(sorted(parameters.items())).encode())
    for take in takes:
        h.update(f"\n{take.phrase}|{take.speech_start}|{take.speech_end}|{len(take.pcm)}|".encode())
        h.update(hashlib.blake2b(take.pcm, digest_size=20).digest())
    return h.hexdigest()


def load_cached(path: Path, model: KwsModel, key: str) -> Adaptation | None:
    """The adaptation saved at *path* if it was made under *key* and fits *model*, else None
    (missing, damaged, foreign or stale: the caller adapts afresh)."""
    try:
        if path.stat().st_size > CACHE_LIMIT:
            raise ValueError("too large")
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != CACHE_FORMAT or str(data["key"]) != key:
                return None  # another enrolment, network or adaptation: not for us
            w, b = data["w"], data["b"]
            takes_used = int(data["takes_used"])
            phrases = tuple(str(p) for p in data["phrases"])
    except FileNotFoundError:
        return None
    except Exception as exc:  # zip damage, missing arrays, wrong types: numpy raises many
        _log.info("adapted layer %s not used (%s); adapting again", path, exc)
        return None
    w0, b0 = model.fc[1]
    if (
        w.shape != w0.shape
        or b.shape != b0.shape
        or not (np.all(np.isfinite(w)) and np.all(np.isfinite(b)))
    ):
        _log.info("adapted layer %s does not fit the network; adapting again", path)
        return None
    return Adaptation(model.with_output(w, b), takes_used, phrases)


def save_cached(path: Path, adaptation: Adaptation, key: str) -> None:
    """Write *adaptation*'s last layer to *path* atomically (a crash leaves the old file or
    the new one). Raises OSError."""
    from ..durable_files import durable_replace

    w, b = adaptation.model.fc[1]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                format=np.array(CACHE_FORMAT),
                key=np.array(key),
                w=w,
                b=b,
                takes_used=np.array(adaptation.takes_used),
                phrases=np.array(adaptation.phrases, dtype=str),
            )
        durable_replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cached_adaptation(
    model: KwsModel, takes: Sequence[Take], folder: Path | None
) -> tuple[Adaptation, bool]:
    """(*model* adapted to *takes*, whether it came from the cache in *folder*). Without a
    folder, or when it cannot be written, it is adapted as before (the cache only saves time)."""
    if folder is None:
        return adapt_output(model, takes), False
    path = Path(folder) / CACHE_FILE
    key = cache_key(model, takes, adaptation_parameters())
    cached = load_cached(path, model, key)
    if cached is not None:
        return cached, True
    adaptation = adapt_output(model, takes)
    if adaptation.takes_used:
        try:
            save_cached(path, adaptation, key)
        except OSError as exc:  # a read-only folder or a full disk: listen all the same
            _log.warning("could not save the adapted layer in %s: %s", path, exc)
    return adaptation, False


def forget_cache(folder: Path) -> None:
    """Delete the adapted layer (it is derived from the user's recordings). Raises OSError
    other than the file being gone already."""
    with contextlib.suppress(FileNotFoundError):
        (Path(folder) / CACHE_FILE).unlink()
