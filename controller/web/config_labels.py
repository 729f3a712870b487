"""What the admin forms call each field of the configuration, and each value of a choice, in
words (English here; Chinese in the ``config`` catalogue, ``i18n/zh_CN/LC_MESSAGES/config.po``).
The YAML key stays beside the label for those who know the file.

A field's name means the same thing in every object of the schema, so labels are by name; a
section that gives a name another meaning has its own (``SECTION_LABELS``).
``tests/web/test_admin_fields.py`` fails when a field of the schema has no label or a label
no Chinese.
"""

from __future__ import annotations

from collections.abc import Callable

LABELS: dict[str, str] = {
    "agent": "Agent",
    "amber": "Amber at",
    "announce_frequency_seconds": "Announce every (seconds)",
    "announce_holdtime": "Announce the expected wait",
    "announce_position": "Announce the position in line",
    "auth": "Authentication",
    "blacklist_reason": "Reason for the blacklist",
    "blacklisted": "Blacklisted",
    "blf_hints": "Phones show each other's state (BLF)",
    "calendars": "Holiday calendars",
    "callback": "Callback offer",
    "caller_id": "Caller ID",
    "caller_id_number": "Fixed caller ID number",
    "caller_prefix": "Caller number starts with",
    "calling_hours": "Call back within (time condition)",
    "closed": "When closed, send calls to",
    "code": "Code",
    "codecs": "Codecs (in order of preference)",
    "company": "Company",
    "connection_fee": "Connection fee",
    "country": "Country",
    "currency": "Currency",
    "date": "Date",
    "days": "Days",
    "default_language": "Default language",
    "default_moh_class": "Default music on hold",
    "description": "Description",
    "destination": "Destination",
    "did": "Number dialled (DID)",
    "direct_dial": "Callers may dial an extension directly",
    "directory": "Music directory",
    "display_name": "Display name",
    "dispositions": "Dispositions agents may choose",
    "email": "E-mail for voicemail",
    "end": "Until",
    "expiry_minutes": "Request expires after (minutes)",
    "extension": "Extension",
    "format": "Recording file format",
    "from_domain": "From domain",
    "from_user": "From user",
    "holiday": "On holidays, send calls to",
    "holidays": "Holidays",
    "host": "Host",
    "increment_seconds": "Billing increment (seconds)",
    "invalid": "After invalid keys, send calls to",
    "invalid_prompts": "Invalid-key prompts",
    "join_empty": "Callers may join with no agent logged in",
    "key": "Key",
    "label": "Label",
    "language": "Language",
    "leave_when_empty": "Callers leave when no agent is left",
    "login_required": "Agents log in to take calls",
    "longest_wait_seconds": "Longest wait (seconds)",
    "match": "Number pattern",
    "max_attempts": "Attempts at most",
    "max_callers": "Callers waiting at most (0: no limit)",
    "max_channels": "Simultaneous calls at most",
    "max_contacts": "Devices per account",
    "max_retries": "Repeats after no or a wrong key",
    "max_wait_seconds": "Longest wait before overflow (seconds, 0: no limit)",
    "members": "Members",
    "moh_class": "Music on hold",
    "name": "Name",
    "notes": "Notes",
    "notice_prompts": "Recording notice prompts",
    "number": "Extension number",
    "numbers": "Phone numbers",
    "offer_after_seconds": "Offer when the wait is longer than (seconds)",
    "open": "When open, send calls to",
    "options": "Keys",
    "outbound_caller_id": "Outbound caller ID",
    "overflow": "On overflow, send calls to",
    "owner": "Account owner (agent)",
    "password": "Password (empty: keep the current one)",
    "patterns": "Numbers this route dials",
    "penalty": "Penalty (lower rings first)",
    "per_minute": "Price per minute",
    "periodic_announce": "Periodic announcement",
    "periodic_announce_seconds": "Periodic announcement every (seconds)",
    "phone": "Phone (SIP account)",
    "pin": "PIN (empty: keep the current one)",
    "port": "Port",
    "prefix": "Prefix",
    "prepend": "Add in front",
    "productive": "Counts as productive",
    "prompts": "Prompts",
    "question": "Question code",
    "record": "Record",
    "recording_policy": "Recording policy",
    "red": "Red at",
    "region_routes": "Routes by caller region",
    "regions": "Regions (comma-separated)",
    "required_skills": "Required skills",
    "retention_days": "Keep recordings for (days)",
    "retries": "Asked again after no answer",
    "retry_seconds": "Retry after (seconds)",
    "ring_in_use": "Ring agents already on a call",
    "ring_seconds": "Ring for (seconds)",
    "role": "Role",
    "rules": "Opening hours",
    "scale": "Scale (keys 1 to N)",
    "screen_pop_url": "Screen-pop address",
    "service_level_percent": "Service level (%)",
    "service_level_seconds": "Service level target (seconds)",
    "short_abandon_seconds": "Short abandon under (seconds)",
    "skills": "Skills",
    "sort": "Order",
    "start": "From",
    "strategy": "Ring strategy",
    "survey": "Satisfaction survey",
    "tariffs": "Tariffs",
    "team_leads": "Team leads",
    "thanks_prompts": "Thank-you prompts",
    "timeout": "After no key, send calls to",
    "timeout_seconds": "Wait for a key (seconds)",
    "timezone": "Time zone",
    "transport": "Transport",
    "trunks": "Trunks, in the order tried",
    "until": "Last day",
    "username": "User name",
    "value": "Value",
    "vip": "VIP",
    "vip_priority": "VIP priority",
    "voicemail": "Voicemail",
    "waiting_callers": "Callers waiting",
    "wallboard": "Wallboard colours",
    "weight": "Queue weight",
    "workdays": "Worked weekend days",
    "wrapup_seconds": "After-call work (seconds)",
    "zero_out": "Key 0 reaches extension",
    "target": "Target",
    "prompt": "Prompt",
    "skill": "Skill",
    "level": "Level (1-10)",
}

# What an optional setting left empty means, where "(none)" would mislead.
EMPTY: dict[str, str] = {
    "holiday": "(as when closed)",
    "timeout": "(say goodbye and hang up)",
    "invalid": "(say goodbye and hang up)",
    "overflow": "(no overflow)",
}

# A name another section means otherwise: (section, name).
SECTION_LABELS: dict[tuple[str, str], str] = {
    ("site", "name"): "Site name",
    ("site", "country"): "Country (for phone numbers)",
    ("site", "timezone"): "Time zone",
    ("agent_groups", "members"): "Agents in the group",
    ("queues", "members"): "Members (agents)",
    ("queues", "retry_seconds"): "Ring the next agent after (seconds)",
    ("queues", "timeout_seconds"): "Wait for an answer (seconds)",
    ("queues", "name"): "Queue name",
    ("queues", "key"): "Key",
    ("agents", "skills"): "Skills and levels (1-10)",
    ("agents", "pin"): "Login PIN",
    ("trunks", "match"): "Provider addresses (IP or network)",
    ("trunks", "caller_id"): "Caller ID number",
    ("trunks", "username"): "User name",
    ("customers", "language"): "Language",
    ("ivr_menus", "prompts"): "Menu prompts",
    ("ivr_menus", "timeout_seconds"): "Wait for a key (seconds)",
    ("outbound_routes", "caller_id"): "Caller ID sent",
    ("outbound_routes", "prefix"): "Prefix dialled, removed before sending",
    ("time_conditions", "timezone"): "Time zone (empty: the site's)",
    ("holiday_calendars", "name"): "Name",
    ("pause_reasons", "label"): "Shown as",
    ("dispositions", "label"): "Shown as",
}

# Values of a choice, by field (or "language", "destination" for those widgets).
CHOICES: dict[str, dict[str, str]] = {
    "language": {"zh": "Chinese (zh)", "en": "English (en)"},
    "destination": {
        "queue": "Queue",
        "ivr": "IVR menu",
        "extension": "Extension",
        "voicemail": "Voicemail of an extension",
        "time_condition": "Time condition",
        "external": "Outside number",
        "hangup": "Hang up",
    },
    "days": {
        "mon": "Mon",
        "tue": "Tue",
        "wed": "Wed",
        "thu": "Thu",
        "fri": "Fri",
        "sat": "Sat",
        "sun": "Sun",
    },
    "strategy": {
        "ringall": "Ring all",
        "leastrecent": "Least recently called",
        "fewestcalls": "Fewest calls",
        "random": "Random",
        "rrmemory": "Round robin (remembering)",
        "rrordered": "Round robin (in order)",
        "linear": "In the listed order",
        "wrandom": "Random, weighted by penalty",
    },
    "announce_position": {
        "yes": "Yes",
        "no": "No",
        "more": "Only beyond the limit",
        "limit": "Only within the limit",
    },
    "announce_holdtime": {"yes": "Yes", "no": "No", "once": "Once"},
    "role": {"inbound": "Inbound", "outbound": "Outbound", "blended": "Blended"},
    "auth": {
        "register": "We register to the provider",
        "credentials": "User name and password, no registration",
        "ip": "By IP address",
    },
    "caller_id": {
        "extension": "The extension's",
        "trunk": "The trunk's",
        "fixed": "A fixed number",
        "hidden": "Hidden",
    },
    "record": {
        "all": "All calls",
        "inbound": "Inbound calls",
        "outbound": "Outbound calls",
        "queue": "Queue calls",
        "none": "None",
    },
    "sort": {"random": "Random", "alpha": "Alphabetical"},
}


# A column of rows that means more than its name: (the rows' field, the column).
COLUMN_LABELS: dict[tuple[str, str], str] = {
    ("options", "language"): "Switch the caller to",
}


def label(
    section: str, name: str, gettext: Callable[[str], str], top: bool = False, rows: str = ""
) -> str:
    """A field's label; ``top``: a field of the object itself (not of a nested setting), where
    a section's own label applies; ``rows``: the field whose rows hold this column."""
    text = (
        COLUMN_LABELS.get((rows, name))
        or (SECTION_LABELS.get((section, name)) if top else None)
        or LABELS.get(name)
    )
    return gettext(text) if text else name


def empty_label(name: str, gettext: Callable[[str], str]) -> str | None:
    text = EMPTY.get(name)
    return gettext(text) if text else None


def choice_label(name: str, value: str, gettext: Callable[[str], str]) -> str:
    text = CHOICES.get(name, {}).get(value)
    return gettext(text) if text else value


def all_texts() -> set[str]:
    """Every text of this module (what the catalogue must translate)."""
    found = set(LABELS.values()) | set(SECTION_LABELS.values()) | set(EMPTY.values())
    found |= set(COLUMN_LABELS.values())
    for values in CHOICES.values():
        found |= set(values.values())
    return found
