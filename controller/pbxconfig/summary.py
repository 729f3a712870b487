"""A human summary of a configuration: counts, queues, and the call flow of each number."""

from __future__ import annotations

from controller.domain import Destination, DestinationKind
from controller.pbxconfig.schema import PbxConfig


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count} {word}" + ("es" if word.endswith(("s", "x")) else "s")


class _Flow:
    """Draws the tree of destinations reachable from an inbound route."""

    def __init__(self, config: PbxConfig) -> None:
        self.tcs = {tc.name: tc for tc in config.time_conditions}
        self.ivrs = {menu.name: menu for menu in config.ivr_menus}
        self.queues = {q.name: q for q in config.queues}
        self.extensions = {e.number: e for e in config.extensions}
        self.lines: list[str] = []
        self.drawn: set[str] = set()  # menus and conditions already drawn in full

    def label(self, dest: Destination) -> str:
        if dest.kind is DestinationKind.QUEUE and dest.target in self.queues:
            queue = self.queues[dest.target]
            members = _plural(len(queue.members), "member")
            return f"{dest} ({queue.display_name or queue.name}, {members})"
        if dest.kind in {DestinationKind.EXTENSION, DestinationKind.VOICEMAIL}:
            ext = self.extensions.get(dest.target)
            return f"{dest} ({ext.name})" if ext else str(dest)
        return str(dest)

    def walk(self, dest: Destination | None, depth: int, seen: frozenset[str], how: str) -> None:
        pad = "  " * depth
        if dest is None:
            self.lines.append(f"{pad}{how}goodbye, hang up")
            return
        self.lines.append(f"{pad}{how}{self.label(dest)}")
        node = str(dest)
        if dest.kind in {DestinationKind.IVR, DestinationKind.TIME_CONDITION}:
            if node in seen:
                self.lines[-1] += " (loops back)"
                return
            if node in self.drawn:
                self.lines[-1] += " (see above)"
                return
            self.drawn.add(node)
        seen = seen | {node}
        if dest.kind is DestinationKind.TIME_CONDITION and dest.target in self.tcs:
            tc = self.tcs[dest.target]
            self.walk(tc.open, depth + 1, seen, "open: ")
            self.walk(tc.closed, depth + 1, seen, "closed: ")
            if tc.holiday is not None:
                self.walk(tc.holiday, depth + 1, seen, "holiday: ")
        elif dest.kind is DestinationKind.IVR and dest.target in self.ivrs:
            menu = self.ivrs[dest.target]
            for key, choice in menu.options.items():
                language = f" [{choice.language}]" if choice.language else ""
                self.walk(choice.destination, depth + 1, seen, f"key {key}{language}: ")
            if menu.zero_out:
                self.walk(
                    Destination(DestinationKind.EXTENSION, menu.zero_out),
                    depth + 1,
                    seen,
                    "key 0: ",
                )
            self.walk(menu.timeout, depth + 1, seen, "no key: ")
            self.walk(menu.invalid, depth + 1, seen, "wrong key: ")
        elif dest.kind is DestinationKind.QUEUE and dest.target in self.queues:
            queue = self.queues[dest.target]
            if queue.overflow is not None:
                self.walk(queue.overflow, depth + 1, seen, "overflow: ")


def summarize(config: PbxConfig) -> str:
    site = config.site
    phones = sum(1 for e in config.extensions if e.phone is not None)
    boxes = sum(1 for e in config.extensions if e.voicemail is not None)
    holidays = sum(len(c.holidays) for c in config.holiday_calendars)
    vip = sum(1 for c in config.customers if c.vip)
    blocked = sum(1 for c in config.customers if c.blacklisted)
    lines = [
        f"{site.name} ({site.timezone}, {site.country}, language {site.default_language})",
        f"  {_plural(len(config.extensions), 'extension')} ({phones} with phones, "
        f"{_plural(boxes, 'voicemail box')}), {_plural(len(config.trunks), 'trunk')}",
        f"  {_plural(len(config.agents), 'agent')} in {_plural(len(config.agent_groups), 'group')}"
        f", {_plural(len(config.skills), 'skill')}, "
        f"{_plural(len(config.pause_reasons), 'pause reason')}",
        f"  {_plural(len(config.ivr_menus), 'IVR menu')}, "
        f"{_plural(len(config.time_conditions), 'time condition')}, "
        f"{_plural(holidays, 'holiday')} in {_plural(len(config.holiday_calendars), 'calendar')}",
        f"  {_plural(len(config.customers), 'customer')} ({vip} VIP, {blocked} blacklisted)",
        f"  {_plural(len(config.outbound_routes), 'outbound route')}: "
        + ", ".join(f"{r.name} via {' > '.join(r.trunks)}" for r in config.outbound_routes),
        "",
        "Queues:",
    ]
    for queue in config.queues:
        extras = []
        if queue.callback is not None:
            extras.append(f"callback after {queue.callback.offer_after_seconds}s")
        if queue.max_wait_seconds:
            extras.append(f"max wait {queue.max_wait_seconds}s")
        extras.append(f"SL {queue.service_level_seconds}s")
        members = ", ".join(
            m.agent + (f"(p{m.penalty})" if m.penalty else "") for m in queue.members
        )
        lines.append(
            f"  {queue.name} ({queue.display_name or queue.name}, {queue.strategy}): "
            f"{members or 'no members'}; " + ", ".join(extras)
        )
    lines += ["", "Call flow:"]
    flow = _Flow(config)
    for route in config.inbound_routes:
        caller = f" from {route.caller_prefix}*" if route.caller_prefix else ""
        flow.lines.append(f"  {route.name}: {route.did}{caller}")
        for rule in route.region_routes:
            flow.walk(rule.destination, 2, frozenset(), f"callers from {', '.join(rule.regions)}: ")
        flow.walk(route.destination, 2, frozenset(), "others: " if route.region_routes else "")
    lines += flow.lines
    return "\n".join(lines)
