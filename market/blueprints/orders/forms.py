"""Forms of the shop: the cart, checkout, payment and fulfilment buttons.

Numbers are read as text and checked by market.services.orders, which words the errors (minimum order,
stock); the forms only carry the values and the CSRF token."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from market.blueprints.forms import Form, NumberField


class ActionForm(Form):
    """A button that needs nothing but the CSRF token (remove a line, confirm a transfer...)."""


class AddToCartForm(Form):
    product_id = HiddenField(validators=[DataRequired()])
    quantity = NumberField(_l("Quantity"), validators=[InputRequired(message=_l("Enter a quantity."))], integer=True)
    # Only when the user belongs to several buyer organisations: which one orders.
    buyer_id = HiddenField(validators=[Optional()])


class QuantityForm(Form):
    quantity = NumberField(_l("Quantity"), validators=[InputRequired(message=_l("Enter a quantity."))], integer=True)


class CheckoutForm(Form):
    buyer_id = HiddenField(validators=[DataRequired()])
    shipping_address = TextAreaField(_l("Delivery address"), validators=[Optional(), Length(max=255)],
                                     description=_l("Leave empty to use your organisation's address."))


class PayForm(Form):
    method = HiddenField(validators=[DataRequired()])


class StatusForm(Form):
    status = HiddenField(validators=[DataRequired()])
