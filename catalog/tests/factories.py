from decimal import Decimal

import factory
from django.utils.text import slugify

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.models import Category, Product, ProductImage, ProductOption, Variant
from catalog.variants import SEPARATOR, product_reprice


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


def _signature(variant) -> str:
    """The values in the product's option order (the dict's order when it has none)."""
    names = (
        [o.name for o in variant.product.options.all()] if variant.product.pk else []
    )
    values = variant.options
    ordered = [values[n] for n in names if n in values] if names else values.values()
    return SEPARATOR.join(str(v) for v in ordered)


class VariantFactory(factory.django.DjangoModelFactory):
    """A variant; ``stock`` is set directly, as fixture data, not through the stock
    service (no movement). Its product's price is kept as the lowest active one's. Without
    a ``product``, a new product whose only variant it is."""

    class Meta:
        model = Variant
        skip_postgeneration_save = True

    product = factory.SubFactory(
        "catalog.tests.factories.ProductFactory",
        variant=None,
        price=factory.SelfAttribute("..price"),
    )
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    options = factory.LazyFunction(dict)
    signature = factory.LazyAttribute(_signature)
    price = Decimal("19.99")
    stock = 10
    weight_grams = 0
    is_active = True

    @factory.post_generation
    def _reprice(obj, create, extracted, **kwargs):
        if create:
            product_reprice(product=obj.product)


class ProductFactory(factory.django.DjangoModelFactory):
    """A product with one variant (no options) carrying ``price`` and ``stock`` (stock
    set directly, as fixture data, not through the service): ``ProductFactory(price=...,
    stock=...)`` as before variants. ``variant__sku=...`` names its SKU; ``variant=None``
    makes a product without variants (add them with :class:`VariantFactory`)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    class Params:
        stock = 10

    seller = factory.SubFactory(UserFactory, role=User.Role.SELLER)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = factory.Faker("sentence")
    price = Decimal("19.99")
    is_active = True
    variant = factory.RelatedFactory(
        VariantFactory,
        factory_related_name="product",
        price=factory.SelfAttribute("..price"),
        stock=factory.SelfAttribute("..stock"),
    )


class ProductOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductOption

    product = factory.SubFactory(ProductFactory, variant=None)
    name = factory.Sequence(lambda n: f"Option {n}")
    position = factory.LazyAttribute(lambda o: o.product.options.count())
    values = factory.LazyFunction(lambda: ["S", "M", "L"])


class ProductImageFactory(factory.django.DjangoModelFactory):
    """An image of a product: a small generated PNG."""

    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.django.ImageField(
        filename="picture.png", width=8, height=8, format="PNG"
    )
    alt = ""
    position = factory.LazyAttribute(lambda o: o.product.images.count())


def product_with_variants(
    *,
    options: dict[str, list[str]],
    variants: list[dict],
    **product_fields,
) -> Product:
    """A product with these options ({name: values}, in order) and variants (each a dict
    of VariantFactory fields, ``options`` among them), as fixture data."""
    product = ProductFactory(variant=None, **product_fields)
    for name, values in options.items():
        ProductOptionFactory(product=product, name=name, values=values)
    for spec in variants:
        VariantFactory(product=product, **spec)
    product.refresh_from_db(fields=["price"])
    return product
