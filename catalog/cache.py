"""A shared cache of the public catalog's JSON: product list pages and product details.

The catalog is read far more often than it is written. A list page costs a filtered,
counted query and twenty rendered rows; its cached copy costs one Redis round trip.
Freshness comes from a version token: every write to products, categories or stock
replaces the token once its transaction commits (model signals in ``catalog.signals``,
and ``catalog.stock`` for its bulk writes, which send none), and a cached body is
served only while its token is the current one. One MGET reads both.

Only what every caller sees alike is cached: the JSON of public lists (not
``include_inactive``) and of active products, for a plain ``application/json`` answer,
keyed by the absolute URL (scheme, host and query: image URLs are absolute). Errors are
never cached, nor answers to query strings outside :data:`LIST_QUERY` (the number of
copies must not grow with the URLs a client can invent).

On with ``SHOP_CATALOG_CACHE_SECONDS`` > 0 (default 60). The cache ignores Redis errors
(``IGNORE_EXCEPTIONS``): the view then builds its answer as if nothing were cached. The
lifetime bounds how long a copy could outlive a token change lost to such an outage.
"""

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from rest_framework.response import Response

VERSION_KEY = "catalog:version"
_BODY_PREFIX = "catalog:json:"


def _seconds() -> int:
    return settings.SHOP_CATALOG_CACHE_SECONDS


def catalog_changed() -> None:
    """Invalidate every cached catalog answer: once the current transaction commits, or
    at once outside a transaction.

    After the commit, not before: a read between a new token and the commit would
    still see the old rows and store them under the new token. A read that sees the
    old rows before the commit stores them under the old token, which the commit
    then replaces."""
    if _seconds() > 0:
        transaction.on_commit(_new_version)  # at once outside a transaction


def _new_version() -> None:
    cache.set(VERSION_KEY, secrets.randbits(63), None)


def _start_version() -> None:
    """Make a token if there is none (first use, or Redis emptied); never replaces one."""
    cache.add(VERSION_KEY, secrets.randbits(63), None)


# The query strings whose answers are shared: each parameter at most once, in its one
# canonical spelling and order (so "page_size=020", "page=%31", another order or an
# unknown "&x=1" cannot mint new keys), and no free text or numbers (search, prices,
# stock bounds). With empty lists not shared (an unknown category or seller answers an
# empty list: the list view's ``keep``), the copies number at most the catalog's real
# facets (categories, sellers, orderings, pages of 20, 50 or 100), however many distinct
# URLs a client invents; every other query is answered uncached.
LIST_QUERY = {
    "page": re.compile(r"[1-9][0-9]{0,3}"),
    "page_size": re.compile(r"20|50|100"),
    "ordering": re.compile(r"-?(price|name|created_at)"),
    "category": re.compile(r"[a-z0-9]+(-[a-z0-9]+)*"),
    "in_stock": re.compile(r"true|false"),
    "seller": re.compile(r"[1-9][0-9]{0,9}"),
}


def shareable_query(request, allowed: Mapping[str, re.Pattern]) -> bool:
    """Whether ``request``'s query string is one whose answer may be shared: allowed
    parameters, each once, in canonical spelling, written in name order without any
    percent-encoding (so one query has one key, not one per order or encoding)."""
    query = request.query_params
    if not all(
        name in allowed
        and len(values := query.getlist(name)) == 1
        and allowed[name].fullmatch(values[0]) is not None
        for name in query
    ):
        return False
    canonical = "&".join(f"{name}={query[name]}" for name in sorted(query))
    return request.META.get("QUERY_STRING", "") == canonical


def cached_json(
    view,
    build: Callable[[], Response],
    *,
    query: Mapping[str, re.Pattern] | None = None,
    keep: Callable[[dict], bool] | None = None,
) -> Response | HttpResponse:
    """``build()``'s answer, from the cache when an up-to-date copy is there.

    ``view`` is the DRF view answering (its request chose the renderer); ``query``: the
    query parameters a shared answer may have (:func:`shareable_query`; none by
    default); ``keep(data)`` says whether a built 200 answer may be shared (default: yes).
    """
    request = view.request
    seconds = _seconds()
    if (
        seconds <= 0
        or request.method != "GET"
        or request.accepted_media_type != "application/json"
        or not shareable_query(request, query or {})
    ):
        return build()
    key = (
        _BODY_PREFIX + hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    )
    found = cache.get_many([VERSION_KEY, key])
    version, copy = found.get(VERSION_KEY), found.get(key)
    if version is not None and copy is not None and copy[0] == version:
        return HttpResponse(copy[1], content_type="application/json")
    response = build()
    if response.status_code != 200 or not (keep is None or keep(response.data)):
        return response
    if version is None:
        # No token yet (first use, or Redis emptied): make one, cache from the next read.
        _start_version()
        return response
    # The token read before building: a write committed meanwhile has replaced it, so
    # this copy is never served as current.
    body = request.accepted_renderer.render(
        response.data, request.accepted_media_type, view.get_renderer_context()
    )
    cache.set(key, (version, body), seconds)
    return HttpResponse(body, content_type="application/json")
