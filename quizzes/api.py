"""Thin views of the quiz flow (learners) and of question banks (instructors)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotAllowed
from people.permissions import IsInstructor
from people.selectors import person_for_user
from quizzes import selectors, services
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
    @extend_schema(request=AnswersInputSerializer, responses=AttemptOutputSerializer)
    def patch(self, request: Request, attempt_id: int) -> Response:
        attempt = _attempt_of_requester(request, attempt_id)
        services.attempt_save_answers(attempt=attempt, answers=_answers(request, required=True))
        return _out(attempt.pk)


class AttemptSubmitApi(APIView):
    class SubmitOutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()

    @extend_schema(request=AnswersInputSerializer, responses={202: SubmitOutputSerializer})
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = _attempt_of_requester(request, attempt_id)
        attempt = services.attempt_submit(attempt=attempt, answers=_answers(request, required=False))
        return Response({"id": attempt.pk, "status": attempt.status}, status=status.HTTP_202_ACCEPTED)


# --- Authoring ------------------------------------------------------------------------------


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=500)
    text_en = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_correct = serializers.BooleanField(default=False)


class QuestionSerializer(serializers.ModelSerializer):
    choices = ChoiceSerializer(many=True, min_length=2, max_length=10)  # type: ignore[call-arg]

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


class QuizSerializer(serializers.ModelSerializer):
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


class QuizAuthoringViewSet(viewsets.ModelViewSet):
    permission_classes = [IsInstructor]
    serializer_class = QuizSerializer
    queryset = Quiz.objects.prefetch_related("versions").order_by("id")
    filterset_fields = ["module"]

    @extend_schema(responses=QuestionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def questions(self, request: Request, pk: int) -> Response:
        quiz = self.get_object()
        questions = quiz.questions.prefetch_related("choices")
        return Response(QuestionSerializer(questions, many=True).data)

    @extend_schema(request=None, responses={200: QuizSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: int) -> Response:
        version = services.quiz_publish(quiz=self.get_object())
        return Response(
            {"quiz": version.quiz_id, "version": version.number, "published_at": version.published_at}
        )


class QuestionAuthoringViewSet(viewsets.ModelViewSet):
    permission_classes = [IsInstructor]
    serializer_class = QuestionSerializer
    queryset = Question.objects.prefetch_related("choices").order_by("quiz", "order", "id")
    filterset_fields = ["quiz", "type"]

    def _save(self, request: Request, question: Question | None) -> Response:
        serializer = self.get_serializer(
            question, data=request.data, partial=question is not None and request.method == "PATCH"
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        choices = data.pop("choices", None)
        if choices is None:  # a PATCH without choices keeps them
            choices = (
                [dict(c) for c in question.choices.values("text", "text_en", "is_correct")]
                if question
                else []
            )
        quiz = data.pop("quiz", None) or question.quiz  # type: ignore[union-attr]
        saved = services.question_save(quiz=quiz, data=data, choices=choices, question=question)
        code = status.HTTP_201_CREATED if question is None else status.HTTP_200_OK
        return Response(
            QuestionSerializer(Question.objects.prefetch_related("choices").get(pk=saved.pk)).data,
            status=code,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, None)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, self.get_object())
