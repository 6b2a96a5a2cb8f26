"""The PDF of a printable document (market.services.documents.content), drawn with fpdf2 (pure Python): the
same facts as the A4 print view, in a Unicode TrueType font (DOCUMENT_PDF_FONT, DejaVu Sans by default, as
Debian's fonts-dejavu-core installs it) so that Vietnamese prints with its diacritics. When the font file is
missing the PDF is not offered (`available()`), and the print view remains."""
import io
from pathlib import Path

import qrcode
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _

from market.labels import label
from market.models import DocumentKind

DEFAULT_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def font_path() -> Path:
    return Path(current_app.config.get("DOCUMENT_PDF_FONT") or DEFAULT_FONT)


def available() -> bool:
    return font_path().is_file()


def _money(amount: int) -> str:
    return f"{format_decimal(amount)} ₫"


def _dated(value) -> str:
    if value is None:
        return ""
    return format_datetime(value) if hasattr(value, "hour") else format_date(value)


def render(c, verify_link: str) -> bytes:
    from fpdf import FPDF, FontFace  # imported here: only the PDF route needs it

    doc = c.doc
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_font("Doc", "", str(font_path()))
    pdf.set_title(f"{label('document', doc.kind)} {doc.code}")
    pdf.set_creator("Lang Son linkage market")
    pdf.add_page()
    width = pdf.epw

    image = qrcode.make(verify_link, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf.image(buffer, x=pdf.l_margin + width - 28, y=pdf.t_margin, w=28, h=28)

    pdf.set_font("Doc", size=15)
    pdf.multi_cell(width - 32, 8, f"{label('document', doc.kind)} {doc.code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Doc", size=9.5)
    line = _("Issued %(date)s", date=_dated(doc.issued_at))
    if c.reference:
        line += f" · {_('Reference')} {c.reference}"
    if c.dated:
        line += f" · {_('Dated')} {_dated(c.dated)}"
    pdf.multi_cell(width - 32, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + 30))
    if c.subject is None:
        pdf.multi_cell(width, 5, _("The delivery this note numbered was withdrawn; the number stays used."),
                       border=1, new_x="LMARGIN", new_y="NEXT")

    payment = doc.kind == DocumentKind.PAYMENT
    titles = ((_("Payee") if payment else _("Seller"), c.seller), (_("Payer") if payment else _("Buyer"), c.buyer))
    top, half = pdf.get_y() + 2, (width - 4) / 2
    bottom = top
    for i, (title, org) in enumerate(titles):
        pdf.set_xy(pdf.l_margin + i * (half + 4), top)
        text = title
        if org is not None:
            address = (org.address or "—") + (f", {org.commune.name}" if org.commune else "")
            text += f"\n{org.name}\n{_('Tax number')}: {org.tax_code or '—'}\n{_('Address')}: {address}"
        pdf.multi_cell(half, 5, text, border=1, new_x="LMARGIN", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_y(bottom + 4)

    pdf.set_font("Doc", size=11)
    pdf.cell(width, 6, _("Lines"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Doc", size=9.5)
    with pdf.table(col_widths=(46, 18, 18, 18), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=FontFace(emphasis=None, fill_color=(230, 230, 230))) as table:
        table.row([_("Description"), _("Quantity"), _("Unit price"), _("Amount")])
        for item in c.lines:
            quantity = "" if item.quantity is None else format_decimal(item.quantity) + (
                f" {label('unit', item.unit)}" if item.unit else "")
            price = "" if item.unit_price is None else _money(item.unit_price)
            table.row([item.description, quantity, price, _money(item.amount)])
        table.row([_("Total"), "", "", _money(c.total)])
    if doc.kind == DocumentKind.DELIVERY:
        pdf.ln(2)
        pdf.multi_cell(width, 5, _("Quantity delivered as recorded by the seller; the quantity the buyer accepts "
                                   "is recorded with the delivery inspection."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Doc", size=11)
    pdf.cell(width, 6, _("Zones supplying it"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Doc", size=9.5)
    pdf.multi_cell(width, 5, ", ".join(c.zone_codes) or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.multi_cell(width, 5, f"{_('Check this document at')} {verify_link}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
