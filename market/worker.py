"""The job worker's entry point: `huey_consumer market.worker.huey` (./scripts/worker does it).

It builds the app from the environment (the same settings as the web server), binds the jobs to it, and
imports the periodic work so the consumer schedules it."""
import market.periodic  # noqa: F401 - registers the periodic jobs
from market import create_app, jobs

app = create_app()
jobs.bind(app)
huey = jobs.huey
