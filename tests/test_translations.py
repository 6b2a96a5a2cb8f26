"""The Vietnamese catalog keeps up with the code, and the pages really come out in Vietnamese.

When the first test fails, refresh the catalogs and translate what is new:

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-comments=TRANSLATORS: \\
        --project=langson-market --version=0.1.0 -o translations/messages.pot .
    .venv/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching
    # translate every empty msgstr in translations/vi/LC_MESSAGES/messages.po, then:
    .venv/bin/pybabel compile -d translations --statistics
"""
from pathlib import Path

from babel.messages import frontend
from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("market", "templates")  # what babel.cfg maps; nothing else is extracted
VI_PO = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
# The same keywords as `pybabel extract -k _l -k lazy_gettext` (None: the first argument is the msgid).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}


def _method_map():
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping  # babel < 2.17 has only the latter
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        return parse(cfg, str(ROOT / "babel.cfg"))


def _in_source_dirs(path: str) -> bool:
    """Walk only market/ and templates/, skipping hidden and private folders (__pycache__) as pybabel does."""
    parts = Path(path).relative_to(ROOT).parts
    return parts[0] in SOURCE_DIRS and not any(p.startswith((".", "_")) for p in parts)


def _extracted() -> dict[tuple[str, str | None], list[str]]:
    """(msgid, msgctxt) -> the places that use it, as `pybabel extract` would find them."""
    method_map, options_map = _method_map()
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
        directory_filter=_in_source_dirs,
    ):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def _vi_catalog():
    with open(VI_PO, "rb") as po:
        return read_po(po, locale="vi", abort_invalid=True)


def _placeholders(text: str) -> set[str]:
    """The python-format placeholders, e.g. {"%(org)s", "%(n)d"}, as babel's python-format flag sees them."""
    return {m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%"}


def _forms(string) -> list[str]:
    return list(string) if isinstance(string, (tuple, list)) else [string]


def test_extraction_finds_the_code_strings():
    found = _extracted()
    assert ("Log in", None) in found, "babel.cfg or the keywords no longer match the code"
    assert ("Please log in to continue.", None) in found, "lazy_gettext / _l strings are not extracted"


def test_vietnamese_catalog_is_complete():
    catalog = _vi_catalog()
    assert not catalog.fuzzy, f"{VI_PO} has a fuzzy header: pybabel compile would skip it"
    missing, fuzzy, bad_placeholders = [], [], []
    for (msgid, context), places in sorted(_extracted().items(), key=lambda item: (item[0][0], item[0][1] or "")):
        where = f"{msgid!r} ({', '.join(places[:3])})"
        message = catalog.get(msgid, context)
        if message is None or not all(form and form.strip() for form in _forms(message.string)):
            missing.append(where)
            continue
        if message.fuzzy:
            fuzzy.append(where)
            continue
        expected = _placeholders(msgid)
        for form in _forms(message.string):
            if _placeholders(form) != expected:
                bad_placeholders.append(
                    f"{where}: msgstr {form!r} has {sorted(_placeholders(form))}, msgid has {sorted(expected)}")
    problems = []
    if missing:
        problems.append(f"{len(missing)} msgid(s) have no Vietnamese translation:\n  " + "\n  ".join(missing))
    if fuzzy:
        problems.append(f"{len(fuzzy)} translation(s) are still marked fuzzy:\n  " + "\n  ".join(fuzzy))
    if bad_placeholders:
        problems.append("placeholders differ between msgid and msgstr:\n  " + "\n  ".join(bad_placeholders))
    hint = "\nTranslate them in translations/vi/LC_MESSAGES/messages.po (see this file's docstring)."
    assert not problems, "\n".join(problems) + hint


def test_login_page_is_in_vietnamese_then_in_english(client):
    mo = VI_PO.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `.venv/bin/pybabel compile -d translations`"

    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "Đăng nhập" in html and "Quên mật khẩu?" in html
    assert "Log in" not in html

    client.get("/lang/en")
    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Log in" in html and "Forgot your password?" in html
    assert "Đăng nhập" not in html
