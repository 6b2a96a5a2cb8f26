"""Outgoing e-mail: sent through MAIL_SERVER when configured, printed to the console otherwise."""
import sys

from flask import Flask
from flask_mail import Message, email_dispatched

from market.extensions import mail


def send(to: str | list[str], subject: str, body: str) -> Message:
    message = Message(subject=subject, recipients=[to] if isinstance(to, str) else list(to), body=body)
    mail.send(message)  # with MAIL_SUPPRESS_SEND this only fires email_dispatched
    return message


def _print_to_console(app: Flask, message: Message) -> None:
    if app.config.get("MAIL_SERVER") or app.testing:
        return
    print(
        f"\n----- e-mail (no MAIL_SERVER configured) -----\nTo: {', '.join(message.recipients)}\n"
        f"Subject: {message.subject}\n\n{message.body}\n----------------------------------------------\n",
        file=sys.stderr,
        flush=True,
    )


def init_app(app: Flask) -> None:
    email_dispatched.connect(_print_to_console)
