"""What an import would do, row by row, with every row's errors: reads only (the
dry run, and the first half of an import). The rule is in catalog.imports' docstring."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models.functions import Upper

from catalog.models import Category, Product, Variant
from catalog.stock import MAX_STOCK
from catalog.variants import MAX_WEIGHT_GRAMS, OPTION_VALUE_MAX_LENGTH, SKU_MAX_LENGTH
from shop.exceptions import ShopError

COLUMNS = ("sku", "name", "description", "category", "price", "stock", "weight_grams")
OPTION_PREFIX = "option:"
NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
NOTE = "CSV import"


class ImportFailed(ShopError):
    status_code = 400
    code = "import_failed"


@dataclass
class RowPlan:
    number: int  # 1: the first row under the header
    values: dict
    action: str = NEW
    errors: dict[str, list[str]] = field(default_factory=dict)
    changes: dict[str, tuple] = field(default_factory=dict)
    variant: Variant | None = None
    key: tuple = ()
    options: dict = field(default_factory=dict)
    clean: dict = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)
        self.action = ERROR


@dataclass
class ImportReport:
    headers: list[str]
    rows: list[RowPlan]
    file_errors: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(r.action == ERROR for r in self.rows)

    @property
    def totals(self) -> dict[str, int]:
        counts = {NEW: 0, UPDATE: 0, UNCHANGED: 0, ERROR: 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def error_list(self) -> list[dict]:
        """The errors as plain data: ``[{"row": n or None, "errors": {column: [..]}}]``."""
        found = [{"row": None, "errors": {"file": [m]}} for m in self.file_errors]
        return found + [
            {"row": r.number, "errors": r.errors} for r in self.rows if r.errors
        ]


def _is_seller(user) -> bool:
    return not user.is_staff and getattr(user, "role", None) == "seller"


def _text(row: Mapping, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value)


def _parse(plan: RowPlan, categories: Mapping[str, Category]) -> None:
    row, clean = plan.values, plan.clean
    clean["sku"] = _text(row, "sku").strip()
    if not clean["sku"] or len(clean["sku"]) > SKU_MAX_LENGTH:
        plan.error("sku", f"A SKU is 1 to {SKU_MAX_LENGTH} characters.")
    clean["name"] = _text(row, "name").strip()
    if not clean["name"] or len(clean["name"]) > 200:
        plan.error("name", "A name is 1 to 200 characters.")
    clean["description"] = _text(row, "description")
    slug = _text(row, "category").strip()
    clean["category"] = categories.get(slug)
    if clean["category"] is None:
        plan.error("category", f"No category has the slug {slug!r}.")
    try:
        price = Decimal(_text(row, "price").strip())
        if not price.is_finite() or price < Decimal("0.01") or price != round(price, 2):
            raise InvalidOperation
        if price >= Decimal("1e10"):
            raise InvalidOperation
        clean["price"] = price.quantize(Decimal("0.01"))
    except InvalidOperation:
        plan.error("price", "A price is a number of at least 0.01, with 2 decimals.")
    for column, top in (("stock", MAX_STOCK), ("weight_grams", MAX_WEIGHT_GRAMS)):
        text = _text(row, column).strip() or ("0" if column == "weight_grams" else "")
        if text.isascii() and text.isdigit() and int(text) <= top:
            clean[column] = int(text)
        else:
            plan.error(column, f"A whole number from 0 to {top}.")
    for column in row:
        if column.startswith(OPTION_PREFIX):
            value = _text(row, column).strip()
            if len(value) > OPTION_VALUE_MAX_LENGTH:
                plan.error(column, f"At most {OPTION_VALUE_MAX_LENGTH} characters.")
            elif value:
                plan.options[column[len(OPTION_PREFIX) :].strip()] = value


def _check_headers(headers: list[str]) -> list[str]:
    problems = [f"The column {c!r} is missing." for c in COLUMNS if c not in headers]
    unknown = [
        h for h in headers if h not in COLUMNS and not h.startswith(OPTION_PREFIX)
    ]
    if unknown:
        problems.append(
            f"Unknown columns: {', '.join(unknown)} (options are option:<Name>)."
        )
    names = [
        h[len(OPTION_PREFIX) :].strip() for h in headers if h.startswith(OPTION_PREFIX)
    ]
    if any(not n for n in names) or len({n.casefold() for n in names}) != len(names):
        problems.append("Each option:<Name> column needs a distinct name.")
    return problems


def products_plan(
    *,
    headers: list[str],
    rows: Iterable[Mapping],
    user,
    progress: Callable | None = None,
) -> ImportReport:
    """What importing ``rows`` would do, row by row, with every row's errors; reads
    only (the dry run, and the first half of :func:`products_import`)."""
    headers = [str(h).strip() for h in headers]
    report = ImportReport(headers=headers, rows=[])
    report.file_errors = _check_headers(headers)
    if report.file_errors:
        return report
    categories = {c.slug: c for c in Category.objects.all()}
    plans = [RowPlan(number=n, values=dict(row)) for n, row in enumerate(rows, start=1)]
    report.rows = plans
    for plan in plans:
        _parse(plan, categories)
    _match_variants(plans, user)
    _group_products(plans, user)
    groups: dict[tuple, list[RowPlan]] = {}
    for plan in plans:
        if plan.key:
            groups.setdefault(plan.key, []).append(plan)
    done = 0
    for group in groups.values():
        _check_group(group)
        done += len(group)
        if progress:
            progress(done)
    for plan in plans:
        if plan.action != ERROR and plan.variant is not None:
            plan.action = UPDATE if plan.changes else UNCHANGED
    return report


def _match_variants(plans: list[RowPlan], user) -> None:
    seen: dict[str, int] = {}
    for plan in plans:
        sku = plan.clean.get("sku", "").upper()
        if not sku:
            continue
        if sku in seen:
            plan.error("sku", f"The SKU is also on row {seen[sku]}.")
        else:
            seen[sku] = plan.number
    existing = {
        v.upper_sku: v
        for v in Variant.objects.annotate(upper_sku=Upper("sku"))
        .filter(upper_sku__in=list(seen))
        .select_related("product__category")
        .prefetch_related("product__options")
    }
    for plan in plans:
        variant = existing.get(plan.clean.get("sku", "").upper())
        if variant is None:
            continue
        if _is_seller(user) and variant.product.seller_id != user.pk:
            plan.error("sku", "This SKU is another seller's.")
            continue
        plan.variant = variant
        plan.key = ("product", variant.product_id)


def _group_products(plans: list[RowPlan], user) -> None:
    """Rows of new SKUs join the product of their name and category: one of the file's
    (as renamed by it), else an existing one (the importer's, for a seller), else a new
    product of the rows sharing them."""
    named = {}
    for plan in plans:
        if plan.variant is not None and plan.clean.get("category"):
            named.setdefault(_name_key(plan), plan.key)
    products = Product.objects.all()
    if _is_seller(user):
        products = products.filter(seller=user)
    for plan in plans:
        if plan.key or plan.action == ERROR:
            continue
        key = _name_key(plan)
        if key not in named:
            found = (
                products.filter(
                    name__iexact=plan.clean["name"], category=plan.clean["category"]
                )
                .order_by("pk")
                .values_list("pk", flat=True)
                .first()
            )
            named[key] = ("product", found) if found else ("new", *key)
        plan.key = named[key]


def _name_key(plan: RowPlan) -> tuple:
    return (plan.clean["name"].casefold(), plan.clean["category"].pk)


def _check_group(group: list[RowPlan]) -> None:
    """The rows of one product agree on its shared fields and options."""
    first = group[0]
    product = None
    if first.key[0] == "product":
        product = (
            first.variant.product
            if first.variant
            else Product.objects.get(pk=first.key[1])
        )
        names = [o.name for o in product.options.all()]
    else:
        names = list(first.options)
    values = {o.name: list(o.values) for o in product.options.all()} if product else {}
    taken = (
        set(product.variants.values_list("signature", flat=True)) if product else set()
    )
    shared = ("name", "description", "category")
    for plan in group:
        if plan.action == ERROR:
            continue
        for column in shared:
            if plan is not first and plan.clean[column] != first.clean[column]:
                plan.error(
                    column,
                    f"Differs from row {first.number}: the rows of "
                    "one product share its name, description and category.",
                )
        if set(plan.options) != set(names) or len(names) > 3:
            plan.error(
                "options",
                "Bad option set: this product's options are "
                f"{', '.join(names) or 'none'} (at most 3).",
            )
            continue
        ordered = {name: plan.options[name] for name in names}
        signature = "\x1f".join(ordered.values())
        if plan.variant is not None:
            if plan.variant.options != ordered:
                plan.error("options", "An import cannot change a variant's options.")
                continue
            _diff(plan, product)
        elif signature in taken:
            plan.error(
                "options", "The product already has a variant with these options."
            )
            continue
        taken.add(signature)
        for name, value in ordered.items():
            if value not in values.setdefault(name, []):
                values[name].append(value)
        plan.options = ordered
    first.clean["option_values"] = values


def _diff(plan: RowPlan, product: Product) -> None:
    variant, clean = plan.variant, plan.clean
    was = {
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "price": variant.price,
        "stock": variant.stock,
        "weight_grams": variant.weight_grams,
    }
    for column, old in was.items():
        if clean[column] != old:
            plan.changes[column] = (old, clean[column])
