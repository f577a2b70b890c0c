"""Django's PostgreSQL backend with a health check that skips connections in steady use,
and which knows the statements it prepared (``shop.statements.execute_prepared``).

``CONN_HEALTH_CHECKS`` pings a persistent connection (``SELECT 1``) before its first
query in every request. That catches a connection the server dropped while it sat idle
(a restart, an idle timeout), but under load it doubles the round trips of a request
that makes one query: measured with gunicorn, a cart read went from about 1,060 to
1,400 requests/s without the ping. Here the ping runs only when it can find something:

- the connection's previous request began using it more than :data:`RECENT_SECONDS`
  ago (it may have sat idle since), or
- its socket has something to read between requests. A server that ends a backend
  (restart, failover, ``pg_terminate_backend``) sends a FATAL message and closes the
  socket, which makes it readable; a healthy idle connection has nothing to read.

A connection that still fails mid-request (dropped in the moment between the check and
the query) fails that request, is closed at its end (Django's ``errors_occurred``
check) and reopened by the next.
"""

import select
import time

from django.db.backends.postgresql import base

# Longer than the gap between requests on a busy worker, far shorter than any idle
# timeout a server or proxy in between would apply.
RECENT_SECONDS = 1.0


def _readable(connection) -> bool:
    """Whether the server sent something (such as a FATAL before closing) unasked."""
    try:
        ready, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed underneath: let the real check decide
        return True
    return bool(ready)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # When a request last began using this connection (or it was opened).
        self._used_at = float("-inf")
        # The names of the statements prepared on this connection (a server session's
        # own: a new connection starts with none). See shop.statements.execute_prepared.
        self.prepared_statements: set[str] = set()

    def connect(self):
        self.prepared_statements = set()  # before connection_created's receivers run
        super().connect()
        self._used_at = time.monotonic()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
        ):
            now = time.monotonic()
            recent, self._used_at = now - self._used_at < RECENT_SECONDS, now
            if recent and not _readable(self.connection):
                self.health_check_done = True
                return
        super().close_if_health_check_failed()
