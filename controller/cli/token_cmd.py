"""``pbxctl token``: API tokens (shown once at creation, stored as SHA-256)."""

from __future__ import annotations

import click

from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.web.auth import create_token, list_tokens, revoke_token


@click.group()
def token() -> None:
    """Create, list and revoke tokens for the HTTP/websocket API."""


@token.command("create")
@click.argument("name")
@pass_cli
def token_create(cli: CliContext, name: str) -> None:
    """Create a token called NAME and print it (it cannot be shown again).

    \b
    Example:
      pbxctl token create wallboard
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8470/api/v1/queues
    """
    require_current_schema(cli.engine)
    with transaction(session_factory(cli.engine)) as session:
        value = create_token(session, name)
    click.echo(value)
    click.echo(f"token {name!r} created; store it now, it is not kept in clear", err=True)


@token.command("list")
@pass_cli
def token_list(cli: CliContext) -> None:
    """List tokens (names and first characters only).

    \b
    Example:
      pbxctl token list
    """
    require_current_schema(cli.engine)
    with session_factory(cli.engine)() as session:
        tokens = list_tokens(session)
    for t in tokens:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        click.echo(f"{t.name:<24} {t.prefix}...  created {t.created_at:%Y-%m-%d %H:%M}  {state}")


@token.command("revoke")
@click.argument("name")
@pass_cli
def token_revoke(cli: CliContext, name: str) -> None:
    """Revoke the token called NAME (the API refuses it within 30 seconds).

    \b
    Example:
      pbxctl token revoke wallboard
    """
    require_current_schema(cli.engine)
    with transaction(session_factory(cli.engine)) as session:
        revoke_token(session, name)
    click.echo(f"token {name!r} revoked")
