"""Vietnamese phone numbers, tax numbers and password strength (market/services/validation.py)."""
import pytest

from market.services.validation import (
    COMMON_PASSWORDS,
    PASSWORD_MIN_LENGTH,
    normalize_phone,
    normalize_tax_code,
    password_problems,
)


@pytest.mark.parametrize("raw, expected", [
    ("0912 345 678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),
    ("0912-345-678", "0912345678"),
    ("(0205) 3812 345", "02053812345"),
    ("0205.3812.345", "02053812345"),
    ("+84 205 3812 345", "02053812345"),
    (" 0912345678 ", "0912345678"),
])
def test_normalize_phone_accepts_vietnamese_numbers(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "12345", "09123", "", None, "0912 345 67", "091234567890", "1912345678", "+1 912 345 678", "0912abc678",
])
def test_normalize_phone_rejects_other_input(raw):
    assert normalize_phone(raw) is None


@pytest.mark.parametrize("raw", ["+84 0912 345 678", "00912345678"])
def test_normalize_phone_rejects_a_doubled_trunk_zero(raw):
    """Regression: both used to be saved as '00912345678'."""
    assert normalize_phone(raw) in (None, "0912345678")


@pytest.mark.parametrize("raw, expected", [
    ("4900123456", "4900123456"),
    ("4900123456-001", "4900123456-001"),
    (" 4900 123 456 ", "4900123456"),
    ("0109003003", "0109003003"),
])
def test_normalize_tax_code_accepts_ten_digits_and_branch_suffix(raw, expected):
    assert normalize_tax_code(raw) == expected


@pytest.mark.parametrize("raw", [
    "49001234", "abc", "", None, "49001234567", "4900123456-01", "4900123456-0001", "4900123456001",
    "49001234S6", "4900123456-abc",
])
def test_normalize_tax_code_rejects_other_input(raw):
    assert normalize_tax_code(raw) is None


@pytest.mark.parametrize("password", ["Rừng-hồi-2026", "Quýt vàng Bắc Sơn 7", "correct-horse-9"])
def test_password_problems_accepts_strong_passwords(password):
    assert password_problems(password, email="lan@example.vn") == []


@pytest.mark.parametrize("password, expected", [
    ("Ab1-xyz", "Use at least 10 characters."),
    ("a1", "Use at least 10 characters."),
    ("20262026202620", "Mix letters with digits or symbols."),
    ("langsonhoivanquan", "Mix letters with digits or symbols."),
    ("password123", "This password is too easy to guess."),
    ("PASSWORD123", "This password is too easy to guess."),
    ("aaaaaaaaaaaa1", "This password is too easy to guess."),
    ("abababab1111", "This password is too easy to guess."),
    ("xx-lan.nguyen-2026", "Do not use your e-mail address in the password."),
])
def test_password_problems_names_each_weakness(password, expected):
    assert expected in password_problems(password, email="Lan.Nguyen@example.vn")


def test_password_problems_lists_every_problem_at_once():
    problems = password_problems("12345")
    assert "Use at least 10 characters." in problems
    assert "Mix letters with digits or symbols." in problems
    assert len(problems) == 2


def test_every_common_password_is_refused():
    for password in COMMON_PASSWORDS:
        assert password_problems(password), password


def test_short_email_local_part_is_not_a_problem():
    """A 3-letter local part ('lan') is too common a syllable to forbid."""
    assert password_problems("lan-rung-hoi-2026", email="lan@example.vn") == []


def test_minimum_length_boundary():
    assert PASSWORD_MIN_LENGTH == 10
    assert "Use at least 10 characters." not in password_problems("Ab1-xyz-q9")
    assert "Use at least 10 characters." in password_problems("Ab1-xyz-q")


def test_password_problems_work_in_a_cli_app_context(ctx):
    """Regression: select_locale() read `session` outside a request (RuntimeError in CLI commands)."""
    assert len(password_problems("Ab1-xyz")) == 1  # too short, in whatever language the app defaults to
