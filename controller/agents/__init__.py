"""Agents logging in and out, pausing with a reason: the database first, then Asterisk."""
