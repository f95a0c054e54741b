"""Reminder benchmarks; prints numbers, asserts nothing.

    python bench/bench_reminders.py

1. The resident reminder process (XDG-autostart set-up, ``remind --daemon``): resident
   memory (RSS and PSS) once settled, and CPU time over 10 s idle.
2. One ``remind --check`` with nothing due (what a systemd timer starts): wall and CPU time.
3. The process that shows a reminder (``remind --show``) while its notification is up, on
   a real session bus with dunst (needs dbus-run-session, Xvfb, dunst).
4. For scale: the player window itself (offscreen), a few seconds after start.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "reminders"))


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in kB."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def env_for(root: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["XDG_CONFIG_HOME"] = str(root / "xdg")
    return env


def app(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "stenosis_player", "--data-dir", str(root / "app"), *args]


def bench_resident(root: Path) -> None:
    env = env_for(root)
    subprocess.run(
        app(root, "remind", "--install", "--times", "04:00"),
        env=env,
        check=True,
        capture_output=True,
    )
    pid_file = root / "app" / "data" / "reminder-daemon.pid"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (pid_file.exists() and pid_file.read_text()):
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    time.sleep(3)
    rss, pss = memory_kb(pid)
    cpu0 = cpu_s(pid)
    time.sleep(10)
    idle_cpu = cpu_s(pid) - cpu0
    subprocess.run(app(root, "remind", "--remove"), env=env, check=True, capture_output=True)
    print(
        f"resident process: RSS {rss / 1024:.1f} MB, PSS {pss / 1024:.1f} MB, "
        f"CPU {idle_cpu * 1000:.0f} ms in 10 s idle"
    )


def bench_check(root: Path) -> None:
    env = env_for(root)
    runs = []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(app(root, "remind", "--check"), env=env, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        runs.append((wall, cpu, after.ru_maxrss))
    best = min(runs)
    print(
        f"remind --check, nothing due: {best[0] * 1000:.0f} ms wall, "
        f"{best[1] * 1000:.0f} ms CPU (best of 5)"
    )


def bench_show(root: Path) -> None:
    from desktop_session import DesktopSession, missing_tools, wait_until

    if missing_tools():
        print(f"showing a reminder: skipped (missing {', '.join(missing_tools())})")
        return
    desktop = DesktopSession(root / "desktop")
    try:
        env = env_for(root, **{k: desktop.env[k] for k in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY")})
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            app(root, "remind", "--show"), env=env, stdout=subprocess.PIPE, text=True
        )
        wait_until(lambda: desktop.notify_calls() >= 1, 60, "no notification")
        shown_after = time.perf_counter() - t0
        time.sleep(1)
        rss, pss = memory_kb(proc.pid)
        desktop.close_all()
        answer = json.loads(proc.communicate(timeout=30)[0].splitlines()[-1])["answer"]
        print(
            f"showing a reminder: on screen {shown_after * 1000:.0f} ms after start; "
            f"RSS {rss / 1024:.1f} MB, PSS {pss / 1024:.1f} MB (answer: {answer})"
        )
    finally:
        desktop.stop()


def bench_player(root: Path) -> None:
    env = env_for(root, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        app(root), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(6)
        rss, pss = memory_kb(proc.pid)
        print(f"the player window, for scale: RSS {rss / 1024:.1f} MB, PSS {pss / 1024:.1f} MB")
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as tmp:
        root = Path(tmp)
        bench_resident(root)
        bench_check(root)
        bench_show(root)
        bench_player(root)


if __name__ == "__main__":
    main()
