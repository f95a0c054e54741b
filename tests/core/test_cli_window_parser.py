"""Opening the window parses its options without building the subcommands' parsers; any
command line that could name a command, or asks for help, gets the whole parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stenosis_player.cli import _window_options_only, build_parser, main

WINDOW_LINES = [
    [],
    ["--data-dir", "/tmp/x"],
    ["--data-dir=/tmp/x", "--fullscreen"],
    ["--start"],
    ["--start", "sciatica-five", "--speed", "20"],
    ["--speed", "-5"],
    ["--exercises", "check", "--verbose"],  # a file named like a command, as a value
    ["--bogus"],
    ["--self-test"],
]

OTHER_LINES = [
    ["check"],
    ["chek"],  # a mistyped command: the whole parser says which ones there are
    ["--data-dir", "x", "history"],
    ["--start", "sciatica-five", "script"],
    ["--help"],
    ["-h"],
    ["--", "--start"],
]


@pytest.mark.parametrize("argv", WINDOW_LINES)
def test_the_window_parser_reads_the_window_options_as_the_whole_one_does(argv):
    assert _window_options_only(argv)
    whole = build_parser().parse_known_args(argv)
    light = build_parser(commands=False).parse_known_args(argv)
    assert (vars(light[0]), light[1]) == (vars(whole[0]), whole[1])


@pytest.mark.parametrize("argv", OTHER_LINES)
def test_anything_that_may_name_a_command_gets_the_whole_parser(argv):
    assert not _window_options_only(argv)


def test_a_mistyped_command_still_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["chek"])
    assert exit_.value.code == 2
    assert "invalid choice: 'chek'" in capsys.readouterr().err


def test_help_still_lists_the_commands():
    out = subprocess.run(
        [sys.executable, "-m", "stenosis_player", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "export-audio" in out.stdout and "remind" in out.stdout
