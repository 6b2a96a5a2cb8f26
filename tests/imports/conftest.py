"""Fixtures for the import tests (`upload_dir` and `req_en` come from tests/conftest.py): the organisations the
files name, a logged-in department client, and helpers that build CSV and XLSX files in memory."""
import csv
import io
import re

import pytest

from market.models import OrgKind, OrgStatus
from tests.conftest import log_in, submit

IMPORT_URL = "/department/import/"
ZONE_HEADER = ["code", "kind", "tax_code", "commune", "crop", "area_ha", "households",
               "cert_kind", "cert_number", "cert_issuer", "cert_issued_on", "cert_expires_on"]
PRODUCT_HEADER = ["tax_code", "name", "category", "stars", "certificate_number", "issued_on", "expires_on",
                  "unit", "price", "stock", "min_order_qty"]

# Tax numbers of the organisations built by the `orgs` fixture.
HOI = "4900112233"         # verified cooperative in Văn Quan
THONG = "4900998877"       # verified farm household group in Đình Lập
MAC_CA = "4900778899"      # cooperative still waiting for verification
ENTERPRISE = "4901001001"  # processing enterprise: may list products, holds no zones
RETAILER = "0109003003"    # retail chain (its tax number starts with 0)


@pytest.fixture
def orgs(factory) -> dict[str, int]:
    return {
        HOI: factory.org(tax_code=HOI, name="HTX Hồi Văn Quan"),
        THONG: factory.org(kind=OrgKind.FARMER_GROUP, tax_code=THONG, name="Tổ hợp tác Thông", commune="Đình Lập"),
        MAC_CA: factory.org(tax_code=MAC_CA, status=OrgStatus.PENDING, name="HTX Mắc ca", commune="Lộc Bình"),
        ENTERPRISE: factory.org(kind=OrgKind.ENTERPRISE, tax_code=ENTERPRISE, name="Công ty Chế biến"),
        RETAILER: factory.org(kind=OrgKind.RETAIL_CHAIN, tax_code=RETAILER, name="Chuỗi siêu thị", commune="Kỳ Lừa"),
    }


@pytest.fixture
def staff(factory) -> int:
    return factory.department_staff()


@pytest.fixture
def staff_client(client, staff, upload_dir):
    log_in(client, staff)
    client.get("/lang/en")
    return client


def csv_bytes(header, rows, *, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(client, kind: str, content: bytes, name: str):
    return submit(client, IMPORT_URL, {"kind": kind, "file": (io.BytesIO(content), name)})


_TOKEN = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')


def token_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the preview carries no token"
    return match.group(1)


def confirm(client, token: str, *, follow_redirects=True):
    return submit(client, IMPORT_URL + "confirm", {"token": token}, form_page=IMPORT_URL,
                  follow_redirects=follow_redirects)
