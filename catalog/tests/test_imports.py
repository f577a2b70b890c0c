"""The product CSV import and export (catalog.imports, through the admin's preview and
confirm): the dry run writes nothing, errors name their row, stock goes through the
ledger with reason import, a second import or an export's re-import changes nothing,
all or nothing, and a large file runs as a job."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.imports import (
    ERROR,
    NEW,
    UNCHANGED,
    UPDATE,
    products_export,
    products_import,
)
from catalog.models import ImportJob, Product, StockMovement, Variant
from catalog.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

HEAD = (
    "sku,name,description,category,price,stock,weight_grams,option:Size,option:Colour\n"
)
TEES = HEAD + (
    "TEE-S-RED,Tee,Soft cotton,tees,20.00,5,180,S,Red\n"
    "TEE-M-RED,Tee,Soft cotton,tees,20.00,0,190,M,Red\n"
    "TEE-M-BLUE,Tee,Soft cotton,tees,22.50,3,190,M,Blue\n"
    "MUG,Mug,,mugs,7.00,10,300,,\n"
)


@pytest.fixture(autouse=True)
def categories():
    CategoryFactory(slug="tees", name="Tees")
    CategoryFactory(slug="mugs", name="Mugs")


@pytest.fixture
def admin_client_(staff_user):
    client = Client()
    client.force_login(staff_user)
    return client


def preview(client, text: str, name="products.csv"):
    """The admin's dry run of ``text``: its response."""
    return client.post(
        "/admin/catalog/product/import/",
        {"format": "0", "import_file": SimpleUploadedFile(name, text.encode())},
    )


def confirm(client, response):
    """Confirm the previewed import, as the preview page's form does."""
    form = response.context["confirm_form"]
    return client.post("/admin/catalog/product/process_import/", form.initial)


def import_file(client, text: str):
    return confirm(client, preview(client, text))


def rows(text):
    lines = [line.split(",") for line in text.strip().split("\n")]
    return lines[0], [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def run(text, user, *, dry_run=False):
    headers, data = rows(text)
    return products_import(headers=headers, rows=data, user=user, dry_run=dry_run)


def test_the_dry_run_previews_and_writes_nothing(admin_client_):
    response = preview(admin_client_, TEES)
    assert response.status_code == 200
    result = response.context["result"]
    assert [row.import_type for row in result.rows] == ["new"] * 4
    assert "confirm_form" in response.context
    assert not Product.objects.exists()
    assert not StockMovement.objects.exists()


def test_confirming_makes_products_options_and_variants(admin_client_, staff_user):
    """Rows sharing a name and category are one product; the option columns they
    fill are its options, with the values named; stock is a movement with reason
    import."""
    response = import_file(admin_client_, TEES)
    assert response.status_code == 302
    tee = Product.objects.get(name="Tee")
    assert [(o.name, o.values) for o in tee.options.all()] == [
        ("Size", ["S", "M"]),
        ("Colour", ["Red", "Blue"]),
    ]
    assert tee.variants.count() == 3
    assert tee.price == Decimal("20.00")
    assert tee.seller == staff_user
    blue = Variant.objects.get(sku="TEE-M-BLUE")
    assert (blue.options, blue.price, blue.stock, blue.weight_grams) == (
        {"Size": "M", "Colour": "Blue"}, Decimal("22.50"), 3, 190)  # fmt: skip
    mug = Variant.objects.get(sku="MUG")
    assert (mug.options, mug.stock, mug.product.options.count()) == ({}, 10, 0)
    movements = StockMovement.objects.all()
    assert {(m.variant.sku, m.delta, m.reason) for m in movements} == {
        ("TEE-S-RED", 5, "import"),
        ("TEE-M-BLUE", 3, "import"),
        ("MUG", 10, "import"),
    }  # TEE-M-RED's 0 wrote no movement


def test_a_second_import_of_the_same_file_changes_nothing(admin_client_):
    import_file(admin_client_, TEES)
    before = StockMovement.objects.count()
    response = preview(admin_client_, TEES)
    assert [r.import_type for r in response.context["result"].rows] == ["skip"] * 4
    confirm(admin_client_, response)
    assert StockMovement.objects.count() == before
    assert Variant.objects.count() == 4


def test_an_update_changes_price_stock_and_shared_fields(admin_client_, staff_user):
    import_file(admin_client_, TEES)
    changed = TEES.replace(
        "TEE-M-BLUE,Tee,Soft cotton,tees,22.50,3",
        "TEE-M-BLUE,Tee,Soft cotton,tees,24.00,1",
    )
    changed = changed.replace(
        "MUG,Mug,,mugs,7.00,10", "MUG,Big mug,Holds more,mugs,7.00,12"
    )
    report = run(changed, staff_user, dry_run=True)
    assert [r.action for r in report.rows] == [UNCHANGED, UNCHANGED, UPDATE, UPDATE]
    assert report.rows[2].changes == {
        "price": (Decimal("22.50"), Decimal("24.00")),
        "stock": (3, 1),
    }
    response = preview(admin_client_, changed)
    assert "22.50 → 24.00" in response.content.decode()
    confirm(admin_client_, response)
    blue = Variant.objects.get(sku="TEE-M-BLUE")
    assert (blue.price, blue.stock) == (Decimal("24.00"), 1)
    assert blue.movements.first().delta == -2
    mug = Product.objects.get(variants__sku="MUG")
    assert (mug.name, mug.description) == ("Big mug", "Holds more")


def test_a_new_value_and_sku_join_the_existing_product(admin_client_, staff_user):
    import_file(admin_client_, TEES)
    more = TEES + "TEE-L-RED,Tee,Soft cotton,tees,21.00,2,200,L,Red\n"
    report = run(more, staff_user)
    assert [r.action for r in report.rows] == [UNCHANGED] * 4 + [NEW]
    tee = Product.objects.get(name="Tee")
    assert tee.options.get(name="Size").values == ["S", "M", "L"]
    assert tee.variants.get(sku="TEE-L-RED").stock == 2


def test_export_then_import_is_a_no_op(admin_client_, staff_user):
    import_file(admin_client_, TEES)
    exported = admin_client_.get("/admin/catalog/product/export/")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode().replace("\r\n", "\n")
    assert text.splitlines()[0] == HEAD.strip()
    before = StockMovement.objects.count()
    response = preview(admin_client_, text)
    assert {r.import_type for r in response.context["result"].rows} == {"skip"}
    confirm(admin_client_, response)
    assert StockMovement.objects.count() == before
    headers, _ = products_export(products=Product.objects.all())
    assert headers == HEAD.strip().split(",")


@pytest.mark.parametrize(
    "line, column, words",
    [
        ("X1,Lamp,,tees,abc,1,0,,", "price", "price"),
        ("X1,Lamp,,tees,0.00,1,0,,", "price", "price"),
        ("X1,Lamp,,tees,1.999,1,0,,", "price", "price"),
        ("X1,Lamp,,nowhere,1.00,1,0,,", "category", "nowhere"),
        ("X1,Lamp,,tees,1.00,-1,0,,", "stock", "whole number"),
        ("X1,Lamp,,tees,1.00,1,heavy,,", "weight_grams", "whole number"),
        (",Lamp,,tees,1.00,1,0,,", "sku", "SKU"),
    ],
)
def test_a_bad_row_is_reported_with_its_number(admin_client_, line, column, words):
    text = HEAD + "OK-1,Mug,,mugs,7.00,1,0,,\n" + line + "\n"
    response = preview(admin_client_, text)
    result = response.context["result"]
    assert [row.number for row in result.invalid_rows] == [2]
    errors = result.invalid_rows[0].error_dict
    assert list(errors) == [column]
    assert words.lower() in " ".join(errors[column]).lower()
    assert "confirm_form" not in response.context
    assert not Product.objects.exists()


def test_a_sku_twice_in_the_file_is_an_error_on_the_second(staff_user):
    text = HEAD + "M1,Mug,,mugs,7.00,1,0,,\nm1,Mug,,mugs,7.00,1,0,,\n"
    report = run(text, staff_user)
    assert [r.action for r in report.rows] == [NEW, ERROR]
    assert "row 1" in report.rows[1].errors["sku"][0]
    assert not report.written
    assert not Variant.objects.exists()


def test_a_bad_option_set_is_an_error(admin_client_, staff_user):
    import_file(admin_client_, TEES)
    text = HEAD + "TEE-XL,Tee,Soft cotton,tees,20.00,1,0,XL,\n"  # no colour
    report = run(text, staff_user)
    assert report.rows[0].action == ERROR
    assert "Bad option set" in report.rows[0].errors["options"][0]
    mixed = HEAD + "A1,Cap,,tees,5.00,1,0,S,\nA2,Cap,,tees,5.00,1,0,M,Red\n"
    report = run(mixed, staff_user)
    assert [r.action for r in report.rows] == [NEW, ERROR]


def test_rows_of_one_product_must_agree(staff_user):
    text = HEAD + "A1,Cap,Blue cap,tees,5.00,1,0,S,\nA2,Cap,Red cap,tees,5.00,1,0,M,\n"
    report = run(text, staff_user)
    assert report.rows[1].errors["description"][0].startswith("Differs from row 1")


def test_a_missing_column_is_a_file_error(admin_client_):
    response = preview(admin_client_, "sku,name\nA,B\n")
    result = response.context["result"]
    assert result.has_errors()
    assert "missing" in str(result.base_errors[0].error)
    assert not Product.objects.exists()


def test_the_write_is_all_or_nothing(staff_user, monkeypatch):
    """A failure half way (here a variant refused while writing) leaves nothing."""
    from catalog import imports
    from catalog.imports import write

    real = write.variant_create

    def fail_on_second(**kwargs):
        if kwargs["sku"] == "TEE-L-RED":
            from django.core.exceptions import ValidationError

            raise ValidationError({"sku": ["taken meanwhile"]})
        return real(**kwargs)

    run(TEES, staff_user)
    monkeypatch.setattr(write, "variant_create", fail_on_second)
    more = (
        TEES.replace("20.00,5", "20.00,9")
        + "TEE-L-RED,Tee,Soft cotton,tees,21.00,2,200,L,Red\n"
    )
    with pytest.raises(imports.ImportFailed):
        run(more, staff_user)
    assert Variant.objects.get(sku="TEE-S-RED").stock == 5
    assert not Variant.objects.filter(sku="TEE-L-RED").exists()


@pytest.fixture
def queued(django_capture_on_commit_callbacks):
    """Post a file and run what it queued (the job's task, eagerly)."""

    def post(client, text):
        with django_capture_on_commit_callbacks(execute=True):
            return preview(client, text)

    return post


def test_a_large_file_runs_as_a_job(admin_client_, seller, settings, queued):
    settings.SHOP_IMPORT_ASYNC_ROWS = 2
    response = queued(admin_client_, TEES)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/catalog/product/import-jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows) == ("done", 4, 4)
    assert job.totals == {"new": 4, "update": 0, "unchanged": 0, "error": 0}
    assert Variant.objects.count() == 4
    page = admin_client_.get(response["Location"])
    assert page.status_code == 200
    assert "Done" in page.content.decode()
    # Another user's job is not theirs to see.
    other = Client()
    other.force_login(seller)
    assert other.get(response["Location"]).status_code == 404


def test_a_large_file_with_an_error_fails_and_writes_nothing(
    admin_client_, settings, queued
):
    settings.SHOP_IMPORT_ASYNC_ROWS = 2
    queued(admin_client_, TEES.replace("22.50", "lots"))
    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert job.errors == [{"row": 3, "errors": {"price": [
        "A price is a number of at least 0.01, with 2 decimals."]}}]  # fmt: skip
    assert not Variant.objects.exists()
    page = admin_client_.get(f"/admin/catalog/product/import-jobs/{job.pk}/")
    assert "nothing was written" in page.content.decode()


def test_a_job_runs_once(admin_client_, settings, queued):
    """A second run of the task (a retry, a duplicate delivery) does nothing."""
    from catalog.import_jobs import import_job_run

    settings.SHOP_IMPORT_ASYNC_ROWS = 2
    queued(admin_client_, TEES)
    job = ImportJob.objects.get()
    assert import_job_run(job_id=job.pk) is False
    assert StockMovement.objects.count() == 3


def test_a_job_whose_worker_died_is_given_up_and_can_be_uploaded_again(
    admin_client_, staff_user, settings, queued
):
    """A job left running (its worker killed mid-run: nothing written) and silent for
    SHOP_IMPORT_STALL_MINUTES is marked failed with what to do; one still writing its
    progress is left alone; the same file uploaded again imports."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog.import_jobs import STALLED
    from catalog.tasks import give_up_stalled_imports

    settings.SHOP_IMPORT_ASYNC_ROWS = 2
    settings.SHOP_IMPORT_STALL_MINUTES = 30
    now = timezone.now()
    dead = ImportJob.objects.create(
        user=staff_user, data=TEES, status=ImportJob.Status.RUNNING,
        heartbeat_at=now - timedelta(minutes=31),
    )  # fmt: skip
    alive = ImportJob.objects.create(
        user=staff_user, data=TEES, status=ImportJob.Status.RUNNING,
        heartbeat_at=now - timedelta(minutes=5),
    )  # fmt: skip

    assert give_up_stalled_imports.apply().get() == 1

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, alive.status) == ("failed", "running")
    assert dead.errors == [{"row": None, "errors": {"file": [STALLED]}}]
    assert dead.finished_at is not None
    page = admin_client_.get(f"/admin/catalog/product/import-jobs/{dead.pk}/")
    assert "Upload the file again" in page.content.decode()
    assert not Variant.objects.exists()

    queued(admin_client_, TEES)
    assert ImportJob.objects.latest("pk").status == "done"
    assert Variant.objects.count() == 4


def test_a_running_job_writes_its_heartbeat(admin_client_, settings, queued):
    settings.SHOP_IMPORT_ASYNC_ROWS = 2
    queued(admin_client_, TEES)
    job = ImportJob.objects.get()
    assert job.status == "done" and job.heartbeat_at is not None
    assert "give-up-stalled-imports" in settings.CELERY_BEAT_SCHEDULE
