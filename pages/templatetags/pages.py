from typing import Any

from django import template
from django.utils import translation
from django.utils.safestring import SafeString

from pages.forms import TYPE_LABELS
from pages.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def local(obj: Any, field: str) -> Any:
    """The English variant of a field (`title_en`) when the page is in English and the author
    wrote one, else the Bahasa Indonesia field. Works on models and on dicts (frozen specs)."""

    def get(name: str) -> Any:
        return obj.get(name, "") if isinstance(obj, dict) else getattr(obj, name, "")

    if translation.get_language() == "en":
        english = get(f"{field}_en")
        if english:
            return english
    return get(field)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def status_label(code: str) -> str:
    """Attempt and certificate statuses in the page's language (the models' labels are the
    API's, in English)."""
    from django.utils.translation import gettext as _

    labels = {
        "in_progress": _("In progress"),
        "submitted": _("Submitted"),
        "graded": _("Graded"),
        "needs_review": _("Needs review"),
        "valid": _("Valid"),
        "revoked": _("Revoked"),
        "expired": _("Expired"),
        "draft": _("Draft"),
        "published": _("Published"),
        "queued": _("Queued"),
        "running": _("Running"),
        "done": _("Done"),
    }
    return labels.get(code, code)


@register.filter
def type_label(code: str) -> str:
    """A question type in the page's language."""
    return str(TYPE_LABELS.get(code, code))
