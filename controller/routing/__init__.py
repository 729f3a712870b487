"""Routing decisions, pure: rules snapshot (:mod:`.rules`), live state protocol
(:mod:`.live`), and the decisions (:mod:`.decide`, :mod:`.outbound`, :mod:`.callback`)."""
