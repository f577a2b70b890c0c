"""The product list's CSV import (django-import-export's upload, dry-run preview and
confirm) and export. django-import-export parses the file and runs the two steps; the
rule of what a row does is catalog.imports', one row per variant, which does not fit
the library's one-row-one-object model: the resource hands the whole file to it and
shows its report. A file of more than SHOP_IMPORT_ASYNC_ROWS rows becomes an
:class:`ImportJob` run by a task, with a page that follows it."""

import csv
import io

import tablib
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from import_export import fields, resources
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV
from import_export.results import Error, Result, RowResult

from catalog.import_jobs import import_job_queue
from catalog.imports import (
    COLUMNS,
    NEW,
    UNCHANGED,
    UPDATE,
    products_export,
    products_import,
)
from catalog.models import ImportJob

_ROW_TYPE = {
    NEW: RowResult.IMPORT_TYPE_NEW,
    UPDATE: RowResult.IMPORT_TYPE_UPDATE,
    UNCHANGED: RowResult.IMPORT_TYPE_SKIP,
}


def _shown(value) -> str:
    return getattr(value, "slug", value) if value is not None else ""


def report_result(report) -> Result:
    """catalog.imports' report as django-import-export's result, for its pages: errors
    by row number, else each row's change ("old → new") or its values."""
    result = Result()
    result.diff_headers = list(report.headers)
    result.total_rows = len(report.rows)
    for message in report.file_errors:
        result.append_base_error(Error(ValueError(message)))
    for plan in report.rows:
        row = RowResult()
        if plan.errors:
            row.import_type = RowResult.IMPORT_TYPE_INVALID
            result.append_invalid_row(
                plan.number, plan.values, ValidationError(plan.errors)
            )
        else:
            row.import_type = _ROW_TYPE[plan.action]
            row.diff = [
                f"{_shown(plan.changes[h][0])} → {_shown(plan.changes[h][1])}"
                if h in plan.changes
                else plan.values.get(h, "")
                for h in report.headers
            ]
            row.object_id = plan.variant.pk if plan.variant else None
            row.object_repr = plan.clean.get("sku", "")
        result.append_row_result(row)
        result.increment_row_result_total(row)
    result.report = report
    return result


def dataset_rows(dataset: tablib.Dataset) -> tuple[list[str], list[dict]]:
    headers = [str(h or "").strip() for h in dataset.headers or []]
    return headers, [dict(zip(headers, row, strict=False)) for row in dataset]


class ProductCsvResource(resources.Resource):
    """The product CSV's columns (``option:<Name>`` ones besides); what a row does is
    :func:`catalog.imports.products_import`'s."""

    sku = fields.Field(column_name="sku")
    name = fields.Field(column_name="name")
    description = fields.Field(column_name="description")
    category = fields.Field(column_name="category")
    price = fields.Field(column_name="price")
    stock = fields.Field(column_name="stock")
    weight_grams = fields.Field(column_name="weight_grams")

    @classmethod
    def get_display_name(cls):
        return "Products (one row per variant; option:<Name> columns for options)"

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        headers, rows = dataset_rows(dataset)
        report = products_import(
            headers=headers, rows=rows, user=kwargs["user"], dry_run=dry_run
        )
        return report_result(report)


def csv_response(headers, rows, filename="products.csv") -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(headers)
    writer.writerows(rows)
    return response


@admin.action(description="Export the selected products as CSV")
def export_csv(modeladmin, request, queryset):
    return csv_response(*products_export(products=queryset))


class ProductImportExportMixin(ImportMixin):
    """On the product list: Import (preview, then confirm) and Export CSV. A seller's
    import and export hold their own products only (the list's queryset)."""

    resource_classes = [ProductCsvResource]
    import_formats = [CSV]
    skip_admin_log = True  # a row is a variant and maybe a product: the ledger tells
    import_export_change_list_template = "admin/catalog/product/change_list.html"

    def get_actions(self, request):
        found = super().get_actions(request)
        found["export_csv"] = self.get_action(export_csv)
        return found

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export/", wrap(self.export_view), name="catalog_product_export"),
            path(
                "import-jobs/<int:job_id>/",
                wrap(self.import_job_view),
                name="catalog_product_import_job",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """Every product the user may see (a seller: theirs), as the import's CSV."""
        if not self.has_view_permission(request):
            raise Http404
        return csv_response(*products_export(products=self.get_queryset(request)))

    def import_action(self, request, **kwargs):
        upload = request.FILES.get("import_file")
        if request.method == "POST" and upload is not None:
            text = upload.read().decode("utf-8-sig", errors="replace")
            upload.seek(0)
            rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
            if rows > settings.SHOP_IMPORT_ASYNC_ROWS:
                job = import_job_queue(user=request.user, name=upload.name, data=text)
                return redirect("admin:catalog_product_import_job", job.pk)
        return super().import_action(request, **kwargs)

    def process_result(self, result, request):
        report = result.report
        url = reverse("admin:catalog_product_changelist")
        if not report.written:  # changed since the preview: nothing was written
            first = report.error_list()[:5]
            messages.error(
                request,
                "Nothing was imported: "
                + "; ".join(
                    f"row {e['row']}: {' '.join(sum(e['errors'].values(), []))}"
                    for e in first
                ),
            )
            return redirect(url)
        totals = report.totals
        messages.success(
            request,
            f"Import finished: {totals[NEW]} new, {totals[UPDATE]} updated, "
            f"{totals[UNCHANGED]} unchanged.",
        )
        return redirect(url)

    def import_job_view(self, request, job_id):
        jobs = ImportJob.objects.all()
        if not request.user.is_superuser:  # a seller (or staff) sees their own
            jobs = jobs.filter(user=request.user)
        job = get_object_or_404(jobs, pk=job_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import {job.file_name or job.pk}",
            "opts": self.opts,
            "job": job,
            "columns": COLUMNS,
            "running": job.status
            in {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING},
        }
        return TemplateResponse(
            request, "admin/catalog/product/import_job.html", context
        )
