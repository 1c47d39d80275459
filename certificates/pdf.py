"""Certificate PDF rendering: a pure function from a CertificateDocument to PDF bytes.

No Django imports here on purpose: the renderer is a plain function of its input, so it can be
tested and benchmarked without a database or settings. The page is A4 landscape, drawn with
reportlab's canvas using the built-in Helvetica/Courier fonts (no font files to ship), and the
verification QR code is drawn as vector rectangles from segno's module matrix (no image
libraries involved). Output is deterministic: the same document always gives the same bytes.

What every certificate shares is drawn once per process into a form XObject (see `_Template`);
per certificate only the overlay is drawn and the document's few objects written around it.
"""

from __future__ import annotations

import gettext
import io
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import segno
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

__all__ = [
    "CertificateDocument",
    "fit_font_size",
    "format_date_id",
    "pdf_safe_text",
    "qr_matrix",
    "render_certificate_pdf",
    "wrap_lines",
]

PDF_AUTHOR = "Lencana"
# The labels live in the project's message catalogs (locale/<lang>/LC_MESSAGES/django.mo), like
# every string of the pages, and are read with the standard library's gettext so this module
# stays free of Django. The certificate shows both languages: Bahasa Indonesia, then English.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def gettext_noop(message: str) -> str:
    """Marks a label for `makemessages`; it is translated when drawn."""
    return message


LABEL_CERTIFICATE = gettext_noop("Certificate")
LABEL_AWARDED_TO = gettext_noop("awarded to")
LABEL_COMPLETED = gettext_noop("has completed")
LABEL_ISSUED = gettext_noop("Issued")
LABEL_VALID_UNTIL = gettext_noop("Valid until")
LABEL_NO_EXPIRY = gettext_noop("No expiry")
LABEL_CODE = gettext_noop("Verification code")
LABEL_SCAN_HINT = gettext_noop("Scan the QR code or open the address below it to check authenticity.")


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation("django", localedir=LOCALE_DIR, languages=[language], fallback=True)


def label(message: str, language: str) -> str:
    """One label in one language, from the message catalogs (the English msgid if missing)."""
    return _catalog(language).gettext(message)


def both(message: str) -> str:
    """A label in Bahasa Indonesia and English: both(LABEL_ISSUED)."""
    return f"{label(message, 'id')} / {label(message, 'en')}"


# Kept for callers that show the same words elsewhere.
NO_EXPIRY = both(LABEL_NO_EXPIRY)
SCAN_HINT_ID = label(LABEL_SCAN_HINT, "id")
SCAN_HINT_EN = label(LABEL_SCAN_HINT, "en")
TITLE_SIZES = (20.0, 18.0, 16.0, 14.0, 13.0)  # course title (id): tried in order until it fits
EN_SIZES = (13.0, 12.0, 11.0, 10.0)  # course title (en)
NAME_SIZES = (30.0, 28.0, 26.0, 24.0, 22.0, 20.0, 18.0)  # holder name on one line
NAME_SIZES_TWO_LINES = (20.0, 18.0, 16.0, 14.0)
DETAIL_SIZES = (12.0, 11.0, 10.0, 9.0, 8.0)  # "NRP ... · rank · unit"

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
CENTER_X = PAGE_WIDTH / 2

NAVY = HexColor("#1B2A4A")
GOLD = HexColor("#B08D3C")
INK = HexColor("#222222")
MUTED = HexColor("#5F6673")
PAPER = HexColor("#FFFDF7")

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def _jakarta() -> tzinfo:
    # Asia/Jakarta has been UTC+7 without daylight saving since 1964, so a fixed offset is an
    # exact fallback on a system without tz data.
    try:
        return ZoneInfo("Asia/Jakarta")
    except ZoneInfoNotFoundError:  # pragma: no cover - depends on the host's tz database
        return timezone(timedelta(hours=7), "WIB")


WIB = _jakarta()


@dataclass(frozen=True)
class CertificateDocument:
    holder_name: str
    nrp: str
    rank: str
    unit: str
    course_title: str  # Bahasa Indonesia
    course_title_en: str
    issued_at: datetime  # aware
    expires_at: datetime | None
    code: str  # verification code, e.g. "LNC-7K3Q-9XTM-P2WD-H8RA"
    verify_url: str  # public URL of the verify page


# --- pure helpers -------------------------------------------------------------------------------


def format_date_id(moment: datetime) -> str:
    """The calendar date of an aware datetime in Jakarta time, e.g. "1 Februari 2026".

    Month names are spelled out here rather than taken from the system locale."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("certificate dates must be timezone-aware")
    local = moment.astimezone(WIB)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year}"


# Characters the standard PDF fonts (WinAnsiEncoding) can show beyond Latin-1's printable range.
_WINANSI_EXTRA = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore"))
# Letters without a Unicode decomposition that still have an obvious Latin-1 spelling.
_TRANSLITERATE = {
    "\N{LATIN SMALL LETTER L WITH STROKE}": "l",
    "\N{LATIN CAPITAL LETTER L WITH STROKE}": "L",
    "\N{LATIN SMALL LETTER D WITH STROKE}": "d",
    "\N{LATIN CAPITAL LETTER D WITH STROKE}": "D",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
    "\N{LATIN SMALL LETTER H WITH STROKE}": "h",
    "\N{LATIN CAPITAL LETTER H WITH STROKE}": "H",
}


def _showable(char: str) -> bool:
    code = ord(char)
    return 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF or char in _WINANSI_EXTRA


def pdf_safe_text(text: str) -> str:
    """Text limited to what reportlab's standard fonts can draw.

    Accented letters outside that set lose their accents ("Ş" -> "S"), whitespace and control
    characters become spaces, and anything else becomes "?"."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if _showable(char):
            out.append(char)
        elif char in _TRANSLITERATE:
            out.append(_TRANSLITERATE[char])
        elif char.isspace() or unicodedata.category(char) == "Cc":
            out.append(" ")
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            base = [part for part in decomposed if not unicodedata.combining(part)]
            out.append("".join(base) if base and all(map(_showable, base)) else "?")
    return " ".join("".join(out).split())


def qr_matrix(url: str) -> tuple[bytes, ...]:
    """The module matrix of the QR code drawn on the certificate: rows top to bottom, 1 = dark.

    Always a full QR code (never Micro QR, which phone cameras do not read), error correction
    level M or higher, without the quiet zone."""
    return tuple(bytes(row) for row in segno.make_qr(url, error="m").matrix)


def fit_font_size(text: str, font: str, size: float, max_width: float, min_size: float) -> float:
    """The largest size from `size` down to `min_size` (in 0.5 pt steps) at which text fits."""
    while size > min_size and stringWidth(text, font, size) > max_width:
        size -= 0.5
    return max(size, min_size)


def wrap_lines(
    text: str,
    font: str,
    sizes: tuple[float, ...],
    max_width: float,
    max_lines: int,
) -> tuple[float, list[str]]:
    """Word-wrap text at the first size that needs at most max_lines lines.

    At the last size the text is cut to max_lines, the last line ending in an ellipsis. Words
    longer than a line are broken by character."""
    lines: list[str] = []
    size = sizes[-1]
    for size in sizes:
        lines = _split(text, font, size, max_width)
        if len(lines) <= max_lines:
            return size, lines
    kept = lines[:max_lines]
    last = kept[-1].rstrip(" ,;:-") + "…"
    while stringWidth(last, font, size) > max_width and len(last) > 1:
        last = last[:-2].rstrip(" ,;:-") + "…"
    kept[-1] = last
    return size, kept


def _split(text: str, font: str, size: float, max_width: float) -> list[str]:
    lines: list[str] = []
    for line in simpleSplit(text, font, size, max_width) or [""]:
        lines.extend(_break_long(line, font, size, max_width))
    return lines


def _break_long(line: str, font: str, size: float, max_width: float) -> list[str]:
    """Split a line by character where a single long word makes it overflow."""
    if stringWidth(line, font, size) <= max_width:
        return [line]
    pieces: list[str] = []
    current = ""
    for char in line:
        if current and stringWidth(current + char, font, size) > max_width:
            pieces.append(current)
            current = char.lstrip()
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


# --- drawing --------------------------------------------------------------------------------------


def _centred(
    canvas: Canvas,
    y: float,
    text: str,
    font: str,
    size: float,
    color: Color,
    char_space: float = 0.0,
) -> None:
    canvas.setFont(font, size)
    canvas.setFillColor(color)
    canvas.drawCentredString(CENTER_X, y, text, charSpace=char_space)


def _draw_frame(canvas: Canvas) -> None:
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(6)
    canvas.rect(20, 20, PAGE_WIDTH - 40, PAGE_HEIGHT - 40, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(30, 30, PAGE_WIDTH - 60, PAGE_HEIGHT - 60, stroke=1, fill=0)
    canvas.setLineWidth(0.5)
    canvas.rect(34, 34, PAGE_WIDTH - 68, PAGE_HEIGHT - 68, stroke=1, fill=0)
    # Small gold diamonds in the corners of the inner frame.
    canvas.setFillColor(GOLD)
    for x, y in (
        (34, 34),
        (PAGE_WIDTH - 34, 34),
        (34, PAGE_HEIGHT - 34),
        (PAGE_WIDTH - 34, PAGE_HEIGHT - 34),
    ):
        path = canvas.beginPath()
        path.moveTo(x, y - 7)
        path.lineTo(x + 7, y)
        path.lineTo(x, y + 7)
        path.lineTo(x - 7, y)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)


def _rule(canvas: Canvas, y: float, half_width: float, color: Color, width: float) -> None:
    canvas.setStrokeColor(color)
    canvas.setLineWidth(width)
    canvas.line(CENTER_X - half_width, y, CENTER_X + half_width, y)


def _draw_url(canvas: Canvas, url: str, right: float, top: float, max_width: float) -> None:
    font = "Helvetica"
    size = fit_font_size(url, font, 7, max_width, 5.5)
    lines = _break_long(url, font, size, max_width)[:2]
    canvas.setFont(font, size)
    canvas.setFillColor(MUTED)
    for index, line in enumerate(lines):
        canvas.drawRightString(right, top - index * (size + 1.5), line)


def _draw_label(canvas: Canvas, x: float, y: float, label: str) -> None:
    canvas.setFont("Helvetica", 9.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(x, y, f"{label}: ")


def _draw_value(canvas: Canvas, x: float, y: float, label: str, value: str, max_width: float) -> None:
    label_width = stringWidth(f"{label}: ", "Helvetica", 9.5)
    size = fit_font_size(value, "Helvetica-Bold", 11, max_width - label_width, 7)
    canvas.setFont("Helvetica-Bold", size)
    canvas.setFillColor(INK)
    canvas.drawString(x + label_width, y, value)


# --- the page: a template drawn once, an overlay per certificate ----------------------------------
#
# The parts every certificate shares (paper, frame, headings, labels, hints) are drawn once per
# process into a form XObject whose compressed stream is kept; per certificate only the overlay
# (name, details, course, dates, code, QR, URL) is drawn, and the PDF's objects are written here
# around them: the fixed objects (catalog, fonts, template) are bytes made once, so a certificate
# costs its overlay's drawing and one zlib call. reportlab's canvas is used as the recorder of
# drawing operators (text placement, colours), never to build the document.

FONTS = ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Courier-Bold")
ISSUED_LABEL = both(LABEL_ISSUED)
VALID_LABEL = both(LABEL_VALID_UNTIL)
FOOTER_LEFT = 64
QR_SIZE = 104
QR_RIGHT = PAGE_WIDTH - 64
QR_BOTTOM = 66


def _recorder() -> Canvas:
    """A canvas used only to record operators; fonts named in a fixed order (F1..F4), the same
    in the template and in every overlay."""
    canvas = Canvas(io.BytesIO(), pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    for font in FONTS:
        canvas.setFont(font, 10)
    canvas._code.clear()
    return canvas


def _operators(canvas: Canvas) -> bytes:
    return "\n".join(canvas._code).encode("latin-1")


def _draw_static(canvas: Canvas) -> None:
    _draw_frame(canvas)
    _centred(canvas, 492, label(LABEL_CERTIFICATE, "id").upper(), "Helvetica-Bold", 40, NAVY, char_space=6)
    _centred(canvas, 466, label(LABEL_CERTIFICATE, "en"), "Helvetica-Oblique", 16, MUTED, char_space=1)
    _rule(canvas, 452, 70, GOLD, 1.5)
    _centred(canvas, 424, both(LABEL_AWARDED_TO), "Helvetica", 12, MUTED)
    _draw_label(canvas, FOOTER_LEFT, 150, ISSUED_LABEL)
    _draw_label(canvas, FOOTER_LEFT, 131, VALID_LABEL)
    canvas.setFont("Helvetica", 9.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(FOOTER_LEFT, 104, both(LABEL_CODE))
    canvas.setFont("Helvetica-Oblique", 8)
    canvas.drawString(FOOTER_LEFT, 62, SCAN_HINT_ID)
    canvas.drawString(FOOTER_LEFT, 52, SCAN_HINT_EN)


def _qr_operators(matrix: tuple[bytes, ...], x: float, y: float, size: float) -> bytes:
    """The QR code as operators: a white quiet zone, then in module units (one `cm`) one filled
    path of `re` runs of height 1, integers only, so nothing is formatted per module."""
    count = len(matrix)
    module = size / count
    margin = 2 * module
    runs: list[str] = []
    for row_index, row in enumerate(matrix):
        row_y = count - 1 - row_index
        col = 0
        while col < count:
            if row[col]:
                start = col
                while col < count and row[col]:
                    col += 1
                runs.append(f"{start} {row_y} {col - start} 1 re")
            else:
                col += 1
    r, g, b = INK.red, INK.green, INK.blue
    side = size + 2 * margin
    return (
        f"q 1 1 1 rg {x - margin:.4f} {y - margin:.4f} {side:.4f} {side:.4f} re f Q\n"
        f"q {module:.6f} 0 0 {module:.6f} {x:.4f} {y:.4f} cm {r:.4f} {g:.4f} {b:.4f} rg\n"
        + "\n".join(runs)
        + "\nf Q"
    ).encode("ascii")


def _draw_overlay(canvas: Canvas, document: CertificateDocument) -> None:
    holder = pdf_safe_text(document.holder_name)
    details = pdf_safe_text(f"NRP {document.nrp} · {document.rank} · {document.unit}")
    title_id = pdf_safe_text(document.course_title)
    title_en = pdf_safe_text(document.course_title_en)
    code = pdf_safe_text(document.code)
    url = pdf_safe_text(document.verify_url)
    issued = format_date_id(document.issued_at)
    expires = NO_EXPIRY if document.expires_at is None else format_date_id(document.expires_at)

    # Holder, then the course, flowing down the page: a name too long for one line takes two.
    content_width = 620
    bold = "Helvetica-Bold"
    if stringWidth(holder, bold, NAME_SIZES[-1]) <= content_width:
        name_size, name_lines = wrap_lines(holder, bold, NAME_SIZES, content_width, 1)
    else:
        name_size, name_lines = wrap_lines(holder, bold, NAME_SIZES_TWO_LINES, content_width, 2)
    y = 418.0 - name_size
    for line in name_lines:
        _centred(canvas, y, line, bold, name_size, NAVY)
        y -= name_size * 1.15
    y += name_size * 1.15 - 12
    _rule(canvas, y, 230, GOLD, 0.8)
    details_size, details_lines = wrap_lines(details, "Helvetica", DETAIL_SIZES, content_width, 1)
    y -= 19
    _centred(canvas, y, details_lines[0], "Helvetica", details_size, INK)
    y -= 30
    _centred(canvas, y, both(LABEL_COMPLETED), "Helvetica", 12, MUTED)
    size, lines = wrap_lines(title_id, bold, TITLE_SIZES, content_width, 3)
    y -= 27
    for line in lines:
        _centred(canvas, y, line, bold, size, INK)
        y -= size * 1.2
    en_size, en_lines = wrap_lines(title_en, "Helvetica-Oblique", EN_SIZES, content_width, 2)
    y -= 2
    for line in en_lines:
        _centred(canvas, y, line, "Helvetica-Oblique", en_size, MUTED)
        y -= en_size * 1.25

    # Footer, left: dates and the verification code; right: the QR code's address.
    _draw_value(canvas, FOOTER_LEFT, 150, ISSUED_LABEL, issued, 300)
    _draw_value(canvas, FOOTER_LEFT, 131, VALID_LABEL, expires, 300)
    code_size = fit_font_size(code, "Courier-Bold", 18, 330, 9)
    canvas.setFont("Courier-Bold", code_size)
    canvas.setFillColor(NAVY)
    canvas.drawString(FOOTER_LEFT, 83, code)
    _draw_url(canvas, url, QR_RIGHT, QR_BOTTOM - 12, 300)


def _font_object(name: str) -> bytes:
    return f"<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>".encode()


def _stream_object(dictionary: str, data: bytes) -> bytes:
    packed = zlib.compress(data, 6)
    return (
        f"<< {dictionary} /Filter /FlateDecode /Length {len(packed)} >>\nstream\n".encode()
        + packed
        + b"\nendstream"
    )


def _pdf_text(value: str) -> bytes:
    """A PDF text string: literal when ASCII, else UTF-16BE with its byte order mark."""
    if value.isascii():
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})".encode("ascii")
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


class _Template:
    """The fixed part of every certificate PDF, as bytes with the offsets of its objects.

    Objects: 1 catalog, 2 pages, 3 page, 4 the template (form XObject), 5-8 fonts; per
    certificate 9 the page's contents (the template drawn, then the overlay) and 10 the info."""

    def __init__(self) -> None:
        canvas = _recorder()
        _draw_static(canvas)
        fonts = " ".join(f"/F{i} {4 + i} 0 R" for i in range(1, len(FONTS) + 1))
        resources = f"/Resources << /Font << {fonts} >> /XObject << /Tpl 4 0 R >> >>"
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH:.4f} {PAGE_HEIGHT:.4f}] "
            f"{resources} /Contents 9 0 R >>".encode(),
            _stream_object(
                f"/Type /XObject /Subtype /Form /BBox [0 0 {PAGE_WIDTH:.4f} {PAGE_HEIGHT:.4f}] "
                f"/Resources << /Font << {fonts} >> >>",
                _operators(canvas),
            ),
            *(_font_object(font) for font in FONTS),
        ]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        self.offsets: list[int] = []
        for number, body in enumerate(objects, start=1):
            self.offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        self.head = bytes(out)


@cache
def _template() -> _Template:
    return _Template()


def render_certificate_pdf(document: CertificateDocument) -> bytes:
    """One page, A4 landscape: the certificate as PDF bytes (deterministic for a document)."""
    template = _template()
    canvas = _recorder()
    _draw_overlay(canvas, document)
    contents = b"q /Tpl Do Q\n" + _operators(canvas) + b"\n"
    contents += _qr_operators(qr_matrix(document.verify_url), QR_RIGHT - QR_SIZE, QR_BOTTOM, QR_SIZE)
    info = b"<< /Title %s /Author %s /Subject %s /Creator %s /Keywords %s /Producer %s >>" % (
        _pdf_text(f"{both(LABEL_CERTIFICATE)} {document.code}"),
        _pdf_text(PDF_AUTHOR),
        _pdf_text(f"{document.holder_name} — {document.course_title}"),
        _pdf_text(PDF_AUTHOR),
        _pdf_text(f"sertifikat, certificate, {document.code}"),
        _pdf_text(PDF_AUTHOR),
    )
    out = bytearray(template.head)
    offsets = list(template.offsets)
    for number, body in ((9, _stream_object("", contents)), (10, info)):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R /Info 10 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
