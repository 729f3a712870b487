"""The roles the product ships: named bundles of scope patterns. An admin can define more
(``pbxctl role create``); these five are created by the migration and kept as shipped.

============  =================================================================================
agent         their own seat (log in, pause), their own calls (control, transfer, record,
              click-to-call, notes and disposition), their screen pops and history, their
              follow-ups, their own report figures; the state of their queues
supervisor    everything live about their queues: calls, agents (log in, pause), supervision
              (listen, whisper, barge), recording, notes, history, recordings, reports,
              wallboard, follow-ups
wallboard     the wallboard's figures of its queues (waiting callers counted, not named) and its
              agents' states; nothing else: a stolen kiosk token cannot listen in or read
              customers
reports       reports, history, recordings and follow-ups of their queues
admin         everything
============  =================================================================================
"""

from __future__ import annotations

from collections.abc import Mapping

from controller.access.scopes import Scope

AGENT, SUPERVISOR, WALLBOARD, REPORTS, ADMIN = (
    "agent",
    "supervisor",
    "wallboard",
    "reports",
    "admin",
)

BUILTIN: Mapping[str, tuple[str, ...]] = {
    AGENT: (
        Scope.CALLS_READ.own,
        Scope.CALLS_CONTROL.own,
        Scope.CALLS_ORIGINATE.own,
        Scope.CALLS_RECORD.own,
        Scope.CALLS_NOTES.own,
        Scope.AGENTS_READ.own,
        Scope.AGENTS_STATE.own,
        Scope.SCREEN_POPS.own,
        Scope.HISTORY_READ.own,
        Scope.FOLLOWUPS_READ.own,
        Scope.FOLLOWUPS_WRITE.own,
        Scope.REPORTS_READ.own,
        Scope.QUEUES_READ,
        Scope.CUSTOMERS_READ,
    ),
    SUPERVISOR: (
        Scope.CALLS_READ,
        Scope.CALLS_CONTROL,
        Scope.CALLS_ORIGINATE,
        Scope.CALLS_RECORD,
        Scope.CALLS_LISTEN,
        Scope.CALLS_WHISPER,
        Scope.CALLS_BARGE,
        Scope.CALLS_NOTES,
        Scope.QUEUES_READ,
        Scope.AGENTS_READ,
        Scope.AGENTS_STATE,
        Scope.SCREEN_POPS,
        Scope.CUSTOMERS_READ,
        Scope.HISTORY_READ,
        Scope.RECORDINGS_READ,
        Scope.WALLBOARD_READ,
        Scope.REPORTS_READ,
        Scope.STATUS_READ,
        Scope.FOLLOWUPS_READ,
        Scope.FOLLOWUPS_WRITE,
    ),
    WALLBOARD: (Scope.WALLBOARD_READ, Scope.AGENTS_READ),
    REPORTS: (
        Scope.REPORTS_READ,
        Scope.HISTORY_READ,
        Scope.RECORDINGS_READ,
        Scope.QUEUES_READ,
        Scope.AGENTS_READ,
        Scope.FOLLOWUPS_READ,
    ),
    ADMIN: ("#",),
}

DESCRIPTIONS: Mapping[str, str] = {
    AGENT: "an agent: own seat and calls",
    SUPERVISOR: "a team lead: the queues given, live and in reports",
    WALLBOARD: "a wallboard screen: read-only figures",
    REPORTS: "a manager: reports, history and recordings",
    ADMIN: "the administrator: everything",
}
