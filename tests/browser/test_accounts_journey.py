"""A person signs up, the department verifies the organisation, the person logs in and switches language."""
import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, email, password):
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def _log_out(page):
    page.click("form[action$='/auth/logout'] button")


def test_sign_up_verify_log_in_switch_language(page, factory):
    staff_id = factory.department_staff()
    from market.extensions import db
    from market.models import User

    with factory.app.app_context():
        staff_email = db.session.get(User, staff_id).email

    # Sign up, on a phone-sized screen, in Vietnamese.
    page.goto("/auth/signup")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.fill("#full_name", "Lương Thị Hồi")
    page.fill("#email", "hoi.binhgia@example.vn")
    page.fill("#phone", "0912 345 678")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#org_name", "HTX Hồi Bình Gia")
    page.select_option("#org_kind", "cooperative")
    page.fill("#org_tax_code", "4900999888")
    page.select_option("#org_commune_id", label="xã Bình Gia")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/orgs/*")
    assert page.locator(".badge-pending").is_visible()
    _log_out(page)

    # The department verifies it.
    _log_in(page, staff_email, PASSWORD)
    page.goto("/department/")
    page.click("text=HTX Hồi Bình Gia")
    page.click("form[action$='/verify'] button")
    page.wait_for_url("**/department/")
    assert page.locator("text=HTX Hồi Bình Gia").count() == 1  # the flash message; gone from the queue
    assert page.locator("ul.list a", has_text="HTX Hồi Bình Gia").count() == 0
    _log_out(page)

    # The applicant logs in and finds the organisation verified.
    _log_in(page, "hoi.binhgia@example.vn", PASSWORD)
    page.goto("/auth/account")
    page.click("main a:has-text('HTX Hồi Bình Gia')")
    assert page.locator(".badge-verified").is_visible()

    # English, then back to Vietnamese, staying on the same page.
    url = page.url
    page.click("nav.lang a[lang=en]")
    assert page.url == url
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".badge-verified").inner_text() == "Verified"
    page.click("nav.lang a[lang=vi]")
    assert page.locator("html").get_attribute("lang") == "vi"
