"""The live model of calls, queues and seats, fed by typed AMI events (no I/O).

Public API: :class:`Tracker`, :class:`Snapshot` (resync input), the views and records.
"""

from controller.ami.tracker.records import AgentInterval, FinishedCall, RawEvent
from controller.ami.tracker.resync import Snapshot
from controller.ami.tracker.state import Outbox, ScreenPop
from controller.ami.tracker.tracker import Tracker
from controller.ami.tracker.views import CallView, QueueView, SeatView, to_json

__all__ = [
    "AgentInterval",
    "CallView",
    "FinishedCall",
    "Outbox",
    "QueueView",
    "RawEvent",
    "ScreenPop",
    "SeatView",
    "Snapshot",
    "Tracker",
    "to_json",
]
