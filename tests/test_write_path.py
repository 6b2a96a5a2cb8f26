"""The one write path (market/blueprints/write.py), branch by branch, through real routes where possible.

Each failing branch is proven with a service that writes a row before it fails, so "nothing saved" means the
write path rolled that row back, not that nothing was attempted."""
import smtplib

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import HTTPException

from market import effects
from market.blueprints import write
from market.extensions import db, mail
from market.models import Notification, Organisation, OrgKind, OrgStatus, Role
from market.payments.gateway import PaymentGatewayError
from market.services import notifications, organisations, reference_data
from market.services.errors import ExternalServiceFailed, PermissionDenied, ValidationFailed
from market.text import name_key
from tests.conftest import log_in, submit

STRAY = "Hàng ghi dở, phải được hoàn tác"


def _stray_org() -> Organisation:
    """A row written before the failure: the write path must not let it reach the database."""
    org = Organisation(name=STRAY, name_key=name_key(STRAY), kind=OrgKind.COOPERATIVE, status=OrgStatus.PENDING,
                       commune_id=reference_data.commune_named("Văn Quan").id)
    db.session.add(org)
    db.session.flush()
    return org


def _strays(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(Organisation.name == STRAY))


def _apply(client, app):
    with app.app_context():
        commune = str(reference_data.commune_named("Văn Quan").id)
    return submit(client, "/orgs/new", {"name": "Công ty Chế biến Hồi", "kind": OrgKind.ENTERPRISE,
                                        "commune_id": commune, "tax_code": "4901001001"})


@pytest.fixture
def member(client, factory):
    user = factory.member(factory.org(), Role.OWNER)
    log_in(client, user)
    return user


@pytest.fixture
def commits():
    """What happened in order: "commit" at each commit of the session, plus what the test appends."""
    events: list[str] = []

    def committed(_session):
        events.append("commit")

    sa.event.listen(db.session, "after_commit", committed)
    yield events
    sa.event.remove(db.session, "after_commit", committed)


def _failing_apply(monkeypatch, error: Exception):
    def apply(actor, **data):
        _stray_org()
        raise error

    monkeypatch.setattr(organisations, "apply_for_organisation", apply)


# --- pages ----------------------------------------------------------------------------------------

def test_a_broken_rule_goes_next_to_its_field_and_nothing_is_saved(client, app, member, monkeypatch):
    _failing_apply(monkeypatch, ValidationFailed({"tax_code": "Mã số thuế này đã được dùng."}))
    response = _apply(client, app)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="tax_code-error"' in page and "Mã số thuế này đã được dùng." in page
    assert _strays(app) == 0


def test_a_broken_rule_of_a_button_is_flashed_and_nothing_is_saved(client, app, member, monkeypatch):
    def mark_all_read(user):
        _stray_org()
        raise ValidationFailed({"inbox": "Hộp thư đang bận."})

    monkeypatch.setattr(notifications, "mark_all_read", mark_all_read)
    response = submit(client, "/inbox/read-all", {}, form_page="/inbox/", follow_redirects=True)
    assert response.status_code == 200
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    assert "Hộp thư đang bận." in response.get_data(as_text=True)
    assert _strays(app) == 0


def test_permission_denied_is_a_403_and_nothing_is_saved(client, app, member, monkeypatch):
    _failing_apply(monkeypatch, PermissionDenied("Chỉ chủ tổ chức được làm việc này."))
    response = _apply(client, app)
    assert response.status_code == 403
    assert "Chỉ chủ tổ chức được làm việc này." in response.get_data(as_text=True)
    assert _strays(app) == 0


@pytest.mark.parametrize("error", [PaymentGatewayError("Stripe không phản hồi"),
                                   ExternalServiceFailed("Ngân hàng không phản hồi")])
def test_an_outside_service_failing_is_a_message_not_a_500_and_nothing_is_saved(client, app, member, monkeypatch,
                                                                                 error):
    _failing_apply(monkeypatch, error)
    response = _apply(client, app)
    assert response.status_code == 200
    assert str(error) in response.get_data(as_text=True)
    assert _strays(app) == 0


def test_success_commits_once_and_then_runs_the_effects(client, app, factory, commits, monkeypatch, outbox):
    """Verifying an organisation e-mails its owners: the e-mail leaves after the one commit."""
    org = factory.org(status=OrgStatus.PENDING)
    factory.member(org, Role.OWNER, email="chu@example.vn")
    log_in(client, factory.department_staff())
    form_page = f"/department/organisations/{org}"
    real_send = mail.send
    monkeypatch.setattr(mail, "send", lambda message: (commits.append("e-mail"), real_send(message)))
    commits.clear()
    response = submit(client, f"/department/organisations/{org}/verify", {}, form_page=form_page)
    assert response.status_code == 302
    assert commits == ["commit", "e-mail"]
    assert [m.recipients for m in outbox] == [["chu@example.vn"]]
    with app.app_context():
        assert db.session.get(Organisation, org).status == OrgStatus.VERIFIED


def test_nothing_leaves_for_a_change_that_was_rolled_back(client, app, member, monkeypatch, outbox):
    def mark_all_read(user):
        notifications.notify(db.session.get(Organisation, user.memberships[0].organisation_id), "test",
                             "Tin nhắn không được gửi")
        raise ValidationFailed({"inbox": "Không lưu."})

    monkeypatch.setattr(notifications, "mark_all_read", mark_all_read)
    submit(client, "/inbox/read-all", {}, form_page="/inbox/")
    assert outbox == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_an_effect_the_user_must_know_of_is_a_warning_and_the_change_is_kept(client, app, member, monkeypatch):
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        db.session.add(Notification(user_id=member, organisation_id=org.id, kind="test", message="chưa đọc"))
        db.session.commit()
    real = notifications.mark_all_read

    def mark_all_read(user):
        real(user)
        effects.after_commit(_refuse, "refund of payment 1")

    monkeypatch.setattr(notifications, "mark_all_read", mark_all_read)
    response = submit(client, "/inbox/read-all", {}, form_page="/inbox/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="flash flash-success"' in page
    assert 'class="flash flash-warning"' in page and "Chưa hoàn được tiền lúc này" in page
    with app.app_context():
        assert db.session.scalar(sa.select(Notification.read_at)) is not None


def _refuse():
    raise ExternalServiceFailed("Chưa hoàn được tiền lúc này; hệ thống sẽ thử lại.")


def test_a_mail_server_failing_is_logged_not_shown_and_the_change_is_kept(client, app, factory, monkeypatch):
    """A reset request must say the same whether or not the account exists, so mail failures stay silent."""
    org = factory.org(status=OrgStatus.PENDING)
    factory.member(org, Role.OWNER)
    log_in(client, factory.department_staff())

    def down(message):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(mail, "send", down)
    response = submit(client, f"/department/organisations/{org}/verify", {},
                      form_page=f"/department/organisations/{org}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "flash-warning" not in page and "mail server down" not in page
    with app.app_context():
        assert db.session.get(Organisation, org).status == OrgStatus.VERIFIED


# --- JSON -----------------------------------------------------------------------------------------

def test_api_broken_rule_is_a_400_with_its_fields(client, factory):
    log_in(client, factory.department_staff())
    response = client.get("/api/v1/targets?as_of=15/06/2026")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and set(error["fields"]) == {"as_of"} and error["message"]


def _json_error(app, work) -> tuple[int, dict]:
    with app.test_request_context("/api/v1/anything", method="POST"):
        with pytest.raises(HTTPException) as raised:
            write.run_json(work)
        db.session.remove()
    return raised.value.response.status_code, raised.value.response.get_json()


def _stray_then(error: Exception):
    def work():
        _stray_org()
        raise error
    return work


def test_run_json_broken_rule_is_a_400_and_nothing_is_saved(app):
    status, body = _json_error(app, _stray_then(ValidationFailed({"quantity": ["Phải lớn hơn 0.", "Quá lớn."]})))
    assert status == 400
    assert body["error"]["status"] == 400 and body["error"]["fields"] == {"quantity": "Phải lớn hơn 0. Quá lớn."}
    assert body["error"]["code"] == "invalid"
    assert _strays(app) == 0


def test_run_json_outside_failure_is_a_502_and_nothing_is_saved(app):
    status, body = _json_error(app, _stray_then(PaymentGatewayError("Stripe không phản hồi")))
    # The API's one error shape (market/blueprints/api/errors.py): a stable code beside the status.
    assert status == 502 and body == {"error": {"status": 502, "code": "external_service_failed",
                                                "message": "Stripe không phản hồi"}}
    assert _strays(app) == 0


def test_run_json_permission_denied_is_a_json_403_and_nothing_is_saved(app):
    with app.test_request_context("/api/v1/anything", method="POST"):
        with pytest.raises(PermissionDenied) as raised:
            write.run_json(_stray_then(PermissionDenied("Không được phép.")))
        response = app.make_response(app.handle_user_exception(raised.value))
        db.session.remove()
    assert response.status_code == 403
    assert response.get_json() == {"error": {"status": 403, "code": "forbidden", "message": "Không được phép."}}
    assert _strays(app) == 0


def test_run_json_commits_once_then_runs_effects_and_returns_warnings(app, commits):
    def work():
        org = _stray_org()
        effects.after_commit(lambda: commits.append("effect"), "test")
        effects.after_commit(_refuse, "refund of payment 1")
        return org.id

    with app.test_request_context("/api/v1/anything", method="POST"):
        result = write.run_json(work)
        db.session.remove()
    assert result.ok and result.value
    assert commits == ["commit", "effect"]
    assert result.warnings == ["Chưa hoàn được tiền lúc này; hệ thống sẽ thử lại."]
    assert _strays(app) == 1
