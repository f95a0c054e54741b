"""The keyword spotter's network, run in numpy (trained by bench/voice_commands/train_kws.py).

The model file (``stenosis_player/data/kws_player.npz``) holds the feature spec, the class
names (``filler`` first, then the phrases) and the weights of a small CNN: four 3x3
convolutions (batch norm folded in, ReLU, 2x2 max pooling after the first three), the mean over
frequency, then two dense layers. Input: a window of normalised log-mel frames; output: the
probability of each class that the window ends just after that phrase was said on its own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .features import FeatureSpec

MODEL_RESOURCE = "kws_player.npz"
N_CONV = 4
POOLED = (True, True, True, False)  # 2x2 max pooling after each convolution


class KwsModelError(RuntimeError):
    """The model file is missing or not a usable model."""


def _conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (C, H, W), w (O, C, 3, 3) -> (O, H, W), zero padding, ReLU."""
    c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    patches = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
    # (C, H, W, 3, 3) -> (H * W, C * 9)
    cols = patches.transpose(1, 2, 0, 3, 4).reshape(h * wd, c * 9)
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return np.maximum(out, 0.0).T.reshape(w.shape[0], h, wd)


def _pool2(x: np.ndarray) -> np.ndarray:
    c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    return x[:, : h2 * 2, : w2 * 2].reshape(c, h2, 2, w2, 2).max(axis=(2, 4))


class KwsModel:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            with np.load(self.path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise KwsModelError(f"the voice-command model {self.path} is missing") from None
        except Exception as exc:  # zip or format damage: numpy raises several kinds
            raise KwsModelError(
                f"the voice-command model {self.path} cannot be read ({exc})"
            ) from None
        try:
            self.spec = FeatureSpec.from_array(arrays["spec"])
            self.classes: list[str] = [str(c) for c in arrays["classes"]]
            self.convs = [
                (arrays[f"conv{i}_w"].astype(np.float32), arrays[f"conv{i}_b"].astype(np.float32))
                for i in range(N_CONV)
            ]
            self.fc = [
                (arrays[f"fc{i}_w"].astype(np.float32), arrays[f"fc{i}_b"].astype(np.float32))
                for i in range(2)
            ]
            self.version = str(arrays.get("version", np.array("?")))
            self._check()
        except (KeyError, ValueError, TypeError) as exc:
            raise KwsModelError(
                f"the voice-command model {self.path} is not a usable model ({exc})"
            ) from None

    def _check(self) -> None:
        if not self.classes or self.classes[0] != "filler":
            raise ValueError("its first class is not 'filler'")
        channels = 1
        for i, (w, b) in enumerate(self.convs):
            if w.ndim != 4 or w.shape[1:] != (channels, 3, 3) or b.shape != (w.shape[0],):
                raise ValueError(f"convolution {i} has shape {w.shape}")
            channels = w.shape[0]
        frames = self.spec.window_frames
        for pooled in POOLED:
            frames = frames // 2 if pooled else frames
        (w1, b1), (w2, b2) = self.fc
        if w1.shape != (channels * frames, b1.shape[0]) or w2.shape != (
            b1.shape[0],
            len(self.classes),
        ):
            raise ValueError(f"dense layers {w1.shape}, {w2.shape} do not fit")
        if b2.shape != (len(self.classes),):
            raise ValueError(f"output bias {b2.shape}")

    def embedding(self, window: np.ndarray) -> np.ndarray:
        """The last hidden layer for *window* (what :func:`adapt.adapt_output` learns from)."""
        x = window[None, :, :].astype(np.float32)
        for (w, b), pooled in zip(self.convs, POOLED, strict=True):
            x = _conv3x3(x, w, b)
            if pooled:
                x = _pool2(x)
        x = x.mean(axis=2).reshape(-1)  # (channels, frames) flattened, channel-major
        w1, b1 = self.fc[0]
        return np.maximum(x @ w1 + b1, 0.0)

    def output(self, hidden: np.ndarray) -> np.ndarray:
        """Probability per class from :meth:`embedding` (rows of *hidden* if 2-D)."""
        w2, b2 = self.fc[1]
        z = hidden @ w2 + b2
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def probabilities(self, window: np.ndarray) -> np.ndarray:
        """*window*: (window_frames, n_mels) normalised log-mel -> probability per class."""
        return self.output(self.embedding(window))

    def weights_digest(self) -> str:
        """A digest of everything that decides this network's output (feature spec, classes,
        every layer): another model file, or another adapted layer, gives another digest."""
        h = hashlib.blake2b(digest_size=20)
        h.update(repr(self.spec).encode())
        h.update(repr(self.classes).encode())
        for w, b in [*self.convs, *self.fc]:
            for a in (w, b):
                h.update(f"{a.dtype}{a.shape}".encode())
                h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def with_output(self, w2: np.ndarray, b2: np.ndarray) -> KwsModel:
        """A copy whose last layer is (*w2*, *b2*): adapted to one user's voice."""
        other = object.__new__(KwsModel)
        other.__dict__.update(self.__dict__)
        other.fc = [self.fc[0], (w2.astype(np.float32), b2.astype(np.float32))]
        return other
