"""The seller's workspace: my zones (with certificates), my listings, my products, expiring certificates."""
import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access
from market.blueprints import confirm, write
from market.blueprints.workspace.forms import (
    CertificateForm,
    ListingForm,
    ProductForm,
    StatusForm,
    ZoneForm,
)
from market.clock import today
from market.extensions import db
from market.models import GrowingZone, ListingStatus, OcopProduct, Organisation, OrgKind, ProductStatus, SupplyListing
from market.services import listings, ocop, organisations, products, reminders, uploads, zones
from market.services.errors import ValidationFailed

bp = Blueprint("workspace", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Every page here is for members only."""


def _org(org_id: int) -> Organisation:
    org = db.get_or_404(Organisation, org_id)
    organisations.require_role(current_user, org)
    return org


def _owned(model, item_id: int, org: Organisation):
    item = db.get_or_404(model, item_id)
    if item.organisation_id != org.id:
        abort(404)
    return item



def _data(form, *skip: str) -> dict:
    return {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", "photo", "document", *skip)}


def _saved(form, org: Organisation, work, message: str):
    """Save through the service; on success flash `message` and go back to the workspace, else None
    (the form shows its errors)."""
    if write.run(work, form=form, success=message):
        return redirect(url_for("workspace.dashboard", org_id=org.id))
    return None


def _attach_photo(form, org: Organisation, **link) -> None:
    """Save the form's photo, if any, linked to the listing or product; errors roll everything back."""
    file = form.photo.data
    if file and getattr(file, "filename", ""):
        upload = uploads.save_upload(current_user, org, file, allowed=("image",))
        for key, value in link.items():
            setattr(upload, key, value)


@bp.get("/")
@access.rule(access.LOGGED_IN)
def home():
    mine = [m.organisation for m in current_user.memberships]
    sellers = [o for o in mine if o.kind in OrgKind.SELLERS + (OrgKind.ENTERPRISE,)]
    if len(sellers) == 1:
        return redirect(url_for("workspace.dashboard", org_id=sellers[0].id))
    return render_template("workspace/choose.html", orgs=sellers)


@bp.get("/<int:org_id>/")
@access.rule(access.member())
def dashboard(org_id: int):
    org = _org(org_id)
    on = today()
    zone_rows = db.session.scalars(sa.select(GrowingZone).where(GrowingZone.organisation_id == org.id)
                                   .order_by(GrowingZone.code)).all()
    listing_rows = db.session.scalars(sa.select(SupplyListing).where(SupplyListing.organisation_id == org.id)
                                      .order_by(SupplyListing.harvest_start.desc())).all()
    product_rows = db.session.scalars(sa.select(OcopProduct).where(OcopProduct.organisation_id == org.id)
                                      .order_by(OcopProduct.name)).all()
    return render_template("workspace/dashboard.html", org=org, on=on, zones=zone_rows, listings=listing_rows,
                           products=product_rows, expiring=reminders.expiring(on, org=org),
                           revisions={r.object_id: r for r in zones.pending_revisions(org)},
                           status_form=StatusForm(), ocop_standing=ocop.standing,
                           pending_revision=products.pending_revision)


# --- zones and certificates -------------------------------------------------------------------

@bp.route("/<int:org_id>/zones/new", methods=["GET", "POST"])
@access.rule(access.member())
def new_zone(org_id: int):
    org = _org(org_id)
    form = ZoneForm()
    if request.method == "GET" and org.commune_id:
        form.commune_id.data = str(org.commune_id)
    if form.validate_on_submit():
        if saved := _saved(form, org, lambda: zones.register_zone(current_user, org, _data(form)), _("Zone registered; the department will verify it.")):
            return saved
    return render_template("workspace/form.html", form=form, org=org, title=_("Register a growing zone"))


@bp.route("/<int:org_id>/zones/<int:zone_id>/edit", methods=["GET", "POST"])
@access.rule(access.member())
def edit_zone(org_id: int, zone_id: int):
    org = _org(org_id)
    zone = _owned(GrowingZone, zone_id, org)
    form = ZoneForm(obj=zone)
    revision = zones.pending_revision(zone)
    if request.method == "GET":
        if revision is not None:  # go on from the values waiting for the department
            for key, value in revision.proposed.items():
                getattr(form, key).data = value
        form.crop_id.data, form.commune_id.data = str(form.crop_id.data), str(form.commune_id.data)
    if form.validate_on_submit():
        def work():
            zones.update_zone(current_user, zone, _data(form))
            return zones.pending_revision(zone)

        message = (_("Saved. The changes to the code, kind, crop, commune, area or location wait for the "
                     "department; until it decides, the verified values are shown and counted.")
                   if zone.status == "verified" else _("Saved."))
        if saved := _saved(form, org, work, message):
            return saved
    return render_template("workspace/form.html", form=form, org=org, title=_("Edit zone %(code)s", code=zone.code))


@bp.route("/<int:org_id>/zones/<int:zone_id>/certificates/new", methods=["GET", "POST"])
@access.rule(access.member())
def new_certificate(org_id: int, zone_id: int):
    org = _org(org_id)
    zone = _owned(GrowingZone, zone_id, org)
    form = CertificateForm()
    if form.validate_on_submit():
        def work():
            document = None
            if form.document.data and getattr(form.document.data, "filename", ""):
                try:
                    document = uploads.save_upload(current_user, org, form.document.data, allowed=("pdf", "image"))
                except ValidationFailed as exc:
                    raise ValidationFailed({"document": sum(exc.errors.values(), [])}) from None
            return zones.add_certificate(current_user, zone, _data(form), document=document)

        if saved := _saved(form, org, work, _("Certificate added; the department will verify it.")):
            return saved
    return render_template("workspace/form.html", form=form, org=org,
                           title=_("Add a certificate to zone %(code)s", code=zone.code))


# --- supply listings --------------------------------------------------------------------------

@bp.route("/<int:org_id>/listings/new", methods=["GET", "POST"])
@access.rule(access.member())
def new_listing(org_id: int):
    org = _org(org_id)
    form = ListingForm(org)
    if form.validate_on_submit():
        def work():
            listing = listings.create_listing(current_user, org, _data(form))
            _attach_photo(form, org, listing_id=listing.id)
            return listing

        if saved := _saved(form, org, work, _("Draft saved. Publish it when it is ready.")):
            return saved
    return render_template("workspace/form.html", form=form, org=org, title=_("List a harvest"))


@bp.route("/<int:org_id>/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@access.rule(access.member())
def edit_listing(org_id: int, listing_id: int):
    org = _org(org_id)
    listing = _owned(SupplyListing, listing_id, org)
    form = ListingForm(org, obj=listing)
    if request.method == "GET":
        form.crop_id.data = str(listing.crop_id)
        form.zone_ids.data = [str(z.id) for z in listing.zones]
        form.quantity.data = listing.quantity
        form.min_order_qty.data = listing.min_order_qty
        form.price_per_unit.data = str(listing.price_per_unit) if listing.price_per_unit is not None else ""
        form.negotiable.data = listing.price_per_unit is None
    if form.validate_on_submit():
        def work():
            listings.update_listing(current_user, listing, _data(form))
            _attach_photo(form, org, listing_id=listing.id)
            return listing

        if saved := _saved(form, org, work, _("Saved.")):
            return saved
    return render_template("workspace/form.html", form=form, org=org, title=_("Edit listing"))


@bp.post("/<int:org_id>/listings/<int:listing_id>/status")
@access.rule(access.member())
def listing_status(org_id: int, listing_id: int):
    org = _org(org_id)
    listing = _owned(SupplyListing, listing_id, org)
    return _change_status(StatusForm(), lambda status: listings.change_status(current_user, listing, status), org)


# --- OCOP products ----------------------------------------------------------------------------

@bp.route("/<int:org_id>/products/new", methods=["GET", "POST"])
@access.rule(access.member())
def new_product(org_id: int):
    org = _org(org_id)
    form = ProductForm(org)
    if form.validate_on_submit():
        def work():
            product = products.create_product(current_user, org, _data(form))
            _attach_photo(form, org, product_id=product.id)
            return product

        if saved := _saved(form, org, work, _("Draft saved. Publish it when it is ready.")):
            return saved
    return render_template("workspace/form.html", form=form, org=org, title=_("Add an OCOP product"))


@bp.route("/<int:org_id>/products/<int:product_id>/edit", methods=["GET", "POST"])
@access.rule(access.member())
def edit_product(org_id: int, product_id: int):
    org = _org(org_id)
    product = _owned(OcopProduct, product_id, org)
    form = ProductForm(org, obj=product)
    if request.method == "GET":
        form.stars.data = str(product.stars)
        form.crop_id.data = str(product.crop_id or "")
        form.zone_ids.data = [str(z.id) for z in product.zones]
        form.price.data, form.stock.data = str(product.price), str(product.stock)
        form.min_order_qty.data = str(product.min_order_qty)
    if form.validate_on_submit():
        def work():
            products.update_product(current_user, product, _data(form))
            _attach_photo(form, org, product_id=product.id)
            return product

        if saved := _saved(form, org, work, _("Saved.")):
            return saved
    return render_template("workspace/form.html", form=form, org=org, title=_("Edit %(name)s", name=product.name))


@bp.post("/<int:org_id>/products/<int:product_id>/status")
@access.rule(access.member())
def product_status(org_id: int, product_id: int):
    org = _org(org_id)
    product = _owned(OcopProduct, product_id, org)
    return _change_status(StatusForm(), lambda status: products.change_status(current_user, product, status), org)


def _change_status(form: StatusForm, change, org: Organisation):
    if form.validate_on_submit():
        if form.status.data in (ProductStatus.WITHDRAWN, ListingStatus.CLOSED) and (page := confirm.ask(
                _("Take it off the market?"), back=url_for("workspace.dashboard", org_id=org.id),
                button=_("Yes, withdraw it"))) is not None:
            return page
        write.run(lambda: change(form.status.data), success=_("Status changed."))
    return redirect(url_for("workspace.dashboard", org_id=org.id))
