"""Log in and out."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from ...auth import login_failed, login_wait
from ...extensions import get_store
from ...security import allow
from ...sessions import end_session, start_session
from ...users import check_password, get_user
from .._shared import safe_next
from .forms import LoginForm

__all__ = ["bp"]

bp = Blueprint("auth", __name__)


def _home_for(user) -> str:  # noqa: ANN001 - a web.users.User
    if user.is_staff:
        return url_for("desk.index")
    if user.organisations:
        return url_for("main.mine")
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@allow("public")
def login() -> Response | str | tuple[str, int]:
    form = LoginForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_for(current_user))
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        wait = login_wait(username)
        if wait:
            exc = TooManyRequests(retry_after=wait)
            raise exc
        user = get_user(get_store(), username)
        ok = check_password(user.password_hash if user else "", form.password.data)
        if user is not None and ok and user.active:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session.permanent = True
            lifetime = current_app.permanent_session_lifetime.total_seconds()
            user.session_id = start_session(get_store(), user.id, lifetime)
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), _home_for(user)))
        login_failed(username)
        form.password.errors.append(_("User name or password is wrong, or the account is disabled."))
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow("public")
def logout() -> Response:
    lang = session.get("lang")
    if current_user.is_authenticated:
        end_session(get_store(), current_user.session_id)
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))
