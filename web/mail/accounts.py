"""Accounts by mail: invitations, "forgot password" and requests for access.

- An admin invites a representative by address: the account is created without a password and the
  invitation (a signed, single-use, expiring link to set one) is queued in the same transaction.
- "Forgot password": whoever enters an address gets the same answer; an active account with that
  address gets a reset link (single use, ``REMO_MAIL_RESET_HOURS``). Setting the new password ends
  every session of the account. A link also stops working once the password has changed otherwise
  (it carries a fingerprint of the password hash it was made for).
- "Request access": an organisation not yet in the network writes to the KI; the request is stored
  (kind ``access_request``) and the KI desk gets a mail, in one transaction. A honeypot field and a
  per-address limit (kind ``form_throttle``, HMAC keys as for the login throttle) keep spam out.

Nothing here tells a visitor whether an address has an account: the forgot-password form answers
the same and does the same work (a throttle write, a rendered mail) for every address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _

from graph import ConflictError, Issue, ValidationError
from graph.identity import fold_email
from graph.model import EMAIL_RE
from graph.store import GraphStore
from graph.store.base import ANY, Op, now_iso

from ..users import User, create_user, get_user, list_users, password_problems, update_user
from .compose import compose, external_url, queue_op, staff_recipients
from .links import Link, LinkAction, LinkError, make_link, register, used_op
from .smtp import check_address

__all__ = [
    "REQUEST_KIND",
    "THROTTLE_KIND",
    "AccessRequestError",
    "invite_user",
    "list_requests",
    "request_access",
    "request_reset",
    "set_request_status",
]

REQUEST_KIND = "access_request"
THROTTLE_KIND = "form_throttle"
REQUEST_STATUSES = ("open", "done")


class AccessRequestError(Exception):
    """``reason``: ``limit`` (too many requests from this address; ``wait`` seconds)."""

    def __init__(self, reason: str, wait: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


def _cfg(name: str, default: float) -> float:
    value = current_app.config.get(name)
    return float(value) if value not in (None, "") else default


def _fingerprint(password_hash: str) -> str:
    """A short digest of the password hash a link was made for (a changed password voids the link)."""
    return hashlib.sha256(("remo-link:" + (password_hash or "")).encode()).hexdigest()[:16]


def _key(kind: str, value: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return f"{kind}-" + hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def _throttle(store: GraphStore, key: str, limit: int, window: float) -> tuple[Op, int]:
    """The counter write for one more attempt on ``key`` and the seconds to wait (0: allowed)."""
    now = time.time()
    rec = store.get(THROTTLE_KIND, key)
    recent = sorted(t for t in (rec.data.get("attempts", []) if rec else []) if now - t < window)
    wait = 0
    if limit and len(recent) >= limit:
        wait = max(1, int(recent[len(recent) - limit] + window - now) + 1)
    else:
        recent.append(now)
    return Op(THROTTLE_KIND, key, {"attempts": recent}, rec.version if rec else None), wait


#: drop stale counters once there are this many
_SWEEP_AT = 500


def _sweep(store: GraphStore) -> None:
    """Delete counters without a recent attempt now and then, so that many addresses do not pile up."""
    if store.count(THROTTLE_KIND) < _SWEEP_AT:
        return
    window = max(_cfg("REMO_MAIL_RESET_WINDOW", 3600), _cfg("REMO_ACCESS_REQUEST_WINDOW", 3600))
    now = time.time()
    stale = [
        Op(THROTTLE_KIND, r.id, None, ANY)
        for r in store.list(THROTTLE_KIND)
        if not any(now - t < window for t in r.data.get("attempts", []))
    ]
    if stale:
        store.apply(stale, actor="throttle")


def _valid_email(address: str) -> bool:
    return bool(EMAIL_RE.match(address)) and check_address(address) is None


def _expires_text(link: Link):
    return lambda: format_datetime(dt.datetime.fromtimestamp(link.expires, dt.UTC), "medium")


# --- invitations ------------------------------------------------------------------------------


def _account_draft(kind: str, action: str, user: User, lang: str, subject: Callable[[], str], days: float):
    """A mail to the account's own address with a signed link (``action``) bound to its current password."""
    token, link = make_link(action, f"{user.id}|{_fingerprint(user.password_hash)}", days=days)
    return compose(
        kind,
        lang,
        [{"name": user.name, "address": user.email}],
        subject,
        ref={"user": user.id},
        name=user.name or user.id,
        username=user.id,
        url=external_url("links.confirm", token=token),
        expires=_expires_text(link),
    )


def _invite_ops(user: User, lang: str) -> list[Op]:
    days = _cfg("REMO_MAIL_INVITE_DAYS", 14)
    return [
        queue_op(_account_draft("account_invite", "account_setup", user, lang, lambda: _("Your access to ReMo"), days))
    ]


def invite_user(
    store: GraphStore,
    username: str,
    *,
    email: str,
    organisations: list[str],
    name: str = "",
    role: str = "representative",
    lang: str = "de",
    actor: str = "",
) -> User:
    """Create an account without a password and queue the invitation to set one (one transaction).

    Raises `graph.ValidationError` (no usable address, bad username/role/organisations) or
    `graph.ConflictError` (the username is taken).
    """
    email = (email or "").strip()
    if not _valid_email(email):
        raise ValidationError([Issue("email", email, "is not an email address", code="bad_email")])
    return create_user(
        store,
        username,
        role=role,
        password_hash="",
        organisations=organisations,
        name=name,
        email=email,
        actor=actor,
        extra_ops=lambda user: _invite_ops(user, lang),
    )


# --- forgot password --------------------------------------------------------------------------


def _reset_draft(user: User, lang: str):
    hours = _cfg("REMO_MAIL_RESET_HOURS", 2)
    return _account_draft(
        "password_reset", "password_reset", user, lang, lambda: _("A new password for ReMo"), hours / 24
    )


def request_reset(store: GraphStore, address: str, *, client: str, lang: str = "de") -> None:
    """Queue a reset link for every active account with ``address``; silent either way.

    At most ``REMO_MAIL_RESET_LIMIT`` (default 3) mails per address and per client address within
    ``REMO_MAIL_RESET_WINDOW`` seconds (default 3600), so the form cannot be used to flood a mailbox.
    Every call writes the same counters and renders a mail, with or without an account.
    """
    address = (address or "").strip()
    folded = fold_email(address)
    limit = int(_cfg("REMO_MAIL_RESET_LIMIT", 3))
    window = _cfg("REMO_MAIL_RESET_WINDOW", 3600)
    users = [u for u in list_users(store) if folded and fold_email(u.email) == folded and u.active]
    stand_in = User(id="nobody", email=address if _valid_email(address) else "nobody@remo.invalid")
    drafts = [_reset_draft(u, lang) for u in users] or [_reset_draft(stand_in, lang)]
    for _attempt in range(5):
        op_mail, wait_mail = _throttle(store, _key("reset-mail", folded), limit, window)
        op_client, wait_client = _throttle(store, _key("reset-ip", client), limit * 5, window)
        ops = [op_mail, op_client]
        if users and not wait_mail and not wait_client:
            ops += [queue_op(d) for d in drafts]
        try:
            store.apply(ops, actor="password-reset")
        except ConflictError:  # another request counted at the same moment
            continue
        _sweep(store)
        return


def _set_password(store: GraphStore, link: Link, form: Any, *, invitation: bool) -> str:
    username, _sep, fingerprint = link.ref.partition("|")
    user = get_user(store, username)
    if user is None or not user.active:  # a disabled account stays disabled, also for an invitation
        raise LinkError("invalid")
    if _fingerprint(user.password_hash) != fingerprint:
        raise LinkError("used")
    password = form.get("password", "")
    if password != form.get("password2", ""):
        raise ValidationError([Issue("password", "***", _("The passwords do not match."), code="mismatch")])
    problems = password_problems(password, user.id)
    if problems:
        raise ValidationError([Issue("password", "***", p, code="weak_password") for p in problems])
    update_user(store, user, actor=f"link:{user.id}", password=password, extra_ops=[used_op(link)])
    if invitation:
        return _("Your password is set. You can now log in with the user name %(name)s.", name=user.id)
    return _("Your new password is set, and every session of your account has ended. Please log in again.")


def _describe(invitation: bool):
    def describe(store: GraphStore, link: Link) -> dict[str, str]:
        username = link.ref.partition("|")[0]
        user = get_user(store, username)
        if user is None or not user.active:
            raise LinkError("invalid")
        if _fingerprint(user.password_hash) != link.ref.partition("|")[2]:
            raise LinkError("used")
        if invitation:
            return {
                "title": _("Welcome to ReMo, %(name)s", name=user.display_name),
                "text": _("Choose a password for your user name %(name)s (at least 12 characters).", name=user.id),
                "button": _("Set the password"),
            }
        return {
            "title": _("Set a new password"),
            "text": _(
                "Choose a new password for your user name %(name)s (at least 12 characters). "
                "Afterwards every session of your account ends.",
                name=user.id,
            ),
            "button": _("Set the new password"),
        }

    return describe


register(
    "account_setup",
    LinkAction(
        _describe(True),
        lambda store, link, form: _set_password(store, link, form, invitation=True),
        fields=("password",),
    ),
)
register(
    "password_reset",
    LinkAction(
        _describe(False),
        lambda store, link, form: _set_password(store, link, form, invitation=False),
        fields=("password",),
    ),
)


# --- requests for access ----------------------------------------------------------------------


def request_access(store: GraphStore, fields: dict[str, str], *, client: str, lang: str = "de") -> str | None:
    """Store a request for access and tell the KI desk by mail (one transaction); returns its id.

    ``fields``: organisation, name, email, message, and ``website`` (the honeypot: a person leaves it
    empty; when filled nothing is stored and None is returned, the page still says thank you).
    Raises `AccessRequestError` over the limit of ``REMO_ACCESS_REQUEST_LIMIT`` (default 3) per
    client address within ``REMO_ACCESS_REQUEST_WINDOW`` seconds (default 3600), and
    `graph.ValidationError` for characters no store takes.
    """
    limit = int(_cfg("REMO_ACCESS_REQUEST_LIMIT", 3))
    window = _cfg("REMO_ACCESS_REQUEST_WINDOW", 3600)
    counter, wait = _throttle(store, _key("access", client), limit, window)
    if wait:
        raise AccessRequestError("limit", wait)
    if (fields.get("website") or "").strip():
        store.apply([counter], actor="access-request")
        return None
    rid = f"{dt.date.today().isoformat()}-{uuid.uuid4().hex[:10]}"
    data = {
        "organisation": fields["organisation"].strip(),
        "name": fields["name"].strip(),
        "email": fields["email"].strip(),
        "message": (fields.get("message") or "").strip(),
        "lang": lang,
        "status": "open",
        "created_at": now_iso(),
    }
    ops = [counter, Op(REQUEST_KIND, rid, data, None)]
    to = staff_recipients(store)
    if to:
        draft = compose(
            "access_request",
            "de",
            to,
            lambda: _("Request for access: %(org)s", org=data["organisation"]),
            ref={"access_request": rid},
            request=data,
            desk_url=external_url("account.requests"),
        )
        ops.append(queue_op(draft))
    store.apply(ops, actor="access-request")
    _sweep(store)
    return rid


def list_requests(store: GraphStore) -> list[Any]:
    """Requests for access, open ones first, newest first."""
    recs = store.list(REQUEST_KIND)
    recs.sort(key=lambda r: r.data.get("created_at") or "", reverse=True)
    recs.sort(key=lambda r: r.data.get("status") != "open")
    return recs


def set_request_status(store: GraphStore, request_id: str, status: str, *, actor: str) -> None:
    """Mark a request ``open`` or ``done`` (NotFoundError when it does not exist)."""
    if status not in REQUEST_STATUSES:
        raise ValidationError([Issue("status", status, "must be open or done")])
    rec = store.require(REQUEST_KIND, request_id)
    data = {**rec.data, "status": status, "handled_by": actor if status == "done" else "", "handled_at": now_iso()}
    store.apply([Op(REQUEST_KIND, request_id, data, rec.version)], actor=actor)


def delete_request(store: GraphStore, request_id: str, *, actor: str) -> None:
    store.apply([Op(REQUEST_KIND, request_id, None, ANY)], actor=actor)
