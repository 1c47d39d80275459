"""Moodle's GIFT format, read and written: pure (no ORM), so the import can check a whole file
and report every error with its line before anything is saved.

The grammar is Moodle's `qformat_gift` (question/format/gift/format.php), which this follows
case by case: questions are separated by blank lines; `//` starts a comment line; `$CATEGORY:`
switches the category; `::name::`; `[html]`, `[markdown]`, `[plain]`, `[moodle]` text formats;
the answer block `{...}` at the end of the text or inside it (a missing-word question: the block
becomes `_____`); `####` general feedback; `#` answer feedback; `%50%` weights; `\\~ \\= \\# \\{
\\} \\: \\n \\\\` escapes. Types, as Moodle tells them apart:

- `{}`: essay;
- `{#...}`: numeric (`=value:tolerance`, `=min..max`, weights, feedback);
- a `~` in the block: multiple choice (single when a `=` marks the right answer, multiple when
  only weights do);
- `=` and `->`: matching (`= -> answer` is an extra answer);
- `T`, `TRUE`, `F`, `FALSE` (with `#wrong feedback#right feedback`): true/false;
- anything else: short answer (`=answer`, weights, feedback; `*` is Moodle's wildcard).

What GIFT cannot say (points, an ordering question, a rubric, scoring options, English texts)
travels in a comment Moodle ignores, `// lencana: {...}` (JSON) on a line of the question, so an
export imports back to the same questions; Moodle reads the same file as plain GIFT (an ordering
question becomes a matching of positions to items).

Where Lencana differs from Moodle: a text without an answer block (Moodle's "description") is
skipped with a note, not imported; a numeric `~` catch-all feedback is kept as general feedback
(Lencana has no catch-all answer); an error does not skip the question but stops the import.

Errors and notes are written in the active language (gettext, as the request's middleware set it:
the page's language on the import page, the request's `Accept-Language` in the API).
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

from core.errors import ServiceError
from quizzes import question_types
from quizzes.question_types.numeric import parse_number

TRUE_TEXT, FALSE_TEXT = "Benar", "Salah"
"""The choices a true/false question gets (as the seeded bank writes them)."""
FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"  # GIFT's own default for a text without a [format]
BLANK = "_____"
META = "// lencana:"
META_KEYS = frozenset(
    {
        "type",
        "key",
        "points",
        "scoring",
        "case_sensitive",
        "rubric",
        "text_en",
        "explanation",
        "explanation_en",
    }
)
NAME_MAX = 255

# Escaped characters become private-use placeholders while the structure is read.
_ESCAPES = {
    ":": "\ue000",
    "#": "\ue001",
    "=": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    "~": "\ue005",
    "n": "\n",
}
_BACKSLASH = "\ue006"
_RESTORE = {v: k for k, v in _ESCAPES.items() if k != "n"} | {_BACKSLASH: "\\"}
_WEIGHT = re.compile(r"^%(-?\d{1,3}(?:\.\d*)?)%")
# Moodle's `[id:...]` and `[tag:...]` in a question's comments, `\]` escaping a bracket.
_ID = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\]|[^\]\x00-\x1f])+)\]")


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str


class GiftErrors(Exception):
    """The text is not GIFT that makes questions: every error, with its line."""

    def __init__(self, errors: list[GiftError]):
        super().__init__("; ".join(f"line {e.line}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class GiftQuestion:
    """One question read from GIFT: its common fields, its choices (choice types) and its
    type's content, in the shapes `services.question_save` takes."""

    line: int
    type: str
    name: str
    text: str
    text_format: str = DEFAULT_FORMAT
    general_feedback: str = ""
    category: tuple[str, ...] = ()
    """The category path of `$CATEGORY:`, top first."""
    points: int = 1
    key: str = ""
    text_en: str = ""
    explanation: str = ""
    explanation_en: str = ""
    tags: list[str] = field(default_factory=list)
    """Moodle's `[tag:name]` in the question's comments."""
    choices: list[dict[str, Any]] = field(default_factory=list)
    content: dict[str, Any] = field(default_factory=dict)


@dataclass
class GiftImport:
    questions: list[GiftQuestion]
    notes: list[GiftError]
    """What was read but not imported (descriptions), with its line."""


class _Bad(Exception):
    pass


# --- Reading ---------------------------------------------------------------------------------


def _escape(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    return re.sub(r"\\([:#={}~n])", lambda m: _ESCAPES[m.group(1)], text)


def _unescape(text: str) -> str:
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def _with_format(text: str, default: str) -> tuple[str, str]:
    """(text, format) of a piece of text that may start with `[format]`."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            return _unescape(text[end + 1 :]).strip(), text[1:end]
    return _unescape(text).strip(), default


def _split_feedback(part: str, text_format: str) -> tuple[str, str]:
    answer, _, feedback = part.partition("#")
    return _with_format(answer, text_format)[0], _with_format(feedback, text_format)[0]


def _weight(part: str) -> tuple[Decimal | None, str]:
    match = _WEIGHT.match(part)
    if not match:
        return None, part
    weight = Decimal(match.group(1))
    if not -100 <= weight <= 100:
        raise _Bad(
            gettext("The weight %(weight)s is not a percent between -100 and 100.")
            % {"weight": match.group(0)}
        )
    return weight, part[match.end() :]


def _int_weight(weight: Decimal) -> int:
    # Moodle writes thirds as 33.33333; Lencana keeps whole percents.
    return int(weight.to_integral_value())


def _parts(answer_text: str, separator: str) -> list[str]:
    parts = [p.strip() for p in answer_text.split(separator)]
    if parts and not parts[0]:
        parts.pop(0)
    return parts


def _category_path(text: str) -> tuple[str, ...]:
    path = text.strip()
    path = re.sub(r"^\$(course|system|module|cat\d*)\$/", "", path)
    # Moodle writes a "/" inside a name as "//".
    names = [n.replace("\ue007", "/").strip() for n in path.replace("//", "\ue007").split("/")]
    names = [n for n in names if n]
    if names and names[0] == "top":
        names.pop(0)
    return tuple(names)


def _blocks(text: str) -> Iterable[tuple[int, list[tuple[int, str]]]]:
    """(first line, [(line number, line)]) of each blank-line separated block."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            block.append((number, line.strip()))
        elif block:
            yield block[0][0], block
            block = []
    if block:
        yield block[0][0], block


def parse(text: str) -> GiftImport:
    """Read GIFT; GiftErrors with every error (and its line) when any question is bad."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions: list[GiftQuestion] = []
    notes: list[GiftError] = []
    errors: list[GiftError] = []
    category: tuple[str, ...] = ()
    for _first, block in _blocks(text):
        meta: dict[str, Any] = {}
        tags: list[str] = []
        lines: list[tuple[int, str]] = []
        for number, line in block:
            if line.startswith(META):
                try:
                    found = json.loads(line[len(META) :])
                    if not isinstance(found, dict) or not set(found) <= META_KEYS:
                        raise ValueError
                    meta.update(found)
                except ValueError:
                    errors.append(
                        GiftError(
                            number,
                            gettext("`%(meta)s` is followed by a JSON object of %(keys)s.")
                            % {"meta": META, "keys": ", ".join(sorted(META_KEYS))},
                        )
                    )
            elif line.startswith("//"):
                idnumber = _ID.search(line)
                if idnumber and "key" not in meta:
                    meta["key"] = idnumber.group(1).replace("\\]", "]").strip()
                tags.extend(t.replace("\\]", "]").strip() for t in _TAG.findall(line))
            else:
                lines.append((number, line))
        if lines and lines[0][1].startswith("$CATEGORY:"):
            category = _category_path(_unescape(_escape(lines[0][1][len("$CATEGORY:") :])))
            lines = lines[1:]
        if not lines:
            continue
        at = lines[0][0]
        try:
            question = _question("\n".join(row for _, row in lines), at, meta)
        except _Bad as exc:
            errors.append(GiftError(at, str(exc)))
            continue
        if question is None:
            notes.append(
                GiftError(at, gettext("A text without an answer block (a description) is not imported."))
            )
            continue
        question.category = category
        question.tags = [t[:100] for t in dict.fromkeys(tags) if t]
        try:
            _check(question)
        except ServiceError as exc:
            errors.append(GiftError(at, exc.message))
            continue
        questions.append(question)
    if errors:
        raise GiftErrors(errors)
    if not questions:
        raise GiftErrors([GiftError(1, gettext("There is no question in this text."))])
    return GiftImport(questions=questions, notes=notes)


def _check(question: GiftQuestion) -> None:
    question_type = question_types.get(question.type)
    content = dict(question.content)
    if question_type.answer_key == "choices":
        question.choices = question_type.with_weights(question.choices)  # type: ignore[attr-defined]
        content["choices"] = question.choices
    question_type.check_keys(content)
    if not 1 <= question.points <= 32_767:
        raise ServiceError(gettext("`points` is a whole number from 1."), code="bad_points")


def _question(raw: str, line: int, meta: Mapping[str, Any]) -> GiftQuestion | None:
    text = _escape(raw)
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name = _unescape(text[2:end]).strip()
            text = text[end + 2 :].strip()
        else:
            text = text[2:]
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        return None
    if start < 0 or finish < 0 or finish < start:
        raise _Bad(gettext("The answer block has a `{` without its `}` (or the other way round)."))
    if text.find("{", start + 1) >= 0 or text.find("}", finish + 1) >= 0:
        raise _Bad(gettext("A question has one answer block; write a brace in a text as `\\{` or `\\}`."))
    answer_text = text[start + 1 : finish].strip()
    after = text[finish + 1 :].strip()
    question_text = text[:start] + (BLANK + text[finish + 1 :] if after else "")
    general_feedback = ""
    if "####" in answer_text:
        at = answer_text.rfind("####")
        general_feedback, answer_text = answer_text[at + 4 :], answer_text[:at].strip()
    body, text_format = _with_format(question_text, DEFAULT_FORMAT)
    if not body:
        raise _Bad(gettext("The question has no text."))
    question = GiftQuestion(
        line=line,
        type="",
        name=(name or " ".join(body.split())[:80])[:NAME_MAX],
        text=body,
        text_format=text_format,
        general_feedback=_with_format(general_feedback, text_format)[0],
    )
    _answers(question, answer_text)
    _apply_meta(question, meta)
    return question


def _answers(q: GiftQuestion, answer_text: str) -> None:
    fmt = q.text_format
    if answer_text == "":
        q.type, q.content = "essay", {"rubric": []}
    elif answer_text.startswith("#"):
        q.type, q.content = "numeric", {"answers": _numeric(q, answer_text[1:])}
    elif "~" in answer_text:
        q.type = "single" if "=" in answer_text else "multiple"
        parts = _parts(answer_text.replace("=", "~="), "~")
        if len(parts) < 2:
            raise _Bad(gettext("A multiple-choice question has at least two answers."))
        weighted = any(_WEIGHT.match(p) for p in parts)
        for part in parts:
            if part.startswith("="):
                weight: Decimal | None = Decimal(100)
                part = part[1:]
            else:
                weight, part = _weight(part)
            answer, feedback = _split_feedback(part, fmt)
            if not answer:
                raise _Bad(gettext("An answer of a multiple-choice question has no text."))
            choice: dict[str, Any] = {"text": answer, "is_correct": weight == 100, "feedback": feedback}
            if weighted or q.type == "multiple":  # only weights mark the right answers of a multiple
                choice["weight"] = _int_weight(weight or Decimal(0))
            q.choices.append(choice)
    elif "=" in answer_text and "->" in answer_text:
        q.type = "matching"
        pairs = []
        for part in _parts(answer_text, "="):
            prompt, arrow, answer = part.partition("->")
            if not arrow:
                raise _Bad(gettext("Each answer of a matching question is `=prompt -> answer`."))
            pairs.append({"prompt": _with_format(prompt, fmt)[0], "answer": _unescape(answer).strip()})
        if len(pairs) < 2:
            raise _Bad(gettext("A matching question has at least two pairs."))
        q.content = {"pairs": pairs}
    else:
        check = answer_text.split("#", 1)[0].strip()
        if check in ("T", "TRUE", "F", "FALSE"):
            bits = [*answer_text.split("#", 2), "", ""]
            wrong = _with_format(bits[1], fmt)[0]
            right = _with_format(bits[2], fmt)[0]
            true = check in ("T", "TRUE")
            q.type = "true_false"
            q.choices = [
                {"text": TRUE_TEXT, "is_correct": true, "feedback": right if true else wrong},
                {"text": FALSE_TEXT, "is_correct": not true, "feedback": wrong if true else right},
            ]
        else:
            q.type = "short_answer"
            answers = []
            for part in _parts(answer_text, "="):
                weight, part = _weight(part)
                answer, feedback = _split_feedback(part, fmt)
                if not answer:
                    raise _Bad(gettext("An accepted answer has no text."))
                answers.append(
                    {
                        "text": answer,
                        "weight": 100 if weight is None else _int_weight(weight),
                        "feedback": feedback,
                    }
                )
            if not answers:
                raise _Bad(gettext("A short-answer question has at least one answer."))
            q.content = {"answers": answers}


def _numeric(q: GiftQuestion, answer_text: str) -> list[dict[str, Any]]:
    if "~" in answer_text:
        answer_text, _, wrong = answer_text.partition("~")
        # Moodle keeps it as the feedback of a catch-all answer; Lencana has none.
        catch_all = _split_feedback(wrong, q.text_format)[1]
        if catch_all:
            q.general_feedback = "\n\n".join(f for f in (q.general_feedback, catch_all) if f)
    answers = []
    for part in _parts(answer_text, "="):
        weight, part = _weight(part)
        answer, feedback = _split_feedback(part, q.text_format)
        try:
            if answer.find("..") > 0:
                low, high = (parse_number(n) for n in answer.split("..", 1))
                if high < low:
                    raise _Bad(gettext("The range %(range)s ends below its start.") % {"range": answer})
                value, tolerance = (low + high) / 2, (high - low) / 2
            elif answer.find(":") > 0:
                value, tolerance = (parse_number(n) for n in answer.split(":", 1))
            else:
                value, tolerance = parse_number(answer), Decimal(0)
        except (ValueError, InvalidOperation):
            raise _Bad(
                gettext("%(answer)s is not a number, a number:tolerance or a min..max range.")
                % {"answer": repr(answer)}
            ) from None
        answers.append(
            {
                "value": _plain(value),
                "tolerance": _plain(tolerance),
                "weight": 100 if weight is None else _int_weight(weight),
                "feedback": feedback,
            }
        )
    if not answers:
        raise _Bad(gettext("A numeric question has at least one answer."))
    return answers


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def _apply_meta(q: GiftQuestion, meta: Mapping[str, Any]) -> None:
    if not meta:
        return
    if meta.get("type") == "ordering":
        if q.type != "matching":
            raise _Bad(gettext("An ordering question is written as a matching of positions to items."))
        pairs = q.content["pairs"]
        q.type = "ordering"
        q.content = {"items": [{"text": p["answer"]} for p in pairs if p["prompt"]]}
    elif "type" in meta and meta["type"] != q.type:
        raise _Bad(
            gettext("The comment says %(said)s but the answer block makes a %(type)s question.")
            % {"said": repr(meta["type"]), "type": repr(q.type)}
        )
    for name in ("key", "text_en", "explanation", "explanation_en"):
        if name in meta:
            if not isinstance(meta[name], str):
                raise _Bad(gettext("`%(name)s` is text.") % {"name": name})
            setattr(q, name, meta[name])
    if "points" in meta:
        if not isinstance(meta["points"], int) or isinstance(meta["points"], bool):
            raise _Bad(gettext("`points` is a whole number."))
        q.points = meta["points"]
    for name in ("scoring", "case_sensitive", "rubric"):
        if name in meta:
            if name == "case_sensitive" and q.type == "short_answer":
                q.content[name] = bool(meta[name])
            elif name == "rubric" and q.type == "essay":
                if not isinstance(meta[name], list) or not all(isinstance(c, dict) for c in meta[name]):
                    raise _Bad(gettext("`rubric` is a list of {criterion, points}."))
                q.content[name] = [
                    {"criterion": c.get("criterion"), "points": c.get("points")} for c in meta[name]
                ]
            elif name == "scoring" and q.type in ("multiple", "ordering"):
                q.content[name] = meta[name]
            else:
                raise _Bad(gettext("A %(type)s question has no `%(name)s`.") % {"type": q.type, "name": name})


# --- Writing ---------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text as GIFT writes it: its special characters escaped, new lines as `\\n`."""
    for char in ("\\", "~", "=", "#", "{", "}", ":"):
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _formatted(text: str, text_format: str, default: str) -> str:
    prefix = f"[{text_format}]" if text and text_format != default else ""
    # A text that itself starts with "[html]" would be read as a format: mark it as plain text.
    if not prefix and re.match(r"\[(moodle|html|plain|markdown)\]", text):
        prefix = f"[{text_format}]"
    return prefix + escape(text)


def _number(value: Any) -> str:
    return _plain(Decimal(str(value)))


def _weight_text(weight: Any) -> str:
    return f"%{_number(weight)}%"


def write(questions: Iterable[Mapping[str, Any]]) -> str:
    """GIFT of questions given as dicts: the common fields, `category` (a path), `choices` and
    the type's `content`, as `GiftQuestion` holds them. What GIFT cannot say goes in a
    `// lencana:` comment."""
    out: list[str] = []
    category: tuple[str, ...] | None = None
    for q in questions:
        path = tuple(q.get("category") or ())
        if path != category:
            category = path
            names = [n.replace("/", "//") for n in ("top", *path)]
            out.append(f"$CATEGORY: $course$/{'/'.join(names)}\n\n")
        out.append(write_question(q))
    return "".join(out)


def write_question(q: Mapping[str, Any]) -> str:
    fmt = q.get("text_format") or DEFAULT_FORMAT
    content = q.get("content") or {}
    kind = q["type"]
    meta: dict[str, Any] = {}
    for name in ("text_en", "explanation", "explanation_en"):
        if q.get(name):
            meta[name] = q[name]
    if q.get("points", 1) != 1:
        meta["points"] = q["points"]
    lines = [f"// {kind}: {q.get('name', '')}".replace("\n", " ")]
    marks = ([f"[id:{_bracketed(q['key'])}]"] if q.get("key") else []) + [
        f"[tag:{_bracketed(t)}]" for t in q.get("tags") or ()
    ]
    if marks:
        lines.append("// " + " ".join(marks))
    head = f"::{escape(q.get('name') or '')}::{_formatted(q['text'], fmt, DEFAULT_FORMAT)}"
    body: list[str] = []
    if kind in ("single", "multiple"):
        has_weights = any(c.get("weight") is not None for c in q["choices"])
        weighted = kind == "multiple" or has_weights
        for c in q["choices"]:
            if kind == "single" and c.get("is_correct"):
                mark = "="
            elif weighted:
                w = c.get("weight")
                if w is None:
                    w = 0 if has_weights else _even_weight(q["choices"], c)
                mark = "~" if w == 0 else "~" + _weight_text(w)
            else:
                mark = "~"
            feedback = f"#{_formatted(c['feedback'], fmt, fmt)}" if c.get("feedback") else ""
            body.append(f"\t{mark}{_formatted(c['text'], fmt, fmt)}{feedback}")
        if kind == "multiple" and content.get("scoring", "partial") != "partial":
            meta["scoring"] = content["scoring"]
    elif kind == "true_false":
        true, false = q["choices"][0], q["choices"][1]
        right, wrong = (true, false) if true.get("is_correct") else (false, true)
        block = "TRUE" if true.get("is_correct") else "FALSE"
        right_fb, wrong_fb = right.get("feedback") or "", wrong.get("feedback") or ""
        # Moodle: `{TRUE#feedback when wrong#feedback when right}`; the wrong one is picked.
        if wrong_fb or right_fb:
            block += "#" + _formatted(wrong_fb, fmt, fmt)
        if right_fb:
            block += "#" + _formatted(right_fb, fmt, fmt)
        head += "{" + block + _general(q, fmt, inline=True) + "}"
        return _finish(lines, meta, head)
    elif kind == "short_answer":
        for a in content["answers"]:
            feedback = f"#{_formatted(a['feedback'], fmt, fmt)}" if a.get("feedback") else ""
            body.append(f"\t={_weight_text(a.get('weight', 100))}{escape(a['text'])}{feedback}")
        if content.get("case_sensitive"):
            meta["case_sensitive"] = True
    elif kind == "numeric":
        body_head = "{#"
        for a in content["answers"]:
            feedback = f"#{_formatted(a['feedback'], fmt, fmt)}" if a.get("feedback") else ""
            value, tolerance = _number(a["value"]), _number(a.get("tolerance") or 0)
            body.append(f"\t={_weight_text(a.get('weight', 100))}{value}:{tolerance}{feedback}")
        return _finish(lines, meta, head + body_head + "\n" + "\n".join(body) + "\n" + _general(q, fmt) + "}")
    elif kind in ("matching", "ordering"):
        if kind == "ordering":
            meta["type"] = "ordering"
            if content.get("scoring", "subsequence") != "subsequence":
                meta["scoring"] = content["scoring"]
            pairs = [{"prompt": str(n), "answer": i["text"]} for n, i in enumerate(content["items"], start=1)]
        else:
            pairs = content["pairs"]
        for p in pairs:
            body.append(f"\t={_formatted(p['prompt'], fmt, fmt)} -> {escape(p['answer'])}")
    elif kind == "essay":
        if content.get("rubric"):
            meta["rubric"] = content["rubric"]
        return _finish(lines, meta, head + "{" + _general(q, fmt, inline=True) + "}")
    else:
        raise ValueError(f"GIFT cannot write a {kind!r} question")
    return _finish(lines, meta, head + "{\n" + "\n".join(body) + "\n" + _general(q, fmt) + "}")


def _bracketed(text: str) -> str:
    return " ".join(text.split()).replace("]", "\\]")


def _even_weight(choices: list[Mapping[str, Any]], choice: Mapping[str, Any]) -> int:
    """The weight that scores an unweighted multiple choice as it is scored today: each right
    pick a share, each wrong pick one share off."""
    right = [c for c in choices if c.get("is_correct")]
    share = Decimal(100) / len(right)
    if not choice.get("is_correct"):
        return -int(share.to_integral_value())
    # Whole percents that add up to 100: the first few right choices carry the remainder.
    base, extra = divmod(100, len(right))
    return base + (1 if right.index(choice) < extra else 0)


def _general(q: Mapping[str, Any], fmt: str, *, inline: bool = False) -> str:
    feedback = q.get("general_feedback") or ""
    if not feedback:
        return ""
    text = "####" + _formatted(feedback, fmt, fmt)
    return text if inline else "\t" + text + "\n"


def _finish(lines: list[str], meta: Mapping[str, Any], question: str) -> str:
    if meta:
        lines.append(META + " " + json.dumps(meta, ensure_ascii=False, sort_keys=True))
    return "\n".join([*lines, question]) + "\n\n"
