"""``pbxctl user``, ``pbxctl role``, ``pbxctl token``, ``pbxctl audit``: who may do what.

The first admin is made here (there are no default passwords); every change is written to
the audit log as done by ``pbxctl`` (with the operating-system user who ran it).
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import click
from sqlalchemy import select

from controller.access import audit
from controller.access.sessions import close_all
from controller.access.store import (
    UserInput,
    create_token,
    create_user,
    delete_role,
    revoke_token,
    save_role,
    set_disabled,
    set_password,
    set_role,
)
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.db.models import ApiToken, Role, User


def _queues(text: str | None) -> list[str] | None:
    return [q.strip() for q in text.split(",") if q.strip()] if text else None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _session(cli: CliContext):  # type: ignore[no-untyped-def]
    require_current_schema(cli.engine)
    return transaction(session_factory(cli.engine))


QUEUES_HELP = "Comma-separated queues the role is narrowed to (default: all queues)."


# -- users ----------------------------------------------------------------------------------


@click.group()
def user() -> None:
    """Users who sign in to the web pages: create, list, change password, role, disable."""


@user.command("create")
@click.argument("login")
@click.option("--role", required=True, help="agent, supervisor, wallboard, reports, admin ...")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--language", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--agent", "agent_code", help="The agent code this user is (the agent role).")
@click.option("--queues", help=QUEUES_HELP)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_cli
def user_create(
    cli: CliContext, login: str, role: str, display_name: str, language: str,
    agent_code: str | None, queues: str | None, password_stdin: bool,
) -> None:  # fmt: skip
    """Create a user (asks for the password twice unless --password-stdin).

    \b
    Examples:
      pbxctl user create admin --role admin
      pbxctl user create lihua --role agent --agent 8001 --name 李华
      pbxctl user create wang --role supervisor --queues sales,support --language en
    """
    password = _password(password_stdin)
    with _session(cli) as session:
        data = UserInput(login, password, role, display_name, language, agent_code,
                         _queues(queues))  # fmt: skip
        made = create_user(session, data)
        audit.record(session, audit.cli_actor(), audit.Entry(
            "user.create", "user", made.login,
            detail={"role": role, "agent": agent_code, "queues": made.queues},
        ))  # fmt: skip
    click.echo(f"user {made.login!r} created with role {role}")


@user.command("list")
@pass_cli
def user_list(cli: CliContext) -> None:
    """List users with their role, queues and state.

    \b
    Example:
      pbxctl user list
    """
    with _session(cli) as session:
        users = session.scalars(select(User).order_by(User.login)).all()
        for u in users:
            queues = ",".join(u.queues) if u.queues else "all queues"
            state = "disabled" if u.disabled_at else "active"
            agent = f" agent {u.agent_code}" if u.agent_code else ""
            click.echo(f"{u.login:<20} {u.role.name:<11} {queues:<20} {state}{agent}"
                       f"  {u.display_name}")  # fmt: skip


@user.command("passwd")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_cli
def user_passwd(cli: CliContext, login: str, password_stdin: bool) -> None:
    """Set a user's password (signs them out everywhere).

    \b
    Example:
      pbxctl user passwd lihua
    """
    password = _password(password_stdin)
    with _session(cli) as session:
        changed = set_password(session, login, password)
        close_all(session, changed.id)
        audit.record(session, audit.cli_actor(), audit.Entry("user.passwd", "user", changed.login))
    click.echo(f"password of {changed.login!r} changed; their sessions are closed")


@user.command("role")
@click.argument("login")
@click.argument("role")
@click.option("--queues", help=QUEUES_HELP)
@pass_cli
def user_role(cli: CliContext, login: str, role: str, queues: str | None) -> None:
    """Give a user another role (and queues).

    \b
    Example:
      pbxctl user role wang supervisor --queues sales
    """
    with _session(cli) as session:
        changed = set_role(session, login, role, _queues(queues))
        close_all(session, changed.id)
        audit.record(session, audit.cli_actor(), audit.Entry(
            "user.role", "user", changed.login, detail={"role": role, "queues": changed.queues},
        ))  # fmt: skip
    click.echo(f"user {changed.login!r} now has role {role}")


@user.command("disable")
@click.argument("login")
@pass_cli
def user_disable(cli: CliContext, login: str) -> None:
    """Disable a user: they cannot sign in, their sessions end.

    \b
    Example:
      pbxctl user disable lihua
    """
    with _session(cli) as session:
        changed = set_disabled(session, login, True)
        close_all(session, changed.id)
        audit.record(session, audit.cli_actor(), audit.Entry("user.disable", "user", changed.login))
    click.echo(f"user {changed.login!r} disabled")


@user.command("enable")
@click.argument("login")
@pass_cli
def user_enable(cli: CliContext, login: str) -> None:
    """Enable a disabled user again.

    \b
    Example:
      pbxctl user enable lihua
    """
    with _session(cli) as session:
        changed = set_disabled(session, login, False)
        audit.record(session, audit.cli_actor(), audit.Entry("user.enable", "user", changed.login))
    click.echo(f"user {changed.login!r} enabled")


# -- roles ----------------------------------------------------------------------------------


@click.group()
def role() -> None:
    """Roles: named bundles of scopes (docs/security.md lists the scopes)."""


@role.command("list")
@pass_cli
def role_list(cli: CliContext) -> None:
    """List roles and their scopes.

    \b
    Example:
      pbxctl role list
    """
    with _session(cli) as session:
        for r in session.scalars(select(Role).order_by(Role.name)):
            kind = "shipped" if r.builtin else "custom"
            click.echo(f"{r.name:<12} {kind:<8} {' '.join(r.scopes)}")


@role.command("save")
@click.argument("name")
@click.argument("scopes", nargs=-1, required=True)
@click.option("--description", default="")
@pass_cli
def role_save(cli: CliContext, name: str, scopes: tuple[str, ...], description: str) -> None:
    """Create a role, or change one you made, with SCOPES (patterns: * one word, # the rest).

    \b
    Example:
      pbxctl role save qa history.read recordings.read reports.read --description "QA"
    """
    with _session(cli) as session:
        save_role(session, name, scopes, description)
        audit.record(session, audit.cli_actor(), audit.Entry(
            "role.save", "role", name, detail={"scopes": list(scopes)}
        ))  # fmt: skip
    click.echo(f"role {name!r} saved")


@role.command("delete")
@click.argument("name")
@pass_cli
def role_delete(cli: CliContext, name: str) -> None:
    """Delete a role you made (no user or token may hold it).

    \b
    Example:
      pbxctl role delete qa
    """
    with _session(cli) as session:
        delete_role(session, name)
        audit.record(session, audit.cli_actor(), audit.Entry("role.delete", "role", name))
    click.echo(f"role {name!r} deleted")


# -- machine tokens -------------------------------------------------------------------------


@click.group()
def token() -> None:
    """Tokens for machines (a wallboard screen, a CRM): each with a role and queues."""


@token.command("create")
@click.argument("name")
@click.option("--role", required=True, help="The role the token acts with (e.g. wallboard).")
@click.option("--queues", help=QUEUES_HELP)
@pass_cli
def token_create(cli: CliContext, name: str, role: str, queues: str | None) -> None:
    """Create a token called NAME and print it (it cannot be shown again).

    \b
    Examples:
      pbxctl token create hall-screen --role wallboard --queues sales,support
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8470/api/v1/queues
    """
    with _session(cli) as session:
        value = create_token(session, name, role, _queues(queues))
        audit.record(session, audit.cli_actor(), audit.Entry(
            "token.create", "token", name, detail={"role": role, "queues": _queues(queues)}
        ))  # fmt: skip
    click.echo(value)
    click.echo(f"token {name!r} created with role {role}; store it now, it is not kept in clear",
               err=True)  # fmt: skip


@token.command("list")
@pass_cli
def token_list(cli: CliContext) -> None:
    """List tokens (names, roles and first characters only).

    \b
    Example:
      pbxctl token list
    """
    with _session(cli) as session:
        for t in session.scalars(select(ApiToken).order_by(ApiToken.name)):
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            queues = ",".join(t.queues) if t.queues else "all queues"
            click.echo(f"{t.name:<24} {t.prefix}...  {t.role.name:<11} {queues:<20} "
                       f"created {t.created_at:%Y-%m-%d %H:%M}  {state}")  # fmt: skip


@token.command("revoke")
@click.argument("name")
@pass_cli
def token_revoke(cli: CliContext, name: str) -> None:
    """Revoke the token called NAME (the API refuses it within 30 seconds).

    \b
    Example:
      pbxctl token revoke hall-screen
    """
    with _session(cli) as session:
        revoke_token(session, name)
        audit.record(session, audit.cli_actor(), audit.Entry("token.revoke", "token", name))
    click.echo(f"token {name!r} revoked")


# -- the audit log ----------------------------------------------------------------------------


def _when(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r}: give a date or time like 2026-12-01T08:00") from None
    return value if value.tzinfo else value.astimezone()


@click.command("audit")
@click.option("--since", help="From this time (ISO 8601; local time if no zone).")
@click.option("--until", help="Until this time (exclusive).")
@click.option("--actor", help="A login, token name or 'pbxctl (...)'.")
@click.option("--action", help="An action (call.listen) or a prefix ending in a dot (call.).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@pass_cli
def audit_cmd(
    cli: CliContext, since: str | None, until: str | None, actor: str | None,
    action: str | None, limit: int, as_json: bool,
) -> None:  # fmt: skip
    """Show the audit log, newest first.

    \b
    Examples:
      pbxctl audit --action call. --since 2026-12-01
      pbxctl audit --actor wang --json
    """
    f = audit.AuditFilter(_when(since), _when(until), actor, action, limit)
    with _session(cli) as session:
        for event in audit.search(session, f):
            if as_json:
                click.echo(json.dumps(audit.as_json(event), ensure_ascii=False))
                continue
            target = f"{event.object_kind} {event.object_id}".strip()
            result = "" if event.success else " FAILED"
            click.echo(f"{event.at:%Y-%m-%d %H:%M:%S} {event.actor_kind}:{event.actor} "
                       f"{event.action}{result} {target} {event.address}".rstrip())  # fmt: skip
