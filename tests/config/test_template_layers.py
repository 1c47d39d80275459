"""The one-way chain of apps holds for templates and static files too (import-linter sees only
Python): an app's templates extend, include and link only what its own or a lower app holds."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"""{%\s*(?:extends|include|static)\s+["']([a-z_]+)/""")


def _chain() -> list[str]:
    apps = [a for a in settings.INSTALLED_APPS if (ROOT / a / "apps.py").exists() or a == "core"]
    assert apps[0] == "core" and apps[-1] == "pages", apps
    return apps


def test_no_template_reaches_up_the_chain():
    chain = _chain()
    reaching_up = []
    for level, app in enumerate(chain):
        higher = set(chain[level + 1 :])
        for template in sorted((ROOT / app / "templates").rglob("*.html")):
            for folder in REFERENCE.findall(template.read_text()):
                if folder in higher:
                    reaching_up.append(f"{template.relative_to(ROOT)} -> {folder}")
    assert reaching_up == []


def test_the_check_sees_a_template_that_reaches_up():
    assert REFERENCE.findall("{% extends \"pages/base.html\" %}{% static 'core/site.css' %}") == [
        "pages",
        "core",
    ]
