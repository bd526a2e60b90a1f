"""Vietnamese first: pages ignore the browser's Accept-Language.

A page is shown in English only when the user chose it (the language switch sets a cookie);
API callers, who cannot click a switch, are answered in the language their Accept-Language asks for.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
