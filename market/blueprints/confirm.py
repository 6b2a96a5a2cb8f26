"""Destructive actions (withdraw, cancel, reject, remove) ask first, without JavaScript: a route calls

    if (page := confirm.ask(_("Withdraw this offer?"), back=url_for(...))) is not None:
        return page

before doing anything. A post without `confirmed=1` gets a confirmation page that posts the same fields (and
the CSRF token) again to the same address with `confirmed=1`; the "Go back" link leaves everything as it was.
"""
from flask import render_template, request

CONFIRMED = "confirmed"


def confirmed() -> bool:
    return request.form.get(CONFIRMED) == "1"


def ask(question: str, *, back: str, button: str | None = None, detail: str | None = None):
    """None when the person already confirmed; else the confirmation page to answer with."""
    if confirmed():
        return None
    fields = [(name, value) for name, values in request.form.lists() if name != CONFIRMED for value in values]
    return render_template("confirm.html", question=question, detail=detail, button=button, back=back,
                           action=request.path, fields=fields)
