"""Introductions with double opt-in: both contacts agree by mail before anybody's details are shared.

When an introduction is proposed (by staff, or by a representative saying "yes, please introduce
us"), the contact of each side that has not agreed yet gets a mail in their language with the
reasons and two signed one-click links (accept / decline). A representative's own "yes" in ReMo
counts as that side's consent. The opt-in state is a record of kind ``intro_optin`` (id: the
introduction's id) written in the same transaction as the introduction and the mails. When both
agree, the introduction becomes ``accepted`` (if it is not already further) and each contact gets
the other's details; the consent (who, when, how) stays in the record. A "no" makes it ``declined``
and shares nothing. No answer after ``REMO_INTRO_REMINDER_DAYS`` days (default 7): one reminder; no
answer again after as many days: the KI desk is told by mail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from graph import ConflictError, Issue, ValidationError
from graph.model import parse_introduction
from graph.store import GraphStore
from graph.store.base import Op, Record, now_iso

from .compose import compose, external_url, org_recipients, queue_op, recipient_lang, staff_recipients
from .jobs import job
from .links import Link, LinkAction, LinkError, make_link, register, used_op

__all__ = ["OPTIN_KIND", "optin_ops", "respond"]

OPTIN_KIND = "intro_optin"
SIDES = ("a", "b")
#: statuses from which a "yes" of both moves the introduction on to "accepted"
_BEFORE_ACCEPTED = ("proposed", "declined")


def _days(name: str, default: float) -> float:
    value = current_app.config.get(name)
    return float(value) if value not in (None, "") else default


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _other(side: str) -> str:
    return "b" if side == "a" else "a"


def _request_mail(store: GraphStore, snap: Any, intro: Any, side: str, *, reminder: bool = False) -> list[Op]:
    """The accept/decline mail to one side's contact (nothing when it has no address)."""
    org_id = getattr(intro, side) if not isinstance(intro, dict) else intro[side]
    partner_id = intro[_other(side)] if isinstance(intro, dict) else getattr(intro, _other(side))
    intro_id = intro["id"] if isinstance(intro, dict) else intro.id
    reasons = (intro.get("reasons") if isinstance(intro, dict) else intro.reasons) or []
    to = org_recipients(store, snap, org_id)
    if not to:
        return []
    org, partner = snap.orgs.get(org_id), snap.orgs.get(partner_id)
    if org is None or partner is None:
        return []
    lang = recipient_lang(store, to[0]["address"], org)
    days = _days("REMO_MAIL_LINK_DAYS", 14)
    accept, link = make_link("intro_accept", f"{intro_id}|{side}", days=days)
    decline, _link = make_link("intro_decline", f"{intro_id}|{side}", days=days)
    names = {o.id: o.name for o in snap.network.organisations}

    def reason_texts() -> list[str]:
        from ..reasons import reason_text

        return [reason_text(r, snap.vocabulary, names, lang) for r in reasons]

    def subject() -> str:
        if reminder:
            return _("Reminder: ReMo suggests you meet %(partner)s", partner=partner.name)
        return _("ReMo suggests you meet %(partner)s", partner=partner.name)

    draft = compose(
        "intro_request",
        lang,
        to,
        subject,
        ref={"introduction": intro_id, "side": side},
        name=to[0]["name"],
        org=org,
        partner=partner,
        reasons=reason_texts,
        accept_url=external_url("links.confirm", token=accept),
        decline_url=external_url("links.confirm", token=decline),
        expires=lambda: format_date(dt.datetime.fromtimestamp(link.expires, dt.UTC).date(), "long"),
        reminder=reminder,
    )
    return [queue_op(draft)]


def optin_ops(store: GraphStore, intro: Any, *, previous: str | None, acting_org: str | None, actor: str) -> list[Op]:
    """The opt-in record and the mails to add to a status change of ``intro`` (called by `set_status`).

    ``acting_org``: the organisation whose representative (or staff acting for it) said yes in ReMo;
    None for a move on the staff desk.
    """
    starts = intro.status == "proposed" and previous != "proposed"
    said_yes = intro.status == "accepted" and acting_org in (intro.a, intro.b) and previous in (None, "proposed")
    if not (starts or said_yes):
        return []
    snap = store.snapshot()
    rec = store.get(OPTIN_KIND, intro.id)
    old = rec.data if rec is not None and rec.data.get("due") is not None else None
    at = now_iso()
    sides: dict[str, dict[str, Any]] = {}
    for side in SIDES:
        org_id = getattr(intro, side)
        kept = (old or {}).get("sides", {}).get(side, {})
        if said_yes and org_id == acting_org:
            sides[side] = {"org": org_id, "state": "accepted", "at": at, "via": f"login ({actor})"}
        elif kept.get("state") == "accepted":
            sides[side] = kept
        else:
            sides[side] = {"org": org_id, "state": "pending", "at": None, "via": ""}
    ops: list[Op] = []
    first = dt.datetime.now(dt.UTC) + dt.timedelta(days=_days("REMO_INTRO_REMINDER_DAYS", 7))
    data = {
        "introduction": intro.id,
        "sides": sides,
        "started_at": (old or {}).get("started_at") or at,
        "reminded": False,
        "ki_told": False,
        "due": _iso(first),
        "consent": None,
    }
    if all(s["state"] == "accepted" for s in sides.values()):  # the other side had said yes by mail
        data["due"] = None
        data["consent"] = _consent(sides)
        for side in SIDES:
            ops += _contacts_mail(store, snap, intro.to_dict(), side)
    else:
        for side in SIDES:
            if sides[side]["state"] == "pending":
                ops += _request_mail(store, snap, intro, side)
    ops.append(Op(OPTIN_KIND, intro.id, data, rec.version if rec is not None else None))
    return ops


def _contacts_mail(store: GraphStore, snap: Any, intro: dict[str, Any], side: str) -> list[Op]:
    """After both said yes: send ``side`` the other side's contact details."""
    org_id, partner_id = intro[side], intro[_other(side)]
    to = org_recipients(store, snap, org_id)
    org, partner = snap.orgs.get(org_id), snap.orgs.get(partner_id)
    if not to or org is None or partner is None:
        return []
    contact = next((p for p in snap.network.persons if partner_id in p.organisations and p.email.strip()), None)
    details = {
        "name": contact.name if contact else partner.name,
        "role": contact.role if contact else "",
        "email": (contact.email if contact else partner.email).strip(),
        "phone": (contact.phone if contact else partner.phone).strip(),
    }
    lang = recipient_lang(store, to[0]["address"], org)
    draft = compose(
        "intro_contacts",
        lang,
        to,
        lambda: _("You can now contact %(partner)s", partner=partner.name),
        ref={"introduction": intro["id"], "side": side},
        name=to[0]["name"],
        org=org,
        partner=partner,
        contact=details,
    )
    return [queue_op(draft)]


def _consent(sides: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """What both agreed to, by whom, when and how (kept in the opt-in record)."""
    return {
        "what": "exchange of contact details (name, role, e-mail, telephone) between the two contacts",
        "sides": {k: {"org": v["org"], "at": v["at"], "via": v["via"]} for k, v in sides.items()},
    }


def respond(store: GraphStore, link: Link, answer: str) -> str:
    """Record one side's answer from a mail link; returns the new state of the introduction.

    Raises `LinkError` ("used") when that side has answered already.
    """
    intro_id, _sep, side = link.ref.partition("|")
    optin = store.get(OPTIN_KIND, intro_id)
    intro_rec = store.get("introduction", intro_id)
    if optin is None or intro_rec is None or side not in SIDES:
        raise LinkError("invalid")
    state = optin.data["sides"][side]
    if state["state"] != "pending":
        raise LinkError("used")
    at = now_iso()
    sides = {**optin.data["sides"], side: {**state, "state": answer, "at": at, "via": "mail link"}}
    data = {**optin.data, "sides": sides}
    intro = dict(intro_rec.data)
    ops: list[Op] = [used_op(link)]
    snap = store.snapshot()
    outcome = "waiting"
    if answer == "declined":
        data["due"] = None
        if intro["status"] in ("proposed", "accepted"):
            intro["status"] = "declined"
            intro["at"] = dt.date.today().isoformat()
        outcome = "declined"
    elif all(s["state"] == "accepted" for s in sides.values()):
        data["due"] = None
        data["consent"] = _consent(sides)
        if intro["status"] in _BEFORE_ACCEPTED:
            intro["status"] = "accepted"
            intro["at"] = dt.date.today().isoformat()
        for s in SIDES:
            ops += _contacts_mail(store, snap, intro, s)
        outcome = "accepted"
    parsed, issues = parse_introduction(intro, snap.vocabulary)
    if parsed is None:
        raise ValidationError(issues)
    ops.append(Op(OPTIN_KIND, intro_id, data, optin.version))
    if parsed.to_dict() != intro_rec.data:
        ops.append(Op("introduction", intro_id, parsed.to_dict(), intro_rec.version))
    try:
        store.apply(ops, actor=f"mail-link:{side}:{intro[side]}")
    except ConflictError as exc:
        if store.get("mail_link", link.jti) is not None:
            raise LinkError("used") from exc
        raise
    return outcome


def _names(store: GraphStore, link: Link) -> tuple[str, str, str]:
    intro_id, _sep, side = link.ref.partition("|")
    rec = store.get("introduction", intro_id)
    optin = store.get(OPTIN_KIND, intro_id)
    if rec is None or optin is None or side not in SIDES:
        raise LinkError("invalid")
    if optin.data["sides"][side]["state"] != "pending":
        raise LinkError("used")
    orgs = store.snapshot().orgs
    me, other = rec.data[side], rec.data[_other(side)]
    return intro_id, orgs[me].name if me in orgs else me, orgs[other].name if other in orgs else other


def _describe(answer: str):
    def describe(store: GraphStore, link: Link) -> dict[str, str]:
        _id, me, other = _names(store, link)
        if answer == "accepted":
            return {
                "title": _("Introduce %(org)s and %(partner)s?", org=me, partner=other),
                "text": _(
                    "When both of you agree, ReMo sends your contact details (name, role, e-mail address, "
                    "telephone) to %(partner)s, and theirs to you.",
                    partner=other,
                ),
                "button": _("Yes, introduce us"),
            }
        return {
            "title": _("Decline the introduction to %(partner)s?", partner=other),
            "text": _("Nothing is shared with %(partner)s.", partner=other),
            "button": _("No, thank you"),
        }

    return describe


def _perform(answer: str):
    def perform(store: GraphStore, link: Link, form: Any) -> str:
        outcome = respond(store, link, answer)
        if outcome == "accepted":
            return _("Thank you! Both of you agreed: you will get the contact details by mail.")
        if outcome == "declined":
            return _("Thank you, your answer is recorded. Nothing was shared.")
        return _("Thank you! As soon as the other side agrees too, both of you get the contact details by mail.")

    return perform


register("intro_accept", LinkAction(_describe("accepted"), _perform("accepted")))
register("intro_decline", LinkAction(_describe("declined"), _perform("declined")))


@job("introduction_reminders")
def remind(store: GraphStore, now: dt.datetime) -> int:
    """One reminder after N days without an answer; after N more days, tell the KI desk."""
    queued = 0
    days = _days("REMO_INTRO_REMINDER_DAYS", 7)
    for rec in store.due(OPTIN_KIND, _iso(now)):
        intro_rec = store.get("introduction", rec.id)
        data = dict(rec.data)
        pending = [s for s in SIDES if data["sides"][s]["state"] == "pending"]
        ops: list[Op] = []
        if intro_rec is None or not pending or intro_rec.data.get("status") not in ("proposed", "accepted"):
            data["due"] = None
        elif not data.get("reminded"):
            snap = store.snapshot()
            for side in pending:
                ops += _request_mail(store, snap, intro_rec.data, side, reminder=True)
            data["reminded"] = True
            data["due"] = _iso(now + dt.timedelta(days=days))
        else:
            ops += _tell_ki(store, intro_rec, pending)
            data["ki_told"] = True
            data["due"] = None
        ops.append(Op(OPTIN_KIND, rec.id, data, rec.version))
        try:
            store.apply(ops, actor="worker")
        except ConflictError:  # answered meanwhile: look again next round
            continue
        queued += len(ops) - 1
    return queued


def _tell_ki(store: GraphStore, intro_rec: Record, pending: list[str]) -> list[Op]:
    to = staff_recipients(store)
    if not to:
        return []
    orgs = store.snapshot().orgs
    a, b = intro_rec.data["a"], intro_rec.data["b"]
    name = {x: orgs[x].name if x in orgs else x for x in (a, b)}
    silent = [name[intro_rec.data[s]] for s in pending]
    draft = compose(
        "intro_no_answer",
        "de",
        to,
        lambda: _("No answer to an introduction: %(a)s and %(b)s", a=name[a], b=name[b]),
        ref={"introduction": intro_rec.id},
        a=name[a],
        b=name[b],
        silent=silent,
        desk_url=external_url("desk.index"),
    )
    return [queue_op(draft)]


def check_answer(answer: str) -> None:
    if answer not in ("accepted", "declined"):
        raise ValidationError(Issue("answer", answer, "must be accepted or declined"))
