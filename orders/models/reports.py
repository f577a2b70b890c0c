"""Daily sales figures, kept by a task (orders.reports) so that the dashboard reads 30
rows instead of a month of orders."""

from django.db import models


class DailySales(models.Model):
    """One day's sales (UTC): orders paid that day, their totals, the refunds made that
    day and the units sold."""

    day = models.DateField(unique=True)
    orders = models.PositiveIntegerField(default=0)
    sales = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refunds = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    units = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "daily sales"

    def __str__(self):
        return f"{self.day}: {self.sales}"


class DailyProductSales(models.Model):
    """What one product sold on one day (units and line totals), for the top products."""

    day = models.DateField()
    product = models.ForeignKey(
        "catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    product_name = models.CharField(max_length=200)
    units = models.PositiveIntegerField(default=0)
    sales = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "product"], name="daily_product_sales_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="daily_product_sales_day_idx")]

    def __str__(self):
        return f"{self.day}: {self.units} × {self.product_name}"
