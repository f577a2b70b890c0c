"""A product's images: an upload is accepted only when it decodes as a JPEG, PNG or
WebP picture of at most 10 MB (whatever its name says); thumbnails are made once, on
first use, by sorl-thumbnail."""

import struct
import warnings

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from PIL import Image, UnidentifiedImageError

from catalog.models import Product, ProductImage
from shop.exceptions import NotFound

MAX_IMAGE_BYTES = 10 * 1024 * 1024
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # a decompression bomb is not a product photo
# What Pillow raises on a file that is not a whole picture of a format it knows.
_UNREADABLE = (
    UnidentifiedImageError,
    OSError,  # truncated ("image file is truncated"), broken data
    ValueError,
    SyntaxError,  # a PNG's broken chunk
    EOFError,
    struct.error,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)
_NOT_A_PICTURE = "Upload a JPEG, PNG or WebP picture."


def image_check(upload) -> str:
    """The upload's format (JPEG, PNG or WEBP), read by decoding the whole picture; a
    ValidationError for anything else (a renamed file, an SVG, a GIF, a truncated
    picture) or for more than 10 MB."""
    if upload.size is None or upload.size > MAX_IMAGE_BYTES:
        raise ValidationError({"image": ["An image is at most 10 MB."]})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as picture:
                picture_format = picture.format
                width, height = picture.size
                # Sizes are read from the header: refuse before decoding anything big.
                if picture_format not in FORMATS or width * height > MAX_PIXELS:
                    raise ValidationError({"image": [_NOT_A_PICTURE]})
                picture.load()  # decodes every pixel: a truncated file fails here
    except _UNREADABLE:
        raise ValidationError({"image": [_NOT_A_PICTURE]}) from None
    finally:
        upload.seek(0)
    return picture_format


@transaction.atomic
def product_image_add(*, product: Product, image, alt: str = "") -> ProductImage:
    """Add an image after the product's others."""
    picture_format = image_check(image)
    image.name = f"{product.slug}.{FORMATS[picture_format]}"
    last = product.images.aggregate(last=Max("position"))["last"]
    return ProductImage.objects.create(
        product=product,
        image=image,
        alt=alt.strip(),
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def product_image_delete(*, product: Product, image_id: int) -> None:
    """Remove one of the product's images (a variant showing it shows the first again);
    its file goes once the removal commits."""
    image = product.images.filter(pk=image_id).first()
    if image is None:
        raise NotFound("No such image of this product.")
    image.delete()
    transaction.on_commit(lambda: image.image.storage.delete(image.image.name))
