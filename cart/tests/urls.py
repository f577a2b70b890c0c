"""Tiny pages for the badge tests: one template shows the cart badge, one does not."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

WITH_BADGE = "<p>{% if cart_count %}{{ cart_count }}{% endif %}|{{ cart_count }}</p>"
WITHOUT_BADGE = "<p>catalog</p>"


def render(source):
    def view(request):
        template = engines["django"].from_string(source)
        return HttpResponse(template.render({}, request))

    return view


urlpatterns = [
    path("with-badge/", render(WITH_BADGE)),
    path("without-badge/", render(WITHOUT_BADGE)),
]
