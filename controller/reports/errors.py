"""Errors of a report run: each names the report and the parameter at fault."""

from __future__ import annotations

from controller.errors import ControllerError


class ReportError(ControllerError):
    """A report asked with a bad parameter (unknown name, option, queue out of scope)."""

    def __init__(self, message: str, *, forbidden: bool = False) -> None:
        super().__init__(message)
        self.forbidden = forbidden  # the reader may not see it (HTTP 403), else a bad request
