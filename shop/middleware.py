"""Turns an outage of PostgreSQL or Redis into a 503 instead of a traceback."""

import logging

from django.http import JsonResponse
from django.template.response import TemplateResponse

from shop.exceptions import OUTAGE_ERRORS, ServiceUnavailable

logger = logging.getLogger(__name__)


class ServiceOutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGE_ERRORS):
            return None
        logger.warning("backing service outage on %s: %r", request.path, exception)
        if request.path.startswith("/api/"):
            return JsonResponse(ServiceUnavailable().as_dict(), status=503)
        response = TemplateResponse(request, "503.html", status=503)
        return response.render()
