"""The JSON parser of the API: DRF's, with a bound on nesting.

Python's decoder recurses once per level, so about a thousand levels of `[` raise RecursionError
(a 500), and a few hundred still make every later recursive step (validation, error messages)
slow. No request of this API nests deeper than a handful of levels."""

import codecs
import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

MAX_DEPTH = 32
STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text opens more than `limit` arrays or objects inside each other,
    counted without recursion (brackets inside strings do not count)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for bracket in BRACKETS.findall(STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def refuse_unstorable(value: Any) -> None:
    """No text the API stores may hold a NUL (PostgreSQL refuses it in text and JSONB: a
    DataError) or a lone surrogate (not UTF-8 at all): the body is refused as a whole, whichever
    field or unknown key holds it. The depth is bounded already."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError("JSON parse error - a string holds a NUL character.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError("JSON parse error - a string is not valid Unicode.") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_unstorable(key)
            refuse_unstorable(item)
    elif isinstance(value, list):
        for item in value:
            refuse_unstorable(item)


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if too_deep(text):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        refuse_unstorable(data)
        return data
