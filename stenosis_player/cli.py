"""Command line: the window by default, plus check / script / voices / export-audio /
history / listen subcommands. Errors are one clear line each, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__

EPILOG = """\
examples:
  stenosis-player                      open the player window
  stenosis-player --start              open it and start the default program at once
  stenosis-player check my.json        validate an exercise catalogue
  stenosis-player script --program sciatica-five
                                       print a whole session as text, for review
Data: settings, progress and speech cache live in the platform's user folders, or all
under --data-dir PATH.
"""


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; ``commands=False``: the window's options only (building
    the subcommands' parsers is ~3 ms of every start, and opening the window needs none)."""
    p = argparse.ArgumentParser(
        prog="stenosis-player",
        description="Hands-free, voice-guided home exercises for lumbar spinal stenosis.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument(
        "--data-dir", metavar="PATH", help="keep settings, progress and speech cache in PATH"
    )
    p.add_argument("--exercises", metavar="PATH", help="use this exercises.json instead")
    p.add_argument(
        "--start",
        nargs="?",
        const="",
        metavar="PROGRAM",
        help="open the window and start PROGRAM (default: the default program) at once",
    )
    p.add_argument(
        "--speed", type=float, default=1.0, metavar="N", help="play a session N times faster"
    )
    p.add_argument("--fullscreen", action="store_true", help="open full screen")
    p.add_argument(
        "--verbose",
        action="store_true",
        help="print what happens (steps, speech started and stopped, voice commands heard), "
        "one line each",
    )
    p.add_argument(
        "--self-test",
        action="store_true",
        help="check catalogue, script, speech and window, print one line, exit",
    )
    if not commands:
        p.set_defaults(command=None)
        return p
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="validate an exercises.json (exit 1 listing every problem)")
    c.add_argument("path", nargs="?", help="catalogue to check (default: the shipped one)")

    s = sub.add_parser("script", help="print the whole session script with times")
    s.add_argument("--program", metavar="ID", help="program id (default: the catalogue's)")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.add_argument("--no-settings", action="store_true", help="ignore the user's settings")
    s.add_argument(
        "--estimate",
        action="store_true",
        help="time lines by word count instead of their real clips (no speech engine needed)",
    )

    sub.add_parser("voices", help="list the speech engines and voices on this machine")

    r = sub.add_parser(
        "review", help="write the clinical review of every program (Markdown) for a therapist"
    )
    r.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")

    e = sub.add_parser("export-audio", help="render a whole guided session into one WAV file")
    e.add_argument("out", metavar="OUT.wav")
    e.add_argument("--program", metavar="ID")
    for command in (s, r, e):  # the catalogue is named after these too, as the docs write it
        command.add_argument(
            "--exercises",
            metavar="PATH",
            default=argparse.SUPPRESS,  # unset here: the one before the command stays
            help="use this exercises.json instead (also allowed before the command)",
        )

    h = sub.add_parser("history", help="print past sessions")
    h.add_argument("--csv", action="store_true", help="as CSV, for your therapist")

    # its options (--wav, --verbose, --engine, --question, --leading-word, --help) belong to
    # the listen module's own parser, which gets everything after "listen"
    sub.add_parser("listen", help="print the voice commands the microphone hears", add_help=False)

    from .reminders.args import add_parser as add_remind_parser

    add_remind_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--voice-worker"]:
        # a frozen (PyInstaller) build starts its speech worker through the app itself
        from .voice.worker import main as worker_main

        return worker_main()
    parser = build_parser(commands=not _window_options_only(argv))
    args, extra = parser.parse_known_args(argv)
    if args.command == "listen":  # what follows it is for its own parser (not the window's)
        args.listen_options = extra
        if not any(a.split("=")[0] in GLOBAL_OPTIONS for a in extra):
            extra = []
    if extra:
        misplaced = _misplaced_global_options(parser, args, extra)
        if misplaced:
            print(misplaced, file=sys.stderr)
            return 2
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not 0 < args.speed <= 1000:
        print(
            f"stenosis-player: --speed {args.speed:g} is not possible: it must be more than 0 "
            "and at most 1000 (1 is real time, 10 plays a session ten times faster)",
            file=sys.stderr,
        )
        return 2
    try:
        if args.command == "check":
            return cmd_check(args)
        if args.command == "script":
            return cmd_script(args)
        if args.command == "review":
            return cmd_review(args)
        if args.command is None:
            if args.self_test:
                return _delegate("stenosis_player.selftest", "run_self_test", args)
            from .ui.display import display_problem

            problem = display_problem()
            if problem:
                print(
                    f"stenosis-player: cannot open the window: {problem}. Start it from your "
                    "desktop, or use a command that needs no window (stenosis-player --help).",
                    file=sys.stderr,
                )
                return 1
            return _delegate("stenosis_player.ui.app", "run_app", args)
        targets = {
            "voices": ("stenosis_player.voice.cli", "run_voices"),
            "export-audio": ("stenosis_player.voice.export", "run_export_audio"),
            "history": ("stenosis_player.history_cli", "run_history"),
            "listen": ("stenosis_player.cli", "cmd_listen"),
            "remind": ("stenosis_player.reminders.cli", "run_remind"),
        }
        module, func = targets[args.command]
        return _delegate(module, func, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


GLOBAL_OPTIONS = ("--data-dir", "--exercises", "--start", "--speed", "--fullscreen")
_TAKES_A_VALUE = ("--data-dir", "--exercises", "--start", "--speed")


def _window_options_only(argv: Sequence[str]) -> bool:
    """Is ``argv`` only options, and values right after the options that take one? Then
    it names no command and the parser without subcommands reads it the same way (any
    other word, or --help, gets the whole parser and its messages)."""
    after_option = False
    for arg in argv:
        if arg in ("-h", "--help") or arg == "--":
            return False
        if arg.startswith("-"):
            after_option = arg in _TAKES_A_VALUE
        elif after_option:
            after_option = False
        else:
            return False
    return True


def _misplaced_global_options(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]
) -> str | None:
    """'history --data-dir X': say that the window's options go before the command."""
    found = [a.split("=")[0] for a in extra if a.split("=")[0] in GLOBAL_OPTIONS]
    if not found or args.command is None:
        return None
    option = found[0]
    i = extra.index(next(a for a in extra if a.split("=")[0] == option))
    value = (
        [extra[i + 1]]
        if "=" not in extra[i] and i + 1 < len(extra) and not extra[i + 1].startswith("-")
        else []
    )
    shown = " ".join([extra[i], *value])
    return (
        f"{parser.prog}: {option} is an option of {parser.prog} itself, so it goes before "
        f"the command: {parser.prog} {shown} {args.command} …"
    )


def _delegate(module: str, func: str, args: argparse.Namespace) -> int:
    """Run a command that lives in its own module (imported only when used: start-up speed)."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        print(f"stenosis-player: this command is not available: {exc}", file=sys.stderr)
        return 1
    return int(getattr(mod, func)(args) or 0)


def load_catalog_or_report(path: str | None):  # -> Catalog | None
    from .catalog import CatalogError, load_catalog

    try:
        return load_catalog(path)
    except CatalogError as err:
        print(f"{err.path}: {len(err.problems)} problem(s)", file=sys.stderr)
        for problem in err.problems:
            print(f"  {terminal_safe(problem)}", file=sys.stderr)
        return None


def cmd_listen(args: argparse.Namespace) -> int:
    from .voice_commands.listen import run_listen

    options = list(getattr(args, "listen_options", []))
    if args.verbose and "--verbose" not in options and "-v" not in options:
        options.append("--verbose")
    return run_listen(options)


def cmd_check(args: argparse.Namespace) -> int:
    path = args.path or args.exercises
    catalog = load_catalog_or_report(path)
    if catalog is None:
        return 1
    n_ex, n_prog = len(catalog.exercises), len(catalog.programs)
    print(f"{catalog.path}: OK — {n_ex} exercises, {n_prog} programs")
    return 0


def script_options_for(args: argparse.Namespace, catalog, program_id: str):  # -> ScriptOptions
    """The user's settings turned into script options (defaults when there are none)."""
    from .script import ScriptOptions

    if getattr(args, "no_settings", False):
        return ScriptOptions()
    try:
        from .paths import app_paths
        from .settings import load_settings
    except ImportError:
        return ScriptOptions()
    loaded = load_settings(app_paths(args.data_dir).settings_file)
    for problem in [*loaded.problems, *loaded.notices]:
        print(f"stenosis-player: settings: {problem}", file=sys.stderr)
    return loaded.settings.script_options(catalog, program_id)


def script_or_report(args: argparse.Namespace, speech_seconds=None):  # -> Script | None
    """The session script of ``--program`` with the user's settings, or None after saying
    what is wrong (a broken catalogue, an unknown program). ``speech_seconds`` gives the
    real clip lengths the lines are fitted to (default: estimates from the words)."""
    from dataclasses import replace

    from .script import build_script

    catalog = load_catalog_or_report(args.exercises)
    if catalog is None:
        return None
    program_id = args.program or catalog.default_program
    if program_id not in catalog.programs:
        known = ", ".join(catalog.programs)
        print(f"stenosis-player: unknown program {program_id!r}; known: {known}", file=sys.stderr)
        return None
    options = script_options_for(args, catalog, program_id)
    if speech_seconds is not None:
        options = replace(options, speech_seconds=speech_seconds)
    return build_script(catalog, program_id, options)


def cmd_script(args: argparse.Namespace) -> int:
    if args.estimate:
        script = script_or_report(args)
    else:
        from .voice.export import user_synthesizer
        from .voice.timing import ClipTimer, report_estimates

        with user_synthesizer(args) as synth:
            timer = ClipTimer(synth)
            script = script_or_report(args, timer)
        report_estimates(timer)
    if script is None:
        return 1
    print(terminal_safe(script.to_json() if args.format == "json" else script.to_text()))
    return 0


# control characters other than newline and tab: an escape sequence in a catalogue's text
# must not reach the terminal (it could set the title, move the cursor or hide lines)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as escapes (\\x1b), never sent raw."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def cmd_review(args: argparse.Namespace) -> int:
    from .review import review_markdown

    catalog = load_catalog_or_report(args.exercises)
    if catalog is None:
        return 1
    text = review_markdown(catalog)
    if not args.out:
        print(text, end="")
        return 0
    from .settings import atomic_write_text

    try:
        atomic_write_text(Path(args.out), text)
    except OSError as exc:
        print(f"stenosis-player: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: clinical review of {len(catalog.programs)} programs")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
