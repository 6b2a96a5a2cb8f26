"""Side effects wait for the commit: they run after it, never after a rollback, and one failing keeps the
saved change and the other effects."""
import sqlalchemy as sa

from market import effects
from market.extensions import db
from market.models import Organisation


def _org_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Organisation.id)))


def test_an_effect_runs_only_after_the_commit(ctx, factory):
    ran = []
    effects.after_commit(lambda: ran.append("mail"), "e-mail")
    assert effects.run_ready() == [] and ran == []  # not committed yet: nothing ready
    db.session.commit()
    assert ran == []  # committing makes it ready; whoever committed runs it
    assert effects.run_ready() == [] and ran == ["mail"]
    assert effects.run_ready() == [] and ran == ["mail"]  # once


def test_a_rolled_back_transaction_drops_its_effects(ctx):
    ran = []
    effects.after_commit(lambda: ran.append("refund"), "refund")
    db.session.rollback()
    db.session.commit()
    effects.run_ready()
    assert ran == []


def test_a_failing_effect_is_reported_and_the_others_still_run(ctx, factory):
    org_id = factory.org()
    ran = []

    def broken():
        raise RuntimeError("Stripe is unreachable")

    effects.after_commit(broken, "refund of payment 1")
    effects.after_commit(lambda: ran.append("mail"), "e-mail")
    db.session.commit()
    failures = effects.run_ready()
    assert [f.effect.what for f in failures] == ["refund of payment 1"]
    assert isinstance(failures[0].error, RuntimeError)
    assert ran == ["mail"]
    assert db.session.get(Organisation, org_id) is not None


def test_an_effect_may_write_and_commit_its_own_transaction(ctx, factory):
    org_id = factory.org()
    before = _org_count()

    def rename():
        db.session.get(Organisation, org_id).description = "đã cập nhật sau commit"
        db.session.commit()

    effects.after_commit(rename, "rename")
    db.session.commit()
    assert effects.run_ready() == []
    db.session.expire_all()
    assert db.session.get(Organisation, org_id).description == "đã cập nhật sau commit"
    assert _org_count() == before


def test_a_request_runs_the_effects_its_commit_made_ready(app):
    ran = []
    with app.test_request_context("/"):
        effects.after_commit(lambda: ran.append("done"), "test")
        db.session.commit()
        assert ran == []
        app.process_response(app.response_class("ok"))  # what Flask does before answering
        assert ran == ["done"]
        db.session.remove()
