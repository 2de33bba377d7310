"""The token admin page (``/admin/tokens``, admins only, an ordinary form page with CSRF)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import NotFoundError, ValidationError

from ...api.tokens import create_token, list_tokens, revoke_token
from ...extensions import get_store
from ...security import allow
from ...users import list_users
from .._forms import choices
from .base import (
    tokens_bp,
)
from .forms import RevokeForm, TokenForm

__all__: list[str] = []


def _token_form() -> TokenForm:
    form = TokenForm()
    users = sorted((u for u in list_users(get_store()) if u.active), key=lambda u: u.id)
    form.user.choices = choices([("", _("– please choose –"))] + [(u.id, f"{u.id} ({u.role})") for u in users])
    return form


def _tokens_page(form: TokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template("api/tokens.html", form=form, tokens=list_tokens(get_store()), secret=secret)
    return page, status


@tokens_bp.route("", methods=["GET", "POST"])
@allow("admin")
def index() -> tuple[str, int]:
    form = _token_form()
    if request.method == "GET":
        return _tokens_page(form)
    if not form.validate_on_submit():
        return _tokens_page(form, status=422)
    try:
        secret, token = create_token(
            get_store(),
            form.user.data,
            name=form.name.data or "",
            expires_days=form.expires.data,
            actor=current_user.actor(),
        )
    except ValidationError as exc:
        form.user.errors = [*form.user.errors, *(i.reason for i in exc.issues)]
        return _tokens_page(form, status=422)
    flash(_("Token %(id)s was created for %(user)s.", id=token.id, user=token.user), "success")
    return _tokens_page(_token_form(), secret=secret)


@tokens_bp.post("/<token_id>/revoke")
@allow("admin")
def revoke(token_id: str) -> Response:
    if not RevokeForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("api.tokens.index"))
    try:
        done = revoke_token(get_store(), token_id, actor=current_user.actor())
    except NotFoundError:
        flash(_("There is no such token."), "error")
        return redirect(url_for("api.tokens.index"))
    if done:
        flash(_("Token %(id)s was revoked.", id=token_id), "success")
    return redirect(url_for("api.tokens.index"))
