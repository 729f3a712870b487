"""What a piece of a generated file defines and what it refers to: the lint's raw material.

A piece is a whole file, or one segment of it (:mod:`controller.dialplan.tracked`) that may
start inside a context opened by an earlier segment: ``context`` names it, and the piece is
read as if that header came first. Each fact is a plain tuple, its first element its kind,
its last the line (1-based, within the piece) it comes from:

- ``("ctx", context, line)``: a dialplan context header;
- ``("ext", context, exten, line)``: an extension defined in a context;
- ``("inc", context, target, line)``: ``include => target`` inside ``context``;
- ``("jump", context, target, exten, line)``: Goto/Gosub from ``context`` to ``target``
  (``exten`` is "" when only the context is named);
- ``("sec", name, options, type, line)``: a pjsip.conf section (type "" when it comes from
  a template named in ``options``);
- ``("pjref", kind, name, line)``: a pjsip.conf reference to an aor, auth or transport;
- ``("ctxref", context, line)``: a dialplan context named in pjsip.conf or queues.conf;
- ``("moh", name, line)`` and ``("mohref", name, line)``: music classes and uses of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.dialplan import confparse

Fact = tuple[str | int, ...]

DIALPLAN, PJSIP, QUEUES, MOH, OTHER = "dialplan", "pjsip", "queues", "moh", "other"
_GOTO_APPS = {"goto", "gotoif", "gotoiftime", "gosub", "gosubif"}
_PJSIP_REFS = {"aors": "aor", "auth": "auth", "outbound_auth": "auth", "transport": "transport"}


def jumps(prio: confparse.Priority) -> Iterable[tuple[str, str]]:
    """The (context, extension) targets of a Goto/Gosub-like priority, as written."""
    app = prio.app.lower()
    if app not in _GOTO_APPS:
        return []
    data = prio.data
    if app in {"gotoif", "gotoiftime", "gosubif"}:
        _, _, data = data.partition("?")
        labels = confparse.split_top_level(data, ":")
    else:
        labels = [data]
    targets = []
    for label in labels:
        args = confparse.split_top_level(
            label.split("(", 1)[0] if app.startswith("gosub") else label
        )
        if len(args) == 3:
            targets.append((args[0].strip(), args[1].strip()))
    return targets


def extract(kind: str, text: str, context: str | None = None) -> tuple[list[Fact], str | None]:
    """The facts of ``text`` (of a file of ``kind``), and the section open at its end."""
    shift = 0
    if context is not None:
        text = f"[{context}]\n{text}"
        shift = 1
    parsed = confparse.parse(text)
    facts: list[Fact] = []
    for index, section in enumerate(parsed.sections):
        continued = context is not None and index == 0 and section.line == 1
        line = section.line - shift
        if kind == DIALPLAN:
            _dialplan(section, continued, shift, facts)
        elif kind == PJSIP:
            if not continued:
                own = next((e.value for e in section.entries if e.key == "type"), "")
                facts.append(("sec", section.name, section.options, own, line))
            for entry in section.entries:
                if entry.key == "context":
                    facts.append(("ctxref", entry.value, entry.line - shift))
                ref = _PJSIP_REFS.get(entry.key)
                if ref:
                    facts.append(("pjref", ref, entry.value, entry.line - shift))
        elif kind == QUEUES:
            for entry in section.entries:
                if entry.key == "context":
                    facts.append(("ctxref", entry.value, entry.line - shift))
                elif entry.key == "musicclass":
                    facts.append(("mohref", entry.value, entry.line - shift))
        elif kind == MOH and not continued:
            facts.append(("moh", section.name, line))
    end = parsed.sections[-1].name if parsed.sections else context
    return facts, end


def _dialplan(section: confparse.Section, continued: bool, shift: int, facts: list[Fact]) -> None:
    name = section.name
    if not continued:
        facts.append(("ctx", name, section.line - shift))
    for entry in section.entries:
        if entry.key == "include":
            facts.append(("inc", name, entry.value, entry.line - shift))
    seen: set[str] = set()
    for prio in confparse.dialplan_priorities(section):
        if prio.exten not in seen:
            seen.add(prio.exten)
            facts.append(("ext", name, prio.exten, prio.line - shift))
        for target, exten in jumps(prio):
            facts.append(("jump", name, target, exten, prio.line - shift))
