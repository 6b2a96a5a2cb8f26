"""Document numbers (market.services.documents): per seller and per kind, 1, 2, 3... with no gap and no
duplicate, even when transactions roll back or run at the same time (PostgreSQL: the counter row is locked with
SELECT ... FOR UPDATE)."""
import threading

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import DocumentCounter, DocumentKind, IssuedDocument
from market.services import documents

ISSUERS = 12


def numbers(app, seller_id, kind):
    with app.app_context():
        return list(db.session.scalars(sa.select(IssuedDocument.number).where(
            IssuedDocument.seller_id == seller_id, IssuedDocument.kind == kind).order_by(IssuedDocument.number)))


@pytest.mark.both_engines
def test_numbers_follow_each_other_per_seller_and_kind(app, shop):
    first, second = shop.seller(), shop.seller()
    with app.app_context():
        docs = [documents.issue(DocumentKind.ORDER, first, object_id) for object_id in (11, 12, 13)]
        other = documents.issue(DocumentKind.ORDER, second, 14)
        receipt = documents.issue(DocumentKind.PAYMENT, first, 11)  # another kind: its own series
        again = documents.issue(DocumentKind.ORDER, first, 12)  # the same object keeps its number
        db.session.commit()
        assert [d.number for d in docs] == [1, 2, 3] and other.number == 1 and receipt.number == 1
        assert again.id == docs[1].id and docs[2].code == "DDH-000003" and receipt.code == "PT-000001"


@pytest.mark.both_engines
def test_a_rolled_back_issue_leaves_no_gap(app, shop):
    seller = shop.seller()
    with app.app_context():
        documents.issue(DocumentKind.DELIVERY, seller, 1)
        db.session.commit()
        documents.issue(DocumentKind.DELIVERY, seller, 2)
        db.session.rollback()  # the delivery it numbered was refused: its number goes back with it
        assert documents.issue(DocumentKind.DELIVERY, seller, 3).number == 2
        db.session.commit()
        assert db.session.get(DocumentCounter, (seller, DocumentKind.DELIVERY)).last_number == 2
    assert numbers(app, seller, DocumentKind.DELIVERY) == [1, 2]


@pytest.mark.postgres
def test_concurrent_issues_give_every_number_once_without_gaps(app, shop):
    seller = shop.seller()
    barrier = threading.Barrier(ISSUERS)
    errors = []

    def issue(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                documents.issue(DocumentKind.ORDER, seller, 1000 + i)
                if i % 4 == 3:  # some transactions fail after taking a number
                    raise RuntimeError("refused")
                db.session.commit()
            except RuntimeError:
                db.session.rollback()
            except BaseException as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(i,), daemon=True) for i in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and errors == []
    committed = ISSUERS - ISSUERS // 4
    assert numbers(app, seller, DocumentKind.ORDER) == list(range(1, committed + 1))
    with app.app_context():
        assert db.session.get(DocumentCounter, (seller, DocumentKind.ORDER)).last_number == committed


@pytest.mark.postgres
def test_the_first_number_of_a_new_seller_is_given_once_when_two_start_together(app, shop):
    """No counter row yet: both insert it (ON CONFLICT DO NOTHING), then wait for each other's lock."""
    seller = shop.seller()
    barrier = threading.Barrier(2)
    errors = []

    def issue(object_id):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                documents.issue(DocumentKind.PAYMENT, seller, object_id)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(n,), daemon=True) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and numbers(app, seller, DocumentKind.PAYMENT) == [1, 2]
