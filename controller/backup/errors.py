"""The one error backup and restore raise on purpose, and the database messages it quotes."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from controller.errors import ControllerError


class BackupError(ControllerError):
    """A backup cannot be written or restored; the message says what and where."""


def database_problem(exc: DBAPIError) -> str:
    """The first line of the database's own message, for a BackupError."""
    return (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines()[0]
