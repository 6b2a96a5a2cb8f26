"""Outgoing e-mail, sent one way: `send_after_commit` queues a message on the current transaction
(`market.effects`), so it goes out once the change it tells about is saved, and never for a change
rolled back. Sent through MAIL_SERVER when configured, printed to the console otherwise."""
import sys

from flask import Flask
from flask_mail import Message, email_dispatched

from market import effects
from market.extensions import mail


def send_after_commit(to: str | list[str], subject: str, body: str) -> None:
    """Send this message after the current transaction commits. A failure to send is logged; the saved
    change stays (the write path does not tell the user, so a reset request says nothing about who exists)."""
    recipients = [to] if isinstance(to, str) else list(to)
    message = Message(subject=subject, recipients=recipients, body=body)
    effects.after_commit(lambda: mail.send(message), f"e-mail to {', '.join(recipients)}: {subject[:60]}")


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
