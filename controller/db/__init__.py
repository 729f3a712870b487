"""Database access: engine and sessions (:mod:`.engine`), models (:mod:`.models`),
schema migrations (:mod:`.migrate`)."""
