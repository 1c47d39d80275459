from django.urls import include, path
from rest_framework.routers import SimpleRouter

from quizzes import api

authoring = SimpleRouter()
authoring.register("quizzes", api.QuizAuthoringViewSet, basename="authoring-quiz")
authoring.register("questions", api.QuestionAuthoringViewSet, basename="authoring-question")

urlpatterns = [
    path("quizzes/<int:quiz_id>/attempts/", api.AttemptStartApi.as_view(), name="attempt-start"),
    path("attempts/<int:attempt_id>/", api.AttemptDetailApi.as_view(), name="attempt-detail"),
    path("attempts/<int:attempt_id>/answers/", api.AttemptAnswersApi.as_view(), name="attempt-answers"),
    path("attempts/<int:attempt_id>/submit/", api.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path("authoring/", include(authoring.urls)),
]
