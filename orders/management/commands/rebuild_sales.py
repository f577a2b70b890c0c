from django.core.management.base import BaseCommand

from orders.reports import sales_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the dashboard's daily sales figures of the last N days from the orders "
        "(what beat's rebuild-daily-sales does for the last two)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days, **options):
        count = sales_rebuild(days=max(days, 0))
        self.stdout.write(f"Rebuilt {count} day{'' if count == 1 else 's'} of sales.")
