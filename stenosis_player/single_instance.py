"""One copy of the app per data folder (one writer of the progress database).

The first copy holds a lock file and listens on a local socket; a second copy finds the
lock taken, asks the first one (through the socket) to bring its window forward, and
exits. If the first copy cannot be reached, ``acquire()`` still returns False and
``notified`` says the caller should tell the user the app is already running.

    instance = SingleInstance(SingleInstance.key_for(data_dir), lock_dir=data_dir)
    if not instance.acquire():
        if not instance.notified:
            show "Stenosis Player is already running." (in a window: a desktop launch)
        return 0
    instance.activation_requested.connect(window.bring_to_front)

The lock is an operating-system lock on a file in the data folder (``instance_lock``): a
copy that crashed holds nothing, so there is no stale lock to guess about.
"""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QDir, QObject, Signal

# QtNetwork (~5 ms and ~3 MB) is imported when the socket is opened: after the window's
# first frame for the first copy (``acquire(listen=False)``, then ``listen()``)
if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

from .digest import sha256
from .instance_lock import InstanceLock

_MESSAGE = b"activate\n"
_START = b"start"  # "start [PROGRAM]": come forward and start a session (a reminder's Start)
_PROGRAM_ID = re.compile(rb"[a-z0-9][a-z0-9-]{0,63}")
CONNECT_TIMEOUT_MS = 1000
# a first copy still starting up gets this long to open its socket (it opens it after its
# first frame: on a busy machine that can be seconds after it took the lock)
RETRY_FOR_MS = 10_000


class SingleInstance(QObject):
    activation_requested = Signal()  # a second copy asked this one to come forward
    start_requested = Signal(str)  # ... and to start a session (program id, or "": default)

    def __init__(
        self,
        key: str,
        parent: QObject | None = None,
        *,
        lock_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.server_name = f"stenosis-player-{key}"
        # the lock lives in the data folder it guards (the app passes it): copies that see
        # different temporary folders still find each other there
        folder = Path(lock_dir) if lock_dir is not None else Path(QDir.tempPath()) / key
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = InstanceLock(folder)
        self.lock_path = self._lock.path
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}  # per connection, until a newline
        self.primary = False
        self.notified = False  # (second copy) the first copy got the message

    @staticmethod
    def key_for(data_dir: str | os.PathLike[str] | None) -> str:
        """A short key unique to this user and data folder (None: the default folders)."""
        where = str(Path(data_dir).expanduser().resolve()) if data_dir else "<default>"
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = str(os.getuid()) if hasattr(os, "getuid") else "user"
        return sha256(f"{user}\0{where}".encode()).hexdigest()[:16]

    def acquire(self, start: str | None = None, *, listen: bool = True) -> bool:
        """True: this is the first copy (listening, unless ``listen`` is False: then call
        ``listen()`` soon; a second copy retries for RETRY_FOR_MS). False: another copy
        runs; it is asked to come forward, and with ``start`` (a program id, "" for the
        default) to start a session too."""
        if self.primary:
            return True
        if self._lock.acquire():
            self.primary = True
            if listen:
                self.listen()
            return True
        message = (
            _MESSAGE if start is None else _START + b" " + start.encode("ascii", "replace") + b"\n"
        )
        self.notified = self._notify_first_copy(message)
        return False

    def listen(self) -> None:
        """Open the socket a second copy asks through (the first copy, once)."""
        if not self.primary or self._server is not None:
            return
        from PySide6.QtNetwork import QLocalServer

        QLocalServer.removeServer(self.server_name)  # a crashed copy's socket file
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_new_connection)
        if not server.listen(self.server_name):
            # still the only writer (we hold the lock); only "bring forward" is lost
            server.deleteLater()
        else:
            self._server = server

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None
        self._buffers.clear()
        if self.primary:
            self._lock.release()
            self.primary = False

    # ------------------------------------------------------------------ internals
    def _notify_first_copy(self, message: bytes = _MESSAGE) -> bool:
        from time import monotonic, sleep

        from PySide6.QtNetwork import QLocalSocket

        give_up = monotonic() + RETRY_FOR_MS / 1000
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.server_name)
            if socket.waitForConnected(CONNECT_TIMEOUT_MS):
                socket.write(QByteArray(message))
                ok = socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
                socket.disconnectFromServer()
                if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
                    socket.waitForDisconnected(CONNECT_TIMEOUT_MS)
                return ok
            if monotonic() >= give_up:
                return False
            sleep(0.05)

    def _on_new_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = b""
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(self._on_disconnected)
            if socket.bytesAvailable():
                self._read(socket)

    def _on_ready_read(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _on_disconnected(self) -> None:
        from PySide6.QtNetwork import QLocalSocket

        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)
            self._buffers.pop(socket, None)
            socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        buffered = self._buffers.get(socket, b"") + bytes(socket.readAll().data())
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            word, _, rest = line.strip().partition(b" ")
            if line.strip() == _MESSAGE.strip():
                self.activation_requested.emit()
            elif word == _START and (not rest or _PROGRAM_ID.fullmatch(rest)):
                self.activation_requested.emit()
                self.start_requested.emit(rest.decode("ascii"))
        if socket in self._buffers:
            self._buffers[socket] = buffered[-1024:]
