"""Image uploads: real PNG/JPEG/WebP only, at most 2 MB and 2048 px a side.

`validate_image` is a model-field validator (admin forms run it);
`reencode_image` re-encodes an accepted upload, dropping its metadata
(EXIF, GPS, comments), and gives it a random file name.
"""
import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 2048
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# A decompression bomb must fail fast, before Pillow allocates it.
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE * 4


def validate_image(file) -> None:
    if file is None or not getattr(file, "name", None):
        return
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError("Images must be at most 2 MB.", code="file_too_large")
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError("Upload a valid PNG, JPEG or WebP image.", code="invalid_image") from None
    finally:
        try:
            file.seek(0)
        except Exception:  # noqa: BLE001 - some storages' files cannot seek; validation is done
            pass
    if fmt not in FORMATS:
        raise ValidationError("Only PNG, JPEG and WebP images are accepted.", code="invalid_image")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(f"Images must be at most {MAX_SIDE} px a side.", code="image_too_large")


def reencode_image(file, folder: str) -> ContentFile:
    """Return a metadata-free copy of a validated image, named `<folder>/<random>.<ext>`."""
    file.seek(0)
    with Image.open(file) as image:
        fmt = image.format
        image.load()
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        # Only pixels are kept: a copy with an empty `info`, saved without
        # `exif=`/`pnginfo=`/`icc_profile=`, carries no metadata.
        clean = image.copy()
        clean.info = {}
        clean.save(out, format=fmt)
    return ContentFile(out.getvalue(), name=f"{folder}/{uuid.uuid4().hex}.{FORMATS[fmt]}")
