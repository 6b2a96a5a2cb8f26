"""The department imports its OCOP register, verifies a declared product from its queue and recalls a
certificate; the public QR page says at each step exactly what was checked."""
from datetime import timedelta

import pytest

from market.clock import today
from market.extensions import db
from market.models import OcopProduct, OrgKind, ReviewStatus, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def qr_state(page, public_id: str) -> str:
    page.goto(f"/verify/product/{public_id}")
    return page.locator("[data-trust]").first.get_attribute("data-trust")


def test_register_import_verification_and_recall_show_on_the_qr_page(page, factory, upload_dir):
    seller = factory.org(kind=OrgKind.COOPERATIVE, name="HTX Hồi Khánh Khê", tax_code="4900123456")
    from_register = factory.product(seller, name="Tinh dầu hồi Khánh Khê", stars=4, ocop=ReviewStatus.PENDING)
    declared = factory.product(seller, name="Hoa hồi túi 500 g", stars=3, ocop=ReviewStatus.PENDING)
    staff = factory.department_staff()
    with factory.app.app_context():
        email = db.session.get(User, staff).email
        register_product, declared_product = db.session.get(OcopProduct, from_register), db.session.get(OcopProduct, declared)
        number, register_qr = register_product.certificate_number, register_product.public_id
        declared_number, declared_qr = declared_product.certificate_number, declared_product.public_id

    # Before anything: both products are only declared, and the QR page says so.
    assert qr_state(page, register_qr) == "declared"
    assert page.get_by_text("Người bán tự khai báo, chưa được xác minh.").is_visible()

    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)

    # 1. The department imports its OCOP register: the row becomes a verified record.
    on = today()
    csv = ("so_quyet_dinh,ma_so_thue,ten_san_pham,so_sao,cap,ngay_cap,ngay_het_han\n"
           f"{number},4900123456,Tinh dầu hồi Khánh Khê,4,tỉnh,{(on - timedelta(days=30)):%d/%m/%Y},"
           f"{(on + timedelta(days=900)):%d/%m/%Y}\n")
    page.goto("/department/import/")
    page.check("input[name=kind][value=ocop]")
    page.set_input_files("#file", files=[{"name": "so-ocop.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.click("form.import-form button[type=submit]")
    page.click("form[action$='/department/import/confirm'] button[type=submit]")
    page.wait_for_url("**/department/import/")
    assert qr_state(page, register_qr) == "verified"
    assert "sổ đăng ký của Sở" in page.locator("[data-trust]").first.inner_text()
    assert page.locator(".stars").first.inner_text() == "★★★★"

    # 2. The department verifies the other, declared product from its queue (document review).
    page.goto("/department/")
    row = page.locator("[data-ocop-queue] tr", has_text=declared_number)
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/department/ocop/**")
    assert qr_state(page, declared_qr) == "verified"
    assert "thẩm tra hồ sơ" in page.locator("[data-trust]").first.inner_text()

    # 3. The department recalls the register's certificate, after a confirmation page (no JavaScript needed).
    page.goto(f"/products/{from_register}")
    page.click("a[href*='/department/ocop/']")
    page.click("a[href*='/confirm/recall']")
    assert page.locator("[data-told]").inner_text().startswith("HTX Hồi Khánh Khê")
    page.fill("textarea[name=reason]", "Sản phẩm trên thị trường không đúng hồ sơ công nhận")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/department/ocop/**")
    assert qr_state(page, register_qr) == "recalled"
    text = page.locator("[data-trust]").first.inner_text()
    assert "Bị Sở thu hồi ngày" in text and "không đúng hồ sơ công nhận" in text
    assert page.locator(".stars").count() == 0
