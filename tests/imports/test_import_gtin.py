"""The products importer reads an optional GTIN column (issue 16 part A): check digit, one product per GTIN."""
import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import OcopProduct, User
from market.services import importer
from tests.imports.conftest import HOI, PRODUCT_HEADER, csv_bytes
from tests.imports.test_importer import errors_by_line, product_row

pytestmark = [pytest.mark.usefixtures("req_en"), pytest.mark.both_engines]


def test_gtin_column_is_checked_and_saved(orgs, staff):
    header = PRODUCT_HEADER + ["ma_vach"]
    data = csv_bytes(header, [
        product_row("Hoa hồi khô GTIN") + ["8935049500018"],       # 2 good
        product_row("Tinh dầu hồi GTIN") + ["8935049500017"],      # 3 wrong check digit
        product_row("Trà hoa vàng GTIN") + ["08935049500018"],     # 4 the same GTIN as row 2
        product_row("Quế GTIN") + [""],                            # 5 none: fine
    ])
    preview = importer.preview_import("products", data, "p.csv")
    errors = errors_by_line(preview)
    assert 2 not in errors and 5 not in errors
    assert "check digit" in errors[3]["gtin"][0]
    assert errors[4] == {"gtin": ["Duplicate GTIN: the same GTIN is in row 2."]}
    good = csv_bytes(header, [product_row("Hoa hồi khô GTIN") + ["893 5049 50001 8"]])
    preview = importer.preview_import("products", good, "p.csv")
    assert preview.bad == 0
    importer.commit_import(db.session.get(User, staff), "products", preview.table)
    db.session.commit()
    assert db.session.scalar(sa.select(OcopProduct.gtin).where(OcopProduct.name == "Hoa hồi khô GTIN")) == \
        "08935049500018"
    again = importer.preview_import("products", csv_bytes(header, [product_row("Khác GTIN", tax=HOI) + ["8935049500018"]]),
                                    "p.csv")
    assert "another product" in errors_by_line(again)[2]["gtin"][0]
