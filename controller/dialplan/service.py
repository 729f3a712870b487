"""From the database to a running Asterisk: what ``pbxctl dialplan`` does, without the CLI."""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from controller import __version__, prompts
from controller.ami.session import AmiCredentials
from controller.config import Settings
from controller.db.engine import session_factory
from controller.db.migrate import require_current_schema
from controller.dialplan import incremental, phones
from controller.dialplan.apply import ApplyReport, ApplyStep, Outcome, Progress, apply_files
from controller.dialplan.build import BuildError, build
from controller.dialplan.cache import Cache
from controller.dialplan.incremental import Update
from controller.dialplan.lint import LintIssue
from controller.dialplan.model import Options
from controller.dialplan.phoneprep import Preparing
from controller.dialplan.render import FILES, GENERATED_DIR, Renderer, compose, digest
from controller.dialplan.state import (
    AppliedState,
    forget_state,
    gc_frozen,
    gc_paused,
    read_state,
    still_current,
    write_state,
)
from controller.dialplan.tracked import TEXT, Recorded
from controller.errors import ControllerError
from controller.pbxconfig.export import export_config
from controller.pbxconfig.revision import current_revision
from controller.secrets import ensure_secret

logger = logging.getLogger(__name__)

TEMPLATE_CACHE = "template-cache"  # compiled templates, in the data directory
AMI_SECRET = "ami-secret"  # noqa: S105 - the name of the generated secret's file


class RenderError(ControllerError):
    """The stored configuration cannot be rendered (a value that cannot be written)."""


def options(settings: Settings) -> Options:
    return Options(
        agi_url=f"agi://{settings.agi.host}:{settings.agi.port}",
        sip_bind=settings.asterisk.sip_bind,
    )


def generated_dir(settings: Settings) -> Path:
    return settings.asterisk.config_dir / GENERATED_DIR


def ami_credentials(settings: Settings) -> AmiCredentials:
    if settings.ami.secret is not None:
        secret = settings.ami.secret.get_secret_value()
    else:
        secret = ensure_secret(settings.data_dir, AMI_SECRET).value
    return AmiCredentials(settings.ami.host, settings.ami.port, settings.ami.username, secret)


def inputs_digest(settings: Settings, renderer: Renderer) -> str:
    """Everything besides the configuration that the generated files depend on: the
    controller's version and dialplan code, the settings, the templates."""
    return digest(
        f"{__version__}\0{_code_digest()}\0{options(settings)!r}\0"
        f"{renderer.template_sources_digest()}"
    )


@functools.cache
def _code_digest() -> str:
    """The source of the code that builds and renders (a cached render made by other code
    is not this code's render, even under the same version number)."""
    package = Path(__file__).parent
    return digest("\0".join(p.read_text(encoding="utf-8") for p in sorted(package.glob("*.py"))))


def _render(settings: Settings, engine: Engine, renderer: Renderer) -> tuple[int, dict[str, str]]:
    require_current_schema(engine)
    with session_factory(engine)() as session, session.begin():
        # One transaction: the revision is the revision of this very snapshot.
        revision = current_revision(session)
        snapshot = export_config(session, include_secrets=True)
    try:
        built = build(snapshot, options(settings))
    except BuildError as exc:
        lines = "\n".join(f"  {'.'.join(map(str, p.path))}: {p.message}" for p in exc.problems)
        raise RenderError(f"the stored configuration cannot be written:\n{lines}") from None
    return revision, renderer.render(built)


def render_from_database(settings: Settings, engine: Engine) -> dict[str, str]:
    """Every generated file for the stored configuration, by name."""
    with gc_paused():
        return _render(settings, engine, Renderer(settings.templates_dir))[1]


@dataclass
class Applied:
    report: ApplyReport
    lint: list[LintIssue]
    seconds: dict[str, float] = field(default_factory=dict)  # by phase, for -v and benchmarks
    full: bool = False  # everything was rendered (else only what the change affects)
    reason: str = ""  # why everything was rendered
    # The prompts named in the configuration that Asterisk has no sound file of: the apply
    # was refused for them (each names the object and field).
    missing_prompts: list[prompts.PromptUse] = field(default_factory=list)


def check_prompts(settings: Settings, engine: Engine) -> tuple[list[prompts.PromptUse], str]:
    """The prompt uses whose sound file is missing, or a warning when the sounds directory
    is not on this machine (nothing to check against: a controller away from Asterisk)."""
    sounds = settings.asterisk.sounds_dir
    if not sounds.is_dir():
        return [], f"prompts not checked: the sounds directory {sounds} does not exist here"
    with session_factory(engine)() as session:
        uses = prompts.stored_prompt_uses(session)
    return prompts.missing(sounds, uses), ""


def update_render_cache(
    settings: Settings,
    engine: Engine,
    renderer: Renderer,
    *,
    use_asterisklint: bool = True,
    defer_fill: bool = False,
    rendered: incremental.Rendered = None,
) -> Update:
    """Bring the render cache (in the data directory) to the stored configuration; after a
    full render with ``defer_fill``, :func:`fill_render_cache` does the filling.
    ``rendered`` is told a full render's files before they are linted."""
    require_current_schema(engine)
    cache = Cache.open(settings.data_dir)
    try:
        with session_factory(engine)() as session, session.begin():
            return incremental.update(
                cache,
                session,
                renderer,
                options(settings),
                inputs_digest(settings, renderer),
                use_asterisklint=use_asterisklint,
                defer_fill=defer_fill,
                rendered=rendered,
            )
    except BuildError as exc:
        lines = "\n".join(f"  {'.'.join(map(str, p.path))}: {p.message}" for p in exc.problems)
        raise RenderError(f"the stored configuration cannot be written:\n{lines}") from None
    finally:
        cache.close()


def fill_render_cache(settings: Settings, update: Update) -> float:
    """Fill the render cache with a full render whose filling was deferred; its seconds.
    A failure only leaves the cache as it was (the next apply renders everything again)."""
    start = time.perf_counter()
    if update.fill is None:
        return 0.0
    try:
        cache = Cache.open(settings.data_dir)
        try:
            with gc_paused():
                update.fill(cache)
        finally:
            cache.close()
    except sqlite3.Error as exc:
        logger.warning("the render cache was not filled: %s", exc)
    return time.perf_counter() - start


def _to_apply(
    settings: Settings, update: Update, state: AppliedState | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The files Asterisk may not have yet (name -> text), and every file's digest."""
    if update.digests:  # a full render: every file is at hand
        return dict(update.texts), dict(update.digests)
    directory = generated_dir(settings)
    cache = Cache.open(settings.data_dir)
    try:
        meta = cache.meta()
        digests = {spec.name: meta.get(f"digest:{spec.name}", "") for spec in FILES}
        files = dict(update.texts)
        for spec in FILES:
            if spec.name in files:
                continue
            if state is not None and state.unchanged(directory, spec.name, digests[spec.name]):
                continue
            files[spec.name] = compose(spec, cache.body(spec.name))
        return files, digests
    finally:
        cache.close()


async def apply_from_database(
    settings: Settings,
    engine: Engine,
    *,
    use_asterisklint: bool = True,
    progress: Progress = None,
) -> Applied:
    directory = generated_dir(settings)
    # Before anything else, even when nothing changed: a prompt that is not there is silence
    # and an Asterisk warning on every call that reaches it.
    missing, unchecked = check_prompts(settings, engine)
    if progress is not None:
        found = "\n".join(u.problem for u in missing)
        progress(ApplyStep("prompts", "failed" if missing else "done", "", found or unchecked))
    notes = [LintIssue("prompts", None, unchecked, error=False)] if unchecked else []
    if missing:
        report = ApplyReport(Outcome.REFUSED, [], [], [u.problem for u in missing])
        return Applied(report, notes, missing_prompts=missing)
    renderer = Renderer(settings.templates_dir, settings.data_dir / TEMPLATE_CACHE)
    inputs = inputs_digest(settings, renderer)
    state = read_state(directory)
    if state is not None:
        with session_factory(engine)() as session:
            revision = current_revision(session)
        if still_current(directory, state, revision, inputs):
            return Applied(ApplyReport(Outcome.APPLIED), notes)

    clock = time.perf_counter()
    if progress is not None:
        progress(ApplyStep("lint", "start"))
    # After a full render the phone rows are prepared in a second process while the lint
    # runs (controller.dialplan.phoneprep); they are written only if the lint passes.
    preparing: list[Preparing] = []

    def rendered(
        texts: dict[str, str], recorded: Mapping[str, Recorded]
    ) -> incremental.FactsSource | None:
        if not texts.get(phones.PJSIP_FILE, "").strip():
            return None
        segments = [s.text for s in recorded[phones.PJSIP_FILE].segments if s.kind == TEXT]
        preparing.append(Preparing(texts[phones.PJSIP_FILE], directory, segments))
        return preparing[-1].facts

    with gc_paused():
        try:
            update = update_render_cache(settings, engine, renderer,
                                         use_asterisklint=use_asterisklint, defer_fill=True,
                                         rendered=rendered)  # fmt: skip
        except BaseException:
            for running in preparing:
                running.cancel()
            raise
        seconds = dict(update.seconds)
        errors = update.errors
        if progress is not None:
            found = "\n".join(str(i) for i in errors[:20])
            progress(ApplyStep("lint", "failed" if errors else "done", "", found))
        if errors:
            for running in preparing:
                running.cancel()
            report = ApplyReport(Outcome.REFUSED, [], [], [str(i) for i in errors])
            return Applied(report, notes + update.issues, seconds, update.full, update.reason)
        files, digests = _to_apply(settings, update, state)
        prepared = preparing[-1].result(files) if preparing else None
    now = time.perf_counter()
    seconds["controller"] = now - clock
    # After a full render the render cache is filled while Asterisk reloads (a second core;
    # the apply mostly waits for Asterisk meanwhile): from the first reload on, not before,
    # where it would take the interpreter from splitting pjsip.conf into phone rows.
    filling = None
    reloading = threading.Event()
    told = progress
    if update.fill is not None:

        def told(step: ApplyStep) -> None:
            if step.step == "reload":
                reloading.set()
            if progress is not None:
                progress(step)

        def fill() -> float:
            reloading.wait()
            return fill_render_cache(settings, update)

        filling = asyncio.create_task(asyncio.to_thread(fill))
    try:
        # The render's millions of objects out of the cyclic collector's sight until the
        # apply is over: its first full collection after the render (once the filling
        # turns it back on) scanned them all, 0.1-0.4 s in the checks after the reloads.
        with gc_frozen(update.full):
            report = await apply_files(
                files, directory, ami_credentials(settings), update.units, told, prepared
            )
            # An apply refused before any reload (AMI unreachable) never says "reload":
            # the filling must not wait for it any longer.
            reloading.set()
            if filling is not None:
                seconds["cache (while Asterisk reloads)"] = await filling
                filling = None
    finally:
        reloading.set()
        if filling is not None:
            seconds["cache (while Asterisk reloads)"] = await filling
    seconds["write, reload and confirm"] = time.perf_counter() - now
    if report.outcome is Outcome.APPLIED:
        write_state(directory, update.revision, inputs, digests)
    else:
        forget_state(directory)
    return Applied(report, notes + update.issues, seconds, update.full, update.reason)
