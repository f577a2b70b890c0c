"""seed_demo: demo users, categories and ~60 products; idempotent; --products N in bulk."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.models import Category, Product, StockMovement

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        User.objects.count(),
        Category.objects.count(),
        Product.objects.count(),
        StockMovement.objects.count(),
    )


def test_seed_demo_creates_demo_data_and_is_idempotent(settings, tmp_path):
    """The first run creates users, categories, 60 products with images; the second nothing."""
    settings.MEDIA_ROOT = tmp_path
    output = seed()
    assert "admin@example.com" in output and "customer@example.com" in output
    assert "demo-shop-2024" in output
    assert User.objects.get(email="admin@example.com").is_staff
    assert User.objects.filter(role="seller").count() == 2
    assert User.objects.get(email="customer@example.com").check_password(
        "demo-shop-2024"
    )
    assert Category.objects.filter(parent__isnull=False).exists()
    assert Product.objects.count() == 60
    product = Product.objects.filter(stock__gt=0).first()
    assert (tmp_path / product.image.name).exists()
    assert product.image.name.endswith(".png")
    # Every unit of stock has its INITIAL movement.
    for product in Product.objects.filter(stock__gt=0):
        assert product.movements.get().stock_after == product.stock
    before = snapshot()
    seed()
    assert snapshot() == before


def test_seed_demo_bulk_products(settings, tmp_path):
    """--products N inserts N bulk products with movements; running again adds none."""
    settings.MEDIA_ROOT = tmp_path
    output = seed("--products", "120", "--no-images")
    assert "100% 120/120" in output
    bulk = Product.objects.filter(slug__startswith="bulk-")
    assert bulk.count() == 120
    assert not bulk.exclude(image="").exists()
    in_stock = bulk.filter(stock__gt=0).count()
    assert StockMovement.objects.filter(note="seed_demo --products").count() == in_stock
    before = snapshot()
    assert "already exist" in seed("--products", "120", "--no-images")
    assert snapshot() == before
    seed("--products", "130", "--no-images")
    assert bulk.count() == 130


def test_seed_demo_rejects_negative_count():
    """A negative --products is a clear command error."""
    with pytest.raises(CommandError):
        seed("--products", "-1")
