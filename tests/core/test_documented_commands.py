"""Every command line the README and the guides tell a user or a therapist to type parses.

``stenosis-player listen --verbose`` and ``stenosis-player script --exercises my.json`` were
written in the docs while the command refused them; this reads each documented line (inline
code and ``sh`` blocks, usage brackets expanded) and parses it with the real parsers."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from stenosis_player.cli import build_parser
from stenosis_player.voice_commands.listen import _parser as listen_parser

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _usage_lines(line: str) -> list[list[str]]:
    """``remind --install | --remove`` -> one line per choice; ``[--program ID]`` -> its
    words; ``text|json`` -> the first choice."""
    line = line.split("  #", 1)[0].strip()
    head, *alternatives = [part.strip() for part in line.split(" | ")]
    command = head.split()[:2] if alternatives else []
    out = []
    for part in [head, *alternatives]:
        words = shlex.split(re.sub(r"[\[\]]", " ", part))
        words = [w.split("|")[0] for w in words]
        out.append(words if words[:1] == ["stenosis-player"] else [*command, *words])
    return out


def documented_lines() -> list[pytest.param]:
    found: dict[str, tuple[str, list[str]]] = {}
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
        lines = [ln for b in blocks for ln in b.splitlines() if ln.startswith("stenosis-player")]
        inline = re.findall(
            r"`(stenosis-player(?: [^`]*)?)`", re.sub(r"```.*?```", "", text, flags=re.S)
        )
        for line in [*lines, *(" ".join(i.split()) for i in inline)]:
            for words in _usage_lines(line):
                found.setdefault(" ".join(words), (doc.name, words[1:]))
    return [pytest.param(argv, id=f"{name}: {key}") for key, (name, argv) in found.items()]


DOCUMENTED = documented_lines()


def test_the_docs_name_the_commands_users_type():
    commands = {p.values[0][0] for p in DOCUMENTED if p.values[0]}
    assert {"listen", "script", "review", "check", "remind", "history"} <= commands


@pytest.mark.parametrize("argv", DOCUMENTED)
def test_each_documented_command_line_parses(argv):
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if args.command == "listen":  # as main() does: the rest is for listen's own parser
            listen_parser().parse_args(extra)
            extra = []
    except SystemExit as exc:  # argparse's error (it printed which argument)
        pytest.fail(f"'stenosis-player {' '.join(argv)}' is refused (exit {exc.code})")
    assert extra == [], f"'stenosis-player {' '.join(argv)}': unrecognized {extra}"
