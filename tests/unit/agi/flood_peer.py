"""A flood of FastAGI connections that never finish their headers, in a process of its own
(so that its sockets do not count against the server's descriptor limit).

    python -m tests.unit.agi.flood_peer PORT CONNECTIONS HOLD_SECONDS

Opens CONNECTIONS connections to 127.0.0.1:PORT (loopback only), every other one sending
the first header line as Asterisk would and then nothing more, prints ``open N``, then
waits until its standard input closes or HOLD_SECONDS have passed, prints
``closed_by_server K`` (how many the server had closed) and exits: it always stops by itself.
"""

from __future__ import annotations

import resource
import select
import socket
import sys
import time

FIRST_LINE = b"agi_network: yes\n"


def _closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:  # reset
        return True


def main(port: int, connections: int, hold: float) -> None:
    # The test lowered its own limit before starting this process: not this process's.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 64
    if hard == resource.RLIM_INFINITY or hard >= wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    opened: list[socket.socket] = []
    deadline = time.monotonic() + hold
    for index in range(connections):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            break
        if index % 2:
            sock.sendall(FIRST_LINE)
        opened.append(sock)
    print(f"open {len(opened)}", flush=True)
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sys.stdin], [], [], left)
        if readable and not sys.stdin.readline():
            break
    print(f"closed_by_server {sum(_closed_by_server(s) for s in opened)}", flush=True)
    for sock in opened:
        sock.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
