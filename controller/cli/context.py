"""The object every ``pbxctl`` sub-command receives: settings, loaded once and lazily."""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from controller.config import Settings, load_settings
from controller.db.engine import make_engine


class CliContext:
    def __init__(self, config_file: Path | None, overrides: dict[str, Any]) -> None:
        self._config_file = config_file
        self._overrides = overrides

    @cached_property
    def settings(self) -> Settings:
        # Loaded on first use, so `pbxctl --help` works even when the settings are broken.
        settings = load_settings(self._overrides, config_file=self._config_file)
        logging.getLogger("controller").setLevel(settings.log_level.upper())
        return settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.effective_database_url)


pass_cli = click.make_pass_decorator(CliContext)
