from django.urls import include, path
from rest_framework.routers import SimpleRouter

from quizzes import api

authoring = SimpleRouter()
authoring.register("quizzes", api.QuizAuthoringViewSet, basename="authoring-quiz")
authoring.register("questions", api.QuestionAuthoringViewSet, basename="authoring-question")
authoring.register("categories", api.CategoryViewSet, basename="authoring-category")
authoring.register("slots", api.SlotViewSet, basename="authoring-slot")
authoring.register("tags", api.TagViewSet, basename="authoring-tag")
authoring.register("overrides", api.OverrideViewSet, basename="authoring-override")

urlpatterns = [
    path("quizzes/<int:quiz_id>/", api.QuizLearnerApi.as_view(), name="quiz-learner"),
    path("quizzes/<int:quiz_id>/attempts/", api.AttemptStartApi.as_view(), name="attempt-start"),
    path("attempts/<int:attempt_id>/", api.AttemptDetailApi.as_view(), name="attempt-detail"),
    path("attempts/<int:attempt_id>/answers/", api.AttemptAnswersApi.as_view(), name="attempt-answers"),
    path("attempts/<int:attempt_id>/submit/", api.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path("authoring/gift/import/", api.GiftImportApi.as_view(), name="gift-import"),
    path("authoring/gift/export/", api.GiftExportApi.as_view(), name="gift-export"),
    path("authoring/reviews/", api.ReviewQueueApi.as_view(), name="review-queue"),
    path("authoring/reviews/<int:response_id>/", api.ReviewGradeApi.as_view(), name="review-grade"),
    path("authoring/regrades/<int:regrade_id>/", api.RegradeJobApi.as_view(), name="regrade-job"),
    path("authoring/", include(authoring.urls)),
]
