"""Django's error views, answering in JSON under /api/ (HTML pages elsewhere)."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(request: HttpRequest, *, status: int, code: str, detail: str) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def too_large() -> JsonResponse:
    return JsonResponse(
        {"detail": "The request body is larger than this service accepts.", "code": "too_large"}, status=413
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return too_large()
        return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        # Nothing of the error itself: it is logged, and the client can do nothing with it.
        return JsonResponse(
            {"detail": "The server met an error; it has been logged.", "code": "server_error"}, status=500
        )
    return defaults.server_error(request)
