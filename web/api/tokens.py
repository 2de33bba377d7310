"""Personal API tokens: created and revoked by admins, stored hashed (records of kind ``api_token``).

A token is ``remo_`` followed by 32 random bytes (URL-safe base64). Only its SHA-256 is
stored; the record id is the first 16 hex digits of that hash, so that a presented token is
found with one read (and compared in constant time) and admins can name a token by its id
without ever seeing the secret again. A token acts with its owner's role: an administrator's or
staff member's token may write everything, a representative's token only their own
organisation(s). A revoked or expired token, or one whose owner is disabled or deleted,
is refused.

Example
-------
>>> from graph.store import SQLiteStore
>>> store = SQLiteStore("sqlite://"); store.init()
>>> _ = store.create("user", "ada", {"role": "admin", "organisations": [], "active": True})
>>> secret, token = create_token(store, "ada", name="CI")
>>> secret.startswith("remo_"), check_token(store, secret)[0].id
(True, 'ada')
>>> revoke_token(store, token.id), check_token(store, secret)
(True, None)
>>> store.close()
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from graph import ConflictError, Issue, NotFoundError, ValidationError
from graph.store import GraphStore
from graph.store.base import now_iso

from ..users import User, get_user

__all__ = ["KIND", "PREFIX", "ApiToken", "check_token", "create_token", "list_tokens", "revoke_token", "token_hash"]

KIND = "api_token"
PREFIX = "remo_"
MAX_NAME = 80
MAX_DAYS = 3650


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiToken:
    """A stored token (without its secret)."""

    id: str
    user: str
    name: str
    created_at: str
    created_by: str
    expires_at: str | None
    revoked_at: str | None
    version: int = 0

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= now_iso()

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else ("expired" if self.expired else "active")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user": self.user,
            "name": self.name,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
            "status": self.status,
        }

    @classmethod
    def from_record(cls, rec: Any) -> ApiToken:
        d = rec.data
        return cls(
            id=rec.id,
            user=d.get("user", ""),
            name=d.get("name", ""),
            created_at=d.get("created_at", ""),
            created_by=d.get("created_by", ""),
            expires_at=d.get("expires_at"),
            revoked_at=d.get("revoked_at"),
            version=rec.version,
        )


def create_token(
    store: GraphStore, username: str, *, name: str = "", expires_days: int | None = None, actor: str = ""
) -> tuple[str, ApiToken]:
    """Create a token for ``username``; returns ``(secret, token)`` - the secret is shown once only.

    Raises `graph.ValidationError` for an unknown or disabled user, a long name or a bad lifetime.
    """
    username = username.strip().lower()
    name = " ".join(name.split())
    user = get_user(store, username)
    issues: list[Issue] = []
    if user is None:
        issues.append(Issue("user", username, "unknown user", code="unknown_user"))
    elif not user.active:
        issues.append(Issue("user", username, "the user is disabled", code="disabled_user"))
    if len(name) > MAX_NAME:
        issues.append(Issue("name", name, f"is longer than {MAX_NAME} characters", code="too_long"))
    if expires_days is not None and not 1 <= expires_days <= MAX_DAYS:
        issues.append(Issue("expires", expires_days, f"must be between 1 and {MAX_DAYS} days", code="out_of_range"))
    if issues:
        raise ValidationError(issues)
    expires_at = None
    if expires_days is not None:
        at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=expires_days)
        expires_at = at.isoformat()
    for _attempt in range(3):
        secret = PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
        digest = token_hash(secret)
        data = {
            "hash": digest,
            "user": username,
            "name": name,
            "created_at": now_iso(),
            "created_by": actor,
            "expires_at": expires_at,
            "revoked_at": None,
        }
        try:
            rec = store.create(KIND, digest[:16], data, actor=actor)
        except ConflictError:  # pragma: no cover - a 64-bit prefix collision
            continue
        return secret, ApiToken.from_record(rec)
    raise RuntimeError("could not create a unique token id")  # pragma: no cover


def list_tokens(store: GraphStore, username: str | None = None) -> list[ApiToken]:
    """Every token (or those of ``username``), newest first."""
    tokens = [ApiToken.from_record(r) for r in store.list(KIND)]
    if username is not None:
        tokens = [t for t in tokens if t.user == username]
    return sorted(tokens, key=lambda t: (t.created_at, t.id), reverse=True)


def revoke_token(store: GraphStore, token_id: str, *, actor: str = "") -> bool:
    """Revoke a token (kept for the record); False when it was revoked already.

    Raises `graph.NotFoundError` for an unknown id.
    """
    for _attempt in range(5):
        rec = store.get(KIND, token_id)
        if rec is None:
            raise NotFoundError(KIND, token_id)
        if rec.data.get("revoked_at"):
            return False
        try:
            store.update(KIND, token_id, {**rec.data, "revoked_at": now_iso()}, rec.version, actor=actor)
        except ConflictError:
            continue
        return True
    raise ConflictError(KIND, token_id, None, message="the token changed too often while revoking it")


def check_token(store: GraphStore, secret: str) -> tuple[User, ApiToken] | None:
    """The owner and the token for a presented secret, or None when it is not (any longer) valid."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    digest = token_hash(secret)
    rec = store.get(KIND, digest[:16])
    if rec is None or not hmac.compare_digest(str(rec.data.get("hash", "")), digest):
        return None
    token = ApiToken.from_record(rec)
    if not token.active:
        return None
    user = get_user(store, token.user)
    if user is None or not user.active:
        return None
    return user, token
