"""Reading the QR code AWS gives for a virtual MFA device, as a phone's camera would.

`aws iam create-virtual-mfa-device --bootstrap-method QRCodePNG --outfile FILE`
writes a PNG image of a QR code whose text is the device's `otpauth://totp/` URI;
`qr_text` reads that text (pypng decodes the image, zxing-cpp finds the code), for
`grade authenticator add NAME --qr FILE` (`grader.command.authenticator`).
"""

from __future__ import annotations

import zlib
from pathlib import Path

from grader.errors import GradeError

MAX_PNG_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 16 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QR_FIX = ("Give the file that `aws iam create-virtual-mfa-device --bootstrap-method "
          "QRCodePNG --outfile FILE` wrote, or the seed with --secret.")


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the file at `path` (`what` it should be), at most `limit` of them;
    GradeError in words for the learner when it cannot be read or is larger."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise GradeError(f"There is no file {path}.",
                         "Check its name, and the folder you are in.") from None
    except IsADirectoryError:
        raise GradeError(f"{path} is a folder, not {what}.", QR_FIX) from None
    except OSError as error:
        raise GradeError(f"{path} cannot be read ({error.strerror or error}).",
                         "Check that the file is yours and readable.") from None
    if len(data) > limit:
        raise GradeError(f"{path} is too large to be {what} (over {limit} bytes).", QR_FIX)
    return data


def qr_text(path: Path) -> str:
    """The text of the QR code in the PNG image at `path`, as a phone's camera reads it;
    GradeError when the file cannot be read, is not a PNG, or shows no QR code."""
    data = read_limited(path, MAX_PNG_BYTES, "a PNG image of a QR code")
    if not data.startswith(PNG_SIGNATURE):
        raise GradeError(f"{path} is not a PNG image.", QR_FIX)
    try:
        import png
        import zxingcpp
    except ImportError as missing:
        raise GradeError(f"Reading QR codes needs the `{missing.name}` module, which is "
                         "not installed.",
                         "Run ./scripts/install again, or give the seed with --secret.") from None
    try:
        width, height, rows, _info = png.Reader(bytes=data).asRGBA8()
        if width * height > MAX_PIXELS:
            raise GradeError(f"{path} is {width}x{height} pixels, too large for a QR code's "
                             "image.", QR_FIX)
        rgba = bytearray()
        for row in rows:
            rgba += bytes(row)
    except (png.Error, zlib.error, ValueError, EOFError) as error:
        raise GradeError(f"{path} is a PNG image that cannot be read ({error}).",
                         QR_FIX) from None
    _onto_white(rgba)
    pixels = bytes(rgba)  # named: the ImageView does not keep its buffer alive
    view = zxingcpp.ImageView(pixels, width, height, zxingcpp.ImageFormat.RGBA)
    found = zxingcpp.read_barcode(
        view, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    if found is None or not found.valid:
        raise GradeError(f"No QR code can be read in {path}.", QR_FIX)
    return str(found.text)


def _onto_white(rgba: bytearray) -> None:
    """Lay RGBA pixels on a white page: a transparent background reads as white."""
    for alpha_at in range(3, len(rgba), 4):
        alpha = rgba[alpha_at]
        if alpha != 255:
            for at in range(alpha_at - 3, alpha_at):
                rgba[at] = (rgba[at] * alpha + 255 * (255 - alpha)) // 255
            rgba[alpha_at] = 255
