from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone

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
