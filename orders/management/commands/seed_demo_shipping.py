"""The demo shipping of ``make run``: zones (domestic US, the EU, the rest of the world),
their methods (a flat standard rate free over 50, express by weight bands) and a couple
of tax rates. Idempotent: a zone, method or rate that exists is left as it is."""

from django.core.management.base import BaseCommand
from django_countries import countries

from orders.models import ShippingMethod, ShippingZone, TaxRate, ZoneCountry
from orders.shipping import method_save, tax_rate_save, zone_save

EU = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR",
      "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI",
      "SK"]  # fmt: skip
EXPRESS_BANDS = {
    "Domestic": [(1000, "9.90"), (5000, "14.90"), (20000, "24.90")],
    "EU": [(1000, "14.90"), (5000, "24.90"), (20000, "39.90")],
}
METHODS = {
    "Domestic": [("Standard", "4.90", "50.00", 5)],
    "EU": [("Standard", "9.90", "100.00", 7)],
    "Rest of world": [("International", "19.90", None, 14)],
}
TAX_RATES = {"DE": "0.19", "FR": "0.20"}


class Command(BaseCommand):
    help = "Create the demo shipping zones, methods and tax rates unless they exist."

    def handle(self, *args, **options):
        taken = set(ZoneCountry.objects.values_list("country", flat=True))
        rest = [code for code, _ in countries if code not in {"US", *EU}]
        for name, codes in (("Domestic", ["US"]), ("EU", EU), ("Rest of world", rest)):
            zone = ShippingZone.objects.filter(name=name).first()
            if zone is None:
                zone = zone_save(
                    name=name, countries=[c for c in codes if c not in taken]
                )
                taken.update(codes)
            self._methods(zone)
        for country, rate in TAX_RATES.items():
            if not TaxRate.objects.filter(country=country).exists():
                tax_rate_save(country=country, rate=rate)
        self.stdout.write(
            f"\nDemo shipping: {ShippingZone.objects.count()} zones, "
            f"{ShippingMethod.objects.count()} methods, "
            f"{TaxRate.objects.count()} tax rates."
        )

    def _methods(self, zone):
        existing = set(zone.methods.values_list("name", flat=True))
        for position, (name, price, free_over, days) in enumerate(METHODS[zone.name]):
            if name not in existing:
                method_save(zone=zone, name=name, kind="flat", price=price,
                            free_over=free_over, estimated_days=days,
                            position=position)  # fmt: skip
        bands = EXPRESS_BANDS.get(zone.name)
        if bands and "Express" not in existing:
            method_save(zone=zone, name="Express", kind="weight", estimated_days=2,
                        bands=[{"up_to": g, "price": p} for g, p in bands],
                        position=len(METHODS[zone.name]))  # fmt: skip
