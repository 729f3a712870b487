"""Typed application and request state (aiohttp ``web.AppKey``/``RequestKey``): no string keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from controller.access.directory import AgentDirectory
from controller.access.policy import Principal
from controller.agents.service import AgentService
from controller.ami.actions import CallActions
from controller.ami.tracker import Tracker
from controller.config import WebhookSettings
from controller.notes.recent import RecentCalls
from controller.web.auth import Authenticator, SignedIn
from controller.web.hub import Hub
from controller.webhooks.hooks import CrmHooks

if TYPE_CHECKING:
    from controller.web.config_apply import ApplyRunner


@dataclass
class WebServices:
    """Everything the handlers use. ``actions``/``agents`` are None without AMI (tests)."""

    tracker: Tracker
    factory: sessionmaker[Session]
    auth: Authenticator
    hub: Hub
    recordings_dir: Path
    actions: CallActions | None = None
    agents: AgentService | None = None
    status: dict[str, Any] = field(default_factory=dict)  # filled by the service: AMI, writer
    # The queues each agent serves: who may see and act on an agent and their calls.
    directory: AgentDirectory = field(default_factory=AgentDirectory)
    # Who was on which call lately (notes of a call that just ended); None: live calls only.
    recent: RecentCalls | None = None
    crm: CrmHooks | None = None  # notes and follow-ups for the CRM webhooks
    webhook_settings: WebhookSettings = field(default_factory=WebhookSettings)  # test sends
    config_apply: ApplyRunner | None = None  # the admin pages' Apply; None: not offered
    sounds_dir: Path | None = None  # Asterisk's prompts (admin pages); None: not kept


SERVICES = web.AppKey("services", WebServices)
PRINCIPAL = web.RequestKey("principal", Principal)
SESSION = web.RequestKey("session", SignedIn)  # set when a browser session signed in
