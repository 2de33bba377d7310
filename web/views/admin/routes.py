"""User administration (admins only): list, create, edit, disable, reset passwords."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from graph import ConflictError, ValidationError

from ...extensions import get_store
from ...i18n import LANGUAGE_NAMES, UI_LANGUAGES
from ...mail.accounts import invite_user
from ...security import allow
from ...templating import current_lang
from ...users import create_user, get_user, list_users, update_user
from .._forms import choices, issue_message
from .forms import InviteForm, PasswordResetForm, UserCreateForm, UserEditForm, role_choices, role_labels

__all__ = ["bp"]

bp = Blueprint("admin", __name__)


def _org_choices() -> list[Any]:
    orgs = get_store().snapshot().network.organisations
    return choices(sorted(((o.id, o.name) for o in orgs), key=lambda x: x[1].casefold()))


def _issues_to_form(form: Any, exc: ValidationError) -> None:
    for issue in exc.issues:
        target = getattr(form, issue.field, None)
        message = issue_message(issue) if issue.code not in ("weak_password", "no_org", "unknown_org") else None
        if issue.code == "no_org":
            message = _("A representative needs at least one organisation.")
        elif issue.code == "unknown_org":
            message = _("Please choose from the list.")
        elif issue.code == "weak_password":
            message = issue.reason
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            flash(message, "error")


@bp.route("/admin/users")
@allow("admin")
def users() -> str:
    store = get_store()
    names = {o.id: o.name for o in store.snapshot().network.organisations}
    return render_template("admin/users.html", users=list_users(store), names=names, roles=role_labels())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@allow("admin")
def create() -> Response | str | tuple[str, int]:
    form = UserCreateForm()
    form.role.choices = role_choices()
    form.organisations.choices = _org_choices()
    if form.validate_on_submit():
        try:
            user = create_user(
                get_store(),
                form.username.data,
                role=form.role.data,
                password=form.password.data,
                organisations=list(form.organisations.data or []),
                name=form.name.data or "",
                email=form.email.data or "",
                actor=current_user.actor(),
            )
        except ConflictError:
            form.username.errors = [*form.username.errors, _("This user name is taken.")]
        except ValidationError as exc:
            _issues_to_form(form, exc)
        else:
            flash(_("User %(name)s was created.", name=user.id), "success")
            return redirect(url_for("admin.users"))
        return render_template("admin/user_new.html", form=form), 422
    status = 422 if form.errors else 200
    return render_template("admin/user_new.html", form=form), status


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@allow("admin")
def invite() -> Response | str | tuple[str, int]:
    """Invite a representative by mail: the account is made without a password, the mail has the link."""
    form = InviteForm()
    form.organisations.choices = _org_choices()
    form.lang.choices = [(code, LANGUAGE_NAMES[code]) for code in UI_LANGUAGES]
    if not form.is_submitted():
        form.lang.data = current_lang()
    if form.validate_on_submit():
        try:
            user = invite_user(
                get_store(),
                form.username.data,
                email=form.email.data or "",
                organisations=list(form.organisations.data or []),
                name=form.name.data or "",
                lang=form.lang.data,
                actor=current_user.actor(),
            )
        except ConflictError:
            form.username.errors = [*form.username.errors, _("This user name is taken.")]
        except ValidationError as exc:
            _issues_to_form(form, exc)
        else:
            flash(_("The invitation to %(name)s is on its way (see the outbox).", name=user.email), "success")
            return redirect(url_for("admin.users"))
        return render_template("admin/user_invite.html", form=form), 422
    return render_template("admin/user_invite.html", form=form), 422 if form.errors else 200


def _edit_form(user: Any) -> UserEditForm:
    """The account form filled from the stored user (also after a failed password reset)."""
    form = UserEditForm(
        data={
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "organisations": user.organisations,
            "active": user.active,
            "version": str(user.version),
        }
    )
    form.role.choices = role_choices()
    form.organisations.choices = _org_choices()
    return form


@bp.route("/admin/users/<username>", methods=["GET", "POST"])
@allow("admin")
def edit(username: str) -> Response | str | tuple[str, int]:
    store = get_store()
    user = get_user(store, username)
    if user is None:
        abort(404)
    form = _edit_form(user)
    pw_form = PasswordResetForm(prefix="pw", username=user.id)
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != "admin"):
            flash(_("You cannot disable your own account or take away your own admin role."), "error")
            return render_template("admin/user_edit.html", form=form, pw_form=pw_form, account=user), 422
        try:
            user.version = int(form.version.data or user.version)
        except ValueError:
            abort(400)
        try:
            update_user(
                store,
                user,
                actor=current_user.actor(),
                name=form.name.data or "",
                email=form.email.data or "",
                role=form.role.data,
                organisations=list(form.organisations.data or []),
                active=bool(form.active.data),
            )
        except ConflictError:
            flash(_("This account was changed meanwhile. Please check and save again."), "error")
            return redirect(url_for("admin.edit", username=user.id))
        except ValidationError as exc:
            _issues_to_form(form, exc)
            return render_template("admin/user_edit.html", form=form, pw_form=pw_form, account=user), 422
        flash(_("Saved. Thank you!"), "success")
        return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_edit.html", form=form, pw_form=pw_form, account=user), status


@bp.route("/admin/users/<username>/password", methods=["POST"])
@allow("admin")
def reset_password(username: str) -> Response | tuple[str, int]:
    store = get_store()
    user = get_user(store, username)
    if user is None:
        abort(404)
    pw_form = PasswordResetForm(prefix="pw", username=user.id)
    if pw_form.validate_on_submit():
        try:
            update_user(
                store,
                user,
                actor=current_user.actor(),
                password=pw_form.password.data,
                keep_session=current_user.session_id if user.id == current_user.id else None,
            )
        except ConflictError:
            flash(_("This account was changed meanwhile. Please try again."), "error")
        else:
            flash(
                _("The password of %(name)s was changed. Other sessions of this account have ended.", name=user.id),
                "success",
            )
            return redirect(url_for("admin.users"))
    form = _edit_form(user)
    return render_template("admin/user_edit.html", form=form, pw_form=pw_form, account=user), 422
