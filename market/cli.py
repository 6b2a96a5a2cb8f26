"""Flask commands, registered in one place: `flask market seed [--demo]`."""
import click
from flask import Flask
from flask.cli import AppGroup

from market.extensions import db
from market.services import seed as seed_service

market_cli = AppGroup("market", help="Data commands for the linkage market.")


@market_cli.command("seed")
@click.option("--demo", is_flag=True, help="Also add the demo market (organisations, accounts).")
def seed_command(demo: bool) -> None:
    """Load the plan's communes, crops and targets. Safe to run again."""
    counts = seed_service.seed_plan()
    click.echo(f"plan: {counts['communes']} communes, {counts['crops']} crops, {counts['targets']} targets")
    if demo:
        demo_counts = seed_service.seed_demo()
        click.echo(f"demo: {demo_counts['organisations']} organisations, {demo_counts['accounts']} accounts "
                   f"(password: {seed_service.DEMO_PASSWORD})")
        catalog_counts = seed_service.seed_demo_catalog()
        click.echo(f"demo catalogue: {catalog_counts['zones']} zones, {catalog_counts['listings']} listings, "
                   f"{catalog_counts['products']} products")
    db.session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(market_cli)
