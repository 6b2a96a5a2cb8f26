"""Every form's errors come out in Vietnamese (WTForms' own validator messages included), all of them on the
first submit, in the error summary at the top of the form and next to each field (issue 12)."""
import importlib
import inspect
import pkgutil
import re

import pytest
from flask import render_template_string, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, FileField, SelectField, SelectMultipleField

import market.blueprints
from market.blueprints.forms import NumberField
from market.extensions import db
from market.models import Organisation

ROUNDS = ("empty", "garbage")


def _forms() -> list[type[FlaskForm]]:
    for info in pkgutil.walk_packages(market.blueprints.__path__, "market.blueprints."):
        if info.name.endswith(".forms"):
            importlib.import_module(info.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("market.blueprints.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__name__}")


FORMS = _forms()


def _arguments(cls, org):
    """What the form's constructor wants, from its parameter names."""
    values = {"org": org, "seller": org, "buyers": [org], "zones": [], "fitting": {org: []}}
    parameters = inspect.signature(cls.__init__).parameters
    return [values[name] for name, p in parameters.items()
            if name != "self" and p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty and name in values]


def _posted(form, round_: str) -> MultiDict:
    data = MultiDict()
    for field in form:
        if isinstance(field, (FileField, BooleanField)) or field.name == "csrf_token":
            continue
        if round_ == "empty":
            data.add(field.name, "")
        elif isinstance(field, NumberField):
            data.add(field.name, "mười hai")  # not a number in any locale
        elif isinstance(field, DateField):
            data.add(field.name, "31/02/2025")
        elif isinstance(field, (SelectField, SelectMultipleField)):
            data.add(field.name, "not-a-choice")
        else:
            data.add(field.name, "x" * 5000)
    return data


def _errors(app, cls, org_id, locale: str, round_: str) -> tuple[dict, str]:
    with app.test_request_context("/", method="POST"):
        session["lang"] = locale
        app.preprocess_request()  # what a real request runs first (WTForms' translations for the page's language)
        org = db.session.get(Organisation, org_id)
        probe = cls(*_arguments(cls, org), meta={"csrf": False}, formdata=MultiDict())
        form = cls(*_arguments(cls, org), meta={"csrf": False}, formdata=_posted(probe, round_))
        for field in form:
            if isinstance(field, SelectField) and field.choices is None:
                field.choices = []  # filled by the route for one organisation
        form.validate()
        errors = {name: [str(e) for e in field.errors] for name, field in form._fields.items() if field.errors}
        html = render_template_string('{% from "_macros.html" import field, form_errors %}{{ form_errors(form) }}'
                                      '{% for f in form %}{{ field(f) }}{% endfor %}', form=form)
        return errors, html


@pytest.fixture
def org(factory):
    return factory.org()


def test_there_are_forms_to_check():
    assert len(FORMS) >= 30


@pytest.mark.parametrize("cls", FORMS, ids=[f"{c.__module__.split('.')[-2]}.{c.__name__}" for c in FORMS])
def test_every_error_of_every_form_is_in_vietnamese(app, org, cls):
    for round_ in ROUNDS:
        vietnamese, html = _errors(app, cls, org, "vi", round_)
        english, _html = _errors(app, cls, org, "en", round_)
        assert vietnamese.keys() == english.keys()
        for name, messages in vietnamese.items():
            for vi, en in zip(messages, english[name], strict=True):
                assert vi != en, f"{cls.__name__}.{name} ({round_}): {vi!r} is not translated"
            # every error is in the summary (a link to its field) and next to the field, described by it
            for vi in messages:
                assert html.count(str(vi).replace("'", "&#39;")) >= 2, (cls.__name__, name, vi)
            assert f'href="#{name}"' in html and re.search(rf'aria-describedby="[^"]*{name}-error', html)
        if vietnamese:
            assert "Vui lòng sửa các mục sau rồi gửi lại:" in html and 'tabindex="-1"' in html


def test_wtforms_builtin_messages_are_vietnamese(app, org):
    from market.blueprints.auth.forms import LoginForm

    errors, _html = _errors(app, LoginForm, org, "vi", "empty")
    assert errors and all("required" not in m and "Invalid" not in m for ms in errors.values() for m in ms)
    assert "Vui lòng điền thông tin này." in sum(errors.values(), [])


def test_the_listing_form_shows_every_error_on_the_first_submit(app, org):
    """The regression of issue 12: an empty title and a negative quantity, both shown the first time."""
    from market.blueprints.workspace.forms import ListingForm

    with app.test_request_context("/", method="POST"):
        app.preprocess_request()
        form = ListingForm(db.session.get(Organisation, org), meta={"csrf": False},
                           formdata=MultiDict({"title": "", "quantity": "-5"}))
        assert not form.validate()
        assert form.title.errors == ["Vui lòng điền thông tin này."]
        assert form.quantity.errors and "0,01" in form.quantity.errors[0]


def test_required_fields_are_marked(app, org):
    from market.blueprints.workspace.forms import ZoneForm

    with app.test_request_context("/"):
        html = render_template_string('{% from "_macros.html" import field %}{{ field(form.code) }}'
                                      '{{ field(form.name) }}', form=ZoneForm())
    code, name = html.split('<div class="field', 2)[1:]
    assert 'class="required-mark"' in code and "(bắt buộc)" in code and "required-mark" not in name
