"""Typed application state (aiohttp ``web.AppKey``): no string keys anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from controller.agents.service import AgentService
from controller.ami.actions import CallActions
from controller.ami.tracker import Tracker
from controller.web.auth import TokenStore
from controller.web.hub import Hub


@dataclass
class WebServices:
    """Everything the handlers use. ``actions``/``agents`` are None without AMI (tests)."""

    tracker: Tracker
    factory: sessionmaker[Session]
    tokens: TokenStore
    hub: Hub
    recordings_dir: Path
    actions: CallActions | None = None
    agents: AgentService | None = None
    status: dict[str, Any] = field(default_factory=dict)  # filled by the service: AMI, writer


SERVICES = web.AppKey("services", WebServices)
