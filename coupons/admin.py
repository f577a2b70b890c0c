"""Staff manage coupons here: thin admin over the model and coupons.services."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import ngettext

from coupons.models import Coupon, CouponRedemption
from coupons.services import (
    coupon_code_taken,
    coupon_discount_summary,
    coupon_set_active,
    normalize_code,
)


class CouponAdminForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = [
            "code",
            "name",
            "is_active",
            "percent_off",
            "amount_off",
            "max_discount",
            "min_subtotal",
            "valid_from",
            "valid_until",
            "max_uses",
            "max_uses_per_user",
            "products",
            "categories",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The database checks these ranges too; here they become messages on the field.
        limits = {
            "percent_off": (Decimal("0"), Decimal("100")),
            "amount_off": (Decimal("0"), None),
            "max_discount": (Decimal("0"), None),
            "min_subtotal": (Decimal("0"), None),
            "max_uses": (1, None),
            "max_uses_per_user": (1, None),
        }
        for name, (low, high) in limits.items():
            field = self.fields[name]
            field.validators.append(MinValueValidator(low))
            field.widget.attrs["min"] = low
            if high is not None:
                field.validators.append(MaxValueValidator(high))
                field.widget.attrs["max"] = high

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data.get("code", ""))
        if not code:
            raise forms.ValidationError("Enter a code.")
        if coupon_code_taken(code=code, exclude_pk=self.instance.pk):
            raise forms.ValidationError(
                f"A coupon with the code {code} already exists (codes ignore case)."
            )
        return code

    def clean(self):
        cleaned = super().clean()
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", "The end must be after the start.")
        return cleaned


class ValidityFilter(admin.SimpleListFilter):
    """Where a coupon stands in time: valid now (and active), scheduled, expired."""

    title = "validity"
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("now", "Valid now (active, within dates)"),
            ("scheduled", "Not yet valid"),
            ("expired", "Expired"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "now":
            return queryset.valid_now()
        if self.value() == "scheduled":
            return queryset.filter(valid_from__gt=now)
        if self.value() == "expired":
            return queryset.filter(valid_until__lte=now)
        return queryset


class UsageFilter(admin.SimpleListFilter):
    """Coupons that reached their total limit of uses."""

    title = "uses"
    parameter_name = "uses"

    def lookups(self, request, model_admin):
        return [("used_up", "Used up"), ("unused", "Never used")]

    def queryset(self, request, queryset):
        if self.value() == "used_up":
            return queryset.filter(max_uses__isnull=False).filter(
                times_used_count__gte=F("max_uses")
            )
        if self.value() == "unused":
            return queryset.filter(times_used_count=0)
        return queryset


class CouponRedemptionInline(admin.TabularInline):
    """The orders that used a coupon: a record, so read-only."""

    model = CouponRedemption
    fields = ["order_link", "user", "email", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "user")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="order")
    def order_link(self, redemption: CouponRedemption):
        try:
            url = reverse("admin:orders_order_change", args=[redemption.order_id])
        except NoReverseMatch:  # the orders admin is not registered
            return redemption.order.number
        return format_html('<a href="{}">{}</a>', url, redemption.order.number)


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    form = CouponAdminForm
    list_display = ["code", "name", "discount", "validity", "is_active", "uses"]
    list_display_links = ["code", "name"]
    list_filter = ["is_active", ValidityFilter, UsageFilter]
    search_fields = ["code", "name"]
    autocomplete_fields = ["products", "categories"]
    readonly_fields = ["times_used", "created_at", "updated_at"]
    actions = ["activate", "deactivate"]
    inlines = [CouponRedemptionInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "is_active"]}),
        (
            "Discount",
            {
                "fields": ["percent_off", "amount_off", "max_discount", "min_subtotal"],
                "description": "Percent of the eligible subtotal plus the amount off, capped "
                "at the maximum discount and never above the eligible subtotal.",
            },
        ),
        ("Validity", {"fields": ["valid_from", "valid_until"]}),
        ("Limits", {"fields": ["max_uses", "max_uses_per_user", "times_used"]}),
        (
            "Scope",
            {
                "fields": ["products", "categories"],
                "description": "Leave both empty for the whole cart. A category covers its "
                "sub-categories.",
            },
        ),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_times_used()

    @admin.display(description="discount")
    def discount(self, coupon: Coupon) -> str:
        return coupon_discount_summary(coupon)

    @admin.display(description="valid")
    def validity(self, coupon: Coupon) -> str:
        def day(value):
            return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")

        if coupon.valid_from and coupon.valid_until:
            return f"{day(coupon.valid_from)} – {day(coupon.valid_until)}"
        if coupon.valid_from:
            return f"from {day(coupon.valid_from)}"
        if coupon.valid_until:
            return f"until {day(coupon.valid_until)}"
        return "always"

    @admin.display(description="uses / max uses", ordering="times_used_count")
    def uses(self, coupon: Coupon) -> str:
        limit = "∞" if coupon.max_uses is None else str(coupon.max_uses)
        return f"{coupon.times_used_count} / {limit}"

    @admin.display(description="times used")
    def times_used(self, coupon: Coupon) -> int:
        return coupon.redemptions.count() if coupon.pk else 0

    @admin.action(description="Activate the selected coupons", permissions=["change"])
    def activate(self, request, queryset):
        changed = coupon_set_active(coupons=queryset, is_active=True)
        self.message_user(
            request,
            ngettext("%d coupon activated.", "%d coupons activated.", changed)
            % changed,
            messages.SUCCESS,
        )

    @admin.action(description="Deactivate the selected coupons", permissions=["change"])
    def deactivate(self, request, queryset):
        changed = coupon_set_active(coupons=queryset, is_active=False)
        self.message_user(
            request,
            ngettext("%d coupon deactivated.", "%d coupons deactivated.", changed)
            % changed,
            messages.SUCCESS,
        )


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(admin.ModelAdmin):
    """Every use of every coupon, to look up; written only by checkout and cancel."""

    list_display = ["coupon", "order", "user", "email", "created_at"]
    list_select_related = ["coupon", "order", "user"]
    search_fields = ["coupon__code", "order__number", "email", "user__email"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
