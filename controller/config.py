"""Typed, frozen settings of the controller process.

Sources, later ones win, key by key:

1. defaults (below)
2. the TOML file: ``/etc/pbx-controller/controller.toml``, or the path given by ``--config``
   or ``PBXCTL_CONFIG``. The default file may be absent; a file named explicitly must exist.
3. environment variables: ``PBXCTL_<KEY>`` for top-level keys (``PBXCTL_DATABASE_URL``,
   ``PBXCTL_DATA_DIR``) and ``PBXCTL_<SECTION>_<KEY>`` for keys in a section
   (``PBXCTL_AMI_PORT``). An unknown ``PBXCTL_*`` variable is an error, so a typo never
   silently falls back to a default.
4. command-line flags, passed in as ``overrides``.

A bad value raises :class:`SettingsError` naming the key, where it came from and the form
that was expected. Secrets (AMI, API) have no defaults: see :mod:`controller.secrets`.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from controller.errors import SettingsError
from controller.reports.schedule_settings import Address, ScheduledReport

DEFAULT_CONFIG_FILE = Path("/etc/pbx-controller/controller.toml")
ENV_PREFIX = "PBXCTL_"
CONFIG_FILE_ENV = "PBXCTL_CONFIG"

Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[float, Field(gt=0, le=3600)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AmiSettings(_Section):
    """How the controller reaches the Asterisk Manager Interface."""

    host: str = "127.0.0.1"
    port: Port = 5038
    username: str = "pbx-controller"
    # None: read (or create on first use) the generated secret in the data directory.
    secret: SecretStr | None = None
    connect_timeout: Seconds = 5.0


class AgiSettings(_Section):
    """Where the FastAGI server listens."""

    host: str = "127.0.0.1"
    port: Port = 4573
    # Asterisk sends a session's headers at once: a connection without them after this long
    # is closed (an idle flood must not hold descriptors and slots real calls need).
    header_timeout: Annotated[float, Field(gt=0, le=60)] = 2.0


class ApiSettings(_Section):
    """Where the HTTP + websocket API and the web pages listen, and how browsers sign in."""

    host: str = "127.0.0.1"
    port: Port = 8470
    # HTTPS: both files (PEM), or neither (behind a reverse proxy, see docs/security.md).
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed.
    trusted_proxies: tuple[IPvAnyNetwork, ...] = ()
    session_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    session_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 12
    # Failed sign-ins allowed per login name and per address within 15 minutes.
    login_failures: Annotated[int, Field(ge=1, le=1000)] = 5

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # PBXCTL_API_TRUSTED_PROXIES="127.0.0.1,10.0.0.0/8"; TOML gives a list.
        return (
            [part.strip() for part in value.split(",") if part.strip()]
            if isinstance(value, str)
            else value
        )

    @model_validator(mode="after")
    def _tls_pair(self) -> ApiSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: give both or neither")
        return self


class AsteriskSettings(_Section):
    """Where Asterisk keeps its files on this machine."""

    config_dir: Path = Path("/etc/asterisk")
    recordings_dir: Path = Path("/var/spool/asterisk/monitor")
    sounds_dir: Path = Path("/usr/share/asterisk/sounds")
    # Asterisk's log directory: queue_log and the CEL file the history recovery reads.
    log_dir: Path = Path("/var/log/asterisk")
    # Where the generated PJSIP transports listen (address:port).
    sip_bind: str = "0.0.0.0:5060"


class WebhookSettings(_Section):
    """How ``pbxctl serve`` delivers CRM webhooks (endpoints: ``pbxctl webhook``; docs/crm.md)."""

    # Where the CRM reaches this controller: recording links in call.ended start with it
    # (https://pbx.example.com); None: links relative to the API (/api/v1/recordings/...).
    public_url: Annotated[str, Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")] | None = None
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0  # per attempt
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 15  # about 2.7 to 5.4 hours of tries
    backoff_base_seconds: Annotated[float, Field(gt=0, le=3600)] = 5.0  # then 10, 20 ... s
    backoff_max_seconds: Annotated[float, Field(gt=0, le=86400)] = 3600.0
    concurrency: Annotated[int, Field(ge=1, le=100)] = 8  # requests in flight at once
    # Of them, to one endpoint: a slow or dead endpoint cannot hold up the others.
    endpoint_concurrency: Annotated[int, Field(ge=1, le=100)] = 4
    # Events waiting in memory to be stored (only while the database is away); beyond it the
    # oldest are dropped and counted. Stored deliveries are kept until delivered or given up.
    buffer_limit: Annotated[int, Field(ge=100, le=1_000_000)] = 10_000
    # How long call.ended waits for the agents' dispositions (after-call work).
    disposition_wait_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    keep_days: Annotated[int, Field(ge=1, le=3650)] = 30  # the delivery log


class ReportSettings(_Section):
    """SMTP for the scheduled reports, and the schedule itself."""

    smtp_host: str | None = None  # None: no mail is sent (a schedule then is an error)
    smtp_port: Port = 587
    # starttls: plain connection upgraded by STARTTLS (port 587); tls: TLS from the first
    # byte (port 465); none: no encryption (a relay on the same host only).
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: Annotated[float, Field(gt=0, le=600)] = 60.0
    # The CA that signed the server's certificate, when not one the system trusts.
    smtp_ca_file: Path | None = None
    sender: Address | None = None
    schedule: tuple[ScheduledReport, ...] = ()  # [[reports.schedule]] (docs/reports.md)

    @field_validator("schedule", mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        # PBXCTL_REPORTS_SCHEDULE (and settings_environment) carry the list as JSON text.
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else ()
            except json.JSONDecodeError as err:
                raise ValueError(f"expected a JSON list of schedule entries ({err.msg})") from err
        return value

    @model_validator(mode="after")
    def _mail_for_a_schedule(self) -> ReportSettings:
        if self.schedule and not (self.smtp_host and self.sender):
            raise ValueError("scheduled reports need reports.smtp_host and reports.sender")
        if (self.smtp_user is None) != (self.smtp_password is None):
            raise ValueError("give reports.smtp_user and reports.smtp_password together")
        seen: set[str] = set()
        for entry in self.schedule:
            if entry.name in seen:
                raise ValueError(f"two scheduled reports are named {entry.name!r}")
            seen.add(entry.name)
        return self

    def entry(self, name: str) -> ScheduledReport | None:
        return next((e for e in self.schedule if e.name == name), None)


class SandboxSettings(_Section):
    """The throw-away Asterisk used by the tests and ``pbxctl demo``."""

    # None: $XDG_CACHE_HOME/pbx-controller/asterisk-root (outside any checkout, so it is
    # reused across clones and CI runs).
    root: Path | None = None
    # None: the Debian mirror the host's own apt sources use.
    mirror: str | None = None
    suite: str = "sid"


class Settings(_Section):
    """All settings. Build it with :func:`load_settings`, never by hand in production code."""

    data_dir: Path = Path("/var/lib/pbx-controller")
    # None: a SQLite file in data_dir.
    database_url: str | None = None
    server_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = "default"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    templates_dir: Path = Path("/etc/pbx-controller/templates")
    ami: AmiSettings = AmiSettings()
    agi: AgiSettings = AgiSettings()
    api: ApiSettings = ApiSettings()
    asterisk: AsteriskSettings = AsteriskSettings()
    sandbox: SandboxSettings = SandboxSettings()
    webhooks: WebhookSettings = WebhookSettings()
    reports: ReportSettings = ReportSettings()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'pbx.sqlite3'}"

    @property
    def sandbox_root(self) -> Path:
        if self.sandbox.root is not None:
            return self.sandbox.root
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "pbx-controller" / "asterisk-root"


def _sections() -> dict[str, type[_Section]]:
    sections: dict[str, type[_Section]] = {}
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, _Section):
            sections[name] = annotation
    return sections


def env_variable_names() -> dict[str, tuple[str, ...]]:
    """Map every accepted ``PBXCTL_*`` variable to the settings key path it sets."""
    names: dict[str, tuple[str, ...]] = {}
    sections = _sections()
    for name in Settings.model_fields:
        if name in sections:
            for sub in sections[name].model_fields:
                names[f"{ENV_PREFIX}{name}_{sub}".upper()] = (name, sub)
        else:
            names[f"{ENV_PREFIX}{name}".upper()] = (name,)
    return names


def settings_environment(settings: Settings) -> dict[str, str]:
    """The settings as ``PBXCTL_*`` variables: what another ``pbxctl`` process needs to run
    with exactly these settings (secrets included; None values left out)."""
    env: dict[str, str] = {}
    for name, path in env_variable_names().items():
        value: Any = settings
        for part in path:
            value = getattr(value, part)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, tuple) and any(isinstance(item, BaseModel) for item in value):
            value = json.dumps([item.model_dump(mode="json") for item in value], ensure_ascii=False)
        elif isinstance(value, tuple):
            value = ",".join(str(item) for item in value)  # lists are comma-separated
        env[name] = str(value)
    return env


# A value together with where it came from, so errors can say "from PBXCTL_AMI_PORT".
_Sourced = tuple[Any, str]


def _flatten(data: Mapping[str, Any], source: str, prefix: tuple[str, ...] = ()) -> dict:
    flat: dict[tuple[str, ...], _Sourced] = {}
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            flat.update(_flatten(value, source, path))
        else:
            flat[path] = (value, source)
    return flat


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from exc


def _from_environment(environ: Mapping[str, str]) -> dict[tuple[str, ...], _Sourced]:
    known = env_variable_names()
    flat: dict[tuple[str, ...], _Sourced] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV:
            continue
        if name not in known:
            close = difflib.get_close_matches(name, [*known, CONFIG_FILE_ENV], n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise SettingsError(f"unknown setting in environment variable {name}{hint}")
        flat[known[name]] = (value, f"environment variable {name}")
    return flat


def _nest(flat: Mapping[tuple[str, ...], _Sourced]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, (value, _source) in flat.items():
        node = nested
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SettingsError(f"setting {'.'.join(path[:-1])} must be a table")
        node[path[-1]] = value
    return nested


_EXPECTED = {
    "int_parsing": "an integer",
    "int_type": "an integer",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "path_type": "a filesystem path",
    "string_type": "a string",
}


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected']}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "out of range: " + str(error["msg"]).lower()
    if kind == "string_pattern_mismatch":
        return f"expected a value matching {error['ctx']['pattern']}"
    if kind == "extra_forbidden":
        return "unknown setting"
    return str(error["msg"])


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge all sources into one validated :class:`Settings`.

    ``overrides`` uses dotted keys (``{"ami.port": 5039}``); ``None`` values are ignored,
    so CLI options that were not given can be passed straight through.
    """
    environ = os.environ if environ is None else environ
    explicit = config_file is not None or CONFIG_FILE_ENV in environ
    path = config_file or Path(environ.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)

    flat: dict[tuple[str, ...], _Sourced] = {}
    if path.exists() or explicit:
        flat.update(_flatten(_read_toml(path), f"settings file {path}"))
    flat.update(_from_environment(environ))
    for key, value in (overrides or {}).items():
        if value is not None:
            flat[tuple(key.split("."))] = (value, f"command-line option for {key}")

    try:
        return Settings.model_validate(_nest(flat))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        loc = tuple(str(part) for part in first["loc"])
        value, source = flat.get(loc, (None, "defaults"))
        if loc not in flat:  # an unknown table: name the source of any key below it
            source = next(
                (src for path, (_, src) in flat.items() if path[: len(loc)] == loc), source
            )
        got = "" if value is None else f", got {value!r}"
        raise SettingsError(f"setting {key} (from {source}): {_describe(first)}{got}") from None
