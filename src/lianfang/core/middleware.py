from django.conf import settings
from django.http import QueryDict
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language (the language
    switch sets the cookie). Unlike Django's LocaleMiddleware, the browser's
    Accept-Language is not consulted: an intranet PC set up in English still
    shows the Chinese UI that the unit's staff expect."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoNulInQueryMiddleware:
    """Drop NUL characters from query-string values. No filter or search means
    anything by one, and PostgreSQL refuses them in text parameters, so a link
    carrying "%00" would otherwise end in a server error. (Form posts are
    checked by Django's form fields, which reject NUL with a message.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pairs = list(request.GET.lists())
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in pairs):
            cleaned = QueryDict(mutable=True)
            for key, values in pairs:
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)
