"""seed_demo: demo users, categories and a catalog with options, variants and product
photos; idempotent; --products N in bulk (every tenth product in sizes). The demo coupon
of ``make run`` (seed_demo_coupon)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from accounts.models import User
from catalog.management.demo.products import PRODUCTS
from catalog.models import Category, Product, ProductImage, StockMovement, Variant
from coupons.models import Coupon

pytestmark = pytest.mark.django_db


def seed(*args, command="seed_demo") -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        User.objects.count(),
        Category.objects.count(),
        Product.objects.count(),
        Variant.objects.count(),
        ProductImage.objects.count(),
        StockMovement.objects.count(),
        Coupon.objects.count(),
    )


def variants_of(name: str) -> dict[tuple, Variant]:
    product = Product.objects.get(name=name)
    return {tuple(v.options.values()): v for v in product.variants.all()}


@pytest.fixture
def seeded(settings, tmp_path):
    """The demo catalog without its photos (drawing them takes seconds)."""
    settings.MEDIA_ROOT = tmp_path
    return seed("--no-images")


@pytest.fixture
def photographed(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return seed()


def test_seed_demo_creates_users_categories_and_products(seeded):
    """The demo accounts (printed with their password), a category tree, and every demo
    product with an initial movement for each variant's stock."""
    assert "admin@example.com" in seeded and "customer@example.com" in seeded
    assert "demo-shop-2024" in seeded
    assert User.objects.get(email="admin@example.com").is_staff
    assert User.objects.filter(role="seller").count() == 2
    assert User.objects.get(email="customer@example.com").check_password(
        "demo-shop-2024"
    )
    assert Category.objects.filter(parent__isnull=False).exists()
    assert Product.objects.count() == len(PRODUCTS) >= 25
    assert not Product.objects.filter(variants__isnull=True).exists()
    for variant in Variant.objects.filter(stock__gt=0):
        assert variant.movements.get().stock_after == variant.stock


def test_the_tee_comes_in_three_sizes_and_two_colours(seeded):
    """Six variants, S/M/L × Navy/Heather Grey, each its own SKU; one sold out; the
    product is priced from its variants."""
    tee = variants_of("Organic Cotton T-Shirt")
    assert set(tee) == {
        (size, colour) for size in "SML" for colour in ("Navy", "Heather Grey")
    }
    assert len({v.sku for v in tee.values()}) == 6
    assert tee[("L", "Navy")].stock == 0
    assert tee[("M", "Navy")].stock > 0
    product = Product.objects.get(name="Organic Cotton T-Shirt")
    assert [(o.name, o.values) for o in product.options.all()] == [
        ("Size", ["S", "M", "L"]),
        ("Colour", ["Navy", "Heather Grey"]),
    ]
    assert str(product.price) == "25.00"


def test_prices_fit_the_things_and_sizes_cost_more(seeded):
    """The large mug costs more than the small one; a tent costs more than a pencil set;
    every price is a sensible shop price."""
    mug = variants_of("Stoneware Mug")
    assert set(mug) == {("300 ml",), ("450 ml",)}
    assert mug[("300 ml",)].price < mug[("450 ml",)].price
    assert Product.objects.get(name="Stoneware Mug").price == mug[("300 ml",)].price
    tent = Product.objects.get(name="Two-Person Dome Tent")
    pencils = Product.objects.get(name="Graphite Pencil Set")
    assert tent.price > 10 * pencils.price
    assert all(5 <= v.price <= 250 for v in Variant.objects.all())


def test_several_products_have_no_options(seeded):
    """A product without options has exactly one variant, with no option values."""
    plain = Product.objects.filter(options__isnull=True)
    assert plain.count() >= 10
    for product in plain:
        [variant] = product.variants.all()
        assert variant.options == {}
        assert variant.price == product.price


def test_every_product_has_a_photo_and_colours_have_their_own(photographed, tmp_path):
    """Every product has a JPEG picture of 800 × 800: a shaded drawing on a light
    backdrop (light corners, many colours), not a flat square; each colour of the tee has
    its own picture, which its variants show."""
    assert not Product.objects.filter(images__isnull=True).exists()
    for image in ProductImage.objects.all():
        with Image.open(tmp_path / image.image.name) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (800, 800)
            assert len(picture.getcolors(maxcolors=1_000_000)) > 500
            corners = [(5, 5), (794, 5), (5, 794), (794, 794)]
            assert all(min(picture.getpixel(xy)) > 170 for xy in corners)
        assert image.alt
    tee = variants_of("Organic Cotton T-Shirt")
    navy, grey = tee[("M", "Navy")].image, tee[("M", "Heather Grey")].image
    assert navy != grey
    assert {v.image for k, v in tee.items() if k[1] == "Navy"} == {navy}
    assert navy.alt == "Organic Cotton T-Shirt, Navy"
    navy_pixels = Image.open(tmp_path / navy.image.name).convert("RGB")
    grey_pixels = Image.open(tmp_path / grey.image.name).convert("RGB")
    centre = (400, 450)
    assert navy_pixels.getpixel(centre) != grey_pixels.getpixel(centre)


def test_seed_demo_twice_changes_nothing(photographed):
    """A second run finds everything in place and adds nothing."""
    before = snapshot()
    assert "0 products added" in seed()
    assert snapshot() == before


def test_no_images_seeds_the_catalog_without_pictures(settings, tmp_path):
    """--no-images: the same products, no picture drawn."""
    settings.MEDIA_ROOT = tmp_path
    seed("--no-images")
    assert Product.objects.count() == len(PRODUCTS)
    assert not ProductImage.objects.exists()
    assert not Variant.objects.exclude(image=None).exists()


def test_make_run_prints_the_demo_coupon(settings, tmp_path):
    """make run's seeding ends with the demo coupon, WELCOME10 (10% off), created once."""
    settings.MEDIA_ROOT = tmp_path
    seed("--no-images")
    output = seed(command="seed_demo_coupon")
    assert "WELCOME10" in output and "10% off" in output
    coupon = Coupon.objects.get(code="WELCOME10")
    assert coupon.is_active and coupon.percent_off == 10
    assert "WELCOME10" in seed(command="seed_demo_coupon")
    assert Coupon.objects.count() == 1


def test_seed_demo_bulk_products(settings, tmp_path):
    """--products N inserts N bulk products, one variant each but every tenth in three
    sizes, with movements; running again adds none, a larger N tops up."""
    settings.MEDIA_ROOT = tmp_path
    output = seed("--products", "120", "--no-images")
    assert "100% 120/120" in output
    bulk = Product.objects.filter(slug__startswith="bulk-")
    assert bulk.count() == 120
    assert not ProductImage.objects.filter(product__in=bulk).exists()
    sized = bulk.filter(options__name="Size")
    assert sized.count() == 12
    for product in sized[:3]:
        variants = list(product.variants.order_by("sku"))
        assert sorted(v.options["Size"] for v in variants) == ["L", "M", "S"]
        assert product.price == min(v.price for v in variants)
    plain = Variant.objects.filter(product__in=bulk.exclude(options__name="Size"))
    assert plain.count() == 108 and not plain.exclude(options={}).exists()
    in_stock = Variant.objects.filter(product__in=bulk, stock__gt=0).count()
    assert StockMovement.objects.filter(note="seed_demo --products").count() == in_stock
    before = snapshot()
    assert "already exist" in seed("--products", "120", "--no-images")
    assert snapshot() == before
    seed("--products", "130", "--no-images")
    assert bulk.count() == 130


def test_the_option_filter_finds_the_sized_bulk_products(settings, tmp_path, client):
    """The catalog-scale bench's option case: ``option=Size:M`` lists the products
    (bulk and demo) whose M is in stock, and only those."""
    settings.MEDIA_ROOT = tmp_path
    seed("--products", "60", "--no-images")
    expected = set(
        Variant.objects.filter(options__Size="M", stock__gt=0).values_list(
            "product_id", flat=True
        )
    )
    assert Product.objects.filter(pk__in=expected, slug__startswith="bulk-").exists()
    body = client.get(
        "/api/v1/products/", {"option": "Size:M", "page_size": 100}
    ).json()
    assert {p["id"] for p in body["results"]} == expected
    assert body["count"] == len(expected) > 0


def test_seed_demo_rejects_negative_count():
    """A negative --products is a clear command error."""
    with pytest.raises(CommandError):
        seed("--products", "-1")
