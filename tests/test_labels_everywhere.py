"""Labels, never stored codes: the audit log says what happened in words (issue 12)."""
from flask_babel import force_locale

from market import labels


def test_audit_actions_read_as_words(app):
    with app.test_request_context(), force_locale("vi"):
        assert labels.action_label("contract.signed") == "Hợp đồng: đã ký"
        assert labels.action_label("organisation.verified") == "Tổ chức: " + labels.status_label("verified")
        assert labels.action_label("zone.registered") == "Vùng trồng: đã đăng ký"


def test_audit_details_name_their_codes_by_label(app):
    with app.test_request_context(), force_locale("vi"):
        details = dict(labels.audit_details({"role": "signer", "old": "pending", "new": "verified",
                                             "kind": "farmer_group", "changes": {"area_ha": ["12.5", "20.0"]}}))
        assert details["Vai trò"] == str(labels.ROLE_LABELS["signer"]) == "Người ký"
        assert details["Cũ"] == str(labels.STATUS_LABELS["pending"]) and details["Loại hình"] != "farmer_group"
        assert details["Thay đổi"] == "area_ha: 12.5 → 20.0"


def test_the_audit_page_shows_no_action_code(app, client, factory):
    from market.services import audit
    from tests.conftest import log_in

    with app.app_context():
        staff = factory.department_staff()
        from market.extensions import db
        from market.models import User

        audit.record("contract.signed", db.session.get(User, staff), role="signer", kind="cooperative")
        db.session.commit()
    log_in(client, staff)
    html = client.get("/dashboard/audit").get_data(as_text=True)
    assert "Hợp đồng: đã ký" in html and ">contract.signed<" not in html
    assert "cooperative" not in html.split("<tbody>")[1] and "signer" not in html.split("<tbody>")[1]
