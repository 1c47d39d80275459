"""Forms of the authoring pages: they check the shape of the input; the rules (unique slugs,
keys that work, limits) are the services', whose errors come back onto the form."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Function
from quizzes import question_types
from quizzes.models import Quiz


class CourseForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (in addresses)"), max_length=100)
    title = forms.CharField(label=_("Title (Bahasa Indonesia)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description (Markdown)"), widget=forms.Textarea, required=False)
    required_functions = forms.MultipleChoiceField(
        label=_("Required for"), choices=Function.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ModuleForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (in addresses)"), max_length=100)
    title = forms.CharField(label=_("Title (Bahasa Indonesia)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)


class LessonForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (in addresses)"), max_length=100)
    title = forms.CharField(label=_("Title (Bahasa Indonesia)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0)
    body = forms.CharField(label=_("Text (Markdown, Bahasa Indonesia)"), widget=forms.Textarea)
    body_en = forms.CharField(label=_("Text (Markdown, English)"), widget=forms.Textarea, required=False)


PAGING = [(Quiz.Paging.ALL, _("All on one page")), (Quiz.Paging.ONE, _("One question per screen"))]
GRADING_METHODS = [
    (Quiz.GradingMethod.HIGHEST, _("Highest grade")),
    (Quiz.GradingMethod.AVERAGE, _("Average grade")),
    (Quiz.GradingMethod.FIRST, _("First attempt")),
    (Quiz.GradingMethod.LAST, _("Last attempt")),
]
REVIEW_WHEN = [
    (Quiz.ReviewWhen.IMMEDIATELY, _("Right after grading")),
    (Quiz.ReviewWhen.AFTER_CLOSE, _("After the quiz closes")),
    (Quiz.ReviewWhen.AFTER_PASS, _("Once the quiz is passed")),
    (Quiz.ReviewWhen.NEVER, _("Never")),
]


class QuizForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (in addresses)"), max_length=100)
    title = forms.CharField(label=_("Title (Bahasa Indonesia)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100, initial=70)
    time_limit_seconds = forms.IntegerField(label=_("Time limit (seconds)"), min_value=30, initial=900)
    max_attempts = forms.IntegerField(label=_("Attempts allowed"), min_value=0, initial=3)
    opens_at = forms.DateTimeField(label=_("Opens at"), required=False)
    closes_at = forms.DateTimeField(label=_("Closes at"), required=False)
    cooldown_minutes = forms.IntegerField(label=_("Minutes between attempts"), min_value=0, initial=0)
    grading_method = forms.ChoiceField(
        label=_("Grade of the quiz over attempts"),
        choices=GRADING_METHODS,
        initial=Quiz.GradingMethod.HIGHEST,
    )
    review_score = forms.ChoiceField(
        label=_("Show the score"), choices=REVIEW_WHEN, initial=Quiz.ReviewWhen.IMMEDIATELY
    )
    review_correctness = forms.ChoiceField(
        label=_("Show which answers were right"), choices=REVIEW_WHEN, initial=Quiz.ReviewWhen.IMMEDIATELY
    )
    review_feedback = forms.ChoiceField(
        label=_("Show feedback and explanations"), choices=REVIEW_WHEN, initial=Quiz.ReviewWhen.NEVER
    )
    review_answers = forms.ChoiceField(
        label=_("Show the right answers"), choices=REVIEW_WHEN, initial=Quiz.ReviewWhen.NEVER
    )
    paging = forms.ChoiceField(
        label=_("Questions on the learner's page"), choices=PAGING, initial=Quiz.Paging.ALL
    )


# The question types in the authors' language (question_types' own labels are English).
TYPE_LABELS = {
    "single": _("Single choice"),
    "multiple": _("Multiple choice (partial credit)"),
    "true_false": _("True / false"),
    "short_answer": _("Short answer"),
    "numeric": _("Numeric"),
    "matching": _("Matching"),
    "ordering": _("Ordering"),
    "essay": _("Essay / scenario"),
}
CHOICE_TYPES = ("single", "multiple", "true_false")
SCORINGS = [
    ("", _("The type's default")),
    ("partial", _("Partial credit (multiple choice)")),
    ("all_or_nothing", _("All or nothing (multiple choice)")),
    ("subsequence", _("Longest run in the right order (ordering)")),
    ("position", _("Items in their right place (ordering)")),
]
_WEIGHT = re.compile(r"^(-?\d{1,3}(?:[.,]\d+)?)%\s*")


def _weighted(line: str) -> tuple[str, str | None]:
    """`50% text` as (text, "50"); a line without a percent as (line, None)."""
    found = _WEIGHT.match(line)
    if found is None:
        return line, None
    return line[found.end() :].strip(), found.group(1).replace(",", ".")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _percent(weight: str | None) -> object:
    if weight is None:
        return None
    number = float(weight)
    return int(number) if number.is_integer() else weight


def _as_percent(weight: object) -> str:
    return "" if weight is None else f"{weight}% "


class QuestionForm(forms.Form):
    """A question of any type with its key, written as lines of text (one field per kind of
    key; the page shows the ones of the chosen type). `clean()` turns them into the services'
    `choices` and `content`; `initial_from()` writes a question back into the same lines."""

    type = forms.ChoiceField(label=_("Type"))
    key = forms.SlugField(label=_("Key (unique in the quiz)"), max_length=100)
    text = forms.CharField(
        label=_("Question (Markdown, Bahasa Indonesia)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    text_en = forms.CharField(
        label=_("Question (English)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    points = forms.IntegerField(label=_("Points"), min_value=1, initial=1)
    choices = forms.CharField(
        label=_("Choices, one a line; start the right ones with *"),
        widget=forms.Textarea(attrs={"rows": 4, "data-for-types": " ".join(CHOICE_TYPES)}),
        required=False,
        help_text=_("For example: *Senyum, sapa, salam. Or weights: 50% Sapa, -25% Diam"),
    )
    answers = forms.CharField(
        label=_("Accepted answers, one a line (short answer)"),
        widget=forms.Textarea(attrs={"rows": 3, "data-for-types": "short_answer"}),
        required=False,
        help_text=_("For example: Polri. A part of the points: 50% Polisi. * stands for any text."),
    )
    case_sensitive = forms.BooleanField(
        label=_("Upper and lower case must match (short answer)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-for-types": "short_answer"}),
    )
    numbers = forms.CharField(
        label=_("Accepted numbers, one a line, with a tolerance (numeric)"),
        widget=forms.Textarea(attrs={"rows": 3, "data-for-types": "numeric"}),
        required=False,
        help_text=_("For example: 2002, or 9,8 ± 0,1, or 50% 10 ± 1"),
    )
    pairs = forms.CharField(
        label=_("Pairs, one a line: item -> answer (matching)"),
        widget=forms.Textarea(attrs={"rows": 4, "data-for-types": "matching"}),
        required=False,
        help_text=_("For example: 110 -> Polisi. A line -> answer alone adds an answer that fits no item."),
    )
    items = forms.CharField(
        label=_("Items in the right order, one a line (ordering)"),
        widget=forms.Textarea(attrs={"rows": 4, "data-for-types": "ordering"}),
        required=False,
    )
    rubric = forms.CharField(
        label=_("Rubric, one criterion a line: criterion | points (essay)"),
        widget=forms.Textarea(attrs={"rows": 3, "data-for-types": "essay"}),
        required=False,
        help_text=_("For example: Names the legal basis | 2"),
    )
    scoring = forms.ChoiceField(
        label=_("Scoring"),
        choices=SCORINGS,
        required=False,
        widget=forms.Select(attrs={"data-for-types": "multiple ordering"}),
    )
    explanation = forms.CharField(
        label=_("Explanation (shown in review)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [  # type: ignore[attr-defined]
            (name, TYPE_LABELS.get(name, label)) for name, label in question_types.choices()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        self.raw = {
            f: str(data.get(f) or "") for f in ("choices", "answers", "numbers", "pairs", "items", "rubric")
        }
        data["choices"], data["content"] = [], {}
        if kind is None:
            return data
        try:
            if kind in CHOICE_TYPES:
                data["choices"] = self._choices()
                if data.get("scoring"):
                    data["content"]["scoring"] = data["scoring"]
            elif kind == "short_answer":
                data["content"] = {
                    "answers": self._accepted("answers"),
                    "case_sensitive": bool(data.get("case_sensitive")),
                }
            elif kind == "numeric":
                data["content"] = {"answers": self._numbers()}
            elif kind == "matching":
                data["content"] = {"pairs": self._pairs()}
            elif kind == "ordering":
                items = [{"text": line} for line in _lines(self._raw("items"))]
                if len(items) < 2:
                    raise forms.ValidationError({"items": _("Give at least two items.")})
                data["content"] = {
                    "items": items,
                    **({"scoring": data["scoring"]} if data.get("scoring") else {}),
                }
            elif kind == "essay":
                data["content"] = {"rubric": self._rubric()}
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        return data

    def _raw(self, field: str) -> str:
        return self.raw[field]

    def _choices(self) -> list[dict[str, Any]]:
        choices = []
        for line in _lines(self._raw("choices")):
            right = line.startswith("*")
            text, weight = _weighted(line.lstrip("*").strip())
            choices.append({"text": text, "is_correct": right, "weight": _percent(weight)})
        if len(choices) < 2:
            raise forms.ValidationError({"choices": _("Give at least two choices.")})
        return choices

    def _accepted(self, field: str) -> list[dict[str, Any]]:
        answers = []
        for line in _lines(self._raw(field)):
            text, weight = _weighted(line)
            answers.append({"text": text, "weight": _percent(weight) if weight is not None else 100})
        if not answers:
            raise forms.ValidationError({field: _("Give at least one accepted answer.")})
        return answers

    def _numbers(self) -> list[dict[str, Any]]:
        answers = []
        for line in _lines(self._raw("numbers")):
            rest, weight = _weighted(line)
            value, _sep, tolerance = rest.replace("+/-", "±").partition("±")
            answers.append(
                {
                    "value": value.strip(),
                    "tolerance": tolerance.strip() or "0",
                    "weight": _percent(weight) if weight is not None else 100,
                }
            )
        if not answers:
            raise forms.ValidationError({"numbers": _("Give at least one accepted number.")})
        return answers

    def _pairs(self) -> list[dict[str, Any]]:
        pairs = []
        for line in _lines(self._raw("pairs")):
            prompt, arrow, answer = line.partition("->")
            if not arrow:
                raise forms.ValidationError({"pairs": _("Write each pair as: item -> answer.")})
            pairs.append({"prompt": prompt.strip(), "answer": answer.strip()})
        return pairs

    def _rubric(self) -> list[dict[str, Any]]:
        rubric = []
        for line in _lines(self._raw("rubric")):
            criterion, _bar, points = line.rpartition("|")
            if not criterion.strip() or not points.strip().isdigit():
                raise forms.ValidationError({"rubric": _("Write each criterion as: criterion | points.")})
            rubric.append({"criterion": criterion.strip(), "points": int(points)})
        return rubric

    @staticmethod
    def initial_from(authoring: dict[str, Any]) -> dict[str, Any]:
        """A question as the authoring selector reads it (keys included), in the form's lines."""
        content = authoring.get("content") or {}
        initial = {
            f: authoring.get(f, "") for f in ("type", "key", "text", "text_en", "points", "explanation")
        }
        initial["choices"] = "\n".join(
            ("*" if c["is_correct"] and c.get("weight") is None else "")
            + _as_percent(c.get("weight"))
            + c["text"]
            for c in authoring.get("choices") or []
        )
        initial["answers"] = "\n".join(
            (_as_percent(a.get("weight")) if a.get("weight", 100) != 100 else "") + a["text"]
            for a in content.get("answers") or []
            if "text" in a
        )
        initial["case_sensitive"] = bool(content.get("case_sensitive"))
        initial["numbers"] = "\n".join(
            (_as_percent(a.get("weight")) if a.get("weight", 100) != 100 else "")
            + str(a["value"])
            + (f" ± {a['tolerance']}" if str(a.get("tolerance", "0")) not in ("0", "0.0", "") else "")
            for a in content.get("answers") or []
            if "value" in a
        )
        initial["pairs"] = "\n".join(
            f"{p['prompt']} -> {p['answer']}".strip() for p in content.get("pairs") or []
        )
        initial["items"] = "\n".join(i["text"] for i in content.get("items") or [])
        initial["rubric"] = "\n".join(
            f"{c['criterion']} | {c['points']}" for c in content.get("rubric") or []
        )
        initial["scoring"] = content.get("scoring", "")
        return initial


GIFT_MAX_BYTES = 2 * 1024 * 1024


class GiftImportForm(forms.Form):
    """GIFT pasted or uploaded (one of them; UTF-8). The text is what the service reads."""

    text = forms.CharField(
        label=_("GIFT text"),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "code"}),
        required=False,
        strip=False,
        max_length=GIFT_MAX_BYTES,
    )
    file = forms.FileField(label=_("or a GIFT file (.txt, .gift, UTF-8)"), required=False)
    category = forms.ChoiceField(
        label=_("Category for the questions ($CATEGORY: paths start here)"), required=False
    )

    def __init__(self, *args: object, categories: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = categories  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > GIFT_MAX_BYTES:  # type: ignore[attr-defined]
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            try:
                data["gift"] = upload.read().decode("utf-8-sig")  # type: ignore[attr-defined]
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        elif (data.get("text") or "").strip():
            data["gift"] = data["text"]
        else:
            raise forms.ValidationError(_("Paste GIFT text or choose a file."))
        return data
