"""Thin views of the quiz flow (learners) and of question banks (instructors)."""

import dataclasses
from typing import Any

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api import Audited
from core.api import BodyChecked, CSVRenderer, FilterSet, MomentField, ServiceWriteViewSet
from core.errors import NotAllowed, NotFoundError
from courses.models import Module
from people.models import Person
from people.permissions import IsHR, IsInstructor
from people.selectors import person_for_user
from quizzes import analysis, gift, question_types, regrading, selectors, services
from quizzes.models import (
    Attempt,
    Category,
    Question,
    Quiz,
    QuizOverride,
    QuizSlot,
    Regrade,
    Tag,
    TextFormat,
)

ANSWER_KEYS = ("choices", "text", "value", "pairs", "order")


@extend_schema_field(
    {"oneOf": [{"type": "number"}, {"type": "string", "example": "2,5"}]},
)
class NumberOrTextField(serializers.CharField):
    """A number as JSON gives it (2.5) or as a person types it ("2,5"): kept as text, read by
    the numeric type."""


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50, help_text="Choice types."
    )
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20_000,
        trim_whitespace=False,
        help_text="Short answer, essay.",
    )
    value = NumberOrTextField(required=False, max_length=40, help_text='Numeric: 2.5 or "2,5".')
    pairs = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=2, max_length=2),
        required=False,
        max_length=100,
        help_text="Matching: [[prompt_id, answer_id], ...].",
    )
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100,
        help_text="Ordering: every item id, in the learner's order.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ANSWER_KEYS if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Give exactly one of `choices`, `text`, `value`, `pairs` or `order`."
            )
        return attrs


class AnswersInputSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, max_length=500)  # type: ignore[call-arg]


def _answers(request: Request, *, required: bool) -> list[services.Answer]:
    if not required and not request.data:
        return []
    serializer = AnswersInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return [
        services.Answer(
            question=a["question"],
            choices=tuple(a["choices"]) if "choices" in a else None,
            text=a.get("text"),
            value=a.get("value"),
            pairs=tuple((p[0], p[1]) for p in a["pairs"]) if "pairs" in a else None,
            order=tuple(a["order"]) if "order" in a else None,
        )
        for a in serializer.validated_data["answers"]
    ]


PAGING_HELP = (
    "How the quiz's page shows the questions: `all` on one page, or `one` per screen (the "
    "learner may switch)."
)


class ReviewShownSerializer(serializers.Serializer):
    score = serializers.BooleanField(help_text="score, percent and passed are shown")
    correctness = serializers.BooleanField(help_text="feedback rows say `correct` and `score`")
    feedback = serializers.BooleanField(help_text="feedback rows carry explanations and comments")
    answers = serializers.BooleanField(help_text="feedback rows carry the right answers")


class AttemptOutputSerializer(serializers.ModelSerializer):
    quiz = serializers.IntegerField(source="quiz_id")
    paging = serializers.ChoiceField(
        source="quiz.paging", choices=Quiz.Paging.choices, read_only=True, help_text=PAGING_HELP
    )
    questions = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField(
        help_text="What the quiz's review policy shows of this attempt now."
    )
    feedback = serializers.SerializerMethodField(
        help_text="Per question, as much as `review` allows; empty before grading."
    )

    class Meta:
        model = Attempt
        fields = [
            "id",
            "quiz",
            "paging",
            "number",
            "status",
            "started_at",
            "deadline",
            "submitted_at",
            "auto_submitted",
            "graded_at",
            "score",
            "max_score",
            "percent",
            "passed",
            "questions",
            "answers",
            "review",
            "feedback",
        ]

    def to_representation(self, instance: Attempt) -> dict[str, Any]:
        # The quiz's review policy, worked out once for the score and the feedback.
        self._shown = selectors.attempt_review_shown(attempt=instance)
        data = super().to_representation(instance)
        if instance.status == Attempt.Status.NEEDS_REVIEW or (
            instance.status == Attempt.Status.GRADED and not self._shown.score
        ):
            # Awaiting review: the automatic part's score is not the grade, so none is shown;
            # a score the review policy holds back is not shown either.
            data.update(score=None, percent=None, passed=None)
        return data

    @extend_schema_field(ReviewShownSerializer)
    def get_review(self, attempt: Attempt) -> dict[str, bool]:
        return dataclasses.asdict(self._shown)

    def get_questions(self, attempt: Attempt) -> list[dict[str, Any]]:
        return selectors.attempt_questions_public(attempt=attempt)

    def get_answers(self, attempt: Attempt) -> list[dict[str, Any]]:
        return selectors.attempt_answers(attempt=attempt)

    def get_feedback(self, attempt: Attempt) -> list[dict[str, Any]]:
        return selectors.attempt_feedback(attempt=attempt, shown=self._shown)


def _attempt_of_requester(request: Request, attempt_id: int) -> Attempt:
    attempt = selectors.attempt_get_for_user(attempt_id=attempt_id, user_id=request.user.pk)
    if attempt is None:  # someone else's attempt is as unknown as a missing one
        raise NotFound("No such attempt.")
    return attempt


def _out(attempt_id: int, code: int = status.HTTP_200_OK) -> Response:
    attempt = (
        Attempt.objects.select_related("version", "quiz")
        .defer("version__spec")  # selectors.version_questions keeps it per process
        .prefetch_related("responses")
        .get(pk=attempt_id)
    )
    return Response(AttemptOutputSerializer(attempt).data, status=code)


class QuizResultSerializer(serializers.Serializer):
    grading_method = serializers.CharField(source="method")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    passed = serializers.BooleanField()
    attempts = serializers.ListField(child=serializers.IntegerField(), help_text="What the result rests on.")
    attempts_counted = serializers.IntegerField(source="counted")


class QuizLearnerApi(APIView):
    """A quiz as its learner sees it before a start: the rules for them (their overrides
    applied), attempts used and left in the current cycle, when the next may start, and their
    result so far under the quiz's grading method (graded attempts only)."""

    class QuizLearnerOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        title_en = serializers.CharField()
        course = serializers.IntegerField()
        pass_mark = serializers.IntegerField()
        opens_at = serializers.DateTimeField(allow_null=True)
        closes_at = serializers.DateTimeField(allow_null=True)
        window = serializers.ChoiceField(
            choices=["not_open", "open", "closed"],
            help_text="May an attempt start now, by the dates?",
        )
        time_limit_seconds = serializers.IntegerField(help_text="With the person's time multiplier.")
        attempts_allowed = serializers.IntegerField()
        attempts_used = serializers.IntegerField()
        attempts_left = serializers.IntegerField()
        next_attempt_at = serializers.DateTimeField(
            allow_null=True, help_text="The earliest next start (cooling period, opening); null: now."
        )
        grading_method = serializers.CharField()
        result = QuizResultSerializer(allow_null=True)

    @extend_schema(responses=QuizLearnerOutputSerializer)
    def get(self, request: Request, quiz_id: int) -> Response:
        person = person_for_user(request.user)
        if person is None:
            raise NotAllowed("Only personnel with an NRP take quizzes.", code="no_person")
        quiz = selectors.quiz_for_learner(quiz_id=quiz_id)
        if quiz is None:
            raise NotFound("No such quiz.")
        state = selectors.quiz_states_for_person(quizzes=[quiz], person=person)[quiz.pk]
        data = {
            "id": quiz.pk,
            "title": quiz.title,
            "title_en": quiz.title_en,
            "course": quiz.module.course_id,
            "pass_mark": quiz.pass_mark,
            **state,
        }
        return Response(self.QuizLearnerOutputSerializer(data).data)


class AttemptStartApi(BodyChecked, APIView):
    @extend_schema(request=None, responses={201: AttemptOutputSerializer})
    def post(self, request: Request, quiz_id: int) -> Response:
        person = person_for_user(request.user)
        if person is None:
            raise NotAllowed("Only personnel with an NRP can take quizzes.", code="no_person")
        quiz = get_object_or_404(Quiz.objects.select_related("module__course"), pk=quiz_id)
        attempt = services.attempt_start(quiz=quiz, person=person)
        return _out(attempt.pk, status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    @extend_schema(responses=AttemptOutputSerializer)
    def get(self, request: Request, attempt_id: int) -> Response:
        return _out(_attempt_of_requester(request, attempt_id).pk)


class SavedAnswersOutputSerializer(serializers.Serializer):
    """What a save answers: the attempt's state and the answers just saved, as stored (not the
    whole attempt: the learner has its questions, and a save is the most frequent request)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    deadline = serializers.DateTimeField()
    answers = serializers.ListField(child=serializers.DictField())


class AttemptAnswersApi(BodyChecked, APIView):
    throttle_scope = "answers"  # per user (people.throttling)
    patch_is_partial = False  # the OpenAPI document: `answers` is required

    @extend_schema(request=AnswersInputSerializer, responses=SavedAnswersOutputSerializer)
    def patch(self, request: Request, attempt_id: int) -> Response:
        answers = _answers(request, required=True)
        try:
            saved = services.attempt_answers_save(
                attempt_id=attempt_id, answers=answers, user_id=request.user.pk
            )
        except NotFoundError as exc:  # someone else's attempt is as unknown as a missing one
            raise NotFound("No such attempt.") from exc
        attempt = saved.attempt
        out = {
            "id": attempt.pk,
            "status": attempt.status,
            "deadline": attempt.deadline,
            "answers": selectors.attempt_answers(attempt=attempt, responses=saved.responses),
        }
        return Response(SavedAnswersOutputSerializer(out).data)


class AttemptSubmitApi(BodyChecked, APIView):
    throttle_scope = "submit"

    class SubmitOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()

    @extend_schema(request=AnswersInputSerializer, responses={202: SubmitOutputSerializer})
    def post(self, request: Request, attempt_id: int) -> Response:
        answers = _answers(request, required=False)
        try:
            attempt = services.attempt_submit_by_id(
                attempt_id=attempt_id, answers=answers, user_id=request.user.pk
            )
        except NotFoundError as exc:  # someone else's attempt is as unknown as a missing one
            raise NotFound("No such attempt.") from exc
        return Response({"id": attempt.pk, "status": attempt.status}, status=status.HTTP_202_ACCEPTED)


# --- Authoring ------------------------------------------------------------------------------
# Thin viewsets, as in courses/api.py: each write validates the Input serializer (partial on
# PATCH), calls one service and answers with the Output serializer; Input and Output share one
# OpenAPI component name (`QuizRequest` in, `Quiz` out).

# The largest values PostgreSQL's integer and smallint store.
INTEGER_MAX = 2_147_483_647
SMALLINT_MAX = 32_767


REVIEW_HELP = (
    "When the learner sees this part of a graded attempt. Feedback and right answers also wait "
    "until the learner can take the quiz no more."
)
WEIGHT = {"min_value": -100, "max_value": 100, "help_text": "A percent of the question's points."}


@extend_schema_serializer(component_name="Choice")
class ChoiceAuthoringInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    text_en = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_correct = serializers.BooleanField(default=False)
    weight = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=-100,
        max_value=100,
        help_text="A percent of the question's points; when given, it decides `is_correct`.",
    )
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema_serializer(component_name="Choice")
class ChoiceAuthoringOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    text_en = serializers.CharField()
    is_correct = serializers.BooleanField()
    weight = serializers.IntegerField(allow_null=True)
    feedback = serializers.CharField()


@extend_schema_serializer(component_name="AcceptedAnswer")
class AcceptedAnswerSerializer(serializers.Serializer):
    """An accepted answer: `text` (short answer; `*` is any text) or `value` and `tolerance`
    (numeric; a range min..max is its midpoint and half-width), with a weight."""

    text = serializers.CharField(required=False, max_length=500)
    value = NumberOrTextField(required=False, max_length=40)
    tolerance = NumberOrTextField(required=False, max_length=40)
    weight = serializers.IntegerField(required=False, default=100, **WEIGHT)  # type: ignore[arg-type]
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=5000)


@extend_schema_serializer(component_name="MatchingPair")
class PairSerializer(serializers.Serializer):
    prompt = serializers.CharField(allow_blank=True, max_length=1000, help_text="Empty: an extra answer.")
    answer = serializers.CharField(max_length=500)
    # Given by the service, never by the author: an id chosen in order would tell learners the key.
    prompt_id = serializers.IntegerField(read_only=True)
    answer_id = serializers.IntegerField(read_only=True)


@extend_schema_serializer(component_name="OrderingItem")
class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        read_only=True, help_text="Given by the service (random: it tells nothing)."
    )
    text = serializers.CharField(max_length=1000)


@extend_schema_serializer(component_name="RubricCriterion")
class CriterionSerializer(serializers.Serializer):
    criterion = serializers.CharField(max_length=500)
    points = serializers.IntegerField(min_value=1, max_value=1000)


# The type's own keys (Question.content), by name: what each of them is.
CONTENT_FIELDS: dict[str, Any] = {
    "answers": lambda **kw: AcceptedAnswerSerializer(many=True, max_length=50, **kw),  # type: ignore[call-arg]
    "case_sensitive": lambda **kw: serializers.BooleanField(**kw),
    "scoring": lambda **kw: serializers.ChoiceField(
        choices=["partial", "all_or_nothing", "subsequence", "position"],
        help_text="multiple: partial (default) or all_or_nothing; "
        "ordering: subsequence (default) or position.",
        **kw,
    ),
    "pairs": lambda **kw: PairSerializer(many=True, max_length=50, **kw),  # type: ignore[call-arg]
    "items": lambda **kw: ItemSerializer(many=True, max_length=50, **kw),  # type: ignore[call-arg]
    "rubric": lambda **kw: CriterionSerializer(many=True, max_length=50, **kw),  # type: ignore[call-arg]
}


@extend_schema_serializer(component_name="Question")
class QuestionAuthoringOutputSerializer(serializers.ModelSerializer):
    """A question with its key; what instructors read, never learners. Besides the common
    fields, each type has its own: `choices` (choice types), `answers` (short answer, numeric),
    `pairs` (matching), `items` (ordering), `rubric` (essay)."""

    choices = ChoiceAuthoringOutputSerializer(many=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)  # type: ignore[var-annotated]
    answers = CONTENT_FIELDS["answers"](source="content.answers", required=False)
    case_sensitive = CONTENT_FIELDS["case_sensitive"](source="content.case_sensitive", required=False)
    scoring = CONTENT_FIELDS["scoring"](source="content.scoring", required=False)
    pairs = CONTENT_FIELDS["pairs"](source="content.pairs", required=False)
    items = CONTENT_FIELDS["items"](source="content.items", required=False)
    rubric = CONTENT_FIELDS["rubric"](source="content.rubric", required=False)

    class Meta:
        model = Question
        fields = [
            "id",
            "quiz",
            "category",
            "tags",
            "key",
            "order",
            "type",
            "name",
            "text",
            "text_format",
            "text_en",
            "general_feedback",
            "explanation",
            "explanation_en",
            "points",
            "choices",
            *CONTENT_FIELDS,
        ]


@extend_schema_serializer(component_name="RegradeJob")
class RegradeJobSerializer(serializers.ModelSerializer):
    quiz = serializers.IntegerField(source="quiz_id")
    version = serializers.IntegerField(source="version.number")
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True, default=None)
    progress = serializers.IntegerField(help_text="0..100")

    class Meta:
        model = Regrade
        fields = [
            "id",
            "status",
            "progress",
            "quiz",
            "version",
            "reason",
            "dropped",
            "requested_by",
            "created_at",
            "finished_at",
            "total",
            "done",
            "changed",
        ]


class RegradeJobApi(APIView):
    """A regrade's progress and its audit: who, when, why."""

    permission_classes = [IsInstructor]

    @extend_schema(responses=RegradeJobSerializer)
    def get(self, request: Request, regrade_id: int) -> Response:
        job = selectors.regrade_get(regrade_id=regrade_id)
        if job is None:
            raise NotFound("No such regrade.")
        return Response(RegradeJobSerializer(job).data)


def _version_or_404(quiz: Quiz, number: int | None) -> Any:
    version = selectors.quiz_version(quiz=quiz, number=number)
    if version is None:
        raise NotFound("The quiz has no such published version.")
    return version


class QuizAuthoringViewSet(Audited, ServiceWriteViewSet):
    audit_target = "quiz"

    @extend_schema_serializer(component_name="Quiz")
    class QuizAuthoringInputSerializer(serializers.Serializer):
        module = serializers.PrimaryKeyRelatedField(queryset=Module.objects.all())
        slug = serializers.SlugField(max_length=100)
        title = serializers.CharField(max_length=200)
        title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
        pass_mark = serializers.IntegerField(
            min_value=0, max_value=services.PASS_MARK_MAX, required=False, help_text="Percent needed to pass"
        )
        time_limit_seconds = serializers.IntegerField(
            min_value=services.TIME_LIMIT_MIN_SECONDS, max_value=INTEGER_MAX, required=False
        )
        max_attempts = serializers.IntegerField(min_value=0, max_value=SMALLINT_MAX, required=False)
        opens_at = MomentField(
            required=False, allow_null=True, help_text="No attempt starts before (null: no limit)."
        )
        closes_at = MomentField(
            required=False,
            allow_null=True,
            help_text="No attempt starts from then, and none runs past it (null: no limit).",
        )
        cooldown_minutes = serializers.IntegerField(
            min_value=0,
            max_value=INTEGER_MAX,
            required=False,
            help_text="Minutes after an attempt ends before the next may start.",
        )
        grading_method = serializers.ChoiceField(
            choices=Quiz.GradingMethod.choices,
            required=False,
            help_text="Which graded attempts make the person's result (certificates, HR).",
        )
        review_score = serializers.ChoiceField(
            choices=Quiz.ReviewWhen.choices, required=False, help_text=REVIEW_HELP
        )
        review_correctness = serializers.ChoiceField(
            choices=Quiz.ReviewWhen.choices, required=False, help_text=REVIEW_HELP
        )
        review_feedback = serializers.ChoiceField(
            choices=Quiz.ReviewWhen.choices, required=False, help_text=REVIEW_HELP
        )
        review_answers = serializers.ChoiceField(
            choices=Quiz.ReviewWhen.choices, required=False, help_text=REVIEW_HELP
        )
        paging = serializers.ChoiceField(choices=Quiz.Paging.choices, required=False, help_text=PAGING_HELP)

    @extend_schema_serializer(component_name="Quiz")
    class QuizAuthoringOutputSerializer(serializers.ModelSerializer):
        published_version = serializers.SerializerMethodField()

        class Meta:
            model = Quiz
            fields = [
                "id",
                "module",
                "slug",
                "title",
                "title_en",
                "pass_mark",
                "time_limit_seconds",
                "max_attempts",
                "opens_at",
                "closes_at",
                "cooldown_minutes",
                "grading_method",
                "review_score",
                "review_correctness",
                "review_feedback",
                "review_answers",
                "paging",
                "published_version",
            ]

        def get_published_version(self, quiz: Quiz) -> int | None:
            return max((v.number for v in quiz.versions.all()), default=None)

    class QuizPublishOutputSerializer(serializers.Serializer):
        quiz = serializers.IntegerField(source="quiz_id")
        version = serializers.IntegerField(source="number")
        published_at = serializers.DateTimeField()

    permission_classes = [IsInstructor]
    serializer_class = QuizAuthoringOutputSerializer
    input_serializer_class = QuizAuthoringInputSerializer
    queryset = Quiz.objects.prefetch_related("versions").order_by("id")
    filterset_fields = ["module"]

    def service_create(self, data: dict[str, Any]) -> Quiz:
        return services.quiz_create(**data)

    def service_update(self, instance: Quiz, data: dict[str, Any]) -> Quiz:
        return services.quiz_update(quiz=instance, data=data)  # type: ignore[arg-type]

    def service_delete(self, instance: Quiz) -> None:
        services.quiz_delete(quiz=instance)

    @extend_schema(responses=QuestionAuthoringOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def questions(self, request: Request, pk: str) -> Response:
        questions = self.get_object().questions.prefetch_related("choices", "tags")
        return Response(QuestionAuthoringOutputSerializer(questions, many=True).data)

    class AnalysisQuerySerializer(serializers.Serializer):
        version = serializers.IntegerField(
            min_value=1, required=False, help_text="The version's number (default: the latest)."
        )

    @extend_schema(
        parameters=[AnalysisQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR},
        description=(
            "Item analysis of the graded attempts of a version: per question facility, "
            "discrimination (upper vs lower 27%), point-biserial, SD and choice frequencies; "
            "for the test mean, SD, Cronbach's alpha and KR-20. `?format=csv`: a row per question "
            "and per choice."
        ),
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer])
    def analysis(self, request: Request, pk: str) -> Any:
        query = self.AnalysisQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        quiz = self.get_object()
        version = _version_or_404(quiz, query.validated_data.get("version"))
        report = analysis.quiz_version_analysis(version=version)
        if request.accepted_renderer.format != "csv":
            return Response(report)
        response = HttpResponse(analysis.analysis_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="quiz-{quiz.pk}-v{version.number}-analysis.csv"'
        )
        return response

    class RegradeInputSerializer(serializers.Serializer):
        dry_run = serializers.BooleanField(default=True, help_text="List the changes only (the default).")
        reason = serializers.CharField(
            max_length=2000,
            help_text="Why: kept with the regrade, and given as the reason of any certificate it revokes.",
        )
        version = serializers.IntegerField(min_value=1, required=False, help_text="Default: the latest.")
        drop = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            default=list,
            max_length=500,
            help_text="Question ids of the version dropped: full credit to everyone.",
        )

    class RegradeChangeSerializer(serializers.Serializer):
        attempt = serializers.IntegerField()
        old_score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
        new_score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
        old_passed = serializers.BooleanField(allow_null=True)
        new_passed = serializers.BooleanField(allow_null=True)

    class RegradeDryRunSerializer(serializers.Serializer):
        changes = serializers.ListField(child=serializers.DictField())

    @extend_schema(
        request=RegradeInputSerializer,
        responses={200: RegradeDryRunSerializer, 202: OpenApiTypes.OBJECT},
        description=(
            "Regrade a version against the draft's keys (as fixed since) and dropped questions. "
            "Dry run: 200 with every attempt whose score or pass would change. Real run: 202 "
            "with the job (`id`, `status`, `progress`), followed at /authoring/regrades/{id}/."
        ),
    )
    @action(detail=True, methods=["post"])
    def regrade(self, request: Request, pk: str) -> Response:
        serializer = self.RegradeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quiz = self.get_object()
        version = _version_or_404(quiz, data.get("version"))
        if data["dry_run"]:
            changes = regrading.regrade_preview(version=version, dropped=data["drop"])
            rows = self.RegradeChangeSerializer([vars(c) for c in changes], many=True).data
            return Response({"changes": rows})
        job = regrading.regrade_start(
            quiz=quiz,
            version=version,
            reason=data["reason"],
            dropped=data["drop"],
            requested_by_id=request.user.pk,
        )
        return Response(RegradeJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=QuizPublishOutputSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        version = services.quiz_publish(quiz=self.get_object())
        return Response(self.QuizPublishOutputSerializer(version).data)


class QuestionAuthoringViewSet(
    Audited, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    audit_target = "question"

    @extend_schema_serializer(component_name="Question")
    class QuestionAuthoringInputSerializer(serializers.Serializer):
        quiz = serializers.PrimaryKeyRelatedField(
            queryset=Quiz.objects.all(),
            allow_null=True,
            help_text="The quiz of which it is a fixed question; null: a question of the bank only.",
        )
        category = serializers.PrimaryKeyRelatedField(
            queryset=Category.objects.all(), allow_null=True, required=False
        )
        tags = serializers.ListField(
            child=serializers.CharField(max_length=100), required=False, max_length=20, help_text="Tag names."
        )
        key = serializers.SlugField(max_length=100, help_text="Stable identifier within the quiz")
        order = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, required=False)
        type = serializers.ChoiceField(choices=question_types.choices())
        text = serializers.CharField()
        text_en = serializers.CharField(required=False, allow_blank=True)
        explanation = serializers.CharField(required=False, allow_blank=True)
        explanation_en = serializers.CharField(required=False, allow_blank=True)
        points = serializers.IntegerField(min_value=1, max_value=SMALLINT_MAX, required=False)
        name = serializers.CharField(required=False, allow_blank=True, max_length=255)
        text_format = serializers.ChoiceField(choices=TextFormat.choices, required=False)
        general_feedback = serializers.CharField(required=False, allow_blank=True)
        choices = ChoiceAuthoringInputSerializer(
            many=True,
            required=False,
            max_length=10,  # type: ignore[call-arg]
            help_text="Choice types: all of the question's choices; they replace the old ones. A PATCH "
            "without choices keeps them.",
        )
        answers = CONTENT_FIELDS["answers"](required=False)
        case_sensitive = CONTENT_FIELDS["case_sensitive"](required=False)
        scoring = CONTENT_FIELDS["scoring"](required=False)
        pairs = CONTENT_FIELDS["pairs"](required=False)
        items = CONTENT_FIELDS["items"](required=False)
        rubric = CONTENT_FIELDS["rubric"](required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # A whole question (POST, PUT) of a choice type names its choices; a PATCH may keep them.
            takes_choices = not self.partial and question_types.get(attrs["type"]).answer_key == "choices"
            if takes_choices and "choices" not in attrs:
                raise serializers.ValidationError({"choices": ["A question of this type has choices."]})
            return attrs

    permission_classes = [IsInstructor]
    serializer_class = QuestionAuthoringOutputSerializer
    queryset = Question.objects.prefetch_related("choices", "tags").order_by("quiz", "order", "id")
    filterset_fields = ["quiz", "type", "category"]

    @extend_schema(
        request=QuestionAuthoringInputSerializer, responses={201: QuestionAuthoringOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = self.QuestionAuthoringInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        content = {k: data.pop(k) for k in CONTENT_FIELDS if k in data}
        question = services.question_create(**data, content=content)
        return Response(self._out(question), status=status.HTTP_201_CREATED)

    @extend_schema(request=QuestionAuthoringInputSerializer, responses=QuestionAuthoringOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        question = self.get_object()
        serializer = self.QuestionAuthoringInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        choices = data.pop("choices", None)
        content = {k: data.pop(k) for k in CONTENT_FIELDS if k in data}
        tags = data.pop("tags", None)
        question = services.question_update(
            question=question, data=data, choices=choices, content=content, tags=tags
        )
        return Response(self._out(question))

    @extend_schema(request=QuestionAuthoringInputSerializer, responses=QuestionAuthoringOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.question_delete(question=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _out(self, question: Question) -> dict[str, Any]:
        # Read again: the choices were replaced, so what was prefetched is gone.
        return QuestionAuthoringOutputSerializer(self.get_queryset().get(pk=question.pk)).data


# --- The question bank ---


class CategoryViewSet(viewsets.ModelViewSet):
    """The question bank's category tree (as GIFT's `$CATEGORY:` paths)."""

    @extend_schema_serializer(component_name="Category")
    class CategoryInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
            queryset=Category.objects.all(), allow_null=True, required=False
        )

    @extend_schema_serializer(component_name="Category")
    class CategoryOutputSerializer(serializers.ModelSerializer):
        path = serializers.SerializerMethodField(help_text="Names from the top, joined by '/'.")
        question_count = serializers.IntegerField(read_only=True)

        class Meta:
            model = Category
            fields = ["id", "name", "parent", "path", "question_count"]

        def get_path(self, category: Category) -> str:
            return "/".join(self.context["paths"][category.pk])

    permission_classes = [IsInstructor]
    serializer_class = CategoryOutputSerializer
    filterset_fields = ["parent"]

    def get_queryset(self) -> Any:
        return selectors.categories_with_counts()

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "paths": selectors.category_paths()}

    def _out(self, category: Category, code: int = status.HTTP_200_OK) -> Response:
        category = self.get_queryset().get(pk=category.pk)
        return Response(
            self.CategoryOutputSerializer(category, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=CategoryInputSerializer, responses={201: CategoryOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.CategoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = services.category_save(name=data["name"], parent=data.get("parent"))
        return self._out(category, status.HTTP_201_CREATED)

    @extend_schema(request=CategoryInputSerializer, responses=CategoryOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        category = self.get_object()
        serializer = self.CategoryInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = services.category_save(
            name=data.get("name", category.name),
            parent=data.get("parent", category.parent),
            category=category,
        )
        return self._out(category)

    @extend_schema(request=CategoryInputSerializer, responses=CategoryOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.category_delete(category=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagViewSet(ServiceWriteViewSet):
    """The question bank's tags, with how many questions have each and how many random slots
    draw from it. A question's tags are set by name on the question (`tags`); here a tag is
    created, renamed or deleted for every question at once. A tag a slot draws from is not
    deleted (409)."""

    @extend_schema_serializer(component_name="Tag")
    class TagInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=services.TAG_NAME_MAX)

    @extend_schema_serializer(component_name="Tag")
    class TagOutputSerializer(serializers.ModelSerializer):
        question_count = serializers.IntegerField(read_only=True, help_text="Questions that have it.")
        slot_count = serializers.IntegerField(read_only=True, help_text="Random slots that draw from it.")

        class Meta:
            model = Tag
            fields = ["id", "name", "question_count", "slot_count"]

    permission_classes = [IsInstructor]
    serializer_class = TagOutputSerializer
    input_serializer_class = TagInputSerializer

    def get_queryset(self) -> Any:
        return selectors.tags_with_counts()

    def service_create(self, data: dict[str, Any]) -> Tag:
        tag = services.tag_save(name=data["name"])
        return self.get_queryset().get(pk=tag.pk)  # with its counts

    def service_update(self, instance: Tag, data: dict[str, Any]) -> Tag:
        return services.tag_save(name=data.get("name", instance.name), tag=instance)

    def service_delete(self, instance: Tag) -> None:
        services.tag_delete(tag=instance)


class SlotViewSet(ServiceWriteViewSet):
    """A quiz's random slots: N questions drawn for each attempt from a category (with its
    subcategories unless `include_subcategories` is false) or a tag of the bank, or from the
    questions of a category that have a tag. A change counts from the quiz's next publish."""

    @extend_schema_serializer(component_name="QuizSlot")
    class SlotInputSerializer(serializers.Serializer):
        quiz = serializers.PrimaryKeyRelatedField(queryset=Quiz.objects.all())
        category = serializers.PrimaryKeyRelatedField(
            queryset=Category.objects.all(), allow_null=True, required=False
        )
        tag = serializers.CharField(
            max_length=services.TAG_NAME_MAX,
            required=False,
            allow_blank=True,
            allow_null=True,
            help_text="A tag's name (made when new); empty or null: no tag. A slot draws from a "
            "category, a tag or both.",
        )
        count = serializers.IntegerField(min_value=1, max_value=SMALLINT_MAX)
        include_subcategories = serializers.BooleanField(default=True)
        order = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, required=False)

    @extend_schema_serializer(component_name="QuizSlot")
    class SlotOutputSerializer(serializers.ModelSerializer):
        tag = serializers.SlugRelatedField(slug_field="name", read_only=True)  # type: ignore[var-annotated]

        class Meta:
            model = QuizSlot
            fields = ["id", "quiz", "order", "category", "tag", "count", "include_subcategories"]

    permission_classes = [IsInstructor]
    serializer_class = SlotOutputSerializer
    input_serializer_class = SlotInputSerializer
    queryset = QuizSlot.objects.select_related("tag").order_by("quiz", "order", "id")
    filterset_fields = ["quiz"]

    def service_create(self, data: dict[str, Any]) -> QuizSlot:
        return services.slot_save(**data)

    def service_update(self, instance: QuizSlot, data: dict[str, Any]) -> QuizSlot:
        return services.slot_update(slot=instance, data=data)  # type: ignore[arg-type]

    def service_delete(self, instance: QuizSlot) -> None:
        services.slot_delete(slot=instance)


class OverrideFilter(FilterSet):
    person = django_filters.CharFilter(field_name="person__nrp", help_text="The person's NRP.")
    quiz = django_filters.ModelChoiceFilter(queryset=Quiz.objects.all())


class OverrideViewSet(Audited, ServiceWriteViewSet):
    """Per-person overrides of a quiz (or, with `quiz` null, of every quiz of the person): more
    time as a multiplier of the time limit, extra attempts, their own open and close dates. A
    null field takes the person's general override's value, then the quiz's; a quiz's own
    override beats the general one field by field. Applied when the person starts an attempt.
    Instructors and HR; every write is in the audit log."""

    audit_target = "override"

    @extend_schema_serializer(component_name="QuizOverride")
    class OverrideInputSerializer(serializers.Serializer):
        person = serializers.SlugRelatedField(
            slug_field="nrp", queryset=Person.objects.all(), help_text="The person's NRP."
        )
        quiz = serializers.PrimaryKeyRelatedField(
            queryset=Quiz.objects.all(), allow_null=True, help_text="null: every quiz of the person."
        )
        time_multiplier = serializers.DecimalField(
            max_digits=3,
            decimal_places=2,
            min_value=services.TIME_MULTIPLIER_MIN,
            max_value=services.TIME_MULTIPLIER_MAX,
            required=False,
            allow_null=True,
            help_text="The time limit times this, on every timed quiz it covers.",
        )
        extra_attempts = serializers.IntegerField(
            min_value=0, max_value=services.EXTRA_ATTEMPTS_MAX, required=False, allow_null=True
        )
        opens_at = MomentField(required=False, allow_null=True)
        closes_at = MomentField(required=False, allow_null=True)

    @extend_schema_serializer(component_name="QuizOverride")
    class OverrideOutputSerializer(serializers.ModelSerializer):
        person = serializers.CharField(source="person.nrp", read_only=True)
        person_name = serializers.CharField(source="person.name", read_only=True)

        class Meta:
            model = QuizOverride
            fields = [
                "id", "person", "person_name", "quiz", "time_multiplier", "extra_attempts",
                "opens_at", "closes_at", "created_at", "updated_at",
            ]  # fmt: skip

    permission_classes = [IsInstructor | IsHR]
    serializer_class = OverrideOutputSerializer
    input_serializer_class = OverrideInputSerializer
    queryset = QuizOverride.objects.select_related("person").order_by("id")
    filterset_class = OverrideFilter

    def service_create(self, data: dict[str, Any]) -> QuizOverride:
        person, quiz = data.pop("person"), data.pop("quiz")
        return services.override_save(person=person, quiz=quiz, data=data)  # type: ignore[arg-type]

    def service_update(self, instance: QuizOverride, data: dict[str, Any]) -> QuizOverride:
        person, quiz = data.pop("person", instance.person), data.pop("quiz", instance.quiz)
        return services.override_save(
            person=person,
            quiz=quiz,
            data=data,  # type: ignore[arg-type]
            override=instance,
        )

    def service_delete(self, instance: QuizOverride) -> None:
        services.override_delete(override=instance)


GIFT_MAX_BYTES = 2 * 1024 * 1024


class GiftErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    message = serializers.CharField()


class GiftImportApi(APIView):
    """Import Moodle GIFT: all or nothing."""

    class GiftImportInputSerializer(serializers.Serializer):
        text = serializers.CharField(required=False, trim_whitespace=False, max_length=GIFT_MAX_BYTES)
        file = serializers.FileField(required=False, help_text="The GIFT file (UTF-8), instead of `text`.")
        quiz = serializers.PrimaryKeyRelatedField(
            queryset=Quiz.objects.all(),
            required=False,
            allow_null=True,
            help_text="Import as its fixed questions.",
        )
        category = serializers.PrimaryKeyRelatedField(
            queryset=Category.objects.all(),
            required=False,
            allow_null=True,
            help_text="Where `$CATEGORY:` paths start (the top by default).",
        )

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("text" in attrs) == ("file" in attrs):
                raise serializers.ValidationError("Give the GIFT as `text` or as a `file`, one of them.")
            if "file" in attrs:
                upload = attrs.pop("file")
                if upload.size > GIFT_MAX_BYTES:
                    raise serializers.ValidationError({"file": ["The file is larger than 2 MB."]})
                try:
                    attrs["text"] = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    raise serializers.ValidationError({"file": ["The file is not UTF-8 text."]}) from None
            return attrs

    class GiftImportOutputSerializer(serializers.Serializer):
        class ImportedSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            type = serializers.CharField()
            name = serializers.CharField()
            category = serializers.IntegerField(allow_null=True)

        class PerCategorySerializer(serializers.Serializer):
            category = serializers.IntegerField(allow_null=True)
            path = serializers.CharField()
            created = serializers.IntegerField()

        created = serializers.IntegerField()
        questions = ImportedSerializer(many=True)
        categories = PerCategorySerializer(many=True, help_text="Questions created per category.")
        notes = GiftErrorSerializer(many=True, help_text="What was read but not imported (descriptions).")

    class GiftErrorsSerializer(serializers.Serializer):
        # Bad GIFT: every error with its line. A body of the wrong shape gets DRF's field errors
        # instead (`{"text": [...]}`), so `errors` is not required.
        errors = GiftErrorSerializer(many=True, required=False)  # type: ignore[assignment]

    permission_classes = [IsInstructor]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": GiftImportInputSerializer,
            "multipart/form-data": GiftImportInputSerializer,
        },
        responses={201: GiftImportOutputSerializer, 400: GiftErrorsSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.GiftImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = services.gift_import(
                text=data["text"], quiz=data.get("quiz"), category=data.get("category")
            )
        except gift.GiftErrors as exc:
            return Response(
                {"errors": [{"line": e.line, "message": e.message} for e in exc.errors]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        paths = selectors.category_paths()
        return Response(
            {
                "created": len(result.questions),
                "questions": [
                    {"id": q.pk, "type": q.type, "name": q.name, "category": q.category_id}
                    for q in result.questions
                ],
                "categories": [
                    {
                        "category": c.pk if c else None,
                        "path": "/".join(paths[c.pk]) if c else "",
                        "created": n,
                    }
                    for c, n in result.per_category
                ],
                "notes": [{"line": n.line, "message": n.message} for n in result.notes],
            },
            status=status.HTTP_201_CREATED,
        )


class GiftExportApi(APIView):
    """The questions of a quiz or of a category (with its subcategories) as Moodle GIFT."""

    class GiftExportQuerySerializer(serializers.Serializer):
        quiz = serializers.PrimaryKeyRelatedField(queryset=Quiz.objects.all(), required=False)
        category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if ("quiz" in attrs) == ("category" in attrs):
                raise serializers.ValidationError("Give `quiz` or `category`, one of them.")
            return attrs

    permission_classes = [IsInstructor]

    @extend_schema(
        parameters=[GiftExportQuerySerializer],
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> HttpResponse:
        serializer = self.GiftExportQuerySerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        text = gift.write(selectors.questions_for_gift(**serializer.validated_data))
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        name = (
            "quiz-{}".format(serializer.validated_data["quiz"].pk)
            if "quiz" in serializer.validated_data
            else ("category-{}".format(serializer.validated_data["category"].pk))
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.gift.txt"'
        return response


# --- Manual grading -------------------------------------------------------------------------


class CriterionScoreSerializer(serializers.Serializer):
    criterion = serializers.CharField(allow_blank=True, max_length=500, trim_whitespace=False)
    points = serializers.IntegerField(min_value=0, max_value=SMALLINT_MAX)


class ReviewQueueApi(APIView):
    """The manual grading queue: answers graded by hand (essays) still waiting for an instructor."""

    class ReviewQuerySerializer(serializers.Serializer):
        quiz = serializers.IntegerField(min_value=1, required=False, help_text="Only this quiz's answers.")

    @extend_schema_serializer(component_name="ReviewItem")
    class ReviewItemSerializer(serializers.Serializer):
        class ReviewQuestionSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            text = serializers.CharField()
            text_en = serializers.CharField()
            points = serializers.IntegerField()
            rubric = CriterionScoreSerializer(many=True)

        id = serializers.IntegerField(help_text="The answer's id: POST the grade to /reviews/{id}/.")
        attempt = serializers.IntegerField()
        quiz = serializers.IntegerField()
        submitted_at = serializers.DateTimeField(allow_null=True)
        question = ReviewQuestionSerializer()
        text = serializers.CharField(help_text="The learner's answer.")

    permission_classes = [IsInstructor]

    @extend_schema(parameters=[ReviewQuerySerializer], responses=ReviewItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        query = self.ReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queue = selectors.reviews_pending(quiz_id=query.validated_data.get("quiz"))
        return Response(self.ReviewItemSerializer(queue, many=True).data)


class ReviewGradeApi(Audited, APIView):
    """Grade one answer against its rubric; the attempt's grade is released with its last one."""

    audit_target, audit_action = "response", "review"  # a grading override, in the audit log

    class ReviewInputSerializer(serializers.Serializer):
        scores = CriterionScoreSerializer(many=True, max_length=100)  # type: ignore[call-arg]
        comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    class ReviewOutputSerializer(serializers.Serializer):
        attempt = serializers.IntegerField()
        status = serializers.CharField(help_text="`graded` once every answer of the attempt is graded.")
        score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
        percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
        passed = serializers.BooleanField(allow_null=True)

    permission_classes = [IsInstructor]

    @extend_schema(request=ReviewInputSerializer, responses=ReviewOutputSerializer)
    def post(self, request: Request, response_id: int) -> Response:
        serializer = self.ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        attempt = services.response_review(
            response_id=response_id,
            scores=[
                services.CriterionScore(criterion=s["criterion"], points=s["points"]) for s in data["scores"]
            ],
            comment=data["comment"],
            reviewer_id=request.user.pk,
        )
        released = attempt.status == Attempt.Status.GRADED
        return Response(
            self.ReviewOutputSerializer(
                {
                    "attempt": attempt.pk,
                    "status": attempt.status,
                    "score": attempt.score if released else None,
                    "percent": attempt.percent if released else None,
                    "passed": attempt.passed if released else None,
                }
            ).data
        )
