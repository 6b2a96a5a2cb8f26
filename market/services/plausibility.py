"""Plausibility of what is typed or imported about a zone: which certificates a kind of zone may hold, and
how large a zone may be. One place, used by the zone forms (`zones.clean_zone`, `zones.add_certificate`),
the department's importer and the zone revisions.

Areas have two bounds per kind of zone (and a lower warning for orchard crops): above the warning a person
must confirm the figure (a form's checkbox, the importer's confirmation of flagged rows); above the hard
limit it is refused, whatever is confirmed: such a number is a unit mistake (m² typed as ha), not a zone."""
from flask_babel import format_decimal
from flask_babel import gettext as _

from market.models import CertificateKind, Crop, ZoneKind

# (warning from, refused above) in hectares, per kind of zone.
AREA_BOUNDS = {
    ZoneKind.PLANTING_AREA: (500, 5_000),
    ZoneKind.PLANTED_FOREST: (5_000, 20_000),
}
# Orchards are smaller than fields: a warning sooner for fruit crops (Crop.kind).
CROP_KIND_WARNING = {"fruit": 300}

# Which certificates each kind of zone may hold: forest codes and FSC only on planted forests, planting-area
# codes only on crop zones; the others (GAP, organic, geographical indication) on either.
_FOREST_ONLY = (CertificateKind.FOREST_CODE, CertificateKind.SFM)
_CROP_ONLY = (CertificateKind.PLANTING_AREA_CODE,)
ALLOWED_CERTIFICATES = {
    ZoneKind.PLANTING_AREA: tuple(k for k in CertificateKind.ALL if k not in _FOREST_ONLY),
    ZoneKind.PLANTED_FOREST: tuple(k for k in CertificateKind.ALL if k not in _CROP_ONLY),
}


def area_bounds(kind: str, crop: Crop | None) -> tuple[float, float]:
    warning, limit = AREA_BOUNDS.get(kind, AREA_BOUNDS[ZoneKind.PLANTING_AREA])
    if crop is not None and kind == ZoneKind.PLANTING_AREA and crop.kind in CROP_KIND_WARNING:
        warning = min(warning, CROP_KIND_WARNING[crop.kind])
    return warning, limit


def _kind_name(kind: str) -> str:
    return _("a planted forest") if kind == ZoneKind.PLANTED_FOREST else _("a crop zone")


def area_refused(kind: str, crop: Crop | None, area: float | None) -> str | None:
    """Why the area is refused outright, or None."""
    if area is None:
        return None
    _warning, limit = area_bounds(kind, crop)
    if area > limit:
        return _("%(area)s ha is more than %(limit)s ha, the most %(kind)s can be: check the unit "
                 "(square metres typed as hectares?). Nothing was saved.",
                 area=format_decimal(area), limit=format_decimal(limit), kind=_kind_name(kind))
    return None


def area_warning(kind: str, crop: Crop | None, area: float | None) -> str | None:
    """Why the area needs an explicit confirmation, or None (refused areas are not warnings)."""
    if area is None or area_refused(kind, crop, area):
        return None
    warning, _limit = area_bounds(kind, crop)
    if area > warning:
        crop_name = crop.name_vi if crop is not None else ""
        return _("%(area)s ha is unusually large for %(kind)s %(crop)s (over %(warning)s ha): "
                 "confirm that the figure is right.",
                 area=format_decimal(area), kind=_kind_name(kind), crop=crop_name, warning=format_decimal(warning))
    return None


def certificate_refused(zone_kind: str, certificate_kind: str | None) -> str | None:
    """Why a zone of this kind cannot hold a certificate of this kind, or None."""
    if certificate_kind is None or certificate_kind in ALLOWED_CERTIFICATES.get(zone_kind, CertificateKind.ALL):
        return None
    if certificate_kind in _FOREST_ONLY:
        return _("This certificate is for planted forests only; this zone is a crop zone.")
    return _("A planting-area code is for crop zones only; this zone is a planted forest.")
