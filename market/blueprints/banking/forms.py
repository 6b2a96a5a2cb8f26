"""Forms of the payee's money pages: bank accounts, the small-transfer check, statement upload and mapping.
The services (payee_accounts, statements) check the values and word the errors."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField

from market.blueprints.forms import Form
from market.payments import banks


class ActionForm(Form):
    """A button: the CSRF token only."""


class AccountForm(Form):
    bank_code = SelectField(_l("Bank"), choices=[], validate_choice=False)
    account_number = StringField(_l("Account number"), description=_l("Digits only, as on the bank's papers."))
    holder_name = StringField(_l("Account holder"), description=_l(
        "As the bank prints it: upper case without diacritics is filled in for you."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bank_code.choices = [("", _l("Choose the bank"))] + [(b.code, b.label) for b in banks.all_banks()]


class MicroForm(Form):
    amount = StringField(_l("Amount received (đồng)"))


class StatementForm(Form):
    file = FileField(_l("Bank statement (CSV or XLSX)"))


class MappingForm(Form):
    header = SelectField(_l("Row that names the columns"), choices=[], validate_choice=False)
    date = SelectField(_l("Date"), choices=[], validate_choice=False)
    credit = SelectField(_l("Amount received (credit)"), choices=[], validate_choice=False)
    description = SelectField(_l("Description"), choices=[], validate_choice=False)
    reference = SelectField(_l("Bank's transaction number (optional)"), choices=[], validate_choice=False)

    def fill(self, rows: list[tuple[int, list]]) -> None:
        width = max((len(row) for _n, row in rows), default=0)
        self.header.choices = [("", _l("Choose"))] + [
            (str(n), f"{n}: " + " | ".join(str(c) for c in row if c not in (None, ""))[:80]) for n, row in rows[:15]]
        columns = [("", _l("Choose"))] + [(str(i), column_name(i)) for i in range(width)]
        for name in ("date", "credit", "description", "reference"):
            getattr(self, name).choices = columns


def column_name(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
