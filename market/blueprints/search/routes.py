"""The search page and GET /api/v1/search: the same query, the same answer, as HTML or JSON."""
from datetime import datetime, timedelta

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _

from market import access
from market.i18n import select_locale
from market.models.types import utcnow
from market.search import QueryError, SearchUnavailable, get_backend, parse_args
from market.search.sync import backlog
from market.services import search_view
from market.web import public_page

bp = Blueprint("search", __name__)
api_bp = Blueprint("search_api", __name__)

STALE_AFTER = 120  # seconds a queued change may wait before we tell buyers results may be stale


def _run(args):
    """(query, result, errors, unavailable) for request arguments; never raises for bad input."""
    try:
        query = parse_args(args)
    except QueryError as exc:
        return None, None, exc.errors, False
    try:
        return query, get_backend().search(query), {}, False
    except SearchUnavailable:
        return query, None, {}, True


def _stale() -> bool:
    queued = backlog()
    if not queued["queued"]:
        return False
    return datetime.fromisoformat(queued["oldest"]) < utcnow() - timedelta(seconds=STALE_AFTER)


@bp.get("/search")
@access.rule(access.PUBLIC)
@public_page
def page():
    query, result, errors, unavailable = _run(request.args)
    locale = select_locale()
    context = {"query": query, "result": result, "errors": errors, "unavailable": unavailable,
               "stale": _stale(), "q": request.args.get("q", "")}
    if result is not None:
        terms = result.terms
        context.update(hits=[search_view.hit_view(h, terms) for h in result.hits],
                       facets=search_view.facets_for_page(query, result, locale),
                       chips=search_view.chips(query, locale),
                       suggestions=search_view.suggestions(query) if not result.total else [],
                       pages=max(1, -(-result.total // query.per_page)))
    status = 400 if errors else 503 if unavailable else 200
    template = "search/_results.html" if request.headers.get("HX-Request") else "search/page.html"
    return render_template(template, **context), status


@api_bp.get("/search")
@access.rule(access.PUBLIC)
def api():
    query, result, errors, unavailable = _run(request.args)
    if errors:
        return jsonify({"error": {"status": 400, "message": _("Some search arguments are not valid."),
                                  "fields": errors}}), 400
    if unavailable:
        return jsonify({"error": {"status": 503, "message": _(
            "Search is unavailable for a moment. Your changes are saved and will appear when it is back.")}}), 503
    terms = result.terms
    return jsonify({
        "total": result.total,
        "page": query.page,
        "per_page": query.per_page,
        "engine": result.engine,
        "stale": _stale(),
        "corrected": result.corrected_terms,
        "decoded": result.decoded,
        # No result has every word: these are the closest (the page says so).
        "partial": result.partial,
        "did_you_mean": result.did_you_mean,
        "hits": [search_view.hit_json(h, terms) for h in result.hits],
        "facets": {name: [{"value": v, "count": c} for v, c in values] for name, values in result.facets.items()},
    })


@bp.get("/search/suggest")
@access.rule(access.PUBLIC)
def suggest():
    """Suggestions as you type (static/js/suggest.js): crops, communes, organisations and products from the
    same engine and the same matching as the search (folded, Telex, VNI, typos). Never an error page: bad or
    empty input gets an empty list."""
    text = (request.args.get("q") or "")[:search_view.SUGGEST_MAX_TEXT]
    try:
        items = search_view.suggestions_for(text, select_locale())
    except SearchUnavailable:
        return jsonify({"suggestions": [], "unavailable": True}), 503
    return jsonify({"suggestions": items})
