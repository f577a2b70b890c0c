"""Django's PostgreSQL backend with a health check that skips connections in steady use.

``CONN_HEALTH_CHECKS`` pings a persistent connection (``SELECT 1``) before its first
query in every request. That catches a connection the server dropped while it sat idle
(a restart, an idle timeout), but under load it doubles the round trips of a request
that makes one query: measured with gunicorn, a cart read went from about 1,060 to
1,400 requests/s without the ping. A connection used moments ago is not idle, so
here the ping runs only when the connection's last use in an earlier request is more
than :data:`RECENT_SECONDS` old. A connection that does fail mid-request is still closed
at the end of that request (Django's ``errors_occurred`` check) and reopened by the next.
"""

import time

from django.db.backends.postgresql import base

# Longer than the gap between requests on a busy worker, far shorter than any idle
# timeout a server or proxy in between would apply.
RECENT_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._used_at = float("-inf")

    def connect(self):
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
            if recent:
                self.health_check_done = True
                return
        super().close_if_health_check_failed()
