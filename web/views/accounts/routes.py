"""Accounts by mail: "forgot password", requesting access, the KI's list of requests, the digest opt-in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from graph import NotFoundError, ValidationError

from ...auth import client_address
from ...extensions import get_store
from ...mail.accounts import AccessRequestError, list_requests, request_access, request_reset, set_request_status
from ...mail.digest import subscribe
from ...security import allow
from ...templating import current_lang
from .forms import AccessRequestForm, ForgotPasswordForm

__all__ = ["bp"]

bp = Blueprint("account", __name__)


@bp.route("/login/forgot", methods=["GET", "POST"])
@allow("public")
def forgot() -> str | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_reset(get_store(), form.email.data, client=client_address(), lang=current_lang())
        # the same answer whether or not the address belongs to an account
        return render_template("account/forgot_sent.html")
    return render_template("account/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/access", methods=["GET", "POST"])
@allow("public")
def request_form() -> str | tuple[str, int]:
    form = AccessRequestForm()
    if form.validate_on_submit():
        fields = {
            name: getattr(form, name).data or "" for name in ("organisation", "name", "email", "message", "website")
        }
        try:
            request_access(get_store(), fields, client=client_address(), lang=current_lang())
        except AccessRequestError as exc:
            error = TooManyRequests(
                _("Too many requests from your network. Please try again later or call the KI Remscheid."),
                retry_after=exc.wait,
            )
            error.remo_detail = True  # type: ignore[attr-defined]
            raise error from exc
        except ValidationError as exc:
            for issue in exc.issues:
                target = getattr(form, issue.field.split(".")[-1], None) or form.message
                target.errors = [*target.errors, _("This text contains characters that cannot be stored.")]
        else:
            return render_template("account/request_sent.html")
    return render_template("account/request.html", form=form), 422 if form.errors else 200


@bp.route("/desk/requests")
@allow("staff")
def requests() -> str:
    return render_template("account/requests.html", requests=list_requests(get_store()))


@bp.route("/desk/requests/<request_id>", methods=["POST"])
@allow("staff")
def request_status(request_id: str) -> Response:
    from flask import request

    status = request.form.get("status", "")
    if status not in ("open", "done"):
        abort(400)
    try:
        set_request_status(get_store(), request_id, status, actor=current_user.actor())
    except NotFoundError:
        abort(404)
    flash(_("Saved. Thank you!"), "success")
    return redirect(url_for("account.requests"))


@bp.route("/org/<org_id>/digest", methods=["POST"])
@allow("org")
def digest(org_id: str) -> Response:
    from flask import request

    store = get_store()
    if org_id not in store.snapshot().orgs:
        abort(404)
    on = request.form.get("digest") == "on"
    if on and not (current_user.email or "").strip():
        flash(_("Your account has no e-mail address. Please ask the KI staff to add one."), "error")
        return redirect(url_for("suggestions.index", org_id=org_id) + "#digest")
    subscribe(store, org_id, current_user.id, on=on, lang=current_lang(), actor=current_user.actor(org_id))
    if on:
        flash(_("Done: once a month you get new partner suggestions by e-mail."), "success")
    else:
        flash(_("Done: you get no more monthly partner suggestions."), "success")
    return redirect(url_for("suggestions.index", org_id=org_id) + "#digest")
