"""Teaching the voice commands the user's own voice: "say each command three times".

An enrolment is a list of takes (:mod:`.plan`): every phrase the recogniser listens for,
the shown one three times, the others ("player repeat") twice. For each take
:class:`TakeListener` (:mod:`.recognition`) records from an audio source until the burst of
speech ends, or a timeout (:mod:`.levels`), and has it heard by the recogniser that will
listen (:mod:`.check`: with "player", the network adapted to the other takes; else
pocketsphinx). :class:`EnrolmentResult` (:mod:`.results`) sums that up per phrase ("heard 3
of 3", "heard 1 of 3 (once as “player back”, once not at all)"), says how noisy the room was
and gives advice (lower the TV, move closer, say it slower). :mod:`.files` keeps it::

    <data_dir>/voice_enrolment/enrolment.json          the results (written atomically)
    <data_dir>/voice_enrolment/takes-<stamp>/*.wav     each take, 16 kHz mono s16 PCM

For the recogniser (adapting to the user's voice)::

    from stenosis_player.voice_commands.enrolment import load_enrolment

    saved = load_enrolment(paths.data_dir)   # None: never enrolled; EnrolmentFileProblem: damaged
    if saved is not None:
        saved.takes_with_phrases()           # [(Command, "player next", TakeAudio), ...]
        saved.takes_by_command()             # dict[Command, list[TakeAudio]], recordings only
        saved.leading_word                   # the leading word the takes were said with
        # TakeAudio: .pcm (16 kHz mono s16le), .samples(), .speech_start / .speech_end

Qt-free; time comes from the audio itself (samples fed) or an injected clock.
"""

from ..commands import Command
from .check import NetworkCheck, SphinxCheck, TakeChecker, checker_for, recognise_take
from .files import (
    FOLDER_NAME,
    FORMAT,
    RESULT_FILE,
    EnrolmentFileProblem,
    SaveReport,
    enrolment_folder,
    forget_recordings,
    load_enrolment,
    save_enrolment,
)
from .levels import FRAME, SAMPLE_RATE, TakeAudio, TakeRecorder, level_db
from .plan import TAKES_PER_ALTERNATE, TAKES_PER_COMMAND, PlannedTake, enrolment_plan
from .recognition import MicrophoneWatch, TakeListener, recheck, run_takes
from .results import (
    ADVICE_MISSED,
    ADVICE_NOISE,
    ADVICE_QUIET,
    HEARD_BY,
    LOUD_ROOM_DB,
    LOW_SNR_DB,
    QUIET_ROOM_DB,
    QUIET_SPEECH_DB,
    VERY_QUIET_ROOM_DB,
    CommandSummary,
    EnrolmentResult,
    Outcome,
    TakeResult,
    room_words,
    take_result,
    voice_words,
)

__all__ = [
    "ADVICE_MISSED",
    "ADVICE_NOISE",
    "ADVICE_QUIET",
    "FOLDER_NAME",
    "FORMAT",
    "FRAME",
    "HEARD_BY",
    "LOUD_ROOM_DB",
    "LOW_SNR_DB",
    "QUIET_ROOM_DB",
    "QUIET_SPEECH_DB",
    "RESULT_FILE",
    "SAMPLE_RATE",
    "TAKES_PER_ALTERNATE",
    "TAKES_PER_COMMAND",
    "VERY_QUIET_ROOM_DB",
    "Command",
    "CommandSummary",
    "EnrolmentFileProblem",
    "EnrolmentResult",
    "MicrophoneWatch",
    "NetworkCheck",
    "Outcome",
    "PlannedTake",
    "SaveReport",
    "SphinxCheck",
    "TakeAudio",
    "TakeChecker",
    "TakeListener",
    "TakeRecorder",
    "TakeResult",
    "checker_for",
    "enrolment_folder",
    "enrolment_plan",
    "forget_recordings",
    "level_db",
    "load_enrolment",
    "recheck",
    "recognise_take",
    "room_words",
    "run_takes",
    "save_enrolment",
    "take_result",
    "voice_words",
]
