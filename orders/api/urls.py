"""Routes of the JSON API under /api/v1/."""

urlpatterns = []
