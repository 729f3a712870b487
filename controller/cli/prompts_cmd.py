"""``pbxctl prompts``: the prompts the configuration names, whether Asterisk has each, and
stand-ins from Asterisk's stock sounds for those not recorded yet (an apply refuses a prompt
with no sound file; upload the real recordings on the admin Prompts page)."""

from __future__ import annotations

from pathlib import Path

import click

from controller import prompts
from controller.access import audit
from controller.cli.context import CliContext, pass_cli
from controller.db.engine import session_factory, transaction
from controller.db.migrate import require_current_schema
from controller.demo.prompts import provide_stand_ins
from controller.errors import ControllerError


@click.group("prompts")
def prompts_group() -> None:
    """Prompts: the recordings IVR menus, queues and recording notices play."""


def _uses(cli: CliContext) -> list[prompts.PromptUse]:
    require_current_schema(cli.engine)
    with session_factory(cli.engine)() as session:
        return prompts.stored_prompt_uses(session)


def _sounds(cli: CliContext) -> Path:
    sounds = cli.settings.asterisk.sounds_dir
    if not sounds.is_dir():
        raise ControllerError(
            f"no sounds directory {sounds} here (setting asterisk.sounds_dir): is Asterisk "
            "installed on this machine?"
        )
    return sounds


@prompts_group.command("list")
@pass_cli
def prompts_list(cli: CliContext) -> None:
    """Each prompt the configuration names, what plays it, and whether Asterisk has it; exit
    1 when one is missing (an apply would refuse).

    \b
    Example:
      pbxctl prompts list
    """
    sounds = _sounds(cli)
    missing = 0
    for use in _uses(cli):
        there = prompts.has_sound(sounds, use.name, use.language)
        missing += not there
        click.echo(f"{'ok     ' if there else 'MISSING'} {use.name}  ({use.used_by})")
    if missing:
        click.echo(f"{missing} prompt use(s) without a sound file", err=True)
        raise SystemExit(1)


@prompts_group.command("stand-ins")
@pass_cli
def prompts_stand_ins(cli: CliContext) -> None:
    """Give each prompt without a sound file a stock Asterisk sound as a stand-in (to try
    the example company before its recordings exist). A recorded prompt is never replaced.

    \b
    Example:
      pbxctl config import examples/company.yaml && pbxctl prompts stand-ins
    """
    sounds = _sounds(cli)
    made = provide_stand_ins(sounds, _uses(cli))
    for name in made:
        click.echo(f"stand-in: {name}")
    if made:
        with transaction(session_factory(cli.engine)) as session:
            entry = audit.Entry("prompt.stand_in", "prompt", "", detail={"prompts": made})
            audit.record(session, audit.cli_actor(), entry)
    left = prompts.missing(sounds, _uses(cli))
    click.echo(f"{len(made)} stand-in(s) written; {len(left)} prompt use(s) still missing")
    if left:
        raise SystemExit(1)
