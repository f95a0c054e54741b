"""The recognizer on the small generated set in tests/data/voice_commands (Festival voices; see
bench/voice_commands/make_test_data.py). Thresholds are the shipped, tuned ones. Each test runs
with each recognizer: the hybrid (pocketsphinx checked by the network), the neural spotter on
its own, and pocketsphinx alone (other leading words, and the fallback when the model file
cannot be used)."""

from dataclasses import replace

import pytest
from vc_data import feed_all, in_pink_noise, read_pcm

from stenosis_player.voice_commands.commands import QUESTION_ONLY, Command, phrase_to_command
from stenosis_player.voice_commands.recognizer import CommandRecognizer, Settings

ENGINES = ["hybrid", "neural", "sphinx"]


@pytest.fixture(params=ENGINES)
def rec(request):
    r = CommandRecognizer(engine=request.param)
    assert r.engine == request.param
    yield r
    r.close()


def _stream(rec, entries):
    """Play entries one after another; return {path: [commands heard during it]}."""
    out = {}
    for e in entries:
        heard = feed_all(rec, read_pcm(e["path"]))
        out[e["path"]] = [h.command for h in heard]
    out[entries[-1]["path"]] += [h.command for h in rec.flush()]
    return out


def _commands(manifest, voice=None, question=None):
    table = phrase_to_command()
    return [
        e
        for e in manifest
        if e["kind"] == "command"
        and e["phrase"] in table  # the data also holds a bare "yes" and "no"
        and (voice is None or e["voice"] == voice)
        and (question is None or (table[e["phrase"]] in QUESTION_ONLY) == question)
    ]


def test_commands_recognised_clean_voice(rec, manifest):
    entries = _commands(manifest, voice="slt", question=False)
    heard = _stream(rec, entries)
    table = phrase_to_command()
    hits = [e["phrase"] for e in entries if table[e["phrase"]] in heard[e["path"]]]
    assert len(hits) >= len(entries) - 1, heard
    wrong = [c for e in entries for c in heard[e["path"]] if c is not table[e["phrase"]]]
    assert not wrong


def test_commands_recognised_in_noise(rec, manifest):
    entries = _commands(manifest, voice="kal", question=False)
    heard = _stream(rec, entries)
    table = phrase_to_command()
    hits = [e["phrase"] for e in entries if table[e["phrase"]] in heard[e["path"]]]
    assert len(hits) >= len(entries) // 2, heard


def test_yes_no_only_while_a_question_is_open(rec, manifest, request):
    if rec.engine == "neural":
        request.applymarker(
            pytest.mark.xfail(
                reason="measured: the network on its own hears slt's 'player yes' as 'player "
                "next' (0.56 against 0.45; held-out voices: 20 of 66); the hybrid "
                "(kws_thresholds.json) takes only pocketsphinx's commands, which the network confirms",
                strict=False,
            )
        )
    entries = _commands(manifest, voice="slt", question=True)
    closed = _stream(rec, entries)
    assert not any(closed.values())
    rec.set_question_open(True)
    opened = _stream(rec, entries)
    table = phrase_to_command()
    assert sum(table[e["phrase"]] in opened[e["path"]] for e in entries) >= len(entries) - 1


def test_ordinary_speech_gives_no_commands(rec, manifest):
    negatives = [e for e in manifest if e["kind"] == "negative"]
    heard = _stream(rec, negatives)
    assert not any(heard.values()), heard


def _one(manifest, phrase, voice="slt"):
    return next(e for e in manifest if e["phrase"] == phrase and e["voice"] == voice)


def test_only_pause_stop_and_it_hurts_over_the_apps_voice(rec, manifest):
    rec.set_app_speaking(True, "Lie on your back. Bend your knees.")
    for phrase, expected in [
        ("player next", []),
        ("player back", []),
        ("player pause", [Command.PAUSE]),
        ("player stop", [Command.STOP]),
        ("it hurts", [Command.IT_HURTS]),
    ]:
        pcm = read_pcm(_one(manifest, phrase)["path"])
        got = [h.command for h in feed_all(rec, pcm) + rec.flush()]
        assert got == expected, phrase


def test_the_app_saying_a_command_does_not_trigger_it(rec, manifest):
    rec.set_app_speaking(True, "If a stretch hurts, say: it hurts.")
    pcm = read_pcm(_one(manifest, "it hurts")["path"])
    assert feed_all(rec, pcm) + rec.flush() == []
    assert any(r.reason == "the app said it" for r in rec.rejected)


def test_commands_count_again_after_the_app_stops_speaking(rec, manifest):
    rec.set_app_speaking(True, "Next exercise.")
    rec.feed(b"\0\0" * 16000)
    rec.set_app_speaking(False)
    rec.feed(b"\0\0" * 16000)
    pcm = read_pcm(_one(manifest, "player next")["path"])
    assert [h.command for h in feed_all(rec, pcm) + rec.flush()] == [Command.NEXT]


def test_heard_has_times_and_confidence(rec, manifest):
    e = _one(manifest, "player stop")
    (h,) = feed_all(rec, read_pcm(e["path"])) + rec.flush()
    assert h.phrase == "player stop"
    assert 0 < h.confidence <= 1
    assert h.start < h.time
    assert abs(h.time - e["speech_end_s"]) < 0.4


@pytest.mark.parametrize("engine", ENGINES)
def test_chunk_size_does_not_matter(manifest, engine):
    e = _one(manifest, "player continue")
    pcm = read_pcm(e["path"])
    results = []
    for chunk_s in (0.02, 0.1, 0.37):
        r = CommandRecognizer(engine=engine)
        results.append([h.command for h in feed_all(r, pcm, chunk_s) + r.flush()])
        r.close()
    assert results == [[Command.CONTINUE]] * 3


def test_custom_leading_word_ignores_the_default_one(manifest):
    r = CommandRecognizer(leading_word="coach")
    pcm = read_pcm(_one(manifest, "player pause")["path"])
    assert feed_all(r, pcm) + r.flush() == []
    r.close()


def test_unknown_leading_word_is_a_clear_error():
    from stenosis_player.voice_commands.recognizer import RecognizerError

    with pytest.raises(RecognizerError, match="no pronunciation"):
        CommandRecognizer(leading_word="zzxqv")


def test_odd_byte_count_is_rejected(rec):
    with pytest.raises(ValueError):
        rec.feed(b"\0\0\0")


def test_settings_file_loads():
    s = Settings.load()
    assert s.thresholds, "stenosis_player/data/voice_command_thresholds.json is missing"
    assert all(0 < t < 1 for t in s.thresholds.values())


@pytest.mark.parametrize(
    ("rel", "snr_db", "command"),
    [
        ("commands/clean/slt_1.0_it_hurts.wav", 15, Command.IT_HURTS),
        ("commands/clean/slt_1.0_player_continue.wav", 15, Command.CONTINUE),
        ("commands/clean/slt_1.0_player_next.wav", 10, Command.NEXT),
        ("commands/clean/slt_1.0_player_stop.wav", 10, Command.STOP),
    ],
)
def test_in_noise_the_segment_pass_finds_what_the_streaming_search_misses(
    recognizer_factory, rel, snr_db, command
):
    noisy = in_pink_noise(rel, snr_db)
    streaming_only = recognizer_factory(
        settings=replace(Settings.load(), segment_pass=False, pause_after_lead=False)
    )
    assert feed_all(streaming_only, noisy) + streaming_only.flush() == []
    rec = recognizer_factory()
    assert [h.command for h in feed_all(rec, noisy) + rec.flush()] == [command]


def test_a_bare_yes_or_no_is_not_an_answer(rec, manifest):
    """Said alone they were recognised too rarely (and "no" fired on noise): the leading
    word is needed, as for every command but "it hurts"."""
    entries = [e for e in manifest if e.get("phrase") in ("yes", "no")]
    assert len(entries) == 4
    rec.set_question_open(True)
    assert not any(_stream(rec, entries).values())
