"""What the web API tells the CRM side about: a note saved, a follow-up created or changed.

The API holds a :class:`CrmHooks` (None without webhooks: tests, a controller without
``pbxctl serve``); the webhook service implements it. Calls are plain method calls on the
event loop that only queue work: they never block a request.
"""

from __future__ import annotations

from typing import Any, Protocol


class CrmHooks(Protocol):
    def note_saved(self, note: dict[str, Any]) -> None: ...

    def followup_changed(self, followup: dict[str, Any], changes: dict[str, list[Any]]) -> None: ...
