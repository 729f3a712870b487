"""Survey answers meet their call: when the history stores a call, the post-call survey rows
that name it (``server_id``, ``linkedid``; written while the caller was still on the line)
get its ``call_id`` and the ``handling_id`` of the agent they are about (that agent's last
handling of the call)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, bindparam, func, select, update

from controller.ami.tracker import FinishedCall
from controller.db.models import Handling, SurveyResponse

SURVEY = SurveyResponse.__table__
HANDLING = Handling.__table__


def link_surveys(conn: Connection, written: Sequence[tuple[FinishedCall, int]]) -> None:
    # A survey follows an answered queue leg: other calls cannot have one.
    candidates = {
        (fc.server_id, fc.linkedid): call_id
        for fc, call_id in written
        if any(leg.connected_at is not None for leg in fc.legs)
    }
    # Most calls have no survey: one indexed SELECT finds those that do.
    found: set[tuple[str, str]] = set()
    for server_id in {s for s, _ in candidates}:
        names = sorted(lid for s, lid in candidates if s == server_id)
        for start in range(0, len(names), 500):
            part = {"server": server_id, "linkedids": names[start : start + 500]}
            found.update((server_id, lid) for lid in conn.scalars(_WITH_SURVEY, part))
    rows = [{"s": s, "l": lid, "call": candidates[(s, lid)]} for s, lid in sorted(found)]
    if not rows:
        return
    conn.execute(_SET_CALL, rows)
    ids = [row["call"] for row in rows]
    for start in range(0, len(ids), 500):
        conn.execute(_SET_HANDLING, {"calls": ids[start : start + 500]})


# Built once, not per batch (the same SQL, found at once in SQLAlchemy's compiled cache).
_WITH_SURVEY = select(SURVEY.c.linkedid).where(
    SURVEY.c.server_id == bindparam("server"),
    SURVEY.c.linkedid.in_(bindparam("linkedids", expanding=True)),
)
_SET_CALL = (
    update(SURVEY)
    .where(SURVEY.c.server_id == bindparam("s"), SURVEY.c.linkedid == bindparam("l"))
    .values(call_id=bindparam("call"))
)
_LAST_HANDLING = (
    select(func.max(HANDLING.c.id))
    .where(
        and_(
            HANDLING.c.call_id == SURVEY.c.call_id,
            HANDLING.c.agent_code == SURVEY.c.agent_code,
        )
    )
    .scalar_subquery()
)
_SET_HANDLING = (
    update(SURVEY)
    .where(SURVEY.c.call_id.in_(bindparam("calls", expanding=True)))
    .values(handling_id=_LAST_HANDLING)
)
