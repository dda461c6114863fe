"""Item images: validation (apps.core.images), re-encoding without metadata, and the admin upload."""
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from apps.core.images import reencode_image, validate_image
from apps.shop.models import Item

from .factories import ItemFactory


def png_bytes(size=(8, 8), *, text: dict | None = None, mode="RGB") -> bytes:
    out = io.BytesIO()
    info = PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    Image.new(mode, size, color=1 if mode == "1" else (200, 30, 30)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (16, 8), color=(10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0131] = "Secret editor"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"where I live")
    return out.getvalue()


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# -- validate_image ------------------------------------------------------------------
def test_a_renamed_text_file_is_rejected():
    with pytest.raises(ValidationError) as exc:
        validate_image(upload("cat.png", b"just some text, honestly\n" * 10))
    assert exc.value.code == "invalid_image"


def test_a_10_mb_file_is_rejected_before_decoding():
    content = png_bytes() + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationError) as exc:
        validate_image(upload("big.png", content))
    assert exc.value.code == "file_too_large"


def test_a_10000_px_image_is_rejected():
    content = png_bytes((10_000, 10_000), mode="1")  # 1 bit a pixel: a small file, a huge picture
    assert len(content) < 2 * 1024 * 1024
    with pytest.raises(ValidationError) as exc:
        validate_image(upload("huge.png", content))
    assert exc.value.code == "image_too_large"


def test_an_image_wider_than_2048_px_is_rejected():
    with pytest.raises(ValidationError) as exc:
        validate_image(upload("wide.png", png_bytes((3000, 10))))
    assert exc.value.code == "image_too_large"


def test_other_formats_are_rejected():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    with pytest.raises(ValidationError):
        validate_image(upload("anim.gif", out.getvalue(), "image/gif"))


def test_a_real_small_png_is_accepted_and_reencoded_without_metadata():
    content = png_bytes((32, 16), text={"Author": "Someone", "Location": "52.1,4.3"})
    assert b"Location" in content
    file = upload("mine.png", content)
    validate_image(file)  # no error

    clean = reencode_image(file)
    data = clean.read()
    assert b"Location" not in data and b"Someone" not in data
    assert re.fullmatch(r"[0-9a-f]{32}\.png", clean.name)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (32, 16)
        assert image.info.get("Author") is None
        assert image.getpixel((0, 0))[:3] == (200, 30, 30)


def test_jpeg_exif_and_comment_are_dropped():
    content = jpeg_with_exif()
    assert b"SpyCam" in content
    file = upload("photo.jpg", content, "image/jpeg")
    validate_image(file)
    data = reencode_image(file, folder="items").read()
    assert b"SpyCam" not in data and b"where I live" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif()


# -- the admin ------------------------------------------------------------------------
ADD_URL = "/admin/shop/item/add/"


def form_data(**overrides):
    data = {
        "name": "Uploaded",
        "description": "",
        "type": "avatar",
        "rarity": "common",
        "is_active": "on",
        "price_coins": "10",
        "price_crystals": "",
        "min_level": "1",
        "boost_type": "",
        "multiplier": "",
        "duration_minutes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not an image at all", id="renamed-text"),
        pytest.param(png_bytes() + b"\0" * (10 * 1024 * 1024), id="10-MB"),
        pytest.param(png_bytes((10_000, 10_000), mode="1"), id="10000-px"),
    ],
)
def test_admin_rejects_a_bad_upload_with_a_form_error(admin_client, media, content):
    r = admin_client.post(ADD_URL, {**form_data(), "image": upload("x.png", content)})
    assert r.status_code == 200  # the form again, with its error: no 500, no redirect
    assert r.context["adminform"].form.errors["image"]
    assert not Item.objects.filter(name="Uploaded").exists()
    assert not any(media.rglob("*.png"))


@pytest.mark.django_db
def test_admin_upload_is_reencoded_under_a_random_name_and_shown_as_a_thumbnail(admin_client, media):
    content = png_bytes((24, 24), text={"Comment": "secret"})
    r = admin_client.post(ADD_URL, {**form_data(), "image": upload("my-face.png", content)})
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    item = Item.objects.get(name="Uploaded")
    assert re.fullmatch(r"items/[0-9a-f]{32}\.png", item.image.name)
    stored = (media / item.image.name).read_bytes()
    assert b"secret" not in stored
    listing = admin_client.get("/admin/shop/item/").content.decode()
    assert f'src="/media/{item.image.name}"' in listing
    change = admin_client.get(f"/admin/shop/item/{item.pk}/change/").content.decode()
    assert f'src="/media/{item.image.name}"' in change


@pytest.mark.django_db
def test_admin_edit_without_a_new_upload_keeps_the_image(admin_client, media):
    admin_client.post(ADD_URL, {**form_data(), "image": upload("a.png", png_bytes())})
    item = Item.objects.get(name="Uploaded")
    name = item.image.name
    r = admin_client.post(f"/admin/shop/item/{item.pk}/change/", form_data(price_coins="20"))
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.image.name == name and item.price_coins == 20


@pytest.mark.django_db
def test_admin_rejects_an_invalid_boost_with_a_form_error(admin_client):
    r = admin_client.post(ADD_URL, form_data(type="boost"))  # no multiplier/duration/boost type
    assert r.status_code == 200
    assert r.context["adminform"].form.errors
    assert not Item.objects.filter(name="Uploaded").exists()


@pytest.mark.django_db
def test_api_serves_the_uploaded_image_as_an_absolute_url(make_user, media):
    from conftest import client_for

    item = ItemFactory(image="items/abc.png")
    r = client_for(make_user()).get(f"/api/v1/shop/items/{item.pk}/")
    assert r.json()["image"] == "http://testserver/media/items/abc.png"
