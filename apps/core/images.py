"""Image uploads: real PNG/JPEG/WebP only, at most 2 MB and 2048 px a side.

- `validate_image(file)`: the checks, usable as a model-field validator
  (files already stored are not re-read) or from a form.
- `ImageUploadField`: a form field that runs them *before* Django's own image
  decoding (the size first, so a 10 MB upload is never decoded), so a bad
  upload is a form error, never a 500.
- `reencode_image(file)`: a metadata-free copy of an accepted upload (EXIF,
  GPS, text chunks, ICC profile dropped; EXIF orientation applied first) under
  a random file name.

Uploaded files are served by Django only when `SERVE_MEDIA` is on (development);
production serves MEDIA_ROOT from the proxy or object storage: see docs/media.md.
"""
import io
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 2048
FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# A decompression bomb must fail fast, before Pillow allocates it: opening
# anything over twice this many pixels raises DecompressionBombError.
Image.MAX_IMAGE_PIXELS = MAX_SIDE * MAX_SIDE * 4

TOO_LARGE = f"Images must be at most {MAX_SIDE} px a side."


def validate_image(file) -> None:
    if file is None or not getattr(file, "name", None):
        return
    if getattr(file, "_committed", False):
        return  # already stored (a model form re-validating an unchanged field): checked when uploaded
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError("Images must be at most 2 MB.", code="file_too_large")
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError:
        raise ValidationError(TOO_LARGE, code="image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError("Upload a valid PNG, JPEG or WebP image.", code="invalid_image") from None
    finally:
        try:
            file.seek(0)
        except Exception:  # noqa: BLE001 - some storages' files cannot seek; validation is done
            pass
    if fmt not in FORMATS:
        raise ValidationError("Only PNG, JPEG and WebP images are accepted.", code="invalid_image")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(TOO_LARGE, code="image_too_large")


class ImageUploadField(forms.ImageField):
    """forms.ImageField with validate_image's limits checked first."""

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "size"):
            validate_image(data)
        return super().to_python(data)


def reencode_image(file, folder: str = "") -> ContentFile:
    """Return a metadata-free copy of a validated image, named `[<folder>/]<random>.<ext>`.

    Pass no folder when saving through a FileField: its `upload_to` adds one.
    """
    file.seek(0)
    with Image.open(file) as image:
        fmt = image.format
        image.load()
        image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
        if image.mode == "P" and "transparency" in image.info:
            image = image.convert("RGBA")  # palette transparency lives in `info`, which is dropped
        if fmt == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        out = io.BytesIO()
        # Only pixels are kept: a copy with an empty `info`, saved without
        # `exif=`/`pnginfo=`/`icc_profile=`, carries no metadata.
        clean = image.copy()
        clean.info = {}
        clean.save(out, format=fmt)
    name = f"{uuid.uuid4().hex}.{FORMATS[fmt]}"
    return ContentFile(out.getvalue(), name=f"{folder}/{name}" if folder else name)
