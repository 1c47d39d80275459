from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the person chose English with the language menu (set_language's
    cookie). On the pages the browser's Accept-Language is not asked: many phones of the force
    are set to English, and the service speaks Bahasa Indonesia first. The API answers in the
    language its client asks for with Accept-Language (the messages Lencana translates: GIFT
    errors, question keys; DRF's own), else in Bahasa Indonesia."""

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(API_PREFIX):
            language = translation.get_language_from_request(request)
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
