"""Checks on Vietnamese identifiers and passwords, shared by forms, imports and the API."""
import re

from flask_babel import lazy_gettext as _l

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
# Mobile (0 + 9 digits) and landline (0 + 10 digits, e.g. 0205 ... for Lạng Sơn), or +84 instead of 0.
_PHONE = re.compile(r"^0[1-9]\d{8,9}$")
# Mã số thuế / mã số doanh nghiệp, HTX: 10 digits, or 10 digits and a 3-digit branch suffix.
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")

COMMON_PASSWORDS = frozenset({
    "1234567890", "12345678910", "0123456789", "password123", "matkhau123", "qwertyuiop", "abc123456789",
    "iloveyou123", "langson2026", "password1234", "qwerty123456", "1111111111", "admin12345",
})
PASSWORD_MIN_LENGTH = 10


def normalize_phone(raw: str) -> str | None:
    """'0912 345 678' or '+84 912 345 678' -> '0912345678'; None when it is no Vietnamese number."""
    value = _PHONE_SEPARATORS.sub("", raw or "")
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("84") and len(value) in (11, 12):
        value = "0" + value[2:]
    return value if _PHONE.match(value) else None


def normalize_tax_code(raw: str) -> str | None:
    value = re.sub(r"\s", "", raw or "")
    return value if _TAX_CODE.match(value) else None


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a password is too weak; an empty list means it is acceptable."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(str(_l("Use at least %(n)d characters.", n=PASSWORD_MIN_LENGTH)))
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append(str(_l("This password is too easy to guess.")))
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in password.lower():
        problems.append(str(_l("Do not use your e-mail address in the password.")))
    if password.isdigit() or password.isalpha():
        problems.append(str(_l("Mix letters with digits or symbols.")))
    return problems
