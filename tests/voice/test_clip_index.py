"""The clip-length index beside the speech cache: the start screen's plan reads the
lengths of earlier runs' clips from it instead of every WAV header, and it is never
trusted blindly (a changed clip is read again; a missing or damaged index is rebuilt)."""

from __future__ import annotations

import json
import os
import wave
from pathlib import Path

import pytest

from stenosis_player.voice.clip_index import INDEX_NAME, ClipLengths
from stenosis_player.voice.service import SpeechService
from stenosis_player.voice.sinks import SilentSink
from stenosis_player.voice.synth import Synthesizer, clip_seconds


def write_clip(path: Path, seconds: float, rate: int = 8000) -> None:
    """A real 16-bit mono WAV of that length, put in place by a rename as synth.py does."""
    tmp = path.with_name(f".{path.name}.tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x01\x00" * int(seconds * rate))
    os.replace(tmp, path)


@pytest.fixture
def clips(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "speech"
    folder.mkdir()
    made = {}
    for name, seconds in (("a", 1.5), ("b", 2.0), ("c", 0.75)):
        made[name] = folder / f"{name}.wav"
        write_clip(made[name], seconds)
    return made


def test_lengths_come_from_the_index_once_it_is_written(clips):
    folder = clips["a"].parent
    first = ClipLengths(folder)
    assert [first.seconds(p) for p in clips.values()] == [1.5, 2.0, 0.75]
    assert first.headers_read == 3 and not (folder / INDEX_NAME).exists()
    first.save()
    again = ClipLengths(folder)  # the next start
    assert [again.seconds(p) for p in clips.values()] == [1.5, 2.0, 0.75]
    assert again.headers_read == 0 and not again.changed


def test_a_clip_made_again_is_read_again(clips):
    folder = clips["a"].parent
    first = ClipLengths(folder)
    for p in clips.values():
        first.seconds(p)
    first.save()
    write_clip(clips["b"], 3.25)  # another voice setting made it anew
    again = ClipLengths(folder)
    assert again.seconds(clips["b"]) == 3.25
    assert again.seconds(clips["a"]) == 1.5
    assert again.headers_read == 1
    again.save()
    assert ClipLengths(folder).seconds(clips["b"]) == 3.25


def test_a_clip_rewritten_in_place_at_the_same_size_is_read_again(clips):
    """Same size, same modification time: the new file's inode still tells it apart."""
    folder = clips["a"].parent
    first = ClipLengths(folder)
    first.seconds(clips["a"])
    first.save()
    stat = clips["a"].stat()
    write_clip(clips["a"], 3.0, rate=4000)  # as many bytes, at half the frame rate
    os.utime(clips["a"], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert clips["a"].stat().st_size == stat.st_size
    again = ClipLengths(folder)
    assert again.seconds(clips["a"]) == 3.0 == clip_seconds(clips["a"])
    assert again.headers_read == 1


@pytest.mark.parametrize(
    "damage",
    [
        b"",  # cut off by a power cut
        b"\x00\xff not json at all",
        b'{"format": "stenosis-player clip lengths 1", "clips": ',
        b'["a list", "not an index"]',
        b'{"format": "some other program", "clips": {}}',
        b'{"format": "stenosis-player clip lengths 1", "clips": []}',
    ],
)
def test_a_damaged_index_is_rebuilt_from_the_clips(clips, damage):
    folder = clips["a"].parent
    (folder / INDEX_NAME).write_bytes(damage)
    lengths = ClipLengths(folder)
    assert [lengths.seconds(p) for p in clips.values()] == [1.5, 2.0, 0.75]
    assert lengths.headers_read == 3
    lengths.save()
    data = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    assert sorted(data["clips"]) == ["a.wav", "b.wav", "c.wav"]
    assert ClipLengths(folder).seconds(clips["c"]) == 0.75


def test_bad_entries_are_dropped_and_good_ones_kept(clips):
    folder = clips["a"].parent
    good = ClipLengths(folder)
    good.seconds(clips["a"])
    good.save()
    data = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    data["clips"]["b.wav"] = ["1", 2, 3, 4.0]  # wrong types
    data["clips"]["../../etc/passwd.wav"] = [1, 2, 3, 4.0]  # not a file of this folder
    data["clips"]["c.wav"] = [*data["clips"]["a.wav"][:3], float("inf")]
    (folder / INDEX_NAME).write_text(json.dumps(data), encoding="utf-8")
    lengths = ClipLengths(folder)
    assert lengths.seconds(clips["a"]) == 1.5 and lengths.headers_read == 0
    assert lengths.seconds(clips["b"]) == 2.0 and lengths.seconds(clips["c"]) == 0.75
    assert lengths.headers_read == 2


def test_missing_and_truncated_clips(clips):
    folder = clips["a"].parent
    lengths = ClipLengths(folder)
    assert lengths.seconds(folder / "never-made.wav") is None
    clips["a"].write_bytes(b"RIFF")  # a few bytes: not a clip
    assert lengths.seconds(clips["a"]) is None
    clips["b"].write_bytes(b"RIFF" + b"\x00" * 60)  # longer than a header, but no WAV
    with pytest.raises(EOFError):
        lengths.seconds(clips["b"])


def test_deleted_clips_leave_the_index(clips):
    folder = clips["a"].parent
    lengths = ClipLengths(folder)
    for p in clips.values():
        lengths.seconds(p)
    clips["b"].unlink()
    lengths.save()
    data = json.loads((folder / INDEX_NAME).read_text(encoding="utf-8"))
    assert sorted(data["clips"]) == ["a.wav", "c.wav"]


def test_an_unwritable_cache_folder_only_means_headers_are_read(clips):
    folder = clips["a"].parent
    (folder / INDEX_NAME).mkdir()  # where the file would go: cannot be replaced
    lengths = ClipLengths(folder)
    assert lengths.seconds(clips["a"]) == 1.5
    lengths.save()  # says nothing, breaks nothing
    assert lengths.changed and (folder / INDEX_NAME).is_dir()


def test_the_speech_service_indexes_real_clips_for_the_next_start(qtbot, tmp_path):
    """Clips made by eSpeak NG in one run are timed from the index in the next."""
    cache = tmp_path / "speech"
    lines = ["Lie on your back.", "Slowly bring both knees up."]
    first = SpeechService(Synthesizer(cache, hang_timeout=20.0), sink=SilentSink())
    try:
        first.prepare(lines)
        qtbot.waitUntil(first.is_ready, timeout=30_000)
        made = [first.clip_seconds(t) for t in lines]
    finally:
        first.close()  # writes the index
    assert (cache / INDEX_NAME).is_file()
    second = SpeechService(Synthesizer(cache), sink=SilentSink())
    try:
        assert [second.cached_seconds(t) for t in lines] == made
        assert second._lengths.headers_read == 0
        write_clip(second.synth.path_for(lines[0]), 4.5)  # the clip changed on disk
        third = SpeechService(Synthesizer(cache), sink=SilentSink())
        try:
            assert third.cached_seconds(lines[0]) == 4.5
            assert third.cached_seconds(lines[1]) == made[1]
            assert third._lengths.headers_read == 1
        finally:
            third.close()
    finally:
        second.close()


def test_a_background_save_writes_what_the_next_start_reads(clips):
    folder = clips["a"].parent
    first = ClipLengths(folder)
    for p in clips.values():
        first.seconds(p)
    thread = first.save_in_background()
    assert thread is not None and not first.changed
    write_clip(folder / "d.wav", 1.25)  # a clip made while the save runs
    first.seconds(folder / "d.wav")
    assert first.changed  # so the next save writes it
    thread.join(10)
    again = ClipLengths(folder)
    assert [again.seconds(p) for p in clips.values()] == [1.5, 2.0, 0.75]
    assert again.headers_read == 0
    assert first.save_in_background() is not None  # the clip made meanwhile
    assert first.save_in_background() is None  # nothing new: no thread


def test_an_older_background_copy_never_overwrites_a_newer_save(clips):
    folder = clips["a"].parent
    index = ClipLengths(folder)
    index.seconds(clips["a"])
    older = index._next_write()  # a background copy taken first, written last
    stale = dict(index._entries)
    index.seconds(clips["b"])
    index.save()  # the save at close: a and b
    assert index._write(stale, older) is not None
    again = ClipLengths(folder)
    assert again.seconds(clips["a"]) == 1.5 and again.seconds(clips["b"]) == 2.0
    assert again.headers_read == 0  # b's entry was not lost to the older copy
