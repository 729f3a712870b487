"""The administration pages (``/admin``): every object of the configuration as a list (search,
paging in SQL) and a form, the changes the next apply makes in Asterisk's files, and Apply.

A form is saved through the importer (:func:`controller.pbxconfig.edit.save_object`): its
errors are the importer's, shown at the field they name; the revision and journal are the
importer's, so ``pbxctl config export`` shows the edit. A form carries the object as it was
shown; a save over a change made meanwhile is a 409 listing what changed. Saving does not
touch Asterisk: the pending changes page shows what Apply will change, and Apply runs in
the background with its progress over the websocket (:mod:`controller.web.config_apply`).

Reading needs ``config.read``; saving and applying ``config.apply`` (docs/web.md, "Admin").
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from controller import prompts
from controller.access import audit
from controller.access.policy import allows
from controller.access.scopes import Scope
from controller.errors import ConfigFileError, ConfigIssue, DatabaseError
from controller.pbxconfig import edit
from controller.pbxconfig.export import SECTION_MODELS
from controller.pbxconfig.schema import SECTION_KEYS
from controller.web import admin_forms as forms
from controller.web import config_labels, config_messages, i18n
from controller.web.access import principal, requires
from controller.web.config_apply import Busy
from controller.web.errors import ApiError
from controller.web.keys import SERVICES
from controller.web.pages.account import language
from controller.web.pages.frame import in_session, signed_in_page

routes = web.RouteTableDef()

PAGE_SIZE = 50
# Columns a list shows beside the key, the first the table has (searched too).
_LABEL_COLUMNS = ("display_name", "name", "label", "description")


def _section_titles(language: str) -> dict[str, str]:
    gettext = i18n.translations(language).gettext
    return {
        "extensions": gettext("Extensions and phones"),
        "queues": gettext("Queues"),
        "ivr_menus": gettext("IVR menus"),
        "inbound_routes": gettext("Inbound routes"),
        "outbound_routes": gettext("Outbound routes"),
        "time_conditions": gettext("Time conditions"),
        "holiday_calendars": gettext("Holiday calendars"),
        "trunks": gettext("Trunks and tariffs"),
        "agents": gettext("Agents"),
        "agent_groups": gettext("Agent groups"),
        "skills": gettext("Skills"),
        "customers": gettext("Customers, VIP and blacklist"),
        "recording_policies": gettext("Recording policies"),
        "moh_classes": gettext("Music on hold"),
        "pause_reasons": gettext("Pause reasons"),
        "dispositions": gettext("Dispositions"),
    }


def _section(request: web.Request) -> str:
    section = request.match_info["section"]
    if section not in SECTION_KEYS:
        raise ApiError(404, "not_found", f"no configuration section {section!r}")
    return section


def _label_column(model: type[Any], key: str) -> Any:
    for name in _LABEL_COLUMNS:
        if name != key and hasattr(model, name):
            return getattr(model, name)
    return None


@dataclass(frozen=True, slots=True)
class Listing:
    rows: list[tuple[str, str]]  # key, label
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_objects(session: Session, section: str, search: str, page: int) -> Listing:
    """One page of a section, in configuration order; ``search`` in the key or the label."""
    model, key_name = SECTION_MODELS[section]
    key = getattr(model, key_name)
    label = _label_column(model, key_name)
    where = []
    if search:
        pattern = _like(search)
        matches = [key.ilike(pattern, escape="\\")]
        if label is not None:
            matches.append(label.ilike(pattern, escape="\\"))
        where.append(or_(*matches))
    total = session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    columns = [key, label] if label is not None else [key]
    order = getattr(model, "position", model.id)
    query = (
        select(*columns)
        .where(*where)
        .order_by(order, model.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = [(r[0], (r[1] or "") if len(r) > 1 else "") for r in session.execute(query)]
    return Listing(rows, total, page, pages)


def _counts(session: Session) -> dict[str, int]:
    return {
        section: session.scalar(select(func.count()).select_from(model)) or 0
        for section, (model, _key) in SECTION_MODELS.items()
    }


def frame(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """An admin page: the sections on the left, the links to the access pages it may open."""
    titles = _section_titles(language(request))
    who = principal(request)
    context.setdefault("admin_page", "")
    context.setdefault("may_users", allows(who, Scope.USERS_MANAGE))
    context.setdefault("may_audit", allows(who, Scope.AUDIT_READ))
    response = signed_in_page(request, template, "admin", sections=titles, **context)
    response.set_status(status)
    return response


@routes.get("/admin")
@requires(Scope.CONFIG_READ)
async def overview(request: web.Request) -> web.Response:
    factory = request.app[SERVICES].factory
    counts = await asyncio.to_thread(in_session, factory, _counts)
    return frame(request, "admin/overview.html", counts=counts, section="", admin_page="overview")


@routes.get("/admin/objects/{section}")
@requires(Scope.CONFIG_READ)
async def object_list(request: web.Request) -> web.Response:
    section = _section(request)
    search = request.query.get("q", "").strip()[:100]
    try:
        page = int(request.query.get("page", "1"))
    except ValueError:
        page = 1
    factory = request.app[SERVICES].factory
    listing = await asyncio.to_thread(in_session, factory, list_objects, section, search, page)
    return frame(
        request,
        "admin/list.html",
        section=section,
        search=search,
        listing=listing,
        removed=request.query.get("removed", "")[:100],
        quote=quote,
    )


@dataclass(frozen=True, slots=True)
class Choices:
    """What an object's form offers in its selects: the objects of other sections (a large
    section's are not listed: its inputs ask ``/admin/choices/{section}`` as one types), the
    stored (converted) prompts."""

    objects: dict[str, list[tuple[str, str]]]
    prompts: list[str]
    large: list[str]


# A section with more objects than this is offered as an input that suggests matching
# objects as one types (a datalist filled from /admin/choices), not a select repeated in
# every row: a queue's form costs the same at 10,000 extensions as at 400.
SELECT_LIMIT = 300


def _objects(
    session: Session, sections: set[str]
) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    found, large = {}, []
    for section in sorted(sections & set(SECTION_MODELS)):
        model, key_name = SECTION_MODELS[section]
        count = session.scalar(select(func.count()).select_from(model)) or 0
        if count > SELECT_LIMIT:
            large.append(section)
            continue
        label = _label_column(model, key_name)
        key = getattr(model, key_name)
        columns = [key, label] if label is not None else [key]
        order = getattr(model, "position", model.id)
        rows = session.execute(select(*columns).order_by(order, model.id))
        found[section] = [(r[0], (r[1] or "") if len(r) > 1 else "") for r in rows]
    return found, large


async def _choices(request: web.Request, section: str) -> Choices:
    services = request.app[SERVICES]
    wanted = forms.references(section)
    objects, large = await asyncio.to_thread(in_session, services.factory, _objects, wanted)
    names: list[str] = []
    if "prompts" in wanted and services.sounds_dir is not None:
        names = await asyncio.to_thread(forms.stored_prompts, services.sounds_dir)
    return Choices(objects, names, large)


@routes.get("/admin/choices/{section}")
@requires(Scope.CONFIG_READ)
async def choices(request: web.Request) -> web.Response:
    """The first objects of a section whose key or name holds ``?q=`` (a form's suggestions
    for a section too large to list in it)."""
    section = _section(request)
    search = request.query.get("q", "").strip()[:100]
    factory = request.app[SERVICES].factory
    listing = await asyncio.to_thread(in_session, factory, list_objects, section, search, 1)
    return web.json_response({"section": section, "total": listing.total,
                              "objects": [list(row) for row in listing.rows]})  # fmt: skip


def _form_context(
    request: web.Request,
    section: str,
    key: str | None,
    values: dict[str, Any],
    base: dict[str, Any] | None,
    choices: Choices,
    **extra: Any,
) -> dict[str, Any]:
    words = i18n.translations(language(request), "config").gettext
    kinds = forms.DESTINATION_KINDS
    targets: dict[str, list[str]] = {}
    for kind, target in kinds.items():
        if target is not None:
            targets.setdefault(target, []).append(kind)
    return {
        "section": section,
        "key": key,
        "fields": forms.form_fields(section),
        "key_field": forms.key_field(section),
        "values": values,
        "base": json.dumps(base, ensure_ascii=False) if base is not None else "",
        "field_errors": extra.pop("field_errors", {}),
        "errors": extra.pop("errors", []),
        "conflict": extra.pop("conflict", None),
        "saved": extra.pop("saved", False),
        "single": extra.pop("single", False),  # the site: one object, saved at /admin/site
        "title": extra.pop("title", None),
        "quote": quote,
        "choices": choices.objects,
        "prompt_names": choices.prompts,
        "large": choices.large,
        "label": lambda name, top=False, rows="": config_labels.label(
            section, name, words, top, rows
        ),
        "empty_label": lambda name: config_labels.empty_label(name, words),
        "choice_label": lambda name, value: config_labels.choice_label(name, value, words),
        "destination_kinds": list(kinds),
        "destination_sections": [(" ".join(k), s) for s, k in targets.items()],
        **extra,
    }


async def _form_page(
    request: web.Request,
    section: str,
    key: str | None,
    values: dict[str, Any],
    base: dict[str, Any] | None,
    status: int = 200,
    **extra: Any,
) -> web.Response:
    choices = await _choices(request, section)
    context = _form_context(request, section, key, values, base, choices, **extra)
    return frame(request, "admin/form.html", status, **context)


@routes.get("/admin/new/{section}")
@requires(Scope.CONFIG_APPLY)
async def new_form(request: web.Request) -> web.Response:
    section = _section(request)
    return await _form_page(request, section, None, forms.shown_values(section, None), None)


@routes.get("/admin/objects/{section}/{key}")
@requires(Scope.CONFIG_READ)
async def edit_form(request: web.Request) -> web.Response:
    section = _section(request)
    key = request.match_info["key"]
    factory = request.app[SERVICES].factory
    item = await asyncio.to_thread(in_session, factory, edit.read_object, section, key)
    if item is None:
        raise ApiError(404, "not_found", f"no {edit.describe(section, key)}")
    values = forms.shown_values(section, item)
    return await _form_page(request, section, key, values, item, saved="saved" in request.query)


def _all_values(form: MultiDictProxy[Any]) -> dict[str, list[str]]:
    # A yes/no field sends a hidden "false" and, when ticked, "true" after it; a rule's days
    # send one value each.
    return {name: [str(v) for v in form.getall(name)] for name in set(form.keys())}


def _base(form: MultiDictProxy[Any]) -> dict[str, Any] | None:
    text = str(form.get("base", ""))
    if not text:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        raise ApiError(400, "bad_request", "field base: not the JSON the form was given") from None
    if not isinstance(found, dict):
        raise ApiError(400, "bad_request", "field base: not the JSON the form was given")
    return found


def _save(
    session: Session,
    actor: audit.Actor,
    section: str,
    key: str | None,
    item: dict[str, Any] | None,
    base: dict[str, Any] | None,
) -> str:
    report = edit.save_object(session, section, key, item, base)
    written = key if item is None else str(item.get(forms.key_field(section), key))
    action = "config.remove" if item is None else "config.edit"
    if not report.diff.empty:
        detail = {"section": section, "changes": report.diff.counts()}
        audit.record(session, actor, audit.Entry(action, section, written, detail=detail))
    return written


async def _submit(request: web.Request, section: str, key: str | None) -> web.Response:
    services = request.app[SERVICES]
    form = await request.post()
    words = i18n.translations(language(request), "config").gettext
    submitted = forms.read_form(section, _all_values(form), words)
    base = _base(form) if key is not None else None
    if key is not None:
        submitted.item[forms.key_field(section)] = key  # the key is not edited: it is the URL's
    if submitted.errors:
        return await _form_page(request, section, key, submitted.shown, base, 422,
                                field_errors=submitted.errors)  # fmt: skip
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run(session: Session) -> str:
        with session.begin():
            return _save(session, actor, section, key, submitted.item, base)

    try:
        written = await asyncio.to_thread(in_session, services.factory, run)
    except ConfigFileError as exc:
        labels = _labels(section, key, submitted.item)
        at_field, general = forms.place_issues(
            section, labels, exc.issues, submitted.shown,
            message=lambda issue: config_messages.message(issue, words),
            general=lambda issue: config_messages.render(issue, words),
        )  # fmt: skip
        return await _form_page(request, section, key, submitted.shown, base, 422,
                                field_errors=at_field, errors=general)  # fmt: skip
    except edit.Conflict as conflict:
        return await _form_page(request, section, key, submitted.shown, base, 409,
                                conflict=conflict)  # fmt: skip
    except DatabaseError as exc:
        return await _form_page(request, section, key, submitted.shown, base, 409,
                                errors=[str(exc)])  # fmt: skip
    raise web.HTTPSeeOther(
        f"/admin/objects/{section}/{quote(written, safe='')}?saved=1{_lang_query(request)}"
    )


def _lang_query(request: web.Request) -> str:
    """Keep a language asked for with ?lang= (a user's own would win otherwise)."""
    asked = request.query.get("lang")
    return f"&lang={asked}" if asked in i18n.LANGUAGES else ""


def _labels(section: str, key: str | None, item: dict[str, Any]) -> set[str]:
    """How the importer names the edited object in its issues."""
    typed = item.get(forms.key_field(section))
    names = {edit.describe(section, str(key if key is not None else typed))}
    if key is None:  # a new object without a usable key is "queue #N"
        names.add(f"{SECTION_KEYS[section][1]} #")
    return names


@routes.post("/admin/new/{section}")
@requires(Scope.CONFIG_APPLY)
async def create(request: web.Request) -> web.Response:
    return await _submit(request, _section(request), None)


@routes.post("/admin/objects/{section}/{key}")
@requires(Scope.CONFIG_APPLY)
async def save(request: web.Request) -> web.Response:
    return await _submit(request, _section(request), request.match_info["key"])


@routes.post("/admin/objects/{section}/{key}/remove")
@requires(Scope.CONFIG_APPLY)
async def remove(request: web.Request) -> web.Response:
    section, key = _section(request), request.match_info["key"]
    services = request.app[SERVICES]
    form = await request.post()
    base = _base(form)
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run(session: Session) -> str:
        with session.begin():
            return _save(session, actor, section, key, None, base)

    try:
        await asyncio.to_thread(in_session, services.factory, run)
    except (ConfigFileError, edit.Conflict, DatabaseError) as exc:
        issues = exc.issues if isinstance(exc, ConfigFileError) else [ConfigIssue(str(exc))]
        item = await asyncio.to_thread(in_session, services.factory, edit.read_object, section, key)
        values = forms.shown_values(section, item)
        words = i18n.translations(language(request), "config").gettext
        rendered = [config_messages.render(i, words) for i in issues]
        return await _form_page(request, section, key, values, item, 409, errors=rendered)
    raise web.HTTPSeeOther(
        f"/admin/objects/{section}?removed={quote(key, safe='')}{_lang_query(request)}"
    )


# -- the site's settings (one object, not a list) ---------------------------------------------


def _site_title(request: web.Request) -> str:
    return i18n.translations(language(request)).gettext("Site settings")


@routes.get("/admin/site")
@requires(Scope.CONFIG_READ)
async def site_form(request: web.Request) -> web.Response:
    factory = request.app[SERVICES].factory
    item = await asyncio.to_thread(in_session, factory, edit.read_site)
    values = forms.shown_values(forms.SITE, item)
    return await _form_page(request, forms.SITE, None, values, item, single=True,
                            title=_site_title(request), admin_page="site",
                            saved="saved" in request.query)  # fmt: skip


@routes.post("/admin/site")
@requires(Scope.CONFIG_APPLY)
async def save_site(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    form = await request.post()
    words = i18n.translations(language(request), "config").gettext
    submitted = forms.read_form(forms.SITE, _all_values(form), words)
    base = _base(form)
    page = {"single": True, "title": _site_title(request), "admin_page": "site"}
    if submitted.errors:
        return await _form_page(request, forms.SITE, None, submitted.shown, base, 422,
                                field_errors=submitted.errors, **page)  # fmt: skip
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run(session: Session) -> None:
        with session.begin():
            report = edit.save_site(session, submitted.item, base)
            if not report.diff.empty:
                detail = {"section": "site", "changes": report.diff.counts()}
                audit.record(session, actor, audit.Entry("config.edit", "site", "site",
                                                         detail=detail))  # fmt: skip

    try:
        await asyncio.to_thread(in_session, services.factory, run)
    except ConfigFileError as exc:
        at_field, general = forms.place_issues(
            forms.SITE, {"site"}, exc.issues, submitted.shown,
            message=lambda issue: config_messages.message(issue, words),
            general=lambda issue: config_messages.render(issue, words),
        )  # fmt: skip
        return await _form_page(request, forms.SITE, None, submitted.shown, base, 422,
                                field_errors=at_field, errors=general, **page)  # fmt: skip
    except edit.Conflict as conflict:
        return await _form_page(request, forms.SITE, None, submitted.shown, base, 409,
                                conflict=conflict, **page)  # fmt: skip
    raise web.HTTPSeeOther(f"/admin/site?saved=1{_lang_query(request)}")


# -- pending changes and apply ---------------------------------------------------------------


@routes.get("/admin/changes")
@requires(Scope.CONFIG_READ)
async def changes(request: web.Request) -> web.Response:
    runner = request.app[SERVICES].config_apply
    pending, problem = None, None
    if runner is not None:
        try:
            pending = await asyncio.to_thread(runner.dialplan.pending)
        except Exception as exc:  # a configuration that cannot be rendered: say why
            problem = str(exc)
    state = runner.state.as_json() if runner is not None else None
    missing = await asyncio.to_thread(_missing_prompts, request)
    return frame(
        request,
        "admin/changes.html",
        missing_prompts=missing,
        section="",
        admin_page="changes",
        pending=pending,
        problem=problem,
        available=runner is not None,
        script="admin_apply.js",
        data={"apply": state},
        texts=_apply_texts(language(request)),
    )


def _missing_prompts(request: web.Request) -> list[prompts.PromptUse]:
    """The prompts the configuration names that Asterisk has no recording of."""
    services = request.app[SERVICES]
    if services.sounds_dir is None:
        return []
    with services.factory() as session:
        uses = prompts.stored_prompt_uses(session)
    return prompts.missing(services.sounds_dir, uses)  # what an apply refuses


def _apply_texts(language: str) -> dict[str, str]:
    gettext = i18n.translations(language).gettext
    return {
        "running": gettext("Applying: checking, writing and reloading Asterisk…"),
        "applied": gettext("Applied: Asterisk runs the new configuration."),
        "nothing": gettext("Nothing to do: Asterisk already runs this configuration."),
        "refused": gettext("Refused: Asterisk was not touched."),
        "rolled_back": gettext(
            "Rolled back: Asterisk did not load the new files and runs the previous ones."
        ),
        "rollback_failed": gettext(
            "Asterisk did not load the new files and restoring the previous ones failed: "
            "check Asterisk now."
        ),
        "busy": gettext("Another apply is running."),
        "failed": gettext("The apply could not be started: {message}"),
    }


def _runner(request: web.Request) -> Any:
    runner = request.app[SERVICES].config_apply
    if runner is None:
        raise ApiError(409, "unavailable", "this server does not apply configurations")
    return runner


@routes.post("/admin/apply")
@requires(Scope.CONFIG_APPLY)
async def apply(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    runner = _runner(request)
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    async def publish(data: dict[str, Any]) -> None:
        await services.hub.publish("apply", data)

    try:
        state = runner.start(actor, publish)
    except Busy as busy:
        raise ApiError(409, "busy", str(busy)) from None
    return web.json_response(state.as_json(), status=202)


@routes.get("/admin/apply/state")
@requires(Scope.CONFIG_READ)
async def apply_state(request: web.Request) -> web.Response:
    return web.json_response(_runner(request).state.as_json())
