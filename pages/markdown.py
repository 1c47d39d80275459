"""Lesson Markdown to HTML that is safe to put on a page.

markdown-it-py with raw HTML turned off escapes whatever HTML an author typed, and refuses
`javascript:` links; nh3 (ammonia) then keeps only an allow-list of tags and attributes, so
even a bug in the first step cannot bring a script to the page."""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}


def render_markdown(text: str) -> SafeString:
    html = _md.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - escaped by markdown-it, then allow-listed by nh3
