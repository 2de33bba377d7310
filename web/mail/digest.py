"""The monthly digest: new partner suggestions for an organisation, for people who asked for it.

A representative (or staff, for themselves) opts in on the organisation's suggestions page. The
subscription is a record of kind ``digest_sub`` (id ``<org>.<username>``) with ``due`` (the next
mail), the language, and the partners already sent (``sent``), so that a digest names only
suggestions not mailed before; nothing new means no mail that month. The ``digest`` job of ``remo
worker`` (or ``remo mail digest``) writes each mail and moves ``due`` on by
``REMO_MAIL_DIGEST_DAYS`` (default 30) in one transaction. Every digest carries a signed one-click
unsubscribe link (no login, RFC 8058 headers); unsubscribing clears ``due``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from graph import ConflictError
from graph.store import GraphStore
from graph.store.base import Op, now_iso

from ..i18n import UI_LANGUAGES
from ..users import get_user
from .compose import compose, external_url, queue_op
from .jobs import job
from .links import Link, LinkAction, LinkError, make_link, register

__all__ = ["DIGEST_KIND", "digest_ops", "is_subscribed", "run_digest", "subscribe"]

DIGEST_KIND = "digest_sub"
#: at most this many new partners per digest
TOP = 5
#: unsubscribe links work this long (a new one comes with every digest)
UNSUBSCRIBE_DAYS = 400


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _period() -> dt.timedelta:
    value = current_app.config.get("REMO_MAIL_DIGEST_DAYS")
    return dt.timedelta(days=float(value) if value not in (None, "") else 30)


def sub_id(org_id: str, username: str) -> str:
    return f"{org_id}.{username}"


def is_subscribed(store: GraphStore, org_id: str, username: str) -> bool:
    rec = store.get(DIGEST_KIND, sub_id(org_id, username))
    return rec is not None and bool(rec.data.get("active"))


def subscribe(store: GraphStore, org_id: str, username: str, *, on: bool, lang: str, actor: str) -> None:
    """Switch the digest of ``org_id`` for ``username`` on (first mail at the next worker round) or off."""
    rid = sub_id(org_id, username)
    rec = store.get(DIGEST_KIND, rid)
    old = rec.data if rec is not None else {}
    data = {
        "org": org_id,
        "user": username,
        "lang": lang if lang in UI_LANGUAGES else "de",
        "active": on,
        "due": now_iso() if on else None,
        "sent": list(old.get("sent", [])),
        "since": old.get("since") if old.get("active") and on else (now_iso() if on else old.get("since")),
        "last_sent_at": old.get("last_sent_at"),
    }
    store.apply([Op(DIGEST_KIND, rid, data, rec.version if rec is not None else None)], actor=actor)


def _new_suggestions(store: GraphStore, snap: Any, org_id: str, lang: str, sent: set[str]) -> list[dict[str, Any]]:
    from ..suggestion_cache import suggestion_document
    from ..weights import weights_in_use

    doc = suggestion_document(snap, org_id, 10, lang, weights_in_use(store))
    out = []
    for s in doc["suggestions"]:
        if s["partner"] in sent or s["partner"] not in snap.orgs or s.get("already_met"):
            continue
        out.append(
            {
                "partner": s["partner"],
                "name": snap.orgs[s["partner"]].name,
                "reasons": [r["text"] for r in s["reasons"]],
            }
        )
    return out[:TOP]


def digest_ops(store: GraphStore, rec: Any, now: dt.datetime) -> list[Op]:
    """The mail (if anything is new) and the updated subscription for the due record ``rec``."""
    data = dict(rec.data)
    snap = store.snapshot()
    user = get_user(store, data["user"])
    org_id = data["org"]
    allowed = user is not None and user.active and (user.is_staff or org_id in user.organisations)
    if not allowed or org_id not in snap.orgs or not (user.email or "").strip():
        data["due"] = None  # the account or its right to this organisation is gone: stop
        data["active"] = False
        return [Op(DIGEST_KIND, rec.id, data, rec.version)]
    lang = data.get("lang") or "de"
    fresh = _new_suggestions(store, snap, org_id, lang, set(data.get("sent") or []))
    ops: list[Op] = []
    if fresh:
        token, _link = make_link("digest_unsubscribe", rec.id, days=UNSUBSCRIBE_DAYS)
        unsubscribe = external_url("links.confirm", token=token)
        org = snap.orgs[org_id]
        draft = compose(
            "digest",
            lang,
            [{"name": user.name, "address": user.email.strip()}],
            lambda: _("New partner suggestions for %(org)s", org=org.name),
            transactional=False,
            unsubscribe_url=unsubscribe,
            ref={"digest": rec.id},
            name=user.display_name,
            org=org,
            suggestions=fresh,
            suggestions_url=external_url("suggestions.index", org_id=org_id),
        )
        ops.append(queue_op(draft))
        data["sent"] = [*data.get("sent", []), *(s["partner"] for s in fresh)]
        data["last_sent_at"] = _iso(now)
    data["due"] = _iso(now + _period())
    ops.append(Op(DIGEST_KIND, rec.id, data, rec.version))
    return ops


@job("digest")
def run_digest(store: GraphStore, now: dt.datetime) -> int:
    """Write the digests that are due; returns how many mails were queued."""
    queued = 0
    for rec in store.due(DIGEST_KIND, _iso(now), 1000):
        ops = digest_ops(store, rec, now)
        try:
            store.apply(ops, actor="worker")
        except ConflictError:  # changed meanwhile (unsubscribed): look again next round
            continue
        queued += len(ops) - 1
    return queued


def _unsubscribe_describe(store: GraphStore, link: Link) -> dict[str, str]:
    rec = store.get(DIGEST_KIND, link.ref)
    if rec is None:
        raise LinkError("invalid")
    org = store.snapshot().orgs.get(rec.data.get("org"))
    name = org.name if org is not None else rec.data.get("org", "")
    return {
        "title": _("Unsubscribe from the monthly partner suggestions for %(org)s?", org=name),
        "text": _("You will get no more of these mails. You can switch them on again on the suggestions page."),
        "button": _("Unsubscribe"),
    }


def _unsubscribe(store: GraphStore, link: Link, form: Any) -> str:
    """Switch the subscription off (repeatable: a second click changes nothing and says the same)."""
    for _attempt in range(5):
        rec = store.get(DIGEST_KIND, link.ref)
        if rec is None:
            raise LinkError("invalid")
        if not rec.data.get("active") and rec.data.get("due") is None:
            break
        data = {**rec.data, "active": False, "due": None, "unsubscribed_at": now_iso()}
        try:
            store.apply([Op(DIGEST_KIND, rec.id, data, rec.version)], actor="unsubscribe")
        except ConflictError:
            continue
        break
    return _("You are unsubscribed. You will get no more monthly partner suggestions.")


register("digest_unsubscribe", LinkAction(_unsubscribe_describe, _unsubscribe, one_click=True))
