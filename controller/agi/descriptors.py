"""File descriptors: how many the FastAGI server may hold, so that a flood never takes the
ones the rest of the service (database, AMI, web API, journal, logs) needs.

Every AGI connection holds one descriptor. The systemd unit sets ``LimitNOFILE=65536``
(soft = hard: nothing to raise, and its system call filter refuses ``setrlimit``); started
by hand the soft limit is often 1024, so the server raises it to the hard limit (up to
``WANTED_DESCRIPTORS``) and, if what it gets is still too small for its caps, lowers the
caps to fit and says so once at start.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

from controller.agi.listener import ACCEPT_BATCH

log = logging.getLogger("controller.agi")

WANTED_DESCRIPTORS = 65536
# Kept for everything but AGI connections, plus what one accept batch may take before the
# connections it displaced are closed.
RESERVED_DESCRIPTORS = 256 + ACCEPT_BATCH


@dataclass(frozen=True, slots=True)
class Capacity:
    sessions: int  # connections past their headers, running a route
    pending: int  # connections still sending their headers

    @property
    def connections(self) -> int:
        return self.sessions + self.pending


def raise_soft_limit(wanted: int = WANTED_DESCRIPTORS) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``wanted`` (never above the hard limit); the
    soft limit in force afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
            soft = ceiling
        except (OSError, ValueError) as exc:
            log.warning("event=agi_descriptor_limit_unchanged soft=%d error=%r", soft, str(exc))
    return WANTED_DESCRIPTORS if soft == resource.RLIM_INFINITY else int(soft)


def fit_capacity(wanted: Capacity, descriptors: int) -> Capacity:
    """``wanted``, or less when ``descriptors`` (the soft limit) cannot hold it."""
    budget = descriptors - RESERVED_DESCRIPTORS
    if budget >= wanted.connections:
        return wanted
    pending = max(1, min(wanted.pending, budget // 4))
    return Capacity(sessions=max(1, budget - pending), pending=pending)
