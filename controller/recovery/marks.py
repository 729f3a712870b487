"""The call attributes the generated dialplan writes into Asterisk's CEL (``[pbx-mark]``).

Every variable the tracker follows, but ``PBX_HOLD``: a hold from the controller is ended over
AMI (Setvar), which no record shows, so a recovered call counts no hold it was not seen in.
"""

from __future__ import annotations

from controller.ami.tracker.calls import TRACKED_VARIABLES

MARKED_VARIABLES: tuple[str, ...] = tuple(sorted(TRACKED_VARIABLES - {"PBX_HOLD"}))
# Where the mark was made (the context and extension that called [pbx-mark]).
MARK_CONTEXT, MARK_EXTEN = "_context", "_exten"
