"""Outgoing e-mail, sent one way: `send_after_commit` queues a message on the current transaction
(`market.effects`), so it goes out once the change it tells about is saved, and never for a change
rolled back. After the commit it becomes a job (`market.jobs`): a mail server that is down is retried with
growing delays (30 s, 1 min, 2 min ... about 2 hours in all). Sent through MAIL_SERVER when configured,
printed to the console otherwise."""
import sys

from flask import Flask
from flask_mail import Message, email_dispatched

from market import jobs
from market.extensions import mail


@jobs.task(retries=8, retry_delay=30, retry_backoff=2)
def send_job(recipients: list[str], subject: str, body: str) -> None:
    mail.send(Message(subject=subject, recipients=recipients, body=body))


def send_after_commit(to: str | list[str], subject: str, body: str) -> None:
    """Send this message after the current transaction commits, as a job retried while the mail server fails.
    The saved change stays whatever happens to the mail (the write path does not tell the user, so a reset
    request says nothing about who exists)."""
    recipients = [to] if isinstance(to, str) else list(to)
    jobs.enqueue_after_commit(send_job, recipients, subject, body,
                              what=f"e-mail to {', '.join(recipients)}: {subject[:60]}")


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
