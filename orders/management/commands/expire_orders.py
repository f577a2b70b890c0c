from django.core.management.base import BaseCommand

from orders.status import orders_expire


class Command(BaseCommand):
    help = (
        "Cancel and restock pending orders left unpaid for longer than "
        "SHOP_ORDER_PAYMENT_TIMEOUT minutes (what beat's expire-unpaid-orders runs)."
    )

    def handle(self, *args, **options):
        count = orders_expire()
        self.stdout.write(f"Expired {count} unpaid order{'' if count == 1 else 's'}.")
