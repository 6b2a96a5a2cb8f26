"""Sign-up, log-in and log-out, password reset and change."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from market import access
from market.blueprints import write
from market.blueprints.auth import throttle
from market.blueprints.auth.forms import ChangePasswordForm, LoginForm, ResetPasswordForm, ResetRequestForm, SignupForm
from market.blueprints.navigation import safe_local_path
from market.extensions import limiter
from market.services import accounts, mail, sessions
from market.services.errors import ValidationFailed

bp = Blueprint("auth", __name__)


def _safe_next(default: str) -> str:
    return safe_local_path(request.args.get("next"), default)


@bp.route("/signup", methods=["GET", "POST"])
@access.rule(access.PUBLIC)
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        organisation = {"name": form.org_name.data, "kind": form.org_kind.data, "tax_code": form.org_tax_code.data,
                        "commune_id": form.org_commune_id.data, "address": form.org_address.data,
                        "phone": form.phone.data, "email": form.email.data, "contact_name": form.full_name.data}
        def work():
            user, org = accounts.sign_up(
                full_name=form.full_name.data, email=form.email.data, phone=form.phone.data or "",
                password=form.password.data, organisation=organisation)
            sessions.open_for(user)
            return user, org

        done = write.run(work, form=form)
        if done:
            user, org = done.value
            login_user(user)
            flash(_("Welcome! %(org)s is waiting for the department's verification. You can already prepare drafts.",
                    org=org.name), "success")
            return redirect(url_for("orgs.show", org_id=org.id))
    return render_template("auth/signup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@access.rule(access.PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if wait := throttle.seconds_to_wait(form.email.data):
            form.password.errors.append(_("Too many wrong passwords for this e-mail from your connection. "
                                          "Try again in %(seconds)d seconds.", seconds=wait))
            return render_template("auth/login.html", form=form), 429

        def work():
            user = accounts.authenticate(form.email.data, form.password.data)
            if user is not None:
                sessions.open_for(user)
            return user

        user = write.run(work).value
        if user is None:
            throttle.failed(form.email.data)
            form.password.errors.append(_("E-mail or password is not right."))
        else:
            throttle.succeeded(form.email.data)
            login_user(user, remember=form.remember.data)
            # Members land on what waits for them (the to-do home); a `next` address wins.
            return redirect(_safe_next(url_for("todo.home") if user.memberships else url_for("main.home")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@access.rule(access.PUBLIC)
def logout():
    """Log out on this device: its session and remember-me cookies stop working, copies included."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        write.run(lambda: sessions.revoke(user))
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.post("/logout-everywhere")
@access.rule(access.LOGGED_IN)
@login_required
def logout_everywhere():
    """Log out on every device (a lost phone, a shared computer): every session of this account is closed."""
    user = current_user._get_current_object()
    write.run(lambda: sessions.revoke_all(user))
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


def _log_in_again(user) -> None:
    """After the password changed every session was closed: this device gets a new one, remembered if it was."""
    login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)


@bp.route("/reset", methods=["GET", "POST"])
@access.rule(access.PUBLIC)
@limiter.limit("10 per hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is not None and user.active:
            write.run(lambda: send_reset_link(user))
        # Same answer whether or not the account exists: nobody learns who has one.
        flash(_("If an account uses this address, a link to set a new password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


def send_reset_link(user, *, invited_to: str | None = None) -> None:
    """Queue the e-mail with a link to set a password; it goes out after the commit."""
    link = url_for("auth.reset_password", token=accounts.make_reset_token(user), _external=True)
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600 or 1
    if invited_to:
        subject = _("You were added to %(org)s on the Lạng Sơn linkage market", org=invited_to)
        intro = _("You were added to %(org)s. Set your password here:", org=invited_to)
    else:
        subject = _("Set a new password")
        intro = _("Someone asked to set a new password for this account. If it was you, open:")
    body = f"{intro}\n\n{link}\n\n" + _("The link works once, for %(hours)d hour(s).", hours=hours)
    mail.send_after_commit(user.email, subject, body)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access.rule(access.TOKEN)
def reset_password(token: str):
    try:
        accounts.user_for_reset_token(token)
    except ValidationFailed as exc:
        return render_template("auth/reset_invalid.html", message=exc.errors["token"][0]), 400
    form = ResetPasswordForm()
    def work():
        user = accounts.reset_password(token, form.password.data)
        sessions.open_for(user)
        return user

    if form.validate_on_submit() and (done := write.run(work, form=form, success=_("Your new password is saved."))):
        login_user(done.value)
        return redirect(url_for("main.home"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@access.rule(access.LOGGED_IN)
@login_required
def account():
    form = ChangePasswordForm()
    user = current_user._get_current_object()

    def work():
        accounts.change_password(user, form.current_password.data, form.new_password.data)
        sessions.open_for(user)

    if form.validate_on_submit() and write.run(work, form=form, success=_("Your password is changed.")):
        _log_in_again(user)
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
