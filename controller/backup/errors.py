"""The one error backup and restore raise on purpose."""

from __future__ import annotations

from controller.errors import ControllerError


class BackupError(ControllerError):
    """A backup cannot be written or restored; the message says what and where."""
