"""The workspace's forms themselves (market/blueprints/workspace/forms.py)."""
import warnings

import pytest

from market.blueprints.workspace import forms
from market.extensions import db
from market.models import Organisation


@pytest.mark.parametrize("name", ["ZoneForm", "CertificateForm", "ListingForm", "ProductForm"])
def test_workspace_forms_build_without_deprecation_warnings(app, factory, name):
    """WTForms 3.3 deprecates tuple choices (gone in 3.4); the suite turns warnings into errors."""
    org_id = factory.org()
    with app.test_request_context(), warnings.catch_warnings():
        warnings.simplefilter("error")
        org = db.session.get(Organisation, org_id)
        form_class = getattr(forms, name)
        form = form_class(org) if name in ("ListingForm", "ProductForm") else form_class()
        assert form.csrf_token is not None
        db.session.remove()
