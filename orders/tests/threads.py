"""Real threads released together, each with its own database connection."""

import threading

from django.db import connection


def run_concurrently(count: int, target) -> list:
    """Run ``target(i)`` in ``count`` threads released together; their results or errors."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i):
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
