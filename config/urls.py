from collections.abc import Sequence

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from certificates import api as certificates_api
from courses import api as courses_api
from quizzes import api as quizzes_api


class _AuthThrottled:
    """Sign-in endpoints are throttled per client, against password guessing."""

    throttle_classes: Sequence[type[BaseThrottle]] = [ScopedRateThrottle]
    throttle_scope = "auth"


class TokenApi(_AuthThrottled, TokenObtainPairView):
    pass


class TokenRefreshApi(_AuthThrottled, TokenRefreshView):
    pass


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


authoring = SimpleRouter()
authoring.register("courses", courses_api.CourseAuthoringViewSet, basename="authoring-course")
authoring.register("modules", courses_api.ModuleAuthoringViewSet, basename="authoring-module")
authoring.register("lessons", courses_api.LessonAuthoringViewSet, basename="authoring-lesson")
authoring.register("quizzes", quizzes_api.QuizAuthoringViewSet, basename="authoring-quiz")
authoring.register("questions", quizzes_api.QuestionAuthoringViewSet, basename="authoring-question")

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenApi.as_view(), name="token"),
    path("auth/token/refresh/", TokenRefreshApi.as_view(), name="token-refresh"),
    path("courses/", courses_api.CourseListApi.as_view(), name="course-list"),
    path("courses/<int:course_id>/", courses_api.CourseDetailApi.as_view(), name="course-detail"),
    path("quizzes/<int:quiz_id>/attempts/", quizzes_api.AttemptStartApi.as_view(), name="attempt-start"),
    path("attempts/<int:attempt_id>/", quizzes_api.AttemptDetailApi.as_view(), name="attempt-detail"),
    path(
        "attempts/<int:attempt_id>/answers/", quizzes_api.AttemptAnswersApi.as_view(), name="attempt-answers"
    ),
    path("attempts/<int:attempt_id>/submit/", quizzes_api.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path(
        "certificates/<int:certificate_id>/revoke/",
        certificates_api.CertificateRevokeApi.as_view(),
        name="certificate-revoke",
    ),
    path("me/certificates/", certificates_api.MyCertificatesApi.as_view(), name="my-certificates"),
    path(
        "certificates/<int:certificate_id>/",
        certificates_api.CertificateDetailApi.as_view(),
        name="certificate-detail",
    ),
    path(
        "certificates/<int:certificate_id>/pdf/",
        certificates_api.CertificatePdfApi.as_view(),
        name="certificate-pdf",
    ),
    path(
        "certificates/<int:certificate_id>/credential/",
        certificates_api.CertificateCredentialApi.as_view(),
        name="certificate-credential",
    ),
    path("verify/<str:code>/", certificates_api.VerifyApi.as_view(), name="verify-api"),
    path("issuer/", certificates_api.IssuerApi.as_view(), name="issuer"),
    path("hr/certificates/", certificates_api.HrCertificatesApi.as_view(), name="hr-certificates"),
    path(
        "hr/personnel/<str:nrp>/transcript/", certificates_api.HrTranscriptApi.as_view(), name="hr-transcript"
    ),
    path("hr/compliance/", certificates_api.HrComplianceApi.as_view(), name="hr-compliance"),
    path("authoring/", include(authoring.urls)),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("verify/<str:code>/", certificates_api.verify_page, name="verify-page"),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
