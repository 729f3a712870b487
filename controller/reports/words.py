"""Codes a report shows in a column, in words of both languages, (zh, en).

The history stores codes (``short_abandoned``, ``on_call``); a person reads words. The codes
stay in what machines read (CSV, the API's JSON); tables, workbooks and pages show these.
"""

from __future__ import annotations

# A call's outcome (controller.db.models.history.CallOutcome).
CALL_OUTCOMES: dict[str, tuple[str, str]] = {
    "answered": ("已接通", "answered"),
    "abandoned": ("放弃", "abandoned"),
    "callback": ("留下回拨请求", "left a callback request"),
    "voicemail": ("语音信箱", "voicemail"),
    "transferred": ("已转接", "transferred"),
    "unanswered": ("未接通", "unanswered"),
    "busy": ("忙", "busy"),
    "failed": ("失败", "failed"),
    "rejected": ("已拒接(黑名单)", "rejected (blacklist)"),
    "closed": ("非工作时间", "closed (outside business hours)"),
}

# How a call left a queue (LegOutcome), and the abandoned report's kinds of lost calls.
QUEUE_OUTCOMES: dict[str, tuple[str, str]] = {
    "answered": ("已接通", "answered"),
    "transferred": ("已转接", "transferred"),
    "abandoned": ("放弃", "abandoned"),
    "short_abandoned": ("短时放弃", "short abandon"),
    "timeout": ("超时转出", "timed out"),
    "exit_key": ("按键离开", "left with a key"),
    "exit_empty": ("无坐席离开", "left: no agents"),
    "no_agents": ("无坐席", "no agents"),
    "withdrawn": ("撤回", "withdrawn"),
    "full": ("队列满", "queue full"),
    "refused_full": ("拒绝:队列满", "refused: queue full"),
    "refused_empty": ("拒绝:无坐席", "refused: no agents"),
    "refused_unavailable": ("拒绝:无可用坐席", "refused: no agent available"),
}

# An agent's state (AgentState), and being logged out.
AGENT_STATES: dict[str, tuple[str, str]] = {
    "ready": ("就绪", "ready"),
    "ringing": ("振铃", "ringing"),
    "on_call": ("通话中", "on call"),
    "acw": ("话后处理", "after-call work"),
    "paused": ("小休", "paused"),
    "logged_out": ("已签出", "logged out"),
}
