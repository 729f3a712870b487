"""Who may do what: scopes, roles, users, sessions, API tokens and the audit log.

Pure policy (:mod:`.scopes`, :mod:`.roles`, :mod:`.policy`) apart from storage
(:mod:`.store`, :mod:`.sessions`, :mod:`.audit`); the web layer asks :mod:`.policy` only.
"""
