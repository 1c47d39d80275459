import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import segno
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth

from certificates.pdf import (
    CertificateDocument,
    format_date_id,
    pdf_safe_text,
    qr_matrix,
    render_certificate_pdf,
    wrap_lines,
)

VERIFY_URL = "https://lencana.example.go.id/verify/LNC-7K3Q-9XTM-P2WD-H8RA/"


def make_document(**overrides: Any) -> CertificateDocument:
    values: dict[str, Any] = {
        "holder_name": "Ahmad Fauzi Rahmatullah",
        "nrp": "87051234",
        "rank": "Brigadir Polisi Kepala",
        "unit": "Satlantas Polres Metro Jakarta Selatan",
        "course_title": "Penanganan Kecelakaan Lalu Lintas",
        "course_title_en": "Traffic Accident Handling",
        "issued_at": datetime(2026, 1, 31, 20, 0, tzinfo=UTC),
        "expires_at": datetime(2028, 1, 31, 20, 0, tzinfo=UTC),
        "code": "LNC-7K3Q-9XTM-P2WD-H8RA",
        "verify_url": VERIFY_URL,
    }
    values.update(overrides)
    return CertificateDocument(**values)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_text(pdf: bytes) -> str:
    return read(pdf).pages[0].extract_text()


def drawn_qr_matrix(pdf: bytes) -> tuple[bytes, ...]:
    """Rebuild the QR matrix from the page: its modules are drawn in module units as `re`
    operations of height 1, one per horizontal run of dark modules, row 0 at the top."""
    contents = read(pdf).pages[0].get_contents()
    assert contents is not None
    runs = [
        tuple(int(value) for value in operands)
        for operands, operator in contents.operations
        if operator == b"re" and float(operands[3]) == 1
    ]
    size = max(x + width for x, _, width, _ in runs)
    rows = [bytearray(size) for _ in range(size)]
    for x, y, width, _ in runs:
        rows[size - 1 - y][x : x + width] = b"\x01" * width
    return tuple(bytes(row) for row in rows)


def test_renders_a_single_a4_landscape_pdf_page():
    pdf = render_certificate_pdf(make_document())

    assert pdf.startswith(b"%PDF")
    reader = read(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    a4_width, a4_height = A4
    assert float(box.width) == pytest.approx(a4_height, abs=0.01)
    assert float(box.height) == pytest.approx(a4_width, abs=0.01)


def test_page_shows_holder_course_code_and_verify_url():
    text = page_text(render_certificate_pdf(make_document()))

    for expected in (
        "SERTIFIKAT",
        "Certificate",
        "diberikan kepada / awarded to",
        "Ahmad Fauzi Rahmatullah",
        "NRP 87051234 · Brigadir Polisi Kepala · Satlantas Polres Metro Jakarta Selatan",
        "telah menyelesaikan / has completed",
        "Penanganan Kecelakaan Lalu Lintas",
        "Traffic Accident Handling",
        "LNC-7K3Q-9XTM-P2WD-H8RA",
        VERIFY_URL,
    ):
        assert expected in text


def test_dates_are_shown_in_jakarta_time_with_indonesian_month_names():
    # 20:00 UTC on 31 January is already 1 February in Jakarta (UTC+7).
    text = page_text(render_certificate_pdf(make_document()))

    assert "Diterbitkan / Issued:" in text
    assert "1 Februari 2026" in text
    assert "Berlaku hingga / Valid until:" in text
    assert "1 Februari 2028" in text


def test_date_helper_spells_every_month_in_indonesian():
    months = [format_date_id(datetime(2026, month, 15, 5, tzinfo=UTC)) for month in range(1, 13)]

    assert months == [
        "15 Januari 2026",
        "15 Februari 2026",
        "15 Maret 2026",
        "15 April 2026",
        "15 Mei 2026",
        "15 Juni 2026",
        "15 Juli 2026",
        "15 Agustus 2026",
        "15 September 2026",
        "15 Oktober 2026",
        "15 November 2026",
        "15 Desember 2026",
    ]
    assert format_date_id(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == "1 Januari 2027"


def test_date_helper_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_date_id(datetime(2026, 2, 1, 12, 0))


def test_certificate_without_expiry_says_no_expiry():
    text = page_text(render_certificate_pdf(make_document(expires_at=None)))

    assert "Tanpa batas / No expiry" in text


def test_very_long_course_title_is_wrapped_and_renders():
    title = "Penanganan Kecelakaan Lalu Lintas dan Pelayanan SPKT Terpadu " * 12
    title_en = "Traffic Accident Handling and Integrated SPKT Service " * 12

    pdf = render_certificate_pdf(make_document(course_title=title, course_title_en=title_en))

    assert len(read(pdf).pages) == 1
    text = page_text(pdf)
    assert "Penanganan Kecelakaan Lalu Lintas dan Pelayanan" in text
    assert "…" in text  # cut to the lines that fit, visibly


def test_wrapped_lines_fit_the_width_even_for_unbroken_words():
    size, lines = wrap_lines("X" * 400 + " short words", "Helvetica-Bold", (20, 14), 300, 3)

    assert size == 14
    assert len(lines) == 3
    assert all(stringWidth(line, "Helvetica-Bold", size) <= 300 for line in lines)
    assert lines[-1].endswith("…")


def test_very_long_holder_name_wraps_between_words():
    name = "Raden Mas Muhammad Abdurrahman Wahyudi Kusumaningrat Prawirodirdjo Hadiningrat"

    text = page_text(render_certificate_pdf(make_document(holder_name=name)))

    for word in name.split():
        assert word in text


def test_names_with_characters_outside_latin_1_render_without_error():
    pdf = render_certificate_pdf(
        make_document(holder_name="Siti Nurhaliza ✓ 李", unit="Polres Kota Ş\u0131rnak")
    )

    text = page_text(pdf)
    assert "Siti Nurhaliza" in text
    assert "Polres Kota Sirnak" in text


def test_safe_text_keeps_latin_1_strips_accents_and_replaces_the_rest():
    assert pdf_safe_text("José Müller") == "José Müller"
    assert pdf_safe_text("Şükrü Łukasz") == "Sükrü Lukasz"
    assert pdf_safe_text("Siti ✓ 李") == "Siti ? ?"
    assert pdf_safe_text("a\tb\nc\x00d") == "a b c d"
    quoted = "\N{LEFT DOUBLE QUOTATION MARK}Lantas\N{RIGHT DOUBLE QUOTATION MARK} \N{EN DASH} SPKT"
    assert pdf_safe_text(quoted) == quoted


def test_qr_matrix_is_segnos_qr_code_of_the_url():
    assert qr_matrix(VERIFY_URL) == segno.make_qr(VERIFY_URL, error="m").matrix
    assert not segno.make_qr(VERIFY_URL, error="m").is_micro


def test_qr_code_drawn_on_the_page_encodes_the_verify_url():
    pdf = render_certificate_pdf(make_document())

    assert drawn_qr_matrix(pdf) == qr_matrix(VERIFY_URL)


def test_pdf_metadata_names_the_certificate():
    metadata = read(render_certificate_pdf(make_document())).metadata

    assert metadata is not None
    assert metadata.title == "Sertifikat / Certificate LNC-7K3Q-9XTM-P2WD-H8RA"
    assert metadata.author == "Lencana"
    assert metadata.subject == "Ahmad Fauzi Rahmatullah — Penanganan Kecelakaan Lalu Lintas"


def test_rendering_is_deterministic():
    document = make_document()

    assert render_certificate_pdf(document) == render_certificate_pdf(replace(document))


def test_the_static_page_is_a_form_xobject_made_once_and_shared_by_every_certificate():
    first = render_certificate_pdf(make_document())
    second = render_certificate_pdf(
        make_document(holder_name="Siti Nurhaliza", code="LNC-2222-3333-4444-5555")
    )
    page = read(first).pages[0]
    template = page["/Resources"]["/XObject"]["/Tpl"].get_object()
    assert template["/Subtype"] == "/Form"
    contents = page.get_contents()
    assert contents is not None
    assert [(op, [str(o) for o in operands]) for operands, op in contents.operations[:3]] == [
        (b"q", []),
        (b"Do", ["/Tpl"]),
        (b"Q", []),
    ]
    # The same bytes up to the per-certificate objects: the template is not drawn again.
    head = first.split(b"9 0 obj")[0]
    assert second.startswith(head) and b"SERTIFIKAT" not in contents.get_data()
    assert "SERTIFIKAT" in page_text(first) and "Siti Nurhaliza" in page_text(second)
