"""The product CSV import and export: the one rule, used by the admin (through
django-import-export's preview and confirm, catalog.admin.imports) and by the task that
runs a large file (catalog.tasks.run_import_job). docs/architecture.md states the rule.

One row per variant: ``sku, name, description, category, price, stock, weight_grams``
and ``option:<Name>`` per option. Rows are matched to variants by SKU (any case). A
known SKU updates its variant (price, stock, weight) and its product's shared fields
(name, description, category); an unknown SKU is a new variant of the product of that
name in that category (the importer's; staff: anyone's), or of a new product made from
the rows sharing that name and category. The option columns a row fills are its
variant's options; a product's rows all fill the same ones, and values not yet among the
option's are added. Stock is set through catalog.stock with reason ``import``; an
unchanged row writes nothing. Every row is checked before anything is written, and
the write is one transaction: all or nothing.
"""

from collections.abc import Callable, Iterable, Mapping

from . import write
from .export import products_export
from .plan import (
    COLUMNS,
    ERROR,
    NEW,
    OPTION_PREFIX,
    UNCHANGED,
    UPDATE,
    ImportFailed,
    ImportReport,
    RowPlan,
    products_plan,
)

__all__ = [
    "COLUMNS",
    "ERROR",
    "NEW",
    "OPTION_PREFIX",
    "UNCHANGED",
    "UPDATE",
    "ImportFailed",
    "ImportReport",
    "RowPlan",
    "products_export",
    "products_import",
    "products_plan",
]


def products_import(
    *,
    headers: list[str],
    rows: Iterable[Mapping],
    user,
    dry_run: bool,
    progress: Callable | None = None,
) -> ImportReport:
    """Plan the import and, unless ``dry_run`` or any row is in error, write it in one
    transaction; the report says what each row did (or would do)."""
    report = products_plan(headers=headers, rows=rows, user=user, progress=progress)
    if not dry_run and not report.has_errors:
        write.import_write(report, user)
        report.written = True
    return report
