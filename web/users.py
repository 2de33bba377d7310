"""User accounts, kept in the store as records of kind ``user``.

The record id is the lowercase username; the data holds ``name``, ``email``,
``role`` (admin, staff or representative), ``organisations`` (the ids a
representative speaks for), ``password_hash`` (scrypt), ``active`` and
``created_at``. There is no default account: create the first admin with
``remo user create NAME --role admin``.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.security import check_password_hash, generate_password_hash

from graph import Issue, ValidationError
from graph.store import GraphStore
from graph.store.base import Op, now_iso

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "USERNAME_RE",
    "User",
    "check_password",
    "create_user",
    "DEMO_ACCOUNTS",
    "ensure_demo_accounts",
    "get_user",
    "hash_password",
    "list_users",
    "password_problems",
    "update_user",
]

KIND = "user"
ROLES = ("admin", "staff", "representative")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
#: the lowest zxcvbn score accepted (0-4; 3 = "safely unguessable", about 10^8 guesses and more)
MIN_PASSWORD_SCORE = 3
#: words that make a password of this service easy to guess (zxcvbn's ``user_inputs``)
_SERVICE_WORDS = ("remo", "remscheid", "migrant", "netzwerk", "integration", "kommunales", "integrationszentrum")
#: a few passwords long enough to pass the length rule that are still guessed first
_COMMON = frozenset(
    {
        "passwort1234",
        "password1234",
        "123456789012",
        "qwertzuiopü",
        "qwertyuiop12",
        "remscheid123",
        "remscheid2024",
        "remscheid2025",
        "remscheid2026",
        "passwortpasswort",
        "passwordpassword",
    }
)


@functools.cache
def _dummy_hash() -> str:
    """A stand-in hash so that unknown usernames cost as much time as wrong passwords."""
    return hash_password("not-a-password-of-anybody")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str, password: str) -> bool:
    try:
        return check_password_hash(password_hash or _dummy_hash(), password)
    except ValueError:
        return False


def password_problems(password: str, username: str = "") -> list[str]:
    """Why ``password`` is not acceptable (translated texts; empty when it is fine)."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(
            ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_PASSWORD_LENGTH)
        )
    folded = password.casefold()
    if username and username.casefold() in folded:
        problems.append(_("The password must not contain the user name."))
    if folded in _COMMON or len(set(password)) < 4:
        problems.append(_("This password is too easy to guess."))
    elif MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        weakness = _guessable(password, username)
        if weakness is not None:
            problems.append(weakness)
    return problems


def _guessable(password: str, username: str) -> str | None:
    """Why a strength estimator guesses ``password`` quickly (OWASP ASVS 2.1.7), or None when it does not.

    zxcvbn estimates the guesses an attacker needs from dictionaries of common passwords, words and
    names, keyboard rows, sequences, repeats and dates; the message names the pattern that weakens
    the password most (the longest one found).
    """
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:100], user_inputs=[u for u in (username, *_SERVICE_WORDS) if u])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return None
    patterns = [m for m in result.get("sequence", []) if m.get("pattern") != "bruteforce"]
    pattern = max(patterns, key=lambda m: len(m.get("token", "")))["pattern"] if patterns else ""
    if pattern == "repeat":
        return _("This password is too easy to guess: it repeats characters or groups of characters.")
    if pattern == "sequence":
        return _("This password is too easy to guess: it contains a sequence such as 1234 or abcd.")
    if pattern == "spatial":
        return _("This password is too easy to guess: it follows a row of keys on the keyboard.")
    if pattern == "date":
        return _("This password is too easy to guess: it contains a date or a year.")
    if pattern in ("dictionary", "regex"):
        return _("This password is too easy to guess: it is, or is built from, a commonly used password or word.")
    return _("This password is too easy to guess. Use a longer password of several unusual words.")


@dataclass
class User:
    """A logged-in person (Flask-Login user)."""

    id: str
    name: str = ""
    email: str = ""
    role: str = "representative"
    organisations: list[str] = field(default_factory=list)
    active: bool = True
    password_hash: str = ""
    created_at: str = ""
    version: int = 0
    #: the server-side session this request runs in (see `web.sessions`); empty outside a login
    session_id: str = ""

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Username plus the server-side session id (logout, a password change and disabling end it)."""
        return f"{self.id}|{self.session_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "staff")

    @property
    def display_name(self) -> str:
        return self.name or self.id

    def actor(self, org_id: str | None = None) -> str:
        """The change-log actor: ``staff:alice`` or, acting for an organisation, ``staff:alice for:org-id``."""
        base = f"{self.role}:{self.id}"
        if org_id and self.is_staff:
            return f"{base} for:{org_id}"
        return base

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "organisations": list(self.organisations),
            "password_hash": self.password_hash,
            "active": self.active,
            "created_at": self.created_at,
        }

    @classmethod
    def from_record(cls, rec: Any) -> User:
        d = rec.data
        return cls(
            id=rec.id,
            name=d.get("name", ""),
            email=d.get("email", ""),
            role=d.get("role", "representative"),
            organisations=list(d.get("organisations", [])),
            active=bool(d.get("active", True)),
            password_hash=d.get("password_hash", ""),
            created_at=d.get("created_at", ""),
            version=rec.version,
        )


def _check(username: str, role: str, organisations: list[str], store: GraphStore) -> list[Issue]:
    issues: list[Issue] = []
    if not USERNAME_RE.match(username):
        issues.append(
            Issue("username", username, "use 2-40 lowercase letters, digits, '.', '_' or '-'", code="bad_username")
        )
    if role not in ROLES:
        issues.append(Issue("role", role, "must be one of " + ", ".join(ROLES), code="bad_role"))
    for org in organisations:
        if store.get("organisation", org) is None:
            issues.append(Issue("organisations", org, "unknown organisation", code="unknown_org"))
    if role == "representative" and not organisations:
        issues.append(Issue("organisations", "", "a representative needs at least one organisation", code="no_org"))
    return issues


def get_user(store: GraphStore, username: str) -> User | None:
    rec = store.get(KIND, username.strip().lower())
    return User.from_record(rec) if rec is not None else None


def list_users(store: GraphStore) -> list[User]:
    return [User.from_record(r) for r in store.list(KIND)]


def create_user(
    store: GraphStore,
    username: str,
    *,
    role: str,
    password: str | None = None,
    password_hash: str | None = None,
    organisations: list[str] | None = None,
    name: str = "",
    email: str = "",
    actor: str = "",
    extra_ops: Any = None,
) -> User:
    """Create a user (raises `graph.ValidationError` or `graph.ConflictError` when it exists).

    ``password_hash=""`` makes an account without a password (nobody can log in until one is set,
    e.g. through an invitation link). ``extra_ops(user) -> list[Op]`` adds writes (a mail) to the
    same transaction.
    """
    username = username.strip().lower()
    organisations = list(dict.fromkeys(organisations or []))
    issues = _check(username, role, organisations, store)
    if password_hash is None:
        problems = password_problems(password or "", username)
        issues += [Issue("password", "***", p, code="weak_password") for p in problems]
        if not issues:
            password_hash = hash_password(password or "")
    if issues:
        raise ValidationError(issues)
    user = User(
        id=username,
        name=name.strip(),
        email=email.strip(),
        role=role,
        organisations=organisations,
        active=True,
        password_hash=password_hash or "",
        created_at=now_iso(),
    )
    more = list(extra_ops(user)) if extra_ops is not None else []
    rec = store.apply([Op(KIND, username, user.to_data(), None), *more], actor=actor)[0]
    return User.from_record(rec)


def update_user(
    store: GraphStore,
    user: User,
    *,
    actor: str = "",
    password: str | None = None,
    keep_session: str | None = None,
    extra_ops: list[Op] | None = None,
    **changes: Any,
) -> User:
    """Write ``changes`` (name, email, role, organisations, active) and an optional new password.

    A new password or disabling ends every session of the user (but ``keep_session``, the one
    of an admin changing their own password), in the same transaction (with ``extra_ops``). Based on
    ``user.version``: a concurrent change raises `graph.ConflictError`.
    """
    from .sessions import revoke_ops

    data = user.to_data()
    data.update(changes)
    issues = _check(user.id, data["role"], list(data["organisations"]), store)
    if password is not None:
        issues += [Issue("password", "***", p, code="weak_password") for p in password_problems(password, user.id)]
        if not issues:
            data["password_hash"] = hash_password(password)
    if issues:
        raise ValidationError(issues)
    ops = [Op(KIND, user.id, data, user.version)]
    if password is not None or (user.active and not data["active"]):
        ops += revoke_ops(store, user.id, keep=keep_session)
    rec = store.apply([*ops, *(extra_ops or [])], actor=actor)[0]
    return User.from_record(rec)


#: the demo accounts ``remo demo`` makes in development: one per role (username, role, organisations)
DEMO_ACCOUNTS = (
    ("demo-admin", "admin", ()),
    ("demo-staff", "staff", ()),
    ("demo-rep", "representative", ("elternnetzwerk-koepru",)),
)


def _demo_password() -> str:
    # 4 groups of 4 letters and digits (no 0/O, 1/l): easy to type from a terminal
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def ensure_demo_accounts(store: GraphStore, *, actor: str = "demo") -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Create (or give a new password to) one demo account per role; returns ``(username, role, password, orgs)``.

    Each call generates fresh passwords, so a login printed once at start is the only one that works.
    Only for development: `remo demo` never calls it with ``REMO_ENV=production``.
    """
    out = []
    for username, role, orgs in DEMO_ACCOUNTS:
        orgs = tuple(o for o in orgs if store.get("organisation", o) is not None)
        if role == "representative" and not orgs:
            continue
        password = _demo_password()
        user = get_user(store, username)
        if user is None:
            create_user(
                store, username, role=role, password=password, organisations=list(orgs), name=username, actor=actor
            )
        else:
            update_user(store, user, actor=actor, password=password, role=role, organisations=list(orgs), active=True)
        out.append((username, role, password, orgs))
    return out
