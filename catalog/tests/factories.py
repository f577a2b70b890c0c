from decimal import Decimal

import factory
from django.utils.text import slugify

from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.models import Category, Product


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ProductFactory(factory.django.DjangoModelFactory):
    """A product; ``stock`` is set directly here, as fixture data, not through the service."""

    class Meta:
        model = Product

    seller = factory.SubFactory(UserFactory, role=User.Role.SELLER)
    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = factory.Faker("sentence")
    price = Decimal("19.99")
    stock = 10
    is_active = True
