"""Turning a search result into what the page and the API show: facet labels, chips, highlights."""
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from market.extensions import db
from market.labels import CERTIFICATE_LABELS, PRODUCT_FORMS
from market.models import Crop
from market.search import SearchQuery, SearchResult, get_backend
from market.search.highlight import has_match, highlight, snippet
from market.search.query import FACETS


def facet_titles() -> dict[str, str]:
    return {"kind": _("Type"), "crop": _("Crop"), "form": _("Product form"), "commune": _("Commune or ward"),
            "cert": _("Certificate"), "stars": _("OCOP stars"), "month": _("Available in month")}


def value_label(name: str, value: str, locale: str) -> str:
    if name == "kind":
        return {"listing": _("Harvests"), "product": _("OCOP products"), "organisation": _("Organisations")}.get(value, value)
    if name == "crop":
        crop = _crops().get(value)
        return crop.name(locale) if crop else value
    if name == "form":
        return str(PRODUCT_FORMS.get(value, value))
    if name == "cert":
        return "OCOP" if value == "ocop" else str(CERTIFICATE_LABELS.get(value, value))
    if name == "stars":
        return f"{value} ★"
    if name == "month":
        return _("M%(n)s", n=value)  # short: twelve of them sit in a grid on a phone
    return value


def _crops() -> dict[str, Crop]:
    return {c.key: c for c in db.session.scalars(sa.select(Crop))}


def facets_for_page(query: SearchQuery, result: SearchResult, locale: str) -> list[dict]:
    titles = facet_titles()
    out = []
    for name in FACETS:
        values = result.facets.get(name) or []
        if name == "month":
            values = sorted(values, key=lambda item: int(item[0]))
        selected = set(query.filters.get(name, []))
        if not values and not selected:
            continue
        out.append({"name": name, "title": titles[name], "values": [
            {"value": v, "label": value_label(name, v, locale), "count": c, "selected": v in selected}
            for v, c in values]})
    return out


def chips(query: SearchQuery, locale: str) -> list[dict]:
    """Removable filter chips: each links to the same search without that one value."""
    result = []
    for name, values in query.filters.items():
        for value in values:
            rest = [v for v in values if v != value]
            result.append({"label": f"{facet_titles()[name]}: {value_label(name, value, locale)}",
                           "args": query.to_args(**{name: rest or None, "page": None})})
    if query.retail_only:
        result.append({"label": _("4-5 stars, valid certificate"), "args": query.to_args(retail=None)})
    if query.price_min is not None or query.price_max is not None:
        result.append({"label": _("Price %(low)s – %(high)s", low=query.price_min or 0, high=query.price_max or "∞"),
                       "args": query.to_args(price_min=None, price_max=None)})
    return result


def _day(value):
    return date.fromisoformat(value) if value else None


def visible_snippet(hit, terms: list[str]):
    """The snippet under a result, only from text a person sees on it: the description where it matches, else
    the seller and the place where they match, else the description's start. Hidden words (aliases, English
    names) match but are never shown."""
    summary = hit.data.get("summary") or ""
    where = " · ".join(part for part in (hit.data.get("seller") if hit.kind != "organisation" else "",
                                         hit.data.get("place")) if part)
    if not has_match(summary, terms) and has_match(where, terms):
        return snippet(where, terms)
    return snippet(summary, terms)


def hit_view(hit, terms: list[str]) -> dict:
    return {"id": hit.object_id, "kind": hit.kind, "title": hit.title, "url": hit.url,
            "harvest_start": _day(hit.data.get("harvest_start")), "harvest_end": _day(hit.data.get("harvest_end")),
            "title_html": highlight(hit.title, terms), "snippet_html": visible_snippet(hit, terms),
            "price": hit.data.get("price"), "seller": hit.data.get("seller"), "data": hit.data}


def hit_json(hit, terms: list[str]) -> dict:
    view = hit_view(hit, terms)
    data = {k: v for k, v in hit.data.items() if k != "body"}
    return {"id": view["id"], "kind": view["kind"], "title": view["title"], "url": view["url"],
            "highlight": str(view["title_html"]), "snippet": str(view["snippet_html"]), **data}


def suggestions(query: SearchQuery) -> list[dict]:
    """When nothing matched: what to loosen, each as a link."""
    out = []
    for name in query.filters:
        out.append({"label": _("without the filter %(name)s", name=facet_titles()[name]),
                    "args": query.to_args(**{name: None, "page": None})})
    if query.retail_only:
        out.append({"label": _("all star levels"), "args": query.to_args(retail=None)})
    if query.text and (query.filters or query.retail_only):
        out.append({"label": _("only the words, no filters"), "args": {"q": query.text}})
    if query.text and len(query.terms) > 1:
        out.append({"label": _("fewer words"), "args": query.to_args(q=" ".join(query.terms[:-1]), page=None)})
    return out


SUGGEST_MAX_TEXT = 100
SUGGEST_LIMIT = 8


def suggestions_for(text: str, locale: str) -> list[dict]:
    """What the search box offers while a buyer types: the crops and communes of the matching documents whose
    names match the words, then organisations and products, each with where it leads."""
    query = SearchQuery(text=text, per_page=SUGGEST_LIMIT, as_you_type=True)
    if len("".join(query.terms)) < 2:  # one letter starts too many words to be worth a list
        return []
    backend = get_backend()
    result = backend.search(query)
    if result.partial or not result.total:
        return []
    out = []
    for name in ("crop", "commune"):
        for value, _count in result.facets.get(name, [])[:30]:
            label = value_label(name, value, locale)
            if has_match(label, result.terms):
                out.append({"kind": name, "label": label, "url": url_for("search.page", **{name: value}),
                            "kind_label": facet_titles()[name]})
    named = backend.search(SearchQuery(text=text, per_page=SUGGEST_LIMIT, as_you_type=True,
                                       filters={"kind": ["organisation", "product"]}))
    kinds = {"organisation": _("Organisation"), "product": _("OCOP product")}
    if not named.partial:
        out += [{"kind": hit.kind, "label": hit.title, "url": hit.url, "kind_label": kinds[hit.kind]}
                for hit in named.hits]
    return out[:SUGGEST_LIMIT]
