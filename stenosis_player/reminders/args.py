"""The ``remind`` subcommand's arguments: a module of its own, so that building the
command-line parser (at every start of the app) imports nothing else of the reminders."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "remind",
        help="exercise reminders: --install, --remove, --status, --now",
        description="Reminders at the days and times set in Settings → Reminders, shown even "
        "when the player is closed (through this computer's own scheduler).",
    )
    what = r.add_mutually_exclusive_group(required=True)
    what.add_argument("--install", action="store_true", help="turn reminders on and install them")
    what.add_argument("--remove", action="store_true", help="turn reminders off, remove every file")
    what.add_argument("--status", action="store_true", help="what is installed, the next reminders")
    what.add_argument("--now", action="store_true", help="show a reminder now (to try it)")
    what.add_argument("--check", action="store_true", help=argparse.SUPPRESS)  # the timer's
    what.add_argument("--daemon", action="store_true", help=argparse.SUPPRESS)  # autostart's
    what.add_argument("--show", action="store_true", help=argparse.SUPPRESS)  # one reminder
    r.add_argument("--kind", default="slot", help=argparse.SUPPRESS)
    r.add_argument("--gentle", action="store_true", help=argparse.SUPPRESS)
    r.add_argument("--days", metavar="DAYS", help="with --install: e.g. 'mon wed fri'")
    r.add_argument("--times", metavar="TIMES", help="with --install: e.g. '09:30 18:00'")
