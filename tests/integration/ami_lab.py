"""Helpers shared by the live-state tests and the transcript recorder: dialplan contexts for
the sandbox Asterisk, agents without phones and callers made of Local channels.

- Agents' phones are ``Local/t<secs>-<code>@test-agents``: they answer at once and hang up
  after <secs> seconds. Each agent has its own device, so app_queue sees its state.
- Callers are ``Local/w<secs>@test-caller`` originated into a queue context: the caller
  hangs up after <secs> seconds unless the call ended before.
"""

from __future__ import annotations

from controller.ami.session import AmiSession

TEST_CONTEXTS = """
[test-agents]
exten => _t.,1,Answer()
 same => n,Set(secs=${CUT(EXTEN,-,1)})
 same => n,Wait(${secs:1})
 same => n,Hangup()

[test-caller]
exten => _w.,1,Answer()
 same => n,Wait(${EXTEN:1})
 same => n,Hangup()
"""

STATUS_VARIABLES = "PBX_AGENT,PBX_RECORDING,PBX_QUEUE,PBX_IVR_PATH,PBX_REGION,PBX_DIRECTION"
RESYNC_ACTIONS = (
    "Action: CoreShowChannels\r\nActionID: resync-1\r\n\r\n"
    f"Action: Status\r\nActionID: resync-2\r\nVariables: {STATUS_VARIABLES}\r\n\r\n"
    "Action: QueueStatus\r\nActionID: resync-3\r\n\r\n"
    "Action: QueueSummary\r\nActionID: resync-4\r\n\r\n"
).encode()


def agent_device(code: str, talk: int) -> str:
    return f"Local/t{talk}-{code}@test-agents"


async def log_in(
    ami: AmiSession,
    queue: str,
    code: str,
    *,
    talk: int,
    paused: bool = False,
    reason: str = "",
) -> None:
    """What the agent service does at login, done by hand (for the recorder)."""
    device = agent_device(code, talk)
    await ami.action("DBPut", Family="pbx-agent", Key=code, Val=device)
    await ami.action(
        "QueueAdd",
        Queue=queue,
        Interface=f"Local/{code}@pbx-agent/n",
        MemberName=code,
        StateInterface=device,
        Penalty=0,
        Paused="true" if paused else "false",
        Reason=reason,
    )


async def originate_caller(
    ami: AmiSession,
    queue: str,
    *,
    wait: int,
    number: str = "13900001111",
    channel_id: str | None = None,
) -> None:
    fields: dict[str, str | int | list[str]] = {
        "Channel": f"Local/w{wait}@test-caller",
        "Context": f"pbx-queue-{queue}",
        "Exten": "s",
        "Priority": 1,
        "Async": "true",
        "CallerID": f"{number} <{number}>",
    }
    if channel_id:
        fields["ChannelId"] = channel_id
        fields["OtherChannelId"] = channel_id + "-b"
    await ami.action("Originate", **fields)
