"""The message files: every string translated into Bahasa Indonesia, and the committed .mo
files compiled from the .po files as they are now."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("language", ["id", "en"])
def test_committed_mo_matches_the_po(language, tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.skip("gettext's msgfmt is not installed (make test installs it with apt-get where it can)")
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    committed = gettext.GNUTranslations((po.with_suffix(".mo")).open("rb"))
    compiled = gettext.GNUTranslations(fresh.open("rb"))
    assert committed._catalog == compiled._catalog, "run `make messages` and commit locale/"  # type: ignore[attr-defined]


def test_every_string_has_its_bahasa_indonesia():
    catalog = gettext.GNUTranslations((LOCALE / "id" / "LC_MESSAGES" / "django.mo").open("rb"))
    source = (LOCALE / "id" / "LC_MESSAGES" / "django.po").read_text()
    assert source.count('\nmsgid "') - 1 == len([k for k in catalog._catalog if k])  # type: ignore[attr-defined]
    assert 'msgstr ""\n\n' not in source.split("\n\n", 1)[1]
