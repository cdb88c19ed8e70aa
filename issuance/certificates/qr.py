"""The QR code of a credential's verification URL, as a PNG data URI for the certificate."""

import base64
import io
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

MODULE_PIXELS = 4


@lru_cache(maxsize=256)
def qr_code_data_uri(url: str) -> str:
    """A black-on-white PNG of `url` (quiet zone included), cached per process."""
    # A fixed mask pattern skips qrcode's trial of all eight masks (most of its 10 ms); any mask is
    # valid by the standard and scanners read them all. Small modules keep the PNG tiny: the PDF
    # scales it, and PDF viewers do not smooth images unless asked to.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=4)
    code.add_data(url)
    code.make(fit=True)
    # One pixel per module, then scaled in C: qrcode's own image drew every module as a rectangle
    # in Python, a third of the 3.3 ms. The PNG is byte-identical.
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.frombytes("L", (size, size), bytes(0 if dark else 255 for row in matrix for dark in row))
    image = image.convert("1").resize((size * MODULE_PIXELS, size * MODULE_PIXELS), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
