"""Requests refused before any view sees them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.views import error_response


class RefuseNulBytesMiddleware:
    """A NUL byte in the path or the query string is never a name of anything here, and
    PostgreSQL refuses it in text (a DataError, so a 500, wherever a view put it in a query):
    400 before any view or query sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return error_response(
                request, status=400, code="bad_request", detail="The address holds a NUL character."
            )
        return self.get_response(request)
