"""Where a page may send the shopper next: one rule for every form with a ``next``."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_path(request, *, query: bool = True) -> str | None:
    """The ``next`` of the form (or of the query string, with ``query``) when it is a path
    of this site; anything else (another site, a bare word, which ``redirect()`` would
    try to reverse as a view name: a 500) is None."""
    target = request.POST.get("next") or (request.GET.get("next") if query else None)
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target,
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
    ):
        return target
    return None
