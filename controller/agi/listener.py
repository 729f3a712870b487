"""The FastAGI listening sockets, with an accept loop of our own.

asyncio's ``create_server`` accepts up to ``backlog`` connections per wake-up and, once the
process is out of file descriptors (EMFILE), stops accepting for a whole second: during an
attack of 1,500 idle connections that second, repeated until the idle ones timed out, is
what held real calls for 4.7 s. Here every accepted socket goes to the server, which keeps
it (closing the connection silent the longest among those still sending headers, if need
be) or closes it at once; at most ``ACCEPT_BATCH`` are taken per wake-up so that the
sessions already open are read in between; and when the process is out of descriptors
anyway, idle connections are closed and accepting resumes within milliseconds.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable

log = logging.getLogger("controller.agi")

ACCEPT_BATCH = 64
LISTEN_BACKLOG = 1024
# After running out of descriptors: retry as soon as the connections closed to free some
# have given them back (the next turn of the loop), or later when none could be closed.
RETRY_AFTER_FREEING = 0.001
RETRY_WITHOUT_FREEING = 0.1
_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Bound, listening, non-blocking sockets for every address ``host`` resolves to."""
    found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            # Port 0: the port the first socket got, for every address.
            sock.bind((address[0], port, *address[2:]))
            port = sock.getsockname()[1]
            sock.listen(LISTEN_BACKLOG)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Listener:
    """Accepts connections on ``sockets`` and hands each to ``admit`` (which may close it).

    ``free_descriptors()`` closes idle connections when the process ran out of descriptors;
    True if it closed any.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sockets: list[socket.socket],
        *,
        admit: Callable[[socket.socket], None],
        free_descriptors: Callable[[], bool],
    ) -> None:
        self._loop = loop
        self.sockets = sockets
        self._admit = admit
        self._free_descriptors = free_descriptors
        self._reading: set[socket.socket] = set()
        self._retry: asyncio.TimerHandle | None = None
        self.out_of_descriptors = 0  # times accept() failed for want of descriptors

    def start(self) -> None:
        for sock in self.sockets:
            self._read(sock)

    def pause(self) -> None:
        for sock in list(self._reading):
            self._loop.remove_reader(sock.fileno())
        self._reading.clear()

    def resume(self) -> None:
        for sock in self.sockets:
            self._read(sock)

    def close(self) -> None:
        self.pause()
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        for sock in self.sockets:
            sock.close()
        self.sockets = []

    def _read(self, sock: socket.socket) -> None:
        if sock not in self._reading and sock.fileno() >= 0:
            self._loop.add_reader(sock.fileno(), self._accept, sock)
            self._reading.add(sock)

    def _accept(self, sock: socket.socket) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                conn, _address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                if exc.errno not in _OUT_OF_DESCRIPTORS:
                    log.error("event=agi_accept_failed error=%r", str(exc))
                    return
                self._out_of_descriptors(exc)
                return
            conn.setblocking(False)
            self._admit(conn)

    def _out_of_descriptors(self, exc: OSError) -> None:
        """Free descriptors (closing the longest silent idle connections), retry very soon."""
        self.out_of_descriptors += 1
        freed = self._free_descriptors()
        if self.out_of_descriptors == 1 or self.out_of_descriptors % 100 == 0:
            log.warning(
                "event=agi_out_of_descriptors error=%r times=%d freed_idle=%s",
                exc.strerror, self.out_of_descriptors, freed,
            )  # fmt: skip
        # A closed transport gives its descriptor back on the next turn of the loop.
        self.pause()
        delay = RETRY_AFTER_FREEING if freed else RETRY_WITHOUT_FREEING
        self._retry = self._loop.call_later(delay, self._retry_accept)

    def _retry_accept(self) -> None:
        self._retry = None
        self.resume()
