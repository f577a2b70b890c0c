from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from accounts.managers import UserManager


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        SELLER = "seller", "Seller"

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CUSTOMER)
    is_staff = models.BooleanField(
        default=False, help_text="Can log into the admin and manage everything."
    )
    is_active = models.BooleanField(default=True)
    # Set by the link mailed at registration; unverified accounts may shop, but Facebook
    # login is never linked to them by email.
    email_verified = models.BooleanField(default=False, db_default=False)
    # Opted in on /account/: one mail about a cart left with items (cart.reminders).
    cart_reminders = models.BooleanField(
        "remind me of a cart I left", default=False, db_default=False
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        # Emails are the login: keep one canonical, lower-case form.
        self.email = type(self).objects.normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_seller(self) -> bool:
        return self.role == self.Role.SELLER

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email


class Address(models.Model):
    """A place the user has parcels sent; an order keeps a copy (addresses change)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    name = models.CharField(max_length=150, help_text="Who receives the parcel.")
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20)
    region = models.CharField(
        max_length=100, blank=True, help_text="State, province or county."
    )
    country = CountryField()
    phone = PhoneNumberField(blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "id"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="address_one_default_per_user",
            )
        ]

    def __str__(self):
        return ", ".join(part for part in (self.name, self.line1, self.city) if part)
