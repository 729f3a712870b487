"""Caller numbers: E.164 normalisation and the region a number belongs to (归属地).

The region comes from phonenumbers' offline geocoder in Chinese ("广东省深圳市", "北京市",
"美国"). Its data files load lazily per country and language (the first lookup of a
country costs milliseconds), so :meth:`RegionLookup.warm_up` loads the ones we expect before
the first call, and answers are kept in a bounded cache.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, geocoder

# Caller IDs that mean "no number".
_ANONYMOUS = frozenset({"", "anonymous", "unknown", "private", "restricted", "unavailable"})


@lru_cache(maxsize=65536)  # pure, and parsing costs ~20 µs: callers call again
def to_e164(number: str, country: str) -> str | None:
    """The number in E.164, or None when it is not a possible phone number.

    Numbers without a country code are read as the site's (``country``, e.g. "CN"), so
    ``13800138000``, ``075583219876``, ``0086 138 0013 8000`` and ``+8613800138000`` agree.
    """
    text = number.strip()
    if text.lower() in _ANONYMOUS or len(text) > 32:
        return None
    try:
        parsed = phonenumbers.parse(text, country)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def region_matches(region: str, wanted: Iterable[str]) -> bool:
    """Whether a geocoder description lies in one of the configured regions.

    Regions are written the way people say them ("广东", "深圳", "北京"); the geocoder says
    "广东省深圳市": a configured name matches when it is part of the description.
    """
    return bool(region) and any(name and name in region for name in wanted)


class RegionLookup:
    """Region descriptions by E.164 number, cached (a call center sees the same callers)."""

    def __init__(self, language: str = "zh", cache_size: int = 100_000) -> None:
        self.language = language
        self.cache_size = cache_size
        self._cache: OrderedDict[str, str] = OrderedDict()

    def __call__(self, e164: str) -> str:
        cached = self._cache.get(e164)
        if cached is not None:
            self._cache.move_to_end(e164)
            return cached
        region = self._describe(e164)
        self._cache[e164] = region
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return region

    def _describe(self, e164: str) -> str:
        try:
            parsed = phonenumbers.parse(e164, None)
        except NumberParseException:
            return ""
        return str(geocoder.description_for_number(parsed, self.language))

    def warm_up(self, countries: Iterable[str]) -> None:
        """Load the geocoder data of these countries (region codes such as "CN") now."""
        for country in countries:
            example = phonenumbers.example_number_for_type(
                country, phonenumbers.PhoneNumberType.MOBILE
            ) or phonenumbers.example_number(country)
            if example is not None:
                geocoder.description_for_number(example, self.language)
