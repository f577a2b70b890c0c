"""404 and 500 handlers: JSON under /api/, the shop's own pages elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Server error.", "code": "server_error"}, status=500
        )
    # No context processors that could fail again: a static page.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
