"""Flask commands, registered in one place: `flask market seed [--demo]`, `flask market expire-orders`,
`flask market retry-refunds`, `flask market remind-renewals`, `flask market remind-reports`,
`flask market backup`, `flask market restore`."""
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from market import effects, payments
from market.extensions import db
from market.services import demo_market, demo_province, reference_data

market_cli = AppGroup("market", help="Data commands for the linkage market.")


@market_cli.command("seed")
@click.option("--demo", is_flag=True,
              help="Also add the demo market (organisations, accounts, catalogue, contracts, orders).")
def seed_command(demo: bool) -> None:
    """Load the plan's communes, crops and targets (production data); with --demo, the demo market on top
    (development only). Safe to run again."""
    counts = reference_data.seed_plan()
    click.echo(f"plan: {counts['communes']} communes, {counts['crops']} crops, {counts['targets']} targets")
    if demo:
        demo_counts = demo_market.seed_demo()
        click.echo(f"demo: {demo_counts['organisations']} organisations, {demo_counts['accounts']} accounts "
                   f"(password: {demo_market.DEMO_PASSWORD})")
        catalog_counts = demo_market.seed_demo_catalog()
        click.echo(f"demo catalogue: {catalog_counts['zones']} zones, {catalog_counts['listings']} listings, "
                   f"{catalog_counts['products']} products")
        contract_counts = demo_market.seed_demo_contracts()
        demo_market.seed_demo_orders()
        click.echo(f"demo contracts: {contract_counts['contracts']} in every state, and shop orders")
        province = demo_province.seed_demo_province()
        click.echo("demo province: " + ", ".join(f"{n} {what}" for what, n in province.items()))
    db.session.commit()
    effects.run_ready()  # e-mails and refunds queued by what was just committed


@market_cli.command("expire-orders")
def expire_orders() -> None:
    """Give back the stock of shop orders not paid in time (run it every few minutes from cron)."""
    from market.services import orders

    count = orders.expire_unpaid_orders()
    db.session.commit()
    effects.run_ready()  # e-mails and refunds queued by what was just committed
    click.echo(f"expired {count} unpaid orders")


@market_cli.command("remind-renewals")
def remind_renewals() -> None:
    """Send the renewal reminders due today (90, 30 and 7 days before a zone code, a zone certificate or an OCOP
    certificate expires), each once: run it daily from cron; running it twice, even at once, sends nothing twice."""
    from market.services import reminders

    count = reminders.send_due()
    db.session.commit()
    effects.run_ready()  # the e-mails, once the reminders are recorded
    click.echo(f"renewal reminders sent: {count}")


@market_cli.command("remind-reports")
def remind_reports() -> None:
    """Remind the commune offices whose report of the open round is not submitted (from the first reporting day
    on), each once a day: run it daily; running it twice the same day sends nothing twice."""
    from market.services import reporting

    count = reporting.send_reminders()
    db.session.commit()
    effects.run_ready()  # the e-mails, once the reminders are recorded
    click.echo(f"report reminders sent: {count}")


@market_cli.command("retry-refunds")
def retry_refunds() -> None:
    """Ask Stripe again for every refund still `refunding` (Stripe was down when it was decided). Safe to repeat:
    Stripe refunds each payment once (idempotency key). Run it from cron, e.g. hourly."""
    made, failed = payments.retry_refunds()
    click.echo(f"refunds: {made} made, {failed} still queued")
    if failed:
        raise SystemExit(1)


@market_cli.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write (default: market-<engine>-<UTC time>.tar.gz in BACKUP_DIR, instance/backups).")
def backup_command(output: Path | None) -> None:
    """Write a consistent archive of the database, the uploaded files and the instance settings."""
    from market import backup

    output = output or backup.default_path()
    try:
        manifest = backup.create(output)
    except backup.BackupError as exc:
        click.echo(f"backup: {exc}", err=True)
        raise SystemExit(1) from None
    rows = sum((manifest.get("tables") or {}).values())
    click.echo(f"backup: {output} ({manifest['engine']}, {manifest['upload_files']} files"
               + (f", {rows} rows" if rows else "") + ")")


@market_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Bring a backup back on an empty instance (it refuses a database that holds data), then rebuild the
    search index from it."""
    from market import backup
    from market.search import SearchUnavailable, sync

    try:
        result = backup.restore(archive)
    except backup.BackupError as exc:
        click.echo(f"restore: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"restore: {sum(result['tables'].values())} rows in {len(result['tables'])} tables, "
               f"{result['manifest']['upload_files']} files, from {result['manifest']['created_at']}")
    try:
        click.echo(f"search: {sync.reindex()} documents indexed")
    except SearchUnavailable as exc:
        click.echo(f"search: the engine cannot be reached ({exc}); run `flask search reindex` later", err=True)


search_cli = AppGroup("search", help="Keep the search index in step with the database.")


@search_cli.command("sync")
def search_sync() -> None:
    """Push every queued change to the search engine (and today's certificate expiries)."""
    from market.search import sync

    queued = sync.enqueue_validity_changes()
    result = sync.drain()
    click.echo(f"search sync: {result['pushed']} indexed, {result['deleted']} removed"
               + (f", {queued} queued for certificate dates" if queued else ""))
    if result["failed"]:
        click.echo(f"search sync: {result['failed']} changes stay queued: {result['error']}", err=True)
        raise SystemExit(1)


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the index from the database into a new one, then swap: searches keep working meanwhile."""
    from market.search import SearchUnavailable, sync
    from market.search.documents import all_keys

    with db.session.no_autoflush:
        total = sum(len(batch) for batch in all_keys(db.session))
    try:
        with click.progressbar(length=total, label="reindexing") as bar:
            count = sync.reindex(progress=bar.update)
    except SearchUnavailable as exc:
        click.echo(f"search reindex: the engine cannot be reached: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"search reindex: {count} documents in the new index")


@search_cli.command("status")
def search_status() -> None:
    """The engine's health and the outbox backlog."""
    from market.search import get_backend, sync

    click.echo(f"engine: {get_backend().health()}")
    click.echo(f"outbox: {sync.backlog()}")


saved_searches_cli = AppGroup("saved-searches", help="Alerts of saved searches.")


@saved_searches_cli.command("check")
def saved_searches_check() -> None:
    """Check every saved search now: inbox notifications for new matches (the worker does it hourly)."""
    from market.blueprints import write
    from market.services import saved_searches

    result = write.commit(saved_searches.check_all).value
    click.echo(f"saved searches checked: {result['checked']} of {result['searches']}, new results announced: "
               f"{result['announced']}" + (" (search engine unavailable: run again later)" if result["unavailable"] else ""))


@saved_searches_cli.command("digest")
def saved_searches_digest() -> None:
    """Check, then e-mail each person the new matches of their saved searches since the last digest
    (the worker does it daily at 07:00 Vietnam time)."""
    from market.blueprints import write
    from market.services import saved_searches

    sent = write.commit(saved_searches.send_digests).value
    click.echo(f"saved-search digests sent: {sent}")


def init_app(app: Flask) -> None:
    app.cli.add_command(market_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(saved_searches_cli)
