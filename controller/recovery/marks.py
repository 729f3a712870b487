"""The call attributes the generated dialplan writes into Asterisk's CEL (``[pbx-mark]``).

Every variable the tracker follows, but ``PBX_HOLD``: a hold from the controller is ended over
AMI (Setvar), which no record shows, so a recovered call counts no hold it was not seen in.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote

from controller.ami.tracker.calls import TRACKED_VARIABLES

MARKED_VARIABLES: tuple[str, ...] = tuple(sorted(TRACKED_VARIABLES - {"PBX_HOLD"}))
# Where the mark was made (the context and extension that called [pbx-mark]).
MARK_CONTEXT, MARK_EXTEN = "_context", "_exten"

# A call's marks repeat the same few values (its DID, route, menu path, queue, region): each
# decoded once (unquote is ~3 us in Python, a cache hit ~0.1 us; the AMI event path is hot).
_unquote = lru_cache(maxsize=4096)(unquote)


def mark_pairs(text: str) -> dict[str, str]:
    """The ``name=value&...`` pairs of a mark (values URIENCODEd), as both its CEL user event
    and its AMI ``UserEvent(PbxCall)`` carry it."""
    pairs: dict[str, str] = {}
    for item in text.split("&"):
        name, sep, value = item.partition("=")
        if sep and name:
            pairs[name] = _unquote(value) if "%" in value else value
    return pairs
