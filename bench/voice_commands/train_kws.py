"""Train the keyword spotter (issue 19) and export it to stenosis_player/data/kws_player.npz.

    python3 -m venv /work/train-venv && /work/train-venv/bin/pip install torch==2.13.0 numpy scipy
    nice -n 10 python3 bench/voice_commands/make_train_data.py /tmp/kws-train
    nice -n 10 /work/train-venv/bin/python bench/voice_commands/train_kws.py /tmp/kws-train

torch is needed here only: the app runs the exported weights in numpy (kws_model.py).
The shipped model: ``make_train_data.py /tmp/kws-train`` (defaults), then this script with its
defaults (seed 19, a 20-minute budget: 1,956 steps of 96 on this 2-core machine, in the
model's ``info``); ``--steps 1956`` repeats that schedule whatever the machine's speed.

Each example is a ~2 s window of audio made on the fly from the training voices' clean clips:
a command said on its own with the window ending 0.12-0.7 s after it (that command's class), or
filler: ordinary speech, a command word or the leading word alone, a command run into other
speech, a command cut off by the window's end or long past, noise alone. Then a room (a
synthetic reverberation tail), a level, a tone (first-order filters), and noise made here (white,
pink, brown, babble of the training voices, a TV-like talker with music) at -3..30 dB SNR. The
seeds are fixed, so a run is reproducible.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.signal import fftconvolve, lfilter
from torch import nn

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from stenosis_player.voice_commands.features import FeatureSpec, hann, mel_matrix  # noqa: E402

RATE = 16000
CLASSES = (
    "filler",
    "player back",
    "player continue",
    "player next",
    "player no",
    "player pause",
    "player repeat",
    "player stop",
    "player yes",
    "it hurts",
)
SPEC = FeatureSpec()
W = SPEC.window_samples
POS_OFFSET = (0.12, 0.7)  # window end this long after the phrase: positive


def speech_power(x: np.ndarray) -> float:
    n = len(x) // 320
    if n == 0:
        return float(np.mean(x**2) + 1e-12)
    p = np.mean(x[: n * 320].reshape(n, 320) ** 2, axis=1)
    return float(np.mean(p[p > p.max() / 1000]) + 1e-12)


class Clips:
    def __init__(self, folder: Path, val_share: float = 0.1) -> None:
        data = np.load(folder / "clips.npz")
        meta = json.loads((folder / "clips.json").read_text())
        audio, offsets = data["audio"], data["offsets"]
        n_cfg = len(meta["configs"])
        self.voices = sorted(
            {
                f"{c['engine']}:{c['voice'] if c['engine'] != 'espeak' else 'espeak'}"
                for c in meta["configs"]
            }
        )
        rng = np.random.default_rng(5)
        val_cfgs = set(rng.choice(n_cfg, size=max(1, int(n_cfg * val_share)), replace=False))
        self.split = {
            name: {"phrase": {}, "word": {}, "sentence": [], "embedded": []}
            for name in ("train", "val")
        }
        for i, m in enumerate(meta["clips"]):
            x = audio[offsets[i] : offsets[i + 1]].astype(np.float32) / 32768.0
            part = self.split["val" if m["config"] in val_cfgs else "train"]
            if m["kind"] in ("sentence", "embedded"):
                part[m["kind"]].append(x)
            else:
                part[m["kind"]].setdefault(m["text"], {})[m["config"]] = x


class NoiseBank:
    """A minute of each kind of noise, made here with its own seed (not the evaluation's)."""

    def __init__(self, sentences: list[np.ndarray], rng: np.random.Generator) -> None:
        n = 60 * RATE
        stream = np.concatenate([s / math.sqrt(speech_power(s)) for s in sentences])

        def talker() -> np.ndarray:
            out = np.zeros(n, dtype=np.float32)
            pos = 0
            while pos < n:
                a = int(rng.integers(0, len(stream) - RATE))
                piece = stream[a : a + int(rng.uniform(2, 8) * RATE)]
                out[pos : pos + len(piece)] = piece[: n - pos]
                pos += len(piece) + int(rng.uniform(0, 0.3) * RATE)
            return out

        def coloured(power: float) -> np.ndarray:
            spec = np.fft.rfft(rng.normal(size=n))
            f = np.arange(len(spec))
            spec[1:] /= f[1:] ** (power / 2)
            spec[0] = 0
            return np.fft.irfft(spec, n)

        def tune() -> np.ndarray:
            out = np.zeros(n)
            t = 0
            while t < n:
                d = int(rng.uniform(0.1, 0.7) * RATE)
                seg = np.arange(min(d, n - t)) / RATE
                env = np.exp(-seg * rng.uniform(1, 10))
                for _ in range(int(rng.integers(1, 4))):
                    f0 = 90 * 2 ** (rng.integers(0, 36) / 12)
                    for h in range(1, 6):
                        out[t : t + len(seg)] += env * np.sin(2 * np.pi * f0 * h * seg) / h**1.3
                t += d
            return out

        babble = {k: sum(talker() for _ in range(k)) for k in (3, 6)}
        tv = talker() + 0.6 * tune() / 0.3
        spec = np.fft.rfft(tv)
        f = np.fft.rfftfreq(n, 1 / RATE)
        spec[(f < 150) | (f > 5500)] = 0
        tv = np.fft.irfft(spec, n)
        tv = np.tanh(tv / (2.5 * np.std(tv)))
        self.kinds = {
            "white": rng.normal(size=n),
            "pink": coloured(1.0),
            "brown": coloured(2.0),
            "babble3": babble[3],
            "babble6": babble[6],
            "tv": tv,
            "hum": coloured(1.5) + 0.3 * np.sin(2 * np.pi * 100 * np.arange(n) / RATE),
        }
        for k, v in self.kinds.items():
            self.kinds[k] = (v / np.sqrt(np.mean(v**2))).astype(np.float32)
        self.names = list(self.kinds)

    def take(self, rng: np.random.Generator, length: int) -> np.ndarray:
        src = self.kinds[self.names[int(rng.integers(len(self.names)))]]
        a = int(rng.integers(0, len(src) - length))
        return src[a : a + length]


class Examples:
    def __init__(self, part: dict, bank: NoiseBank, seed: int) -> None:
        self.part = part
        self.bank = bank
        self.rng = np.random.default_rng(seed)
        self.phrases = CLASSES[1:]

    def _phrase(self, cls: int) -> np.ndarray:
        rng = self.rng
        text = self.phrases[cls - 1]
        by_cfg = self.part["phrase"][text]
        cfg = list(by_cfg)[int(rng.integers(len(by_cfg)))]
        words = self.part["word"]
        if text.startswith("player ") and rng.random() < 0.3:
            word = text.split()[1]
            if cfg in words.get("player", {}) and cfg in words.get(word, {}):
                gap = np.zeros(int(rng.uniform(0.12, 0.85) * RATE), dtype=np.float32)
                return np.concatenate([words["player"][cfg], gap, words[word][cfg]])
        return by_cfg[cfg]

    def _word(self) -> np.ndarray:
        words = self.part["word"]
        keys = list(words)
        w = words[keys[int(self.rng.integers(len(keys)))]]
        return list(w.values())[int(self.rng.integers(len(w)))]

    def _sentence(self) -> np.ndarray:
        s = self.part["sentence"]
        return s[int(self.rng.integers(len(s)))]

    def _perturb(self, x: np.ndarray) -> np.ndarray:
        """Speed, pitch and vocal tract together (resampling)."""
        if self.rng.random() < 0.6:
            f = self.rng.uniform(0.85, 1.15)
            t = np.arange(0, len(x) - 1, f)
            x = np.interp(t, np.arange(len(x)), x).astype(np.float32)
        return x

    def _place(self, out: np.ndarray, x: np.ndarray, end: int) -> None:
        start = end - len(x)
        a, b = max(0, start), min(W, end)
        if b > a:
            out[a:b] += x[a - start : b - start]

    def example(self) -> tuple[np.ndarray, int]:
        rng = self.rng
        sig = np.zeros(W, dtype=np.float32)
        label = 0
        r = rng.random()
        if r < 0.45:  # a command on its own
            label = int(rng.integers(1, len(CLASSES)))
            x = self._perturb(self._phrase(label))
            end = W - int(rng.uniform(*POS_OFFSET) * RATE)
            if len(x) > end:  # too long for the window at this offset: filler instead
                x, label = x[-end:], 0
            self._place(sig, x, end)
            if label and rng.random() < 0.25:  # other speech before it, after a pause
                gap = int(rng.uniform(0.4, 1.0) * RATE)
                s = self._perturb(self._sentence()) * rng.uniform(0.3, 1.0)
                self._place(sig, s, end - len(x) - gap)
            power = speech_power(x)
        elif r < 0.59:  # ordinary speech
            s = self._perturb(self._sentence())
            end = int(rng.integers(W // 3, W + len(s)))
            self._place(sig, s, end)
            if end - len(s) > 0 and rng.random() < 0.5:
                self._place(sig, self._perturb(self._sentence()), end - len(s) - 800)
            power = speech_power(s)
        elif r < 0.69 and self.part["embedded"]:  # a command inside a sentence, same voice
            emb = self.part["embedded"]
            s = self._perturb(emb[int(rng.integers(len(emb)))])
            end = int(rng.integers(W // 2, W + len(s) // 2 + 1))
            self._place(sig, s, end)
            power = speech_power(s)
        elif r < 0.78:  # a single word: the leading word or a command word alone
            x = self._perturb(self._word())
            self._place(sig, x, W - int(rng.uniform(0.05, 1.2) * RATE))
            power = speech_power(x)
        elif r < 0.84:  # a command run into other speech
            x = self._perturb(self._phrase(int(rng.integers(1, len(CLASSES)))))
            s = self._perturb(self._sentence())
            end = W - int(rng.uniform(*POS_OFFSET) * RATE)
            if rng.random() < 0.5:  # speech goes on right after it
                gap = int(rng.uniform(0.0, 0.12) * RATE)
                self._place(sig, x, end)
                self._place(sig, s[: W - end], end + gap + min(len(s), W - end))
            else:  # speech right before it
                self._place(sig, x, end)
                self._place(sig, s, end - len(x) - int(rng.uniform(0.0, 0.1) * RATE))
            power = speech_power(x)
        elif r < 0.93:  # a command cut off by the window, or long past
            x = self._perturb(self._phrase(int(rng.integers(1, len(CLASSES)))))
            if rng.random() < 0.6:
                end = W + int(rng.uniform(0.08, 0.5) * RATE)
            else:
                end = W - int(rng.uniform(1.1, 1.7) * RATE)
            self._place(sig, x, end)
            power = speech_power(x)
        else:  # noise alone
            power = 10 ** rng.uniform(-4, -1.5)
        if np.any(sig) and rng.random() < 0.55:  # a room, from a dry one to a far talker
            rt60 = rng.uniform(0.15, 1.3)
            n = int(rt60 * RATE)
            tail = rng.normal(size=n) * np.exp(-6.9 * np.arange(n) / n)
            if rng.random() < 0.7:  # walls take the highs first
                a = rng.uniform(0.2, 0.8)
                tail = lfilter([1 - a], [1, -a], tail)
            tail *= math.sqrt(10 ** rng.uniform(-1.2, 0.7) / np.sum(tail**2))
            delay = int(rng.uniform(0.0, 0.025) * RATE)
            rir = np.concatenate([[1.0], np.zeros(delay), tail])
            sig = fftconvolve(sig, rir)[:W].astype(np.float32)
        if rng.random() < 0.3:  # tone of the microphone and distance
            a = rng.uniform(0.0, 0.9)
            sig = (
                lfilter([1 - a], [1, -a], sig).astype(np.float32)
                if rng.random() < 0.5
                else (lfilter([1, -a], [1], sig).astype(np.float32))
            )
        if rng.random() < 0.88:
            snr = rng.uniform(-3, 30)
            noise = self.bank.take(rng, W) * math.sqrt(power / 10 ** (snr / 10))
            if rng.random() < 0.3:
                noise = noise + self.bank.take(rng, W) * math.sqrt(power / 10 ** (snr / 10 + 0.5))
            sig = sig + noise
        else:
            sig = sig + rng.normal(size=W).astype(np.float32) * math.sqrt(power) * 1e-3
        peak = np.max(np.abs(sig)) + 1e-9
        sig = sig / peak * 10 ** (rng.uniform(-35, -1) / 20)
        return sig.astype(np.float32), label

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = zip(*(self.example() for _ in range(n)), strict=True)
        return torch.from_numpy(np.stack(xs)), torch.tensor(ys)


class Stream(torch.utils.data.IterableDataset):
    """Batches made in a worker process, so that making them overlaps training."""

    def __init__(self, part: dict, bank: NoiseBank, seed: int, batch: int) -> None:
        self.part, self.bank, self.seed, self.batch = part, bank, seed, batch

    def __iter__(self):
        gen = Examples(self.part, self.bank, seed=self.seed)
        while True:
            yield gen.batch(self.batch)


class Features(nn.Module):
    """The same log-mel as features.LogMel, in torch, then each band's window mean removed."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("mel", torch.from_numpy(mel_matrix(SPEC).astype(np.float32)))
        self.register_buffer("window", torch.from_numpy(hann(SPEC).astype(np.float32)))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        frames = audio.unfold(1, SPEC.frame_len, SPEC.hop) * self.window
        power = torch.fft.rfft(frames, SPEC.n_fft, dim=2).abs() ** 2
        logmel = torch.log(power @ self.mel + SPEC.eps)
        return logmel - logmel.mean(dim=1, keepdim=True)


class Net(nn.Module):
    CHANNELS = (16, 32, 48, 64)

    def __init__(self) -> None:
        super().__init__()
        layers = []
        c_in = 1
        for i, c in enumerate(self.CHANNELS):
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU()]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
            c_in = c
        self.conv = nn.Sequential(*layers)
        frames = SPEC.window_frames // 8
        self.fc1 = nn.Linear(self.CHANNELS[-1] * frames, 128)
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(128, len(CLASSES))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = self.conv(feats[:, None])
        x = x.mean(dim=3).flatten(1)
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


def spec_augment(f: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    f = f.clone()
    b, t, m = f.shape
    for i in range(b):
        w = int(torch.randint(0, 7, (1,), generator=gen))
        a = int(torch.randint(0, m - w + 1, (1,), generator=gen))
        f[i, :, a : a + w] = 0
        w = int(torch.randint(0, 12, (1,), generator=gen))
        a = int(torch.randint(0, t - w + 1, (1,), generator=gen))
        f[i, a : a + w, :] = 0
    return f


def export(net: Net, path: Path, info: dict) -> None:
    out: dict[str, np.ndarray] = {
        "spec": SPEC.as_array(),
        "classes": np.array(CLASSES),
        "version": np.array(info["version"]),
        "info": np.array(json.dumps(info)),
    }
    convs = [m for m in net.conv if isinstance(m, nn.Conv2d)]
    bns = [m for m in net.conv if isinstance(m, nn.BatchNorm2d)]
    for i, (conv, bn) in enumerate(zip(convs, bns, strict=True)):
        scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach()
        out[f"conv{i}_w"] = (conv.weight.detach() * scale[:, None, None, None]).numpy()
        out[f"conv{i}_b"] = (
            ((conv.bias.detach() - bn.running_mean) * scale + bn.bias).detach().numpy()
        )
    for i, fc in enumerate((net.fc1, net.fc2)):
        out[f"fc{i}_w"] = fc.weight.detach().T.contiguous().numpy()
        out[f"fc{i}_b"] = fc.bias.detach().numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        **{
            k: v.astype(np.float32) if v.dtype == np.float64 and k != "spec" else v
            for k, v in out.items()
        },
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="/tmp/kws-train", type=Path)
    ap.add_argument(
        "--out", type=Path, default=REPO / "stenosis_player" / "data" / "kws_player.npz"
    )
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--batch", type=int, default=96)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--steps", type=int, default=0, help="a fixed number of steps, not a time")
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    clips = Clips(args.data)
    train, val = clips.split["train"], clips.split["val"]
    bank = NoiseBank(train["sentence"], np.random.default_rng(7001))
    batches = iter(
        torch.utils.data.DataLoader(
            Stream(train, bank, args.seed, args.batch), batch_size=None, num_workers=1
        )
    )
    gen_val = Examples(val, NoiseBank(val["sentence"], np.random.default_rng(7002)), seed=99)
    val_batches = [gen_val.batch(200) for _ in range(3)]
    feats, net = Features(), Net()
    n_params = sum(p.numel() for p in net.parameters())
    print(f"{n_params} parameters; window {W} samples", flush=True)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-3)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.02)
    gen = torch.Generator().manual_seed(args.seed)
    budget = args.minutes * 60
    t0 = time.time()
    step = 0
    while (args.steps and step < args.steps) or (not args.steps and (time.time() - t0) < budget):
        elapsed = time.time() - t0
        done = step / args.steps if args.steps else elapsed / budget
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = next(batches)
        net.train()
        with torch.no_grad():
            f = spec_augment(feats(x), gen)
        loss = loss_fn(net(f), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            net.eval()
            correct = total = fa = negs = 0
            with torch.no_grad():
                for vx, vy in val_batches:
                    pred = net(feats(vx)).argmax(1)
                    correct += int((pred == vy).sum())
                    total += len(vy)
                    fa += int(((vy == 0) & (pred != 0)).sum())
                    negs += int((vy == 0).sum())
            print(
                f"step {step} {elapsed:.0f}s lr {lr:.4f} loss {loss.item():.3f} "
                f"val acc {correct / total:.3f} filler->command {fa}/{negs}",
                flush=True,
            )
    net.eval()
    info = {
        "version": time.strftime("%Y%m%d-%H%M"),
        "steps": step,
        "batch": args.batch,
        "seed": args.seed,
        "data": str(args.data),
        # which synthesisers and voices it learnt from (never the evaluation's held-out ones)
        "voices": clips.voices,
    }
    export(net, args.out, info)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB) after {step} steps")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
