"""A reader for the QR code's SVG (the rows come from tests/factories.py)."""
import re

import qrcode
import qrcode.constants

# --- reading the QR code back -------------------------------------------------------------------------

MODULE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H(\d+)z")


def svg_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules drawn by the SVG's path (each is a 1×1 square at x, y)."""
    path = re.search(r' d="([^"]+)"', svg).group(1)
    cells = set()
    for x, y, x2, y2, x3 in MODULE.findall(path):
        assert int(x2) == int(x) + 1 and int(y2) == int(y) + 1 and x3 == x
        cells.add((int(x), int(y)))
    return cells


def expected_modules(url: str) -> set[tuple[int, int]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    return {(x, y) for y, row in enumerate(qr.get_matrix()) for x, dark in enumerate(row) if dark}
