"""``pbxctl followup``: list, show, create and change follow-ups (工单) from the shell.

The same input models as the API (:mod:`controller.followups.validate`) and the same service;
changes are recorded as made by ``cli <operating-system user>``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.db.models import Call
from controller.errors import ControllerError
from controller.followups import service
from controller.followups.validate import (
    FollowupCreate,
    FollowupError,
    FollowupQuery,
    FollowupUpdate,
)
from controller.notes.store import history_facts
from controller.webhooks import events as webhook_events
from controller.webhooks import store as webhook_store

Model = TypeVar("Model", bound=BaseModel)
STATUSES = ("open", "in_progress", "done")


class FollowupCliError(ControllerError):
    """A follow-up the options describe badly, or one the database refuses."""


# Fields whose command-line option has another name.
OPTIONS = {
    "due_at": "due", "assignee_agent": "agent", "assignee_user": "user",
    "customer_code": "customer", "customer_number": "number",
}  # fmt: skip


def _checked(model: type[Model], data: dict[str, Any]) -> Model:
    """``data`` as ``model``; an error naming each bad option."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            field = model.model_fields.get(name)
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "string_pattern_mismatch" and field and field.description:
                message = f"not {field.description}"
            option = f"--{OPTIONS.get(name, name).replace('_', '-')}" if name else "options"
            problems.append(f"{option}: {message}")
        raise FollowupCliError("; ".join(problems)) from None


def _actor() -> str:
    return f"cli {getpass.getuser()}"


T = TypeVar("T")


def _tell_crm(session: Session, server_id: str, result: service.Result) -> service.Result:
    """The CRM webhooks hear of the change as from the API: pending deliveries, in the same
    transaction, that ``pbxctl serve`` sends."""
    if result.changes:
        event = webhook_events.followup_changed(result.followup, result.changes)
        webhook_store.enqueue(session, [event], server_id=server_id, now=dt.datetime.now(dt.UTC))
    return result


def _run(cli: CliContext, work: Callable[[Session], T]) -> T:
    require_current_schema(cli.engine)
    try:
        with transaction(session_factory(cli.engine)) as session:
            return work(session)
    except FollowupError as exc:
        raise FollowupCliError(f"{exc.field}: {exc}") from None


def _given(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


def _line(f: dict[str, Any]) -> str:
    who = f["assignee_agent"] or f["assignee_user"] or "-"
    due = f["due_at"] or "-"
    return f"{f['id']:>6}  {f['status']:<11}  {who:<10}  {due:<25}  {f['subject']}"


def _call_context(session: Session, server_id: str, linkedid: str) -> service.CallContext | None:
    facts = history_facts(session, server_id, linkedid)
    if facts is None:
        return None
    row = session.execute(
        select(Call.customer_code, Call.caller_e164).where(
            Call.server_id == server_id, Call.linkedid == linkedid
        )
    ).one()
    return service.CallContext(linkedid, tuple(sorted(facts.queues)), row[0], row[1])


@click.group()
def followup() -> None:
    """Follow-ups (工单): list, show, create, change."""


@followup.command("list")
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--assignee", help="An agent code or a user's login.")
@click.option("--customer", help="A customer code.")
@click.option("--queue")
@click.option("--due-before", help="RFC 3339 time, e.g. 2026-12-04T18:00:00+08:00.")
@click.option("--text", help="Words in the subject or notes.")
@click.option("--limit", default="100", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_cli
def list_cmd(cli: CliContext, as_json: bool, **options: Any) -> None:
    """Search follow-ups; soonest due first.

    \b
    Examples:
      pbxctl followup list --status open --assignee 8001
      pbxctl followup list --due-before 2026-12-04T18:00:00+08:00 --json
    """
    query = _checked(FollowupQuery, _given(**options))
    rows = _run(cli, lambda session: service.search(session, query, service.EVERYTHING))
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else _line(row))


@followup.command("show")
@click.argument("followup_id", type=int)
@pass_cli
def show(cli: CliContext, followup_id: int) -> None:
    """One follow-up with its history of changes, as JSON.

    \b
    Example:
      pbxctl followup show 12
    """
    found = _run(cli, lambda session: service.get(session, followup_id, service.EVERYTHING))
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))


@followup.command("create")
@click.option("--subject", required=True)
@click.option("--notes")
@click.option("--linkedid", help="The call it came of (a call in the history).")
@click.option("--customer", "customer_code", help="A customer code.")
@click.option("--number", "customer_number", help="The customer's number.")
@click.option("--queue", help="Default: the call's queue.")
@click.option("--agent", "assignee_agent", help="Assign to this agent.")
@click.option("--user", "assignee_user", help="Assign to this user (login).")
@click.option("--due", "due_at", help="RFC 3339 time, e.g. 2026-12-04T18:00:00+08:00.")
@pass_cli
def create(cli: CliContext, **options: Any) -> None:
    """Create a follow-up; prints it as JSON.

    \b
    Example:
      pbxctl followup create --subject 回电报价 --customer C10001 --agent 8001 \\
        --due 2026-12-04T18:00:00+08:00
    """
    data = _checked(FollowupCreate, _given(**options))
    server_id = cli.settings.server_id

    def work(session: Session) -> service.Result:
        call = _call_context(session, server_id, data.linkedid) if data.linkedid else None
        made = service.create(
            session, data, server_id=server_id, actor=_actor(), now=dt.datetime.now(dt.UTC),
            call=call,
        )  # fmt: skip
        return _tell_crm(session, server_id, made)

    click.echo(json.dumps(_run(cli, work).followup, ensure_ascii=False, indent=2))


@followup.command("update")
@click.argument("followup_id", type=int)
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--subject")
@click.option("--notes")
@click.option("--customer", "customer_code")
@click.option("--agent", "assignee_agent", help="Assign to this agent.")
@click.option("--user", "assignee_user", help="Assign to this user (login).")
@click.option("--due", "due_at", help="RFC 3339 time.")
@click.option("--version", "version", help="Refuse when the follow-up changed since.")
@pass_cli
def update(cli: CliContext, followup_id: int, **options: Any) -> None:
    """Change a follow-up; prints what changed.

    \b
    Examples:
      pbxctl followup update 12 --status done
      pbxctl followup update 12 --agent 8002 --due 2026-12-05T10:00:00+08:00
    """
    data = _checked(FollowupUpdate, _given(**options))

    def work(session: Session) -> service.Result:
        changed = service.update(
            session, followup_id, data, actor=_actor(), now=dt.datetime.now(dt.UTC),
            visibility=service.EVERYTHING,
        )  # fmt: skip
        return _tell_crm(session, cli.settings.server_id, changed)

    result = _run(cli, work)
    if not result.changes:
        click.echo(f"follow-up {followup_id}: nothing changed")
    for name, (old, new) in result.changes.items():
        click.echo(f"follow-up {followup_id}: {name}: {old} -> {new}")
