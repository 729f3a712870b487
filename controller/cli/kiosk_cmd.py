"""``pbxctl kiosk link NAME``: a one-time pairing link for a wallboard screen
(controller/access/kiosk.py)."""

from __future__ import annotations

import time

import click

from controller.access import audit, kiosk
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.errors import SettingsError
from controller.secrets import secret_path
from controller.web.kiosks import pairing_code


def kiosk_key(cli: CliContext) -> bytes:
    """The server's key, read (never created here: a file made by root could not be read by
    the service's own user)."""
    path = secret_path(cli.settings.data_dir, kiosk.KEY_NAME)
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise SettingsError(
            f"{path} does not exist yet: pbxctl serve creates it when it starts; start the "
            "service once, or ask the API with the token (POST /api/v1/kiosk/link)"
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"cannot read {path}: {exc.strerror} (run as the service's user)"
        ) from exc
    return value.encode()


@click.group()
def kiosk_group() -> None:
    """Wallboard screens that stay signed in without holding a token."""


@kiosk_group.command("link")
@click.argument("name")
@click.option("--minutes", type=click.IntRange(1, 60), default=10, show_default=True,
              help="How long the link may be opened (once).")  # fmt: skip
@click.option("--url", "base_url", help="The address screens reach the service at "
              "(default: from api.host, api.port and TLS).")  # fmt: skip
@pass_cli
def kiosk_link(cli: CliContext, name: str, minutes: int, base_url: str | None) -> None:
    """Print a pairing link for the wallboard screen of token NAME.

    Open it in the screen's browser within the time given: the browser then shows the
    wallboard of the token's queues for a year (only that), and stops when the token is
    revoked. The link works once and never contains the token.

    \b
    Examples:
      pbxctl token create hall-screen --role wallboard --queues sales,support
      pbxctl kiosk link hall-screen --url https://pbx.example.cn:8470
    """
    key = kiosk_key(cli)
    require_current_schema(cli.engine)
    with transaction(session_factory(cli.engine)) as session:
        code = pairing_code(session, key, name, time.time(), minutes * 60)
        audit.record(session, audit.cli_actor(), audit.Entry("kiosk.link", "token", name))
    if base_url is None:
        api = cli.settings.api
        scheme = "https" if api.tls_cert and api.tls_key else "http"
        base_url = f"{scheme}://{api.host}:{api.port}"
    click.echo(f"{base_url.rstrip('/')}/kiosk?code={code}")
    click.echo(f"open it on the screen within {minutes} minutes; it works once", err=True)
