"""A product's images through the API: multipart uploads of JPEG, PNG or WebP up to
10 MB, checked by decoding them (never by their name); removal; who may."""

import io
import os

import pytest
from PIL import Image

from catalog.images import MAX_IMAGE_BYTES
from catalog.models import ProductImage
from catalog.tests.factories import ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
CLIENTS = ["api_client", "customer_client", "seller_client", "other_seller_client",
           "staff_client"]  # fmt: skip


def picture(format_: str, size=(40, 30), name: str | None = None) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(data, format=format_)
    data.seek(0)
    data.name = name or f"photo.{format_.lower()}"
    return data


def named(content: bytes, name: str) -> io.BytesIO:
    data = io.BytesIO(content)
    data.name = name
    return data


@pytest.fixture
def product(seller):
    return ProductFactory(seller=seller, name="Blue Mug", slug="blue-mug")


def upload(client, product, image, **fields):
    return client.post(
        f"{PRODUCTS}{product.pk}/images/", {"image": image, **fields},
        format="multipart",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("format_", "extension"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")]
)
def test_a_picture_is_uploaded(seller_client, product, format_, extension):
    """201 with {id, url, alt, position}; the file is named after the product and its
    real format; the product shows it."""
    response = upload(seller_client, product, picture(format_, name="x.bin"),
                      alt=" Front ")  # fmt: skip
    assert response.status_code == 201, response.json()
    image = ProductImage.objects.get()
    assert response.json() == {
        "id": image.pk,
        "url": f"http://testserver{image.image.url}",
        "alt": "Front",
        "position": 0,
    }
    assert image.image.name.startswith("products/blue-mug")
    assert image.image.name.endswith(f".{extension}")
    body = seller_client.get(f"{PRODUCTS}{product.pk}/").json()
    assert body["image_url"] == response.json()["url"]
    assert body["images"] == [response.json()]


def test_images_follow_each_other(seller_client, product):
    """Each upload goes after the others; the first stays the product's image_url."""
    first = upload(seller_client, product, picture("PNG")).json()
    second = upload(seller_client, product, picture("JPEG")).json()
    assert (first["position"], second["position"]) == (0, 1)
    body = seller_client.get(f"{PRODUCTS}{product.pk}/").json()
    assert [i["id"] for i in body["images"]] == [first["id"], second["id"]]
    assert body["image_url"] == first["url"]


def truncated(format_: str) -> bytes:
    whole = picture(format_, size=(200, 200)).getvalue()
    return whole[: len(whole) // 2]


def oversized_png() -> bytes:
    """A real PNG a little over 10 MB (noise, stored uncompressed)."""
    side = 1900
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    data = io.BytesIO()
    noise.save(data, format="PNG", compress_level=0)
    assert data.tell() > MAX_IMAGE_BYTES
    return data.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: named(b"just some text, not a picture", "photo.png"), "format"),
        (lambda: named(truncated("PNG"), "photo.png"), "format"),
        (lambda: named(truncated("JPEG"), "photo.jpg"), "format"),
        (lambda: named(SVG, "logo.svg"), "format"),
        (lambda: named(SVG, "logo.png"), "format"),
        (lambda: picture("GIF"), "format"),
        (lambda: picture("BMP", name="photo.jpg"), "format"),
        (lambda: named(oversized_png(), "big.png"), "size"),
    ],
    ids=["text-renamed", "truncated-png", "truncated-jpeg", "svg", "svg-renamed",
         "gif", "bmp-renamed", "over-10-mb"],
)  # fmt: skip
def test_anything_but_a_whole_small_picture_is_a_400(seller_client, product, make,
                                                     message):  # fmt: skip
    """A renamed text file, a truncated picture, an SVG, another format or more than
    10 MB: 400 on ``image``, nothing stored."""
    response = upload(seller_client, product, make())
    assert response.status_code == 400
    assert response.json() == {
        "image": [
            "Upload a JPEG, PNG or WebP picture."
            if message == "format"
            else "An image is at most 10 MB."
        ]
    }
    assert not ProductImage.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"image": ""}, {"alt": "x" * 201}],
    ids=["no-file", "not-a-file", "alt-too-long"],
)
def test_a_bad_upload_form_is_a_400(seller_client, product, data):
    if "alt" in data:
        data = {**data, "image": picture("PNG")}
    response = seller_client.post(
        f"{PRODUCTS}{product.pk}/images/", data, format="multipart"
    )
    assert response.status_code == 400
    assert not ProductImage.objects.exists()


def test_an_upload_must_be_multipart(seller_client, product):
    """A JSON body is a 415."""
    response = seller_client.post(
        f"{PRODUCTS}{product.pk}/images/", {"image": "abc"}, format="json"
    )
    assert response.status_code == 415


def test_an_image_is_removed(seller_client, product):
    """204; a variant that showed it shows none; the product's next image leads."""
    first, second = (
        ProductImageFactory(product=product),
        ProductImageFactory(product=product),
    )
    variant = product.variants.get()
    variant.image = first
    variant.save()
    url = f"{PRODUCTS}{product.pk}/images/{first.pk}/"
    assert seller_client.delete(url).status_code == 204
    body = seller_client.get(f"{PRODUCTS}{product.pk}/").json()
    assert [i["id"] for i in body["images"]] == [second.pk]
    assert body["image_url"].endswith(second.image.url)
    assert body["variants"][0]["image_url"] is None
    assert seller_client.delete(url).status_code == 404


def test_another_products_image_is_not_removed(seller_client, product, seller):
    """An image of another product, through this product's URL: 404, kept."""
    other = ProductImageFactory(product=ProductFactory(seller=seller))
    response = seller_client.delete(f"{PRODUCTS}{product.pk}/images/{other.pk}/")
    assert response.status_code == 404
    assert ProductImage.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 201, 403, 201], strict=True),
)
def test_permissions_upload(request, product, client_name, expected):
    """Upload: the product's seller and staff; others 403; anonymous 401."""
    response = upload(request.getfixturevalue(client_name), product, picture("PNG"))
    assert response.status_code == expected
    assert ProductImage.objects.exists() is (expected == 201)


@pytest.mark.parametrize(
    ("client_name", "expected"),
    zip(CLIENTS, [401, 403, 204, 403, 204], strict=True),
)
def test_permissions_remove(request, product, client_name, expected):
    """Removal: the product's seller and staff; others 403; anonymous 401."""
    image = ProductImageFactory(product=product)
    client = request.getfixturevalue(client_name)
    response = client.delete(f"{PRODUCTS}{product.pk}/images/{image.pk}/")
    assert response.status_code == expected
    assert ProductImage.objects.exists() is (expected != 204)


def test_an_archived_products_images_are_404_to_others(other_seller_client, product):
    """Another seller cannot see an archived product: 404, not 403."""
    product.is_active = False
    product.save()
    response = upload(other_seller_client, product, picture("PNG"))
    assert response.status_code == 404
