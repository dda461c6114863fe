from django.core.signals import setting_changed
from django.templatetags.static import static

# static() per call resolves the storage and (with the manifest storage) hashes
# the name: the result only changes with settings, so it is kept per process.
_default_paths: dict[str, str] = {}


def default_image_path(item_type: str) -> str:
    path = _default_paths.get(item_type)
    if path is None:
        path = _default_paths[item_type] = static(f"shop/defaults/{item_type}.png")
    return path


def _forget_default_paths(**kwargs) -> None:
    _default_paths.clear()


setting_changed.connect(_forget_default_paths, dispatch_uid="shop-default-image-paths")


def item_image_url(item, request=None) -> str:
    """Absolute URL of an item's image, or its type's default image."""
    url = item.image.url if item.image else default_image_path(item.type)
    return request.build_absolute_uri(url) if request is not None else url


def default_image_url(item_type: str, request=None) -> str:
    url = default_image_path(item_type)
    return request.build_absolute_uri(url) if request is not None else url
