"""The days with a session, read from the progress database without writing to it.

A day counts when a session was completed or some exercise was done in one, even if it is
still going (the player is open mid-session) or was cut short: the person exercised. The reminder process opens the file
read-only and never creates it; a missing or unreadable database means "no sessions"."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path


def session_days(
    database: Path, since: date, tz: tzinfo | None = None
) -> tuple[set[date], str | None]:
    """(local days from ``since`` on with a session, a problem or None)."""
    path = Path(database)
    if not path.is_file():
        return set(), None
    # a day early in UTC: the local day boundary may lie up to 14 hours either side
    start = (datetime.combine(since, datetime.min.time()) - timedelta(days=1)).isoformat()
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        return set(), f"{path}: {exc}"
    try:
        rows = conn.execute(
            "SELECT started_at FROM sessions WHERE started_at >= ? AND "
            "(outcome = 'completed' OR total_s > 0)",
            (start,),
        ).fetchall()
    except sqlite3.Error as exc:
        return set(), f"{path}: {exc}"
    finally:
        conn.close()
    days = set()
    for (started,) in rows:
        try:
            day = datetime.fromisoformat(started).astimezone(tz).date()
        except (TypeError, ValueError):
            continue
        if day >= since:
            days.add(day)
    return days, None
