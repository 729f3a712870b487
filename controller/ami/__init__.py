"""Asterisk Manager Interface: message parsing (:mod:`.protocol`) and sessions (:mod:`.session`)."""
