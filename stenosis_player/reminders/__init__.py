"""Reminders that bring people back to the mat.

* ``schedule``   Qt-free: which reminder is due at a given moment (injected clock and zone)
* ``state``      what has fired, snoozes and "Not today", kept in a small JSON file
* ``progress``   the days with a session, read from the progress database (read-only)
* ``message``    what a reminder says
* ``unit_files`` the systemd units, XDG autostart entry, Task Scheduler XML, LaunchAgent plist
* ``install``    installs, removes and reports the user's own scheduler entries
* ``runner``     the check the scheduler runs (once, or resident) and what an answer does
* ``notify``     the desktop notification over D-Bus (QtDBus), or a small window
* ``cli``        ``stenosis-player remind --install | --remove | --status | --now``

Only ``notify`` (and its fallback window) imports Qt, and only in the process that shows
a reminder: the resident process stays small.
"""
