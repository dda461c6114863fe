from django.templatetags.static import static


def default_image_path(item_type: str) -> str:
    return static(f"shop/defaults/{item_type}.png")


def item_image_url(item, request=None) -> str:
    """Absolute URL of an item's image, or its type's default image."""
    url = item.image.url if item.image else default_image_path(item.type)
    return request.build_absolute_uri(url) if request is not None else url


def default_image_url(item_type: str, request=None) -> str:
    url = default_image_path(item_type)
    return request.build_absolute_uri(url) if request is not None else url
