"""Every exception the controller raises on purpose.

    ControllerError                  base; ``str(err)`` is a message fit for the user
    ├── SettingsError                a setting has a bad value (exit code 2)
    ├── ConfigFileError              a PBX configuration file is invalid
    │                                (carries a list of ConfigIssue, each with line/object/field)
    ├── DatabaseError                the database is unreachable or its schema is wrong
    └── SandboxError                 the test Asterisk could not be built, started or stopped

Code that catches broad exceptions at a boundary (the CLI, an AGI route, an AMI
callback) converts them into one of these or logs them; nothing else should.
"""

from __future__ import annotations

from dataclasses import dataclass


class ControllerError(Exception):
    """Base of all controller errors. The message is shown to the user as is."""

    exit_code: int = 1


class SettingsError(ControllerError):
    """A setting is missing or has a value of the wrong form."""

    exit_code = 2


class Message(str):
    """A message in English (the string itself, as the CLI and API show it) that keeps the
    template and the values it was made from, so a page can word it in its own language
    (``controller/web/config_messages.py``). A value may be a Message itself::

        Message("{value} is not {what}", value=repr(text), what=Message("a PIN (4-12 digits)"))
    """

    __slots__ = ("params", "template")
    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Message:
        made = super().__new__(cls, template.format(**{k: str(v) for k, v in params.items()}))
        made.template = template
        made.params = params
        return made

    def __reduce__(self) -> tuple[object, ...]:
        return (_message, (self.template, self.params))


def _message(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a configuration file, located as precisely as we can."""

    message: str
    line: int | None = None  # 1-based line in the file, when known
    object: str | None = None  # e.g. "queue 'sales'"
    field: str | None = None  # e.g. "members[2].agent"

    def render(self, filename: str | None = None) -> str:
        where = []
        if filename:
            where.append(filename if self.line is None else f"{filename}:{self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.object:
            where.append(self.object)
        if self.field:
            where.append(f"field {self.field}")
        prefix = ": ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigFileError(ControllerError):
    """A configuration file could not be accepted; nothing was changed."""

    def __init__(self, issues: list[ConfigIssue], filename: str | None = None) -> None:
        self.issues = issues
        self.filename = filename
        count = len(issues)
        head = f"{count} problem{'s' if count != 1 else ''} in {filename or 'the configuration'}"
        body = "\n".join("  " + issue.render(filename) for issue in issues)
        super().__init__(f"{head}:\n{body}")


class DatabaseError(ControllerError):
    """The database cannot be used: unreachable, wrong schema, or a constraint we did not expect."""


class SandboxError(ControllerError):
    """The sandbox Asterisk could not be built, started or stopped."""
