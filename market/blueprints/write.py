"""The one write path: how a route runs a service, commits once, answers an error, then runs side effects.

    done = write.run(lambda: listings.create_listing(current_user, org, data), form=form, success=_("Saved."))
    if done:
        return redirect(...)
    return render_template(..., form=form)  # the errors are next to the fields

`commit(work)` is the core: run `work()`, commit once, then run the effects it queued (`market.effects`).
Anything raised rolls the session back and propagates, so nothing is half-saved. `run` (pages) and
`run_json` (the API) turn what the services raise into the answer:

- `ValidationFailed`: the errors go next to the form's fields (`form=`), are flashed (a button without
  fields), or answer a JSON 400 `{"error": {"status", "code", "message", "fields": {field: message}}}` (market.blueprints.api.errors).
- `PermissionDenied`: propagates to the 403 handler (market.errors), HTML or JSON.
- `ExternalServiceFailed` (Stripe refused or unreachable): its message is flashed, or a JSON 502. Never a 500.
- An effect that fails after the commit keeps the saved change; when it raised `ExternalServiceFailed` its
  message is something the user must know (a refund that could not be made now): flashed as a warning, or
  listed in `Result.warnings` for JSON. Other failures (a mail server down) are only logged.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, NoReturn, TypeVar

from flask import abort, flash
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from market import effects
from market.blueprints.forms import attach_errors
from market.extensions import db
from market.services.errors import ExternalServiceFailed, ValidationFailed

T = TypeVar("T")


@dataclass(frozen=True)
class Result(Generic[T]):
    """What a write gave: `ok` (also the truth value), the service's return value, and the warnings of
    effects that failed after the commit."""

    ok: bool
    value: T | None = None
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def commit(work: Callable[[], T]) -> Result[T]:
    """Run `work()` and commit once; then run the effects it queued. Whatever is raised (by the work or by
    the commit) rolls everything back and propagates."""
    try:
        value = work()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    warnings = [str(f.error) for f in effects.run_ready() if isinstance(f.error, ExternalServiceFailed)]
    return Result(True, value, warnings)


def messages(exc: ValidationFailed) -> str:
    """A service's broken rules as one sentence, for a flash."""
    return " ".join(str(m) for m in sum(exc.errors.values(), []))


def run(work: Callable[[], T], *, form: FlaskForm | None = None,
        success: str | Callable[[T], str] | None = None,
        failed: Callable[[ExternalServiceFailed], str] | None = None) -> Result[T]:
    """The write path of a page. On success flash `success` (a text, or made from the value) and any
    warning; on a broken rule put the errors on `form` (or flash them when there is none); when Stripe
    or another outside service fails flash its message (or `failed(exc)`). Falsy when nothing was saved."""
    try:
        result = commit(work)
    except ValidationFailed as exc:
        if form is not None:
            attach_errors(form, exc)
        else:
            flash(messages(exc), "error")
        return Result(False)
    except ExternalServiceFailed as exc:
        flash(failed(exc) if failed else str(exc), "error")
        return Result(False)
    if success is not None:
        flash(success(result.value) if callable(success) else success, "success")
    for warning in result.warnings:
        flash(warning, "warning")
    return result


def run_json(work: Callable[[], T], *, invalid: str | None = None) -> Result[T]:
    """The write path of an API route: the Result on success, else the request ends with a JSON error
    (400 with `fields` for a broken rule, `invalid` as its message; 502 when an outside service failed;
    403 through the error handler)."""
    try:
        return commit(work)
    except ValidationFailed as exc:
        _json_error(400, invalid or _("Some arguments are not valid."),
                    fields={name: " ".join(str(m) for m in msgs) for name, msgs in exc.errors.items()})
    except ExternalServiceFailed as exc:
        _json_error(502, str(exc))


def _json_error(status: int, message: str, **extra) -> NoReturn:
    from market.blueprints.api.errors import json_error

    abort(json_error(status, message, **extra))
