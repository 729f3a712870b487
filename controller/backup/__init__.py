"""Backup and restore: every table, the generated secrets and optionally the recordings.

A backup is one ZIP file (:mod:`.archive`): ``manifest.json`` (:mod:`.manifest`), one JSON-lines
member per table (:mod:`.rows`), ``secrets/`` and ``recordings/`` (:mod:`.files`). It is read
from one consistent snapshot of the database (:mod:`.snapshot`) by :mod:`.dump`, and restored
all or nothing, onto any of the three database engines, by :mod:`.restore`. The tables come
from the SQLAlchemy metadata (:mod:`.tables`), so a table added later needs no code here.
See docs/backup.md for what is guaranteed.
"""
