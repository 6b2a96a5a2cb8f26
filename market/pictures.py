"""Every card has a picture: the seller's photo when there is one, otherwise the drawn illustration of the
crop shipped in static/img/crops/ (one light SVG per plan crop, `default.svg` for anything else)."""
from functools import cache

from flask import url_for

from market.config import PROJECT_DIR

CROP_PICTURES_DIR = PROJECT_DIR / "static" / "img" / "crops"


@cache
def crop_picture_keys() -> frozenset[str]:
    return frozenset(p.stem for p in CROP_PICTURES_DIR.glob("*.svg"))


def crop_picture_url(crop_key: str | None) -> str:
    """The illustration of a crop (by its key), or the default sprout."""
    name = crop_key if crop_key in crop_picture_keys() else "default"
    return url_for("static", filename=f"img/crops/{name}.svg")


def card_picture_url(item) -> str:
    """A listing's or product's first photo (its thumbnail), else its crop's illustration."""
    photos = getattr(item, "photos", None) or []
    if photos:
        return url_for("media.thumbnail", upload_id=photos[0].id)
    crop = getattr(item, "crop", None)
    return crop_picture_url(crop.key if crop is not None else None)
