"""Users, roles and machine tokens in the database: one validator each, used by the CLI and
the API alike. Errors are :class:`AccessError` naming the object and the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.access import roles
from controller.access.passwords import (
    PasswordError,
    check_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from controller.access.policy import Principal
from controller.access.scopes import Scope, ScopeError, check_pattern, grants
from controller.db.models import Agent, ApiToken, Queue, Role, User
from controller.errors import ControllerError, Message

LOGIN = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")
ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
LANGUAGES = ("zh", "en")
TOKEN_PREFIX = "pbx_"  # noqa: S105 - how tokens start, not a secret


class AccessError(ControllerError):
    """A user, role or token cannot be created or changed as asked."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _user(login: str) -> Message:
    return Message("user {login}", login=repr(login))


def _user_field(login: str, field: str) -> Message:
    return Message("user {login}: field {field}", login=repr(login), field=field)


def _password_refused(login: str, err: PasswordError) -> Message:
    # The password check's own Message (args[0]), so a page words it in its language.
    return Message("user {login}: {error}", login=repr(login), error=err.args[0])


# -- the last admin -------------------------------------------------------------------------


def has_admin(session: Session) -> bool:
    """Whether an enabled user can manage users, roles and tokens."""
    session.flush()
    rows = session.execute(
        select(Role.scopes).join(User, User.role_id == Role.id).where(User.disabled_at.is_(None))
    )
    return any(grants(scopes, Scope.USERS_MANAGE.value) for (scopes,) in rows)


def keep_an_admin(session: Session, had: bool, what: Message, field: str | None) -> None:
    """Refuse a change (still in its transaction) that leaves no enabled user who can manage
    users, roles and tokens where there was one (``had``): nobody could undo it from the
    pages, or give access again. A database without any admin yet (the first ``pbxctl``
    commands) is not refused."""
    if had and not has_admin(session):
        raise AccessError(
            Message(
                "{what}: it would leave no enabled user who can manage users (the last admin); "
                "give another user the admin role first",
                what=what,
            ),
            field,
        )


# -- roles --------------------------------------------------------------------------------


def sync_builtin_roles(session: Session) -> None:
    """The shipped roles as this version defines them (created if missing)."""
    stored = {role.name: role for role in session.scalars(select(Role))}
    for name, patterns in roles.BUILTIN.items():
        role = stored.get(name)
        if role is None:
            role = Role(name=name, builtin=True)
            session.add(role)
        role.scopes = [str(p) for p in patterns]
        role.description = roles.DESCRIPTIONS[name]
        role.builtin = True


def role_by_name(session: Session, name: str) -> Role:
    role = session.scalar(select(Role).where(Role.name == name))
    if role is None:
        known = ", ".join(session.scalars(select(Role.name).order_by(Role.name)))
        raise AccessError(Message("no role {name}; roles: {known}", name=repr(name), known=known),
                          "role")  # fmt: skip
    return role


def save_role(session: Session, name: str, scopes: Sequence[str], description: str = "") -> Role:
    """Create or change a role an admin defined (shipped roles cannot be changed)."""
    if not ROLE_NAME.match(name):
        raise AccessError(
            Message("role {name}: field name: 2-32 of a-z 0-9 _ - (a letter first)",
                    name=repr(name)),
            "name",
        )  # fmt: skip
    try:
        checked = [check_pattern(scope) for scope in scopes]
    except ScopeError as err:
        raise AccessError(Message("role {name}: field scopes: {error}", name=repr(name), error=err),
                          "scopes") from None  # fmt: skip
    if not checked:
        raise AccessError(
            Message("role {name}: field scopes: give at least one scope", name=repr(name)), "scopes"
        )
    had = has_admin(session)
    role = session.scalar(select(Role).where(Role.name == name))
    if role is not None and role.builtin:
        raise AccessError(
            Message("role {name} is shipped with the product and cannot change", name=repr(name)),
            "name",
        )
    if role is None:
        role = Role(name=name, builtin=False)
        session.add(role)
    role.scopes, role.description = checked, description[:200]
    keep_an_admin(session, had, Message("role {name}: field scopes", name=repr(name)), "scopes")
    return role


def delete_role(session: Session, name: str) -> None:
    role = role_by_name(session, name)
    if role.builtin:
        raise AccessError(
            Message("role {name} is shipped with the product and cannot go", name=repr(name)),
            "name",
        )
    users = session.scalars(select(User.login).where(User.role_id == role.id)).all()
    tokens = session.scalars(select(ApiToken.name).where(ApiToken.role_id == role.id)).all()
    if users or tokens:
        holders = ", ".join([*(f"user {u}" for u in users), *(f"token {t}" for t in tokens)])
        raise AccessError(
            Message("role {name} is still given to {holders}", name=repr(name), holders=holders),
            "name",
        )
    session.delete(role)


# -- queues given to a user or token --------------------------------------------------------


def _queues(session: Session, queues: Sequence[str] | None, owner: Message) -> list[str] | None:
    if queues is None:
        return None
    names = sorted(dict.fromkeys(q.strip() for q in queues if q.strip()))
    if not names:
        return None
    known = set(session.scalars(select(Queue.name)))
    unknown = [q for q in names if q not in known]
    if unknown:
        raise AccessError(
            Message("{owner}: field queues: no queue {queues}", owner=owner,
                    queues=", ".join(unknown)),
            "queues",
        )  # fmt: skip
    return names


# -- users --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserInput:
    login: str
    password: str
    role: str
    display_name: str = ""
    language: str = "zh"
    agent_code: str | None = None
    queues: Sequence[str] | None = None


def _check_user_fields(
    session: Session, login: str, language: str, agent_code: str | None, role: Role
) -> None:
    what = _user(login)
    if language not in LANGUAGES:
        raise AccessError(
            Message("{what}: field language: one of {choices}", what=what,
                    choices=", ".join(LANGUAGES)),
            "language",
        )  # fmt: skip
    if agent_code is not None:
        if session.scalar(select(Agent.id).where(Agent.code == agent_code)) is None:
            raise AccessError(
                Message("{what}: field agent: no agent {code}", what=what, code=repr(agent_code)),
                "agent",
            )
        taken = session.scalar(
            select(User.login).where(User.agent_code == agent_code, User.login != login)
        )
        if taken:
            raise AccessError(
                Message("{what}: field agent: agent {code} is user {user}", what=what,
                        code=agent_code, user=taken),
                "agent",
            )  # fmt: skip
    elif role.name == roles.AGENT:
        raise AccessError(
            Message("{what}: field agent: the agent role needs the agent's code", what=what),
            "agent",
        )


def create_user(session: Session, data: UserInput) -> User:
    login = data.login.strip().lower()
    if not LOGIN.match(login):
        raise AccessError(
            Message("user {login}: field login: 2-64 of a-z 0-9 _ . @ -", login=repr(data.login)),
            "login",
        )
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise AccessError(Message("user {login} exists already", login=repr(login)), "login")
    role = role_by_name(session, data.role)
    _check_user_fields(session, login, data.language, data.agent_code, role)
    try:
        check_password(data.password, login)
    except PasswordError as err:
        raise AccessError(_password_refused(login, err), "password") from None
    now = _now()
    user = User(
        login=login,
        display_name=data.display_name[:128],
        language=data.language,
        agent_code=data.agent_code,
        password_hash=hash_password(data.password),
        role=role,
        queues=_queues(session, data.queues, _user(login)),
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    return user


def user_by_login(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        raise AccessError(Message("no user {login}", login=repr(login)), "login")
    return user


def set_password(session: Session, login: str, password: str) -> User:
    user = user_by_login(session, login)
    try:
        check_password(password, user.login)
    except PasswordError as err:
        raise AccessError(_password_refused(user.login, err), "password") from None
    user.password_hash = hash_password(password)
    user.password_changed_at = _now()
    return user


def set_role(
    session: Session, login: str, role_name: str, queues: Sequence[str] | None = None
) -> User:
    user = user_by_login(session, login)
    role = role_by_name(session, role_name)
    _check_user_fields(session, user.login, user.language, user.agent_code, role)
    had = has_admin(session)
    user.role, user.queues = role, _queues(session, queues, _user(user.login))
    keep_an_admin(session, had, _user_field(user.login, "role"), "role")
    return user


@dataclass(frozen=True, slots=True)
class UserEdit:
    """What an admin changes of a user (the password apart): every field as it should be."""

    display_name: str
    language: str
    role: str
    agent_code: str | None = None
    queues: Sequence[str] | None = None


def edit_user(session: Session, login: str, data: UserEdit) -> tuple[User, dict[str, object]]:
    """Change a user as ``data`` says, with the user checks of :func:`create_user`; returns
    the user and what changed (field -> [before, after]) for the audit log."""
    user = user_by_login(session, login)
    role = role_by_name(session, data.role)
    agent_code = (data.agent_code or "").strip() or None
    _check_user_fields(session, user.login, data.language, agent_code, role)
    queues = _queues(session, data.queues, _user(user.login))
    after: dict[str, object] = {
        "display_name": data.display_name.strip()[:128],
        "language": data.language,
        "role": role.name,
        "agent_code": agent_code,
        "queues": queues,
    }
    before: dict[str, object] = {
        "display_name": user.display_name,
        "language": user.language,
        "role": user.role.name,
        "agent_code": user.agent_code,
        "queues": user.queues,
    }
    had = has_admin(session)
    user.display_name, user.language = str(after["display_name"]), data.language
    user.role, user.agent_code, user.queues = role, agent_code, queues
    keep_an_admin(session, had, _user_field(user.login, "role"), "role")
    return user, {k: [before[k], after[k]] for k in after if before[k] != after[k]}


def set_disabled(session: Session, login: str, disabled: bool) -> User:
    user = user_by_login(session, login)
    had = has_admin(session)
    user.disabled_at = (user.disabled_at or _now()) if disabled else None
    if disabled:
        keep_an_admin(session, had, _user(user.login), None)
    return user


def authenticate(session: Session, login: str, password: str) -> User | None:
    """The user when the password is right and the user enabled; else None (constant work)."""
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        from controller.access.passwords import dummy_hash

        verify_password(password, dummy_hash())
        return None
    if not verify_password(password, user.password_hash) or user.disabled_at is not None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = _now()
    return user


def principal_of_user(user: User) -> Principal:
    return Principal(
        kind="user",
        name=user.login,
        role=user.role.name,
        patterns=frozenset(user.role.scopes),
        queues=frozenset(user.queues) if user.queues else None,
        agent=user.agent_code,
        user_id=user.id,
        language=user.language,
        display_name=user.display_name or user.login,
    )


# -- machine tokens -------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, name: str, role: str, queues: Sequence[str] | None = None
) -> str:
    """Create a token called ``name`` with ``role``; return it (shown once, stored hashed)."""
    if not name or len(name) > 64:
        raise AccessError(Message("token name: 1 to 64 characters"), "name")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise AccessError(
            Message("a token named {name} exists already; revoke it or pick another name",
                    name=repr(name)),
            "name",
        )  # fmt: skip
    role_row = role_by_name(session, role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            token_hash=token_digest(token),
            prefix=token[:12],
            created_at=_now(),
            role=role_row,
            queues=_queues(session, queues, Message("token {name}", name=repr(name))),
        )
    )
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def revoke_token(session: Session, name: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise AccessError(Message("no token named {name}", name=repr(name)), "name")
    row.revoked_at = row.revoked_at or _now()


def principal_of_token(row: ApiToken) -> Principal:
    return Principal(
        kind="token",
        name=row.name,
        role=row.role.name,
        patterns=frozenset(row.role.scopes),
        queues=frozenset(row.queues) if row.queues else None,
    )
