import signal
import time

from django.core.management.base import BaseCommand

from orders.services import confirmations_watch, orders_send_confirmations


class StopFlag:
    """What a signal handler may set: a plain attribute. (threading.Event.set takes a
    lock the interrupted main thread may be holding inside Event.wait: a deadlock.)"""

    def __init__(self):
        self.asked = False

    def set(self, *_signal) -> None:
        self.asked = True

    def is_set(self) -> bool:
        return self.asked

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, in short steps; whether stop was asked."""
        end = time.monotonic() + timeout
        while not self.asked and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))
        return self.asked


class Command(BaseCommand):
    help = (
        "Send the order confirmations still owed: with SHOP_MAIL_WORKER, every one (run "
        "it with --watch beside the web server); else those a failed send, or a worker "
        "stopped before its background thread sent them, left owed 5 minutes after "
        "their checkout (run it every few minutes from cron, like expire_orders). Only "
        "orders placed less than 2 days ago and not cancelled."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--watch",
            action="store_true",
            help="Keep running: send what is owed, wait --interval seconds, again; "
            "SIGTERM or Ctrl-C stop it after the mail under way.",
        )
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, watch=False, interval=1.0, **options):
        if watch:
            if not 0 < interval <= 3600:
                self.stderr.write("--interval must be above 0 and at most 3600.")
                raise SystemExit(2)
            stop = StopFlag()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, stop.set)
            self.stdout.write(f"Sending confirmations every {interval:g} s.")
            confirmations_watch(stop=stop, interval=interval)
            return
        result = orders_send_confirmations()
        if result is None:
            self.stdout.write("Another send_confirmations is running: nothing done.")
            return
        sent, failed = result
        self.stdout.write(
            f"Sent {sent} confirmation{'' if sent == 1 else 's'}"
            + (f"; {failed} failed and will be tried again." if failed else ".")
        )
        if failed:
            raise SystemExit(1)  # cron mails or alerts on a non-zero exit
