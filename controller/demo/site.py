"""The example company running on the sandbox Asterisk with the controller beside it.

Used by ``pbxctl demo`` and ``pbxctl loadtest``: creates the database, imports the example
company, starts the sandbox Asterisk with the generated configuration, starts ``pbxctl serve``
as its own process, and logs in agents that are Local channels (they answer, play a tone and
talk for a while). Everything it started is stopped by process id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from controller import prompts
from controller.access.store import UserInput, create_token, create_user
from controller.ami.session import AmiSession
from controller.config import Settings, settings_environment
from controller.db.engine import make_engine, session_factory
from controller.db.migrate import upgrade
from controller.demo.prompts import provide_stand_ins
from controller.dialplan import service
from controller.dialplan.apply import Outcome
from controller.dialplan.render import FILES, GENERATED_DIR
from controller.errors import ControllerError
from controller.paths import resource_dir
from controller.pbxconfig.importer import import_config
from controller.pbxconfig.load import read_config_file
from controller.sandbox import AsteriskSandbox, ensure_built, host_mirror

# The example company's 24-hour service line: not closed at night, so a demo at any hour
# reaches the IVR and the queues.
DEMO_DID = "+8675586009999"
DEMO_AGENT = "8001"  # the agent the demo's agent user is (张伟, sales)

# What the admin's own extensions.conf holds on a demo box: our include, plus simulated
# callers and agents (Local channels) for the demo and the load test.
DEMO_CONTEXTS = """[general]
static=yes
writeprotect=yes

#include pbx-controller/extensions.conf

; A simulated caller: answers, waits for the menu, presses the keys (w = half a second),
; stays on the line until the call ends (at most PBX_DEMO_WAIT seconds).
[pbx-demo-caller]
exten => _[0-9*#w]!,1,Answer()
 same => n,Wait(1.5)
 same => n,SendDTMF(${EXTEN})
 same => n,Wait(${IF($["${PBX_DEMO_WAIT}" = ""]?60:${PBX_DEMO_WAIT})})
 same => n,Hangup()

; A simulated agent: answers, says something, talks PBX_DEMO_TALK seconds, hangs up.
[pbx-demo-agent]
exten => _X.,1,Answer()
 same => n,Playback(beep)
 same => n,Wait(${IF($["${GLOBAL(PBX_DEMO_TALK)}" = ""]?10:${GLOBAL(PBX_DEMO_TALK)})})
 same => n,Hangup()
"""


def top_level_files() -> dict[str, str]:
    generated = f"{GENERATED_DIR}/"
    return {
        "extensions.conf": DEMO_CONTEXTS,
        "pjsip.conf": f"#include {generated}pjsip.conf\n",
        "queues.conf": "[general]\npersistentmembers=no\nlog_membername_as_agent=yes\n"
        f"shared_lastcall=yes\n\n#include {generated}queues.conf\n",
        "musiconhold.conf": f"[general]\n\n#include {generated}musiconhold.conf\n",
        "voicemail.conf": f"[general]\nformat=wav\n\n#include {generated}voicemail.conf\n",
        **{f"{generated}{spec.name}": "; not applied yet\n" for spec in FILES},
    }


def free_port(preferred: int = 0, kind: int = socket.SOCK_STREAM) -> int:
    """``preferred`` if it is free on 127.0.0.1, else any free port."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise ControllerError("no free port on 127.0.0.1")


def controller_environment(settings: Settings) -> dict[str, str]:
    """The environment of the controller's own process: ours, minus any PBXCTL_* variable,
    plus the settings (and no settings file, so nothing else decides)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PBXCTL_")}
    return {**env, **settings_environment(settings), "PBXCTL_CONFIG": os.devnull}


class DemoSite:
    def __init__(
        self,
        base: Settings,
        *,
        talk_seconds: int = 15,
        progress: Callable[[str], None] = print,
        company: Path | None = None,
        sandbox: AsteriskSandbox | None = None,
    ) -> None:
        """``sandbox``: an Asterisk sandbox that is already running (tests): it is restarted
        with the demo's files and keeps its AMI account; it is not stopped by :meth:`stop`."""
        self.base = base
        self.talk_seconds = talk_seconds
        self.progress = progress
        self.company = company or resource_dir("examples") / "company.yaml"
        self.borrowed = sandbox is not None
        self.sandbox = sandbox or AsteriskSandbox(base.sandbox_root, boot_timeout=60)
        self.controller: subprocess.Popen[bytes] | None = None
        self.settings: Settings = base
        self.token = ""
        self.login: tuple[str, str] = ("", "")
        self.agent_login: tuple[str, str] = ("", "")
        self.music_dirs: list[str] = []
        self.prompt_uses: list[prompts.PromptUse] = []

    @property
    def api_url(self) -> str:
        return f"http://{self.settings.api.host}:{self.settings.api.port}"

    @property
    def log_path(self) -> Path:
        return self.settings.data_dir / "controller.log"

    # -- start ----------------------------------------------------------------------------

    def _prepare_database(self) -> None:
        engine = make_engine(self.settings.effective_database_url)
        upgrade(engine)
        validated = read_config_file(self.company)
        self.music_dirs = [moh.directory for moh in validated.config.moh_classes]
        self.prompt_uses = prompts.prompt_uses(validated.config)
        stamp = int(time.time())
        with session_factory(engine)() as session, session.begin():
            import_config(session, validated)
            self.token = create_token(session, f"demo-{stamp}", "admin")
            # People to sign in as; a demo's own passwords, made now and shown once: an admin,
            # and agent 8001 (张伟) for the workspace, whose calls the demo's callers reach.
            self.login = (f"demo-{stamp}", secrets.token_urlsafe(12))
            create_user(session, UserInput(self.login[0], self.login[1], "admin", "Demo", "zh"))
            self.agent_login = (f"agent-{DEMO_AGENT}-{stamp}", secrets.token_urlsafe(12))
            create_user(session, UserInput(self.agent_login[0], self.agent_login[1], "agent",
                                           f"Agent {DEMO_AGENT}", "zh", DEMO_AGENT))  # fmt: skip
        engine.dispose()

    def _start_asterisk(self) -> None:
        if self.borrowed:
            self.sandbox.restart(top_level_files())
            account = self.sandbox.ami
            ami_port, secret = account.port, account.secret
            base_ami = self.base.ami.model_copy(update={"username": account.username})
        else:
            ensure_built(
                self.base.sandbox_root,
                self.base.sandbox.mirror or host_mirror(),
                suite=self.base.sandbox.suite,
                progress=self.progress,
            )
            secret = service.ami_credentials(self.base).secret
            ami_port = free_port(self.base.ami.port)
            self.sandbox.start(top_level_files(), self.base.ami.username, secret, ami_port)
            base_ami = self.base.ami
        sip_port = free_port(5060, socket.SOCK_DGRAM)
        self.settings = self.base.model_copy(
            update={
                "ami": base_ami.model_copy(update={"port": ami_port, "secret": SecretStr(secret)}),
                "agi": self.base.agi.model_copy(update={"port": free_port(self.base.agi.port)}),
                "api": self.base.api.model_copy(update={"port": free_port(self.base.api.port)}),
                "asterisk": self.base.asterisk.model_copy(
                    update={
                        "config_dir": self.sandbox.etc_dir,
                        "recordings_dir": self.sandbox.monitor_dir,
                        "log_dir": self.sandbox.log_dir,
                        "sounds_dir": self.sandbox.sounds_dir,
                        "sip_bind": f"127.0.0.1:{sip_port}",
                    }
                ),
            }
        )

    def _prepare_music(self) -> None:
        """A music class needs a directory with sound files, or Asterisk will not load it:
        give the example's own classes (a company uploads its music there) the stock music."""
        data_dir = self.sandbox.root / "usr" / "share" / "asterisk"
        stock = data_dir / "moh"
        for directory in self.music_dirs:
            target = data_dir / directory
            if target == stock or any(target.glob("*.gsm")):
                continue
            target.mkdir(parents=True, exist_ok=True)
            for sound in stock.glob("*.gsm"):
                shutil.copyfile(sound, target / sound.name)

    def _prepare_prompts(self) -> None:
        """The example's prompts are the company's own recordings, which a demo has not got:
        give each a stock sound as a stand-in (an apply refuses a prompt with no sound)."""
        made = provide_stand_ins(self.settings.asterisk.sounds_dir, self.prompt_uses)
        if made:
            self.progress(f"prompts: stock sounds stand in for {len(made)} recording(s)")

    async def _apply(self) -> None:
        engine = make_engine(self.settings.effective_database_url)
        try:
            applied = await service.apply_from_database(self.settings, engine)
        finally:
            engine.dispose()
        if applied.report.outcome is not Outcome.APPLIED:
            raise ControllerError(
                f"applying the example company failed:\n{applied.report.render()}"
            )

    def _start_controller(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # Its own session: Ctrl-C reaches the demo, which then stops the controller in order.
        self.controller = subprocess.Popen(
            [sys.executable, "-m", "controller", "serve"],
            env=controller_environment(self.settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    async def _wait_controller(self, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            while time.monotonic() < deadline:
                if self.controller is not None and self.controller.poll() is not None:
                    raise ControllerError(f"the controller exited; see {self.log_path}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.api_url}/api/v1/status") as response:
                        ami = (await response.json()).get("ami", {}) if response.ok else {}
                        if ami.get("connected") and ami.get("resyncs", 0) >= 1:
                            return
                await asyncio.sleep(0.2)
        raise ControllerError(
            f"the controller did not come up in {within:.0f} s; see {self.log_path}"
        )

    async def login_agents(self, codes: list[str]) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            for code in codes:
                device = {"device": f"Local/{code}@pbx-demo-agent"}
                async with http.post(
                    f"{self.api_url}/api/v1/agents/{code}/login", json=device
                ) as r:
                    if r.status != 200:
                        raise ControllerError(f"login of agent {code} failed: {await r.text()}")

    async def set_talk_time(self, seconds: int) -> None:
        async with await AmiSession.open(
            service.ami_credentials(self.settings), events=False
        ) as ami:
            await ami.action("Setvar", Variable="PBX_DEMO_TALK", Value=str(seconds))

    async def start(self) -> None:
        self.settings = self.base
        self.progress("creating the database and importing the example company")
        self._prepare_database()
        self.progress("starting Asterisk 22 (sandbox)")
        self._start_asterisk()
        self.progress("rendering and applying the configuration")
        self._prepare_music()
        self._prepare_prompts()
        await self._apply()
        self.progress("starting the controller (FastAGI, AMI, web API)")
        self._start_controller()
        await self._wait_controller()
        await self.set_talk_time(self.talk_seconds)

    # -- stop -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop what we started, by process id: the controller, then Asterisk."""
        if self.controller is not None and self.controller.poll() is None:
            self.controller.terminate()
            try:
                self.controller.wait(20)
            except subprocess.TimeoutExpired:
                self.controller.kill()
                self.controller.wait()
        self.controller = None
        if not self.borrowed:
            self.sandbox.stop()
