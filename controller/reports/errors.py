"""Errors of a report run: each names the report and the parameter at fault."""

from __future__ import annotations

from controller.errors import ControllerError


class ReportError(ControllerError):
    """A report asked with a bad parameter (unknown name, option, queue out of scope)."""

    def __init__(self, message: str, *, forbidden: bool = False, unknown: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden  # the reader may not see it (HTTP 403)
        self.unknown = unknown  # a queue or agent named that does not exist (HTTP 404)

    @property
    def status(self) -> int:
        """The HTTP status that says it: 403, 404, else 400."""
        return 403 if self.forbidden else 404 if self.unknown else 400
