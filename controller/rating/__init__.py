"""Call cost: rate every outbound trunk leg from the trunk tariffs in the configuration.

``money`` is the exact arithmetic (no floats), ``dialpattern`` reads Asterisk patterns,
``plan`` is the tariff snapshot, ``rate`` rates one call (pure), ``store`` reads and writes
the database (``call_charge``). See docs/reports.md, "Call cost".
"""
