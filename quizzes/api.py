"""Thin views of the quiz flow (learners) and of question banks (instructors)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api import Audited
from core.errors import NotAllowed
from courses.models import Module
from people.permissions import IsInstructor
from people.selectors import person_for_user
from quizzes import question_types, selectors, services
from quizzes.models import Attempt, Question, Quiz


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    choices = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50
    )
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    value = serializers.DecimalField(required=False, max_digits=12, decimal_places=4)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ("choices", "text", "value") if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of `choices`, `text` or `value`.")
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
        )
        for a in serializer.validated_data["answers"]
    ]


class AttemptOutputSerializer(serializers.ModelSerializer):
    quiz = serializers.IntegerField(source="quiz_id")
    questions = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "quiz",
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
            "feedback",
        ]

    def get_questions(self, attempt: Attempt) -> list[dict[str, Any]]:
        return selectors.attempt_questions_public(attempt=attempt)

    def get_answers(self, attempt: Attempt) -> list[dict[str, Any]]:
        return [{"question": r.question_ref, "choices": r.choices} for r in attempt.responses.all()]

    def get_feedback(self, attempt: Attempt) -> list[dict[str, Any]]:
        return selectors.attempt_feedback(attempt=attempt)


def _attempt_of_requester(request: Request, attempt_id: int) -> Attempt:
    attempt = selectors.attempt_get_for_person(attempt_id=attempt_id, person=person_for_user(request.user))
    if attempt is None:  # someone else's attempt is as unknown as a missing one
        raise NotFound("No such attempt.")
    return attempt


def _out(attempt_id: int, code: int = status.HTTP_200_OK) -> Response:
    attempt = (
        Attempt.objects.select_related("version", "quiz").prefetch_related("responses").get(pk=attempt_id)
    )
    return Response(AttemptOutputSerializer(attempt).data, status=code)


class AttemptStartApi(APIView):
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


class AttemptAnswersApi(APIView):
    throttle_scope = "answers"  # per user (people.throttling)
    patch_is_partial = False  # the OpenAPI document: `answers` is required

    @extend_schema(request=AnswersInputSerializer, responses=AttemptOutputSerializer)
    def patch(self, request: Request, attempt_id: int) -> Response:
        attempt = _attempt_of_requester(request, attempt_id)
        services.attempt_save_answers(attempt=attempt, answers=_answers(request, required=True))
        return _out(attempt.pk)


class AttemptSubmitApi(APIView):
    throttle_scope = "submit"

    class SubmitOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()

    @extend_schema(request=AnswersInputSerializer, responses={202: SubmitOutputSerializer})
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = _attempt_of_requester(request, attempt_id)
        attempt = services.attempt_submit(attempt=attempt, answers=_answers(request, required=False))
        return Response({"id": attempt.pk, "status": attempt.status}, status=status.HTTP_202_ACCEPTED)


# --- Authoring ------------------------------------------------------------------------------
# Thin viewsets, as in courses/api.py: each write validates the Input serializer (partial on
# PATCH), calls one service and answers with the Output serializer; Input and Output share one
# OpenAPI component name (`QuizRequest` in, `Quiz` out).

# The largest values PostgreSQL's integer and smallint store.
INTEGER_MAX = 2_147_483_647
SMALLINT_MAX = 32_767


@extend_schema_serializer(component_name="Choice")
class ChoiceAuthoringInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    text_en = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_correct = serializers.BooleanField(default=False)


@extend_schema_serializer(component_name="Choice")
class ChoiceAuthoringOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    text_en = serializers.CharField()
    is_correct = serializers.BooleanField()


@extend_schema_serializer(component_name="Question")
class QuestionAuthoringOutputSerializer(serializers.ModelSerializer):
    """A question with its key; what instructors read, never learners."""

    choices = ChoiceAuthoringOutputSerializer(many=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "quiz",
            "key",
            "order",
            "type",
            "text",
            "text_en",
            "explanation",
            "explanation_en",
            "points",
            "choices",
        ]


class QuizAuthoringViewSet(
    Audited, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
        review = serializers.ChoiceField(choices=Quiz.Review.choices, required=False)

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
                "review",
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
    queryset = Quiz.objects.prefetch_related("versions").order_by("id")
    filterset_fields = ["module"]

    @extend_schema(request=QuizAuthoringInputSerializer, responses={201: QuizAuthoringOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.QuizAuthoringInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quiz = services.quiz_create(**serializer.validated_data)
        return Response(self.QuizAuthoringOutputSerializer(quiz).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QuizAuthoringInputSerializer, responses=QuizAuthoringOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        quiz = self.get_object()
        serializer = self.QuizAuthoringInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        quiz = services.quiz_update(quiz=quiz, data=serializer.validated_data)
        return Response(self.QuizAuthoringOutputSerializer(quiz).data)

    @extend_schema(request=QuizAuthoringInputSerializer, responses=QuizAuthoringOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.quiz_delete(quiz=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=QuestionAuthoringOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def questions(self, request: Request, pk: str) -> Response:
        questions = self.get_object().questions.prefetch_related("choices")
        return Response(QuestionAuthoringOutputSerializer(questions, many=True).data)

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
        quiz = serializers.PrimaryKeyRelatedField(queryset=Quiz.objects.all())
        key = serializers.SlugField(max_length=100, help_text="Stable identifier within the quiz")
        order = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, required=False)
        type = serializers.ChoiceField(choices=question_types.choices())
        text = serializers.CharField()
        text_en = serializers.CharField(required=False, allow_blank=True)
        explanation = serializers.CharField(required=False, allow_blank=True)
        explanation_en = serializers.CharField(required=False, allow_blank=True)
        points = serializers.IntegerField(min_value=1, max_value=SMALLINT_MAX, required=False)
        choices = ChoiceAuthoringInputSerializer(
            many=True,
            min_length=2,  # type: ignore[call-arg]
            max_length=10,
            help_text="All of the question's choices; they replace the old ones. A PATCH "
            "without choices keeps them.",
        )

    permission_classes = [IsInstructor]
    serializer_class = QuestionAuthoringOutputSerializer
    queryset = Question.objects.prefetch_related("choices").order_by("quiz", "order", "id")
    filterset_fields = ["quiz", "type"]

    @extend_schema(
        request=QuestionAuthoringInputSerializer, responses={201: QuestionAuthoringOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = self.QuestionAuthoringInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_create(**serializer.validated_data)
        return Response(self._out(question), status=status.HTTP_201_CREATED)

    @extend_schema(request=QuestionAuthoringInputSerializer, responses=QuestionAuthoringOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        question = self.get_object()
        serializer = self.QuestionAuthoringInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        choices = data.pop("choices", None)
        question = services.question_update(question=question, data=data, choices=choices)
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
