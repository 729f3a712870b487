"""Channel variable names the routes set or read (docs/dialplan-contract.md).

The call's attributes stay on the caller's channel (no ``__``): the controller keeps them
per call from there (screen pop, live view, history, recovery from the CEL marks), and a
copy inherited by every leg the call rings would cost an AMI event per leg and variable.
"""

from __future__ import annotations

AGI_OK = "PBX_AGI_OK"  # set to 1 last, once the decision is complete
DEST_CONTEXT = "PBX_DEST_CONTEXT"
DEST_EXTEN = "PBX_DEST_EXTEN"
LANGUAGE = "CHANNEL(language)"

# Inherited: a leg an agent transfers into a queue (the Local ;2 half) keeps the caller's
# priority there. The others stay on the caller's channel.
VIP = "__PBX_VIP"
REGION = "PBX_REGION"
CUSTOMER_CODE = "PBX_CUSTOMER_CODE"
CUSTOMER_NAME = "PBX_CUSTOMER_NAME"
OWNER_AGENT = "PBX_OWNER_AGENT"
CALLER_E164 = "PBX_CALLER_E164"
TIME_BRANCH = "PBX_TIME_BRANCH"

# [pbx-sticky]: ring one agent first, then go on to the location given.
STICKY_AGENT = "PBX_STICKY_AGENT"
STICKY_REASON = "PBX_STICKY"  # owner / last / skills
STICKY_RING = "PBX_STICKY_RING"
STICKY_THEN_CONTEXT = "PBX_STICKY_CONTEXT"
STICKY_THEN_EXTEN = "PBX_STICKY_EXTEN"

# The queue context plays the callback offer to callers who carry it.
CALLBACK_OFFER = "PBX_CB_OFFER"
CALLBACK_OFFER_PROMPT = "PBX_CB_OFFER_PROMPT"
# [pbx-qcb-<queue>]: where the caller re-enters when the callback is not taken.
CALLBACK_POSITION_LEFT = "PBX_CB_POSITION_LEFT"

TRUNKS = "PBX_TRUNKS"
OUT_CALLER_ID = "PBX_OUT_CID"

# Contexts of the generated dialplan the routes send calls to.
REJECT_CONTEXT = "pbx-reject"
STICKY_CONTEXT = "pbx-sticky"
HANGUP_CONTEXT = "pbx-hangup"
