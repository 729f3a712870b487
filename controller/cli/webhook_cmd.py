"""``pbxctl webhook``: CRM webhook endpoints, their delivery log, a test send.

Endpoints live in the database (like API tokens), not in the configuration file: they are
an integration's credentials, changed without a full configuration import, and the web
pages manage them too. A secret is printed when it is made (``add``, ``rotate-secret``) and
by ``show --include-secret``, never otherwise. Every change is written to the audit log as
done by ``pbxctl``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import getpass
import json
from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import BaseModel, ValidationError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from controller.access import audit
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.db.models.webhooks import DeliveryStatus, WebhookDelivery
from controller.errors import ControllerError
from controller.webhooks import store
from controller.webhooks.events import EVENTS, PING
from controller.webhooks.service import send_test
from controller.webhooks.validate import EndpointCreate, EndpointUpdate, WebhookError

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")
EVENT_NAMES = ", ".join(e for e in EVENTS if e != PING)


class WebhookCliError(ControllerError):
    """An endpoint the options describe badly, or one the database refuses."""


def _checked(model: type[Model], data: dict[str, Any], arguments: tuple[str, ...] = ()) -> Model:
    """``data`` as ``model``; an error naming each bad option (or argument: ``URL``)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            field = model.model_fields.get(name)
            if error["type"] == "string_pattern_mismatch" and field and field.description:
                message = f"not {field.description}"
            shown = name.upper() if name in arguments else f"--{name.replace('_', '-')}"
            problems.append(f"{shown}: {message}" if name else message)
        raise WebhookCliError("; ".join(problems)) from None


def _list(text: str | None) -> list[str] | None:
    return None if text is None else [p.strip() for p in text.split(",") if p.strip()]


def _run(cli: CliContext, work: Callable[[Session], T], action: str | None = None,
         name: str = "", detail: dict[str, Any] | None = None) -> T:  # fmt: skip
    require_current_schema(cli.engine)
    try:
        with transaction(session_factory(cli.engine)) as session:
            result = work(session)
            if action is not None:
                actor = audit.Actor("cli", getpass.getuser())
                audit.record(session, actor, audit.Entry(action, "webhook", name,
                                                         detail=detail or {}))  # fmt: skip
            return result
    except WebhookError as exc:
        raise WebhookCliError(f"{exc.field}: {exc}") from None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@click.group()
def webhook() -> None:
    """CRM webhooks: endpoints, delivery log, test send (docs/crm.md)."""


@webhook.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--events", help=f"Comma-separated: {EVENT_NAMES} (default: all).")
@click.option("--queues", help="Comma-separated: only events of these queues (default: all).")
@click.option("--description", default="")
@click.option("--disabled", is_flag=True, help="Add it switched off.")
@click.option("--secret-stdin", is_flag=True, help="Read the secret from standard input "
              "(default: one is generated).")  # fmt: skip
@pass_cli
def add(cli: CliContext, name: str, url: str, events: str | None, queues: str | None,
        description: str, disabled: bool, secret_stdin: bool) -> None:  # fmt: skip
    """Add an endpoint; prints its secret (the only time it is shown).

    \b
    Examples:
      pbxctl webhook add crm https://crm.example/pbx-events
      pbxctl webhook add sales-crm https://crm.example/hook --events call.ended --queues sales
    """
    data: dict[str, Any] = {"name": name, "url": url, "description": description,
                            "enabled": not disabled, "queues": _list(queues)}  # fmt: skip
    if events is not None:
        data["events"] = _list(events)
    if secret_stdin:
        data["secret"] = click.get_text_stream("stdin").readline().strip()
    body = _checked(EndpointCreate, data, ("name", "url"))

    def work(session: Session) -> tuple[dict[str, Any], str]:
        row, secret = store.create_endpoint(session, body, _now())
        return store.endpoint_json(row), secret

    shown, secret = _run(cli, work, "webhook.create", name, {"url": url})
    click.echo(f"webhook endpoint {shown['name']!r} added: {shown['url']}")
    click.echo(f"secret (shown once; the receiver verifies X-Pbx-Signature with it): {secret}")


@webhook.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_cli
def list_cmd(cli: CliContext, as_json: bool) -> None:
    """The endpoints, with their deliveries by status (never their secrets).

    \b
    Examples:
      pbxctl webhook list
      pbxctl webhook list --json
    """
    for endpoint in _run(cli, store.list_endpoints):
        if as_json:
            click.echo(json.dumps(endpoint, ensure_ascii=False))
            continue
        state = "enabled" if endpoint["enabled"] else "disabled"
        counts = ", ".join(f"{k} {v}" for k, v in sorted(endpoint["deliveries"].items()))
        events = ",".join(endpoint["events"]) or "all events"
        queues = ",".join(endpoint["queues"]) if endpoint["queues"] is not None else "all queues"
        click.echo(f"{endpoint['name']:<16} {state:<8} {endpoint['url']}  [{events}; {queues}]"
                   f"  {counts or 'no deliveries'}")  # fmt: skip


@webhook.command("show")
@click.argument("name")
@click.option("--include-secret", is_flag=True, help="Print the secret too.")
@pass_cli
def show(cli: CliContext, name: str, include_secret: bool) -> None:
    """One endpoint as JSON.

    \b
    Example:
      pbxctl webhook show crm
    """

    def work(session: Session) -> dict[str, Any]:
        row = store.find_endpoint(session, name)
        shown = store.endpoint_json(row, store.delivery_counts(session).get(row.id, {}))
        if include_secret:
            shown["secret"] = row.secret
        return shown

    click.echo(json.dumps(_run(cli, work), ensure_ascii=False, indent=2))


@webhook.command("update")
@click.argument("name")
@click.option("--url")
@click.option("--events", help=f"Comma-separated: {EVENT_NAMES}; '' for all.")
@click.option("--queues", help="Comma-separated; '' for all queues.")
@click.option("--description")
@click.option("--enable/--disable", default=None)
@pass_cli
def update(cli: CliContext, name: str, url: str | None, events: str | None,
           queues: str | None, description: str | None, enable: bool | None) -> None:  # fmt: skip
    """Change an endpoint.

    \b
    Examples:
      pbxctl webhook update crm --disable
      pbxctl webhook update crm --events call.ended,followup.changed --queues ''
    """
    data: dict[str, Any] = {}
    for key, value in (("url", url), ("description", description), ("enabled", enable)):
        if value is not None:
            data[key] = value
    if events is not None:
        data["events"] = _list(events)
    if queues is not None:
        data["queues"] = _list(queues) or None
    body = _checked(EndpointUpdate, data)

    def work(session: Session) -> dict[str, Any]:
        return store.update_endpoint(session, name, body, _now())[2]

    changed = _run(cli, work, "webhook.change", name, {"changed": sorted(data)})
    click.echo(f"webhook endpoint {name!r}: " + (", ".join(sorted(changed)) or "nothing")
               + " changed")  # fmt: skip


@webhook.command("rotate-secret")
@click.argument("name")
@pass_cli
def rotate_secret(cli: CliContext, name: str) -> None:
    """Make a new secret; prints it (the old one stops signing at once).

    \b
    Example:
      pbxctl webhook rotate-secret crm
    """
    body = EndpointUpdate(rotate_secret=True)
    secret = _run(cli, lambda s: store.update_endpoint(s, name, body, _now())[1],
                  "webhook.change", name, {"changed": ["secret"]})  # fmt: skip
    click.echo(f"new secret of {name!r} (shown once): {secret}")


@webhook.command("remove")
@click.argument("name")
@pass_cli
def remove(cli: CliContext, name: str) -> None:
    """Remove an endpoint and its delivery log.

    \b
    Example:
      pbxctl webhook remove crm
    """

    def work(session: Session) -> None:
        row = store.find_endpoint(session, name)
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
        session.delete(row)

    _run(cli, work, "webhook.delete", name)
    click.echo(f"webhook endpoint {name!r} removed")


@webhook.command("test")
@click.argument("name")
@pass_cli
def test(cli: CliContext, name: str) -> None:
    """Send a signed ping now; exit 1 when the endpoint does not answer 2xx.

    \b
    Example:
      pbxctl webhook test crm
    """
    require_current_schema(cli.engine)
    factory = session_factory(cli.engine)
    settings = cli.settings
    try:
        outcome = asyncio.run(send_test(factory, name, settings.webhooks, settings.server_id))
    except WebhookError as exc:
        raise WebhookCliError(f"{exc.field}: {exc}") from None
    detail = {k: outcome[k] for k in ("delivered", "status", "error")}
    _run(cli, lambda _session: None, "webhook.test", name, detail)
    if not outcome["delivered"]:
        raise WebhookCliError(f"{name!r} did not take the ping: {outcome['error']}")
    click.echo(f"{name!r} answered HTTP {outcome['status']} (delivery {outcome['delivery_id']})")


@webhook.command("deliveries")
@click.argument("name")
@click.option("--status", type=click.Choice([s.value for s in DeliveryStatus]))
@click.option("--event", type=click.Choice(EVENTS))
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with the body.")
@pass_cli
def deliveries(cli: CliContext, name: str, status: str | None, event: str | None, limit: int,
               as_json: bool) -> None:  # fmt: skip
    """The endpoint's delivery log, newest first (kept ``webhooks.keep_days``).

    \b
    Examples:
      pbxctl webhook deliveries crm --status failed
      pbxctl webhook deliveries crm --event call.ended --json | jq .payload
    """
    wanted = DeliveryStatus(status) if status else None

    def work(session: Session) -> list[dict[str, Any]]:
        row = store.find_endpoint(session, name)
        return store.deliveries(session, row.id, wanted, event, limit)

    for item in _run(cli, work):
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        answer = item["last_status"] if item["last_status"] is not None else "-"
        click.echo(f"{item['id']:>8}  {item['created_at']}  {item['event']:<18} "
                   f"{item['status']:<9} attempts {item['attempts']}  {answer}  "
                   f"{item['last_error']}".rstrip())  # fmt: skip


@webhook.command("retry")
@click.argument("name")
@click.argument("delivery_id", type=click.IntRange(1))
@pass_cli
def retry(cli: CliContext, name: str, delivery_id: int) -> None:
    """Queue a failed or dropped delivery again: ``pbxctl serve`` sends it at once, with
    its attempts counted from zero.

    \b
    Example:
      pbxctl webhook deliveries crm --status failed
      pbxctl webhook retry crm 4711
    """

    def work(session: Session) -> None:
        row = store.find_endpoint(session, name)
        store.retry(session, row.id, delivery_id, _now())

    _run(cli, work, "webhook.retry", name, {"delivery_id": delivery_id})
    click.echo(f"delivery {delivery_id} of {name!r} queued again")
