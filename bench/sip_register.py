"""A minimal SIP phone for the benchmarks: REGISTER over UDP with digest authentication.

Just enough of RFC 3261/2617 to ask Asterisk "does this phone exist yet, with this
password?": a REGISTER, the 401 challenge, the authenticated REGISTER, its final answer.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import time


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _request(user: str, server: str, local: str, call_id: str, cseq: int, auth: str = "") -> bytes:
    lines = [
        f"REGISTER sip:{server} SIP/2.0",
        f"Via: SIP/2.0/UDP {local};branch=z9hG4bK{secrets.token_hex(8)};rport",
        "Max-Forwards: 70",
        f"From: <sip:{user}@{server}>;tag={call_id[:8]}",
        f"To: <sip:{user}@{server}>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{user}@{local}>",
        "Expires: 60",
        "User-Agent: pbx-bench",
    ]
    if auth:
        lines.append(f"Authorization: {auth}")
    return ("\r\n".join([*lines, "Content-Length: 0", "", ""])).encode()


def _status_and_challenge(data: bytes) -> tuple[int, dict[str, str]]:
    text = data.decode(errors="replace")
    status = int(text.split(" ", 2)[1])
    challenge = {}
    match = re.search(r"^WWW-Authenticate:\s*Digest\s+(.*)$", text, re.MULTILINE | re.IGNORECASE)
    if match:
        challenge = dict(re.findall(r'(\w+)="?([^",\r]*)"?', match.group(1)))
    return status, challenge


def register(
    server: str, user: str, password: str, timeout: float = 1.0, sock: socket.socket | None = None
) -> int:
    """The final status of one authenticated REGISTER of ``user`` (200: registered).

    ``sock``: a bound UDP socket to register from (kept open: the contact stays reachable);
    by default a new one, closed after."""
    if sock is not None:
        return _register(sock, server, user, password, timeout)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as own:
        own.bind(("127.0.0.1", 0))
        return _register(own, server, user, password, timeout)


def _register(sock: socket.socket, server: str, user: str, password: str, timeout: float) -> int:
    host, port = server.rsplit(":", 1)
    sock.settimeout(timeout)
    local = f"127.0.0.1:{sock.getsockname()[1]}"
    call_id = secrets.token_hex(12)

    def exchange(cseq: int, auth: str = "") -> tuple[int, dict[str, str]]:
        sock.sendto(_request(user, server, local, call_id, cseq, auth), (host, int(port)))
        while True:
            data = sock.recv(65535)
            if not data.startswith(b"SIP/2.0 "):
                continue  # a request to us (Asterisk qualifying the new contact)
            status, challenge = _status_and_challenge(data)
            if status >= 200:  # skip 100 Trying
                return status, challenge

    status, challenge = exchange(1)
    if status != 401 or "nonce" not in challenge:
        return status
    realm, nonce, uri = challenge.get("realm", ""), challenge["nonce"], f"sip:{server}"
    cnonce, nc = secrets.token_hex(8), "00000001"
    ha1, ha2 = _md5(f"{user}:{realm}:{password}"), _md5(f"REGISTER:{uri}")
    if "auth" in challenge.get("qop", ""):
        response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        extra = f',cnonce="{cnonce}",qop=auth,nc={nc}'
    else:
        response, extra = _md5(f"{ha1}:{nonce}:{ha2}"), ""
    opaque = f',opaque="{challenge["opaque"]}"' if "opaque" in challenge else ""
    auth = (
        f'Digest username="{user}",realm="{realm}",nonce="{nonce}",uri="{uri}",'
        f'response="{response}",algorithm=MD5{extra}{opaque}'
    )
    return exchange(2, auth)[0]


def until_registered(
    server: str, user: str, password: str, limit: float = 60.0
) -> tuple[float, int]:
    """Seconds until ``user`` could register (REGISTER after REGISTER), and the attempts."""
    start = time.perf_counter()
    attempts = 0
    while time.perf_counter() - start < limit:
        attempts += 1
        try:
            if register(server, user, password, timeout=0.5) == 200:
                return time.perf_counter() - start, attempts
        except TimeoutError:
            pass
        time.sleep(0.005)
    raise TimeoutError(f"{user} could not register within {limit} s ({attempts} attempts)")
