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
from controller.web import i18n
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


def _form_context(
    section: str,
    key: str | None,
    values: dict[str, Any],
    base: dict[str, Any] | None,
    **extra: Any,
) -> dict[str, Any]:
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
        "quote": quote,
        **extra,
    }


@routes.get("/admin/new/{section}")
@requires(Scope.CONFIG_APPLY)
async def new_form(request: web.Request) -> web.Response:
    section = _section(request)
    context = _form_context(section, None, forms.shown_values(section, None), None)
    return frame(request, "admin/form.html", **context)


@routes.get("/admin/objects/{section}/{key}")
@requires(Scope.CONFIG_READ)
async def edit_form(request: web.Request) -> web.Response:
    section = _section(request)
    key = request.match_info["key"]
    factory = request.app[SERVICES].factory
    item = await asyncio.to_thread(in_session, factory, edit.read_object, section, key)
    if item is None:
        raise ApiError(404, "not_found", f"no {edit.describe(section, key)}")
    context = _form_context(
        section, key, forms.shown_values(section, item), item, saved="saved" in request.query
    )
    return frame(request, "admin/form.html", **context)


def _bools(form: MultiDictProxy[Any]) -> dict[str, str]:
    # A yes/no field sends a hidden "false" and, when ticked, "true" after it: the last wins.
    return {name: str(form.getall(name)[-1]) for name in set(form.keys())}


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
    fields = {name: str(value) for name, value in form.items()}
    submitted = forms.read_form(section, fields, _bools(form))
    base = _base(form) if key is not None else None
    if key is not None:
        submitted.item[forms.key_field(section)] = key  # the key is not edited: it is the URL's
    if submitted.errors:
        context = _form_context(section, key, submitted.shown, base,
                                field_errors=submitted.errors)  # fmt: skip
        return frame(request, "admin/form.html", 422, **context)
    actor = audit.Actor.of(principal(request), services.auth.address(request))

    def run(session: Session) -> str:
        with session.begin():
            return _save(session, actor, section, key, submitted.item, base)

    try:
        written = await asyncio.to_thread(in_session, services.factory, run)
    except ConfigFileError as exc:
        labels = _labels(section, key, submitted.item)
        at_field, general = forms.place_issues(section, labels, exc.issues)
        context = _form_context(section, key, submitted.shown, base,
                                field_errors=at_field, errors=general)  # fmt: skip
        return frame(request, "admin/form.html", 422, **context)
    except edit.Conflict as conflict:
        context = _form_context(section, key, submitted.shown, base, conflict=conflict)
        return frame(request, "admin/form.html", 409, **context)
    except DatabaseError as exc:
        context = _form_context(section, key, submitted.shown, base, errors=[str(exc)])
        return frame(request, "admin/form.html", 409, **context)
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
        context = _form_context(section, key, values, item,
                                errors=[i.render() for i in issues])  # fmt: skip
        return frame(request, "admin/form.html", 409, **context)
    raise web.HTTPSeeOther(
        f"/admin/objects/{section}?removed={quote(key, safe='')}{_lang_query(request)}"
    )


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
