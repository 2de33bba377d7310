"""Composing mail inside the app: settings from the config, links, rendering in the recipient's language.

Everything here needs a Flask app context (templates, translations, ``url_for``); the result is a
`web.mail.outbox.Draft` and, with `queue_op`, the `Op` to add to the transaction that causes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale

from graph.identity import fold_email
from graph.store import GraphStore
from graph.store.base import Op

from ..i18n import UI_LANGUAGES, text_direction
from .outbox import Attachment, Draft, message_op
from .sender import MailSettings
from .smtp import SmtpSettings, parse_smtp_url

__all__ = [
    "compose",
    "external_url",
    "mail_settings",
    "org_recipients",
    "queue_op",
    "recipient_lang",
    "smtp_settings",
    "staff_recipients",
]

PREF_KIND = "mail_pref"


def mail_settings(config: Any = None) -> MailSettings:
    cfg = config if config is not None else current_app.config
    return MailSettings(
        sender=str(cfg.get("REMO_MAIL_FROM") or "remo@localhost"),
        sender_name=str(cfg.get("REMO_MAIL_FROM_NAME") or "ReMo"),
        reply_to=str(cfg.get("REMO_MAIL_REPLY_TO") or ""),
        max_attempts=int(cfg.get("REMO_MAIL_MAX_ATTEMPTS") or 10),
        lease_seconds=int(cfg.get("REMO_MAIL_LEASE") if cfg.get("REMO_MAIL_LEASE") is not None else 300),
        base_delay=int(cfg.get("REMO_MAIL_RETRY_DELAY") if cfg.get("REMO_MAIL_RETRY_DELAY") is not None else 60),
    )


def smtp_settings(config: Any = None) -> SmtpSettings:
    cfg = config if config is not None else current_app.config
    return parse_smtp_url(str(cfg.get("REMO_SMTP_URL") or ""))


def _base_url() -> str:
    return str(current_app.config.get("REMO_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL for a mail: ``REMO_BASE_URL`` + the route's path."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values)
    return _base_url() + path


def recipient_lang(store: GraphStore, address: str, org: Any = None) -> str:
    """The language to write to ``address`` in: the recorded preference, else the organisation's first
    UI language, else German."""
    pref = store.get(PREF_KIND, fold_email(address))
    if pref is not None and pref.data.get("lang") in UI_LANGUAGES:
        return pref.data["lang"]
    for lang in getattr(org, "languages", None) or []:
        if lang in UI_LANGUAGES:
            return lang
    return "de"


def org_recipients(store: GraphStore, snap: Any, org_id: str) -> list[dict[str, str]]:
    """Whom to write to for an organisation: its contact persons with an address, else its own address."""
    org = snap.orgs.get(org_id)
    out = [
        {"name": p.name, "address": p.email.strip()}
        for p in snap.network.persons
        if org_id in p.organisations and p.email.strip()
    ]
    if not out and org is not None and org.email.strip():
        out = [{"name": org.name, "address": org.email.strip()}]
    return out[:1]


def staff_recipients(store: GraphStore) -> list[dict[str, str]]:
    """The KI desk: ``REMO_MAIL_KI`` if set, else every active staff account with an address."""
    fixed = str(current_app.config.get("REMO_MAIL_KI") or "").strip()
    if fixed:
        return [{"name": "KI", "address": a.strip()} for a in fixed.split(",") if a.strip()]
    return [
        {"name": r.data.get("name") or r.id, "address": r.data["email"].strip()}
        for r in store.list("user")
        if r.data.get("role") in ("staff", "admin")
        and r.data.get("active", True)
        and (r.data.get("email") or "").strip()
    ]


def compose(
    purpose: str,
    lang: str,
    to: list[dict[str, str]],
    subject: Callable[[], str],
    *,
    transactional: bool = True,
    unsubscribe_url: str = "",
    attachments: list[Attachment] | None = None,
    ref: dict[str, str] | None = None,
    **context: Any,
) -> Draft:
    """Render ``mail/<purpose>.txt`` and ``.html`` in ``lang`` (plain text and HTML parts)."""
    lang = lang if lang in UI_LANGUAGES else "de"
    ctx = {
        "mail_lang": lang,
        "mail_dir": text_direction(lang),
        "unsubscribe_url": unsubscribe_url,
        "base_url": _base_url(),
        **context,
    }
    with force_locale(lang):
        title = subject()
        ctx["mail_subject"] = title
        text = render_template(f"mail/{purpose}.txt", **ctx)
        html = render_template(f"mail/{purpose}.html", **ctx)
    headers: dict[str, str] = {}
    if not transactional:
        if not unsubscribe_url:
            raise ValueError("a non-transactional mail needs an unsubscribe link")
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Draft(
        to=to,
        subject=title,
        text=text,
        html=html,
        lang=lang,
        purpose=purpose,
        transactional=transactional,
        headers=headers,
        attachments=list(attachments or []),
        ref=dict(ref or {}),
    )


def queue_op(draft: Draft, *, not_before: str | None = None) -> Op:
    """The outbox `Op` for ``draft`` (add it to the ``apply`` of its cause)."""
    return message_op(draft, from_address=mail_settings().sender, not_before=not_before)
