"""Which configuration object each item of the built data comes from, and what it uses.

:func:`track` turns every per-object collection of a :class:`~controller.dialplan.build.Built`
into a :class:`~controller.dialplan.tracked.Tracked` sequence whose items carry their *owner*
(``"queues:sales"``) and the other objects their view was built from (an agent's view lists
the queues it belongs to; a queue's members name their agents; an outbound route names its
trunks). Owners and dependencies are read off the views themselves, so they cannot drift
from what the build put into them. Everything else in a file's data (globals, transports,
constant lists) depends on the site and the settings only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from controller.dialplan import model
from controller.dialplan.build import Built, recording_context
from controller.dialplan.tracked import Tracked

T = TypeVar("T")

# Sections of the configuration, as the change journal names them.
INBOUND_ROUTES = "inbound_routes"
AGENTS = "agents"
QUEUES = "queues"
RECORDING_POLICIES = "recording_policies"
TIME_CONDITIONS = "time_conditions"
HOLIDAY_CALENDARS = "holiday_calendars"
IVR_MENUS = "ivr_menus"
EXTENSIONS = "extensions"
OUTBOUND_ROUTES = "outbound_routes"
TRUNKS = "trunks"
MOH_CLASSES = "moh_classes"
SHARDS = "shards"  # not a section: a context of extensions (changes with the extension count)


def obj(section: str, key: str) -> str:
    return f"{section}:{key}"


def split_obj(owner: str) -> tuple[str, str]:
    section, _, key = owner.partition(":")
    return section, key


def _track(
    name: str,
    items: Iterable[T],
    owner: Callable[[T], str],
    deps: Callable[[T], Iterable[str]] | None = None,
) -> Tracked[T]:
    items = tuple(items)
    return Tracked(
        name,
        items,
        (owner(i) for i in items),
        (frozenset(deps(i)) for i in items) if deps else None,
    )


def _trunk_names(trunks: str) -> list[str]:
    # "telecom:30:+8675586001234&voip-backup:0:" (see build.outbound)
    return [item.split(":", 1)[0] for item in trunks.split("&") if item]


def _extension_of_phone(phone: model.PhoneView) -> str:
    # callerid is '"Name" <number>', the number escaped as an extension.
    return phone.callerid.rpartition("<")[2].rstrip(">")


_POLICY_PREFIX = recording_context("")


def track(built: Built) -> Built:
    """The same data with every per-object collection tracked."""
    main = built.main
    phones = built.phones
    pjsip = built.pjsip

    def shard_item(
        shard: tuple[Any, tuple[model.ExtensionView, ...]],
    ) -> tuple[Any, Tracked[model.ExtensionView]]:
        context, extensions = shard
        return context, _track("extensions", extensions, lambda e: obj(EXTENSIONS, e.number))

    return Built(
        main=dataclasses.replace(
            main,
            inbound_matches=_track(
                "inbound_matches", main.inbound_matches, lambda m: obj(INBOUND_ROUTES, m.route)
            ),
            inbound_routes=_track(
                "inbound_routes", main.inbound_routes, lambda r: obj(INBOUND_ROUTES, r.name)
            ),
            agents=_track(
                "agents",
                main.agents,
                lambda a: obj(AGENTS, a.code),
                lambda a: (obj(QUEUES, q) for q, _ in a.queues),
            ),
            recording_policies=_track(
                "recording_policies",
                main.recording_policies,
                lambda p: obj(RECORDING_POLICIES, p.context.removeprefix(_POLICY_PREFIX)),
            ),
        ),
        routes=dataclasses.replace(
            built.routes,
            time_conditions=_track(
                "time_conditions",
                built.routes.time_conditions,
                lambda tc: obj(TIME_CONDITIONS, tc.name),
            ),
            calendars=_track(
                "calendars", built.routes.calendars, lambda c: obj(HOLIDAY_CALENDARS, c.name)
            ),
        ),
        ivr=dataclasses.replace(
            built.ivr, menus=_track("menus", built.ivr.menus, lambda m: obj(IVR_MENUS, m.name))
        ),
        queues_dialplan=dataclasses.replace(
            built.queues_dialplan,
            queues=_track("queues", built.queues_dialplan.queues, lambda q: obj(QUEUES, q.name)),
        ),
        phones=dataclasses.replace(
            phones,
            shards=_track(
                "shards", (shard_item(s) for s in phones.shards), lambda s: obj(SHARDS, s[0])
            ),
            voicemail_boxes=_track(
                "voicemail_boxes", phones.voicemail_boxes, lambda b: obj(EXTENSIONS, b)
            ),
        ),
        outbound=dataclasses.replace(
            built.outbound,
            routes=_track(
                "routes",
                built.outbound.routes,
                lambda r: obj(OUTBOUND_ROUTES, r.name),
                lambda r: (obj(TRUNKS, t) for t in _trunk_names(r.trunks)),
            ),
        ),
        pjsip=dataclasses.replace(
            pjsip,
            phones=_track(
                "phones", pjsip.phones, lambda p: obj(EXTENSIONS, _extension_of_phone(p))
            ),
            trunks=_track("trunks", pjsip.trunks, lambda t: obj(TRUNKS, t.name)),
        ),
        queues=dataclasses.replace(
            built.queues,
            queues=_track(
                "queues",
                built.queues.queues,
                lambda q: obj(QUEUES, q.name),
                lambda q: (obj(AGENTS, m.agent) for m in q.members),
            ),
        ),
        musiconhold=dataclasses.replace(
            built.musiconhold,
            classes=_track(
                "classes", built.musiconhold.classes, lambda c: obj(MOH_CLASSES, c.name)
            ),
        ),
        voicemail=dataclasses.replace(
            built.voicemail,
            mailboxes=_track(
                "mailboxes", built.voicemail.mailboxes, lambda b: obj(EXTENSIONS, b.number)
            ),
        ),
    )
