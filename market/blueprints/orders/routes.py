"""The shop: a buyer organisation's cart, checkout (one order per seller, stock reserved), the order page
with its payment buttons, and the seller's fulfilment steps. Thin: the rules are in market.services.orders
and market.payments."""
from itertools import groupby

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from market import access
from market.blueprints import confirm, write
from market.blueprints.orders.forms import (
    ActionForm,
    AddToCartForm,
    CheckoutForm,
    PayForm,
    QuantityForm,
    StatusForm,
)
from market.extensions import db
from market.inputs import digits, page_arg
from market.models import (
    CartItem,
    DocumentKind,
    OcopProduct,
    OrderStatus,
    Organisation,
    OrgKind,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ShopOrder,
)
from market.models.types import utcnow
from market.numbers import format_number
from market.payments import gateway
from market.services import documents, holds, orders, recalls

bp = Blueprint("orders", __name__)
BUYING = access.buyer(why=_l("Only shops, retail chains and enterprises order OCOP products."))

PER_PAGE = 20
STEP_LABELS = {OrderStatus.PACKED: _l("Mark as packed"), OrderStatus.SHIPPED: _l("Mark as shipped"),
               OrderStatus.DELIVERED: _l("Mark as delivered")}


@bp.before_request
@login_required
def _signed_in():
    """Every page here is for signed-in members of an organisation."""


def buyer_orgs() -> list[Organisation]:
    """The current user's organisations that may order (shops, retail chains, enterprises), by name."""
    if not current_user or not current_user.is_authenticated:
        return []
    orgs = [m.organisation for m in current_user.memberships if m.organisation.kind in OrgKind.BUYERS]
    return sorted(orgs, key=lambda o: (o.name.casefold(), o.id))


@bp.app_context_processor
def _shop_helpers():
    """For the product page's "Add to cart" form (templates/orders/_add_to_cart.html) and the menu."""
    return {"cart_buyer_orgs": buyer_orgs}


def _buyer(raw_id) -> Organisation | None:
    """The buyer organisation named in the request, or the user's only one; None when the user must choose."""
    mine = buyer_orgs()
    if not mine:
        abort(403, description=str(BUYING.why))
    if raw_id not in (None, ""):
        for org in mine:
            if str(org.id) == str(raw_id).strip():
                return org
        abort(404)
    return mine[0] if len(mine) == 1 else None


def _order(order_id: int) -> ShopOrder:
    order = db.get_or_404(ShopOrder, order_id)
    if not orders.can_view(current_user, order):
        abort(404)
    return order


def _form_messages(form) -> str:
    return " ".join(str(m) for m in sum(form.errors.values(), []))


# --- the cart -------------------------------------------------------------------------------------

@bp.post("/cart/add")
@access.rule(BUYING)
def add_to_cart():
    form = AddToCartForm()
    product_id = digits(form.product_id.data)
    if product_id is None:
        abort(404)
    product = db.get_or_404(OcopProduct, product_id)
    back = url_for("catalog.product", product_id=product.id)
    buyer = _buyer(form.buyer_id.data)
    if buyer is None:
        flash(_("Choose which of your organisations orders."), "error")
        return redirect(back)
    if not form.validate_on_submit():
        flash(_form_messages(form), "error")
        return redirect(back)
    if write.run(lambda: orders.add_to_cart(current_user, buyer, product, form.quantity.data),
                 success=_("%(name)s is in the cart.", name=product.name)):
        return redirect(url_for("orders.cart", buyer=buyer.id))
    return redirect(back)


def _cart_page(buyer: Organisation | None, checkout_form: CheckoutForm | None = None):
    mine = buyer_orgs()
    lines = orders.cart(buyer) if buyer else []
    groups = []
    for seller, items in groupby(sorted(lines, key=lambda i: (i.product.organisation.name, i.id)),
                                 key=lambda i: i.product.organisation):
        items = list(items)
        groups.append({"seller": seller, "items": items,
                       "total": sum(i.quantity * i.product.price for i in items)})
    if checkout_form is None:
        checkout_form = CheckoutForm(formdata=None, buyer_id=str(buyer.id) if buyer else "",
                                     shipping_address=buyer.address if buyer else "")
    return render_template("orders/cart.html", buyer=buyer, buyer_orgs=mine, groups=groups,
                           grand_total=sum(g["total"] for g in groups), checkout_form=checkout_form,
                           quantity_form=QuantityForm(formdata=None), action_form=ActionForm(),
                           held={i.id: holds.why(h) for i in lines if (h := holds.product_holds(i.product))})


@bp.get("/cart")
@access.rule(access.LOGGED_IN)
def cart():
    mine = buyer_orgs()
    if not mine:
        return render_template("orders/cart.html", buyer=None, buyer_orgs=[], groups=[], grand_total=0,
                               checkout_form=None, quantity_form=None, action_form=None)
    return _cart_page(_buyer(request.args.get("buyer")) or mine[0])


def _cart_item(item_id: int) -> CartItem:
    item = db.get_or_404(CartItem, item_id)
    if item.buyer_id not in {o.id for o in buyer_orgs()}:
        abort(404)
    return item


@bp.post("/cart/<int:item_id>/quantity")
@access.rule(access.party("cart_item", side="buyer"))
def change_quantity(item_id: int):
    item = _cart_item(item_id)
    buyer, product = db.session.get(Organisation, item.buyer_id), item.product
    form = QuantityForm()
    if form.validate_on_submit():
        write.run(lambda: orders.add_to_cart(current_user, buyer, product, form.quantity.data), success=_("Saved."))
    else:
        flash(_form_messages(form), "error")
    return redirect(url_for("orders.cart", buyer=buyer.id))


@bp.post("/cart/<int:item_id>/remove")
@access.rule(access.party("cart_item", side="buyer"))
def remove_from_cart(item_id: int):
    item = _cart_item(item_id)
    buyer_id = item.buyer_id
    if ActionForm().validate_on_submit():
        if (page := confirm.ask(_("Remove this product from the cart?"), back=url_for("orders.cart", buyer=buyer_id),
                                button=_("Yes, remove it"))) is not None:
            return page
        write.run(lambda: orders.remove_from_cart(current_user, item), success=_("Removed from the cart."))
    return redirect(url_for("orders.cart", buyer=buyer_id))


@bp.post("/checkout")
@access.rule(BUYING)
def checkout():
    form = CheckoutForm()
    buyer = _buyer(form.buyer_id.data)
    if buyer is None:
        abort(404)
    if not form.validate_on_submit():
        return _cart_page(buyer, form)
    done = write.run(lambda: orders.checkout(current_user, buyer, form.shipping_address.data or ""), form=form)
    if not done:  # all or nothing: no order, stock untouched, the cart kept
        return _cart_page(buyer, form)
    placed = done.value
    if len(placed) == 1:
        flash(_("Order %(ref)s placed. Pay it before the reservation ends.", ref=placed[0].reference), "success")
        return redirect(url_for("orders.show", order_id=placed[0].id))
    flash(_("%(n)d orders placed, one for each seller. Pay each before its reservation ends.", n=len(placed)),
          "success")
    return redirect(url_for("orders.index"))


# --- orders ---------------------------------------------------------------------------------------

@bp.get("/")
@access.rule(access.LOGGED_IN)
def index():
    org_ids = [m.organisation_id for m in current_user.memberships]
    newest = (ShopOrder.created_at.desc(), ShopOrder.id.desc())
    as_buyer = db.paginate(sa.select(ShopOrder).where(ShopOrder.buyer_id.in_(org_ids)).order_by(*newest),
                           page=page_arg("bought"), per_page=PER_PAGE, error_out=False)
    as_seller = db.paginate(sa.select(ShopOrder).where(ShopOrder.seller_id.in_(org_ids)).order_by(*newest),
                            page=page_arg("sold"), per_page=PER_PAGE, error_out=False)
    return render_template("orders/index.html", as_buyer=as_buyer, as_seller=as_seller)


@bp.get("/<int:order_id>")
@access.rule(access.party("order", department=True))
def show(order_id: int):
    order = _order(order_id)
    order_payments = db.session.scalars(sa.select(Payment).where(Payment.order_id == order.id)
                                        .order_by(Payment.id.desc())).all()
    is_buyer = current_user.membership_in(order.buyer) is not None
    is_seller = current_user.membership_in(order.seller) is not None
    pending_transfers = [p for p in order_payments
                         if p.method == PaymentMethod.BANK_TRANSFER and p.status == PaymentStatus.PENDING]
    pending_card = next((p for p in order_payments if p.method == PaymentMethod.STRIPE
                         and p.status == PaymentStatus.PENDING and p.checkout_url), None)
    lapsed = (order.status == OrderStatus.PENDING_PAYMENT and order.reserved_until is not None
              and order.reserved_until < utcnow())
    next_step = orders.SELLER_STEPS.get(order.status)
    return render_template(
        "orders/show.html", order=order, payments=order_payments, is_buyer=is_buyer, is_seller=is_seller,
        pending_transfers=pending_transfers, pending_card=pending_card, lapsed=lapsed,
        stripe_enabled=gateway.enabled(),
        next_step=next_step, step_label=STEP_LABELS.get(next_step),
        just_paid=request.args.get("paid") == "1", action_form=ActionForm(), pay_form=PayForm(),
        status_form=StatusForm(), order_document=documents.find(DocumentKind.ORDER, order.id),
        receipts={p.id: doc for p in order_payments if (doc := documents.find(DocumentKind.PAYMENT, p.id))},
        held_why=_held_why(order))


def _held_why(order: ShopOrder) -> str | None:
    """An open order of a product a recall now holds back: it is not cancelled (the recall notice told both
    sides); the page says so."""
    if order.status not in recalls.OPEN_ORDERS:
        return None
    held = [h for item in order.items if item.product is not None for h in holds.product_holds(item.product)]
    return holds.why(held) if held else None


@bp.post("/<int:order_id>/pay")
@access.rule(access.party("order", side="buyer"))
def pay(order_id: int):
    order = _order(order_id)
    form = PayForm()
    if not form.validate_on_submit():
        flash(_("Choose how to pay."), "error")
        return redirect(url_for("orders.show", order_id=order.id))

    def failed(exc) -> str:
        current_app.logger.warning("Stripe checkout for order %s failed: %s", order_id, exc)
        return _("Card payment could not be started (%(reason)s). Try again, or pay by bank transfer.",
                 reason=str(exc))

    done = write.run(lambda: orders.start_payment(current_user, order, form.method.data), failed=failed)
    if not done:
        return redirect(url_for("orders.show", order_id=order_id))
    payment = done.value
    if payment.method == PaymentMethod.STRIPE and payment.status == PaymentStatus.PENDING and payment.checkout_url:
        return redirect(payment.checkout_url, code=303)
    if payment.method == PaymentMethod.BANK_TRANSFER:
        flash(_("Transfer %(amount)s VND quoting %(ref)s. The seller confirms when it arrives.",
                amount=format_number(payment.amount), ref=payment.reference), "success")
    return redirect(url_for("orders.show", order_id=order_id))


@bp.post("/<int:order_id>/status")
@access.rule(access.party("order"))
def change_status(order_id: int):
    order = _order(order_id)
    form = StatusForm()
    if form.validate_on_submit():
        status = form.status.data
        if status == OrderStatus.CANCELLED and (page := confirm.ask(
                _("Cancel order %(ref)s?", ref=order.reference), back=url_for("orders.show", order_id=order_id),
                button=_("Yes, cancel the order"))) is not None:
            return page
        success = _("The order is cancelled; its stock is released.") if status == OrderStatus.CANCELLED \
            else _("Status changed.")
        write.run(lambda: orders.advance(current_user, order, status), success=success)
    return redirect(url_for("orders.show", order_id=order_id))
