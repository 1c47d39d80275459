"""Forms of the authoring pages: they check the shape of the input; the rules (unique slugs,
keys that work, limits) are the services', whose errors come back onto the form."""

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


class QuizForm(forms.Form):
    slug = forms.SlugField(label=_("Slug (in addresses)"), max_length=100)
    title = forms.CharField(label=_("Title (Bahasa Indonesia)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=0, max_value=100, initial=70)
    time_limit_seconds = forms.IntegerField(label=_("Time limit (seconds)"), min_value=30, initial=900)
    max_attempts = forms.IntegerField(label=_("Attempts allowed"), min_value=0, initial=3)
    review = forms.ChoiceField(label=_("After grading, show"), choices=Quiz.Review.choices)


class QuestionForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=question_types.choices)
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
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: *Senyum, sapa, salam"),
    )
    explanation = forms.CharField(
        label=_("Explanation (shown in review)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_choices(self) -> list[dict[str, object]]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
        choices = [{"text": line.lstrip("*").strip(), "is_correct": line.startswith("*")} for line in lines]
        if len(choices) < 2:
            raise forms.ValidationError(_("Give at least two choices."))
        return choices
