"""Saved searches with alerts: a signed-in person keeps a search (the search page's words and filters) and hears
of listings and products that start matching it: an inbox notification when a check finds them, and one
e-mail a day listing what was announced since the last one.

How "new" is decided: when a search is saved, the results it has then (its BASELINE_RESULTS newest) are
recorded as seen, never announced. Each check (`check_all`, hourly from market/periodic.py, or
`flask saved-searches check`) runs the saved query again through the public search path
(`market.search.parse_args` + the configured engine's `search`, so both engines and their Vietnamese matching
apply), newest first, over its CHECK_RESULTS newest listings and products; every key not seen before is
recorded (`SavedSearchSeen`, primary key (search, key): a result is announced once, even by two checks at the
same time) and announced. The daily digest (`send_digests`, 07:00 Vietnam time, or
`flask saved-searches digest`) e-mails each person the results announced since the last digest.

Organisations never make an alert (a search may find them, but only listings and products are "supply").
A check that finds nothing matching all the words does not announce the engine's nearest partial matches.
"""
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from market.extensions import db
from market.models import SavedSearch, SavedSearchSeen, User
from market.models.types import utcnow
from market.search import QueryError, SearchQuery, get_backend, parse_args
from market.search.base import SearchUnavailable
from market.services import mail, notifications
from market.services.errors import PermissionDenied, ValidationFailed

ALERT_KINDS = ("listing", "product")
MAX_PER_PERSON = 30
MAX_NAME = 120
PAGE = 50  # results per search request while checking (the engines' largest page)
BASELINE_RESULTS = 1000  # newest results recorded as already there when a search is saved
CHECK_RESULTS = 200  # newest results a check looks at
DIGEST_ITEMS = 20  # results listed per saved search in one e-mail
NOTIFICATION_KIND = "saved_search"
# Attributes a SearchResult may carry when it shows partial matches for want of full ones (issue 13a's
# fallback): such results are never announced.
PARTIAL_FLAGS = ("partial", "fallback", "is_fallback")


# --- the query -------------------------------------------------------------------------------------------
def canonical_query(args: MultiDict) -> tuple[str, SearchQuery]:
    """The search page's arguments as a checked query and a canonical query string (page and size dropped).
    Raises ValidationFailed (field "query") for arguments the search page would refuse, or none at all."""
    args = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in ("page", "per_page", "csrf_token")])
    try:
        query = parse_args(args)
    except QueryError as exc:
        raise ValidationFailed({"query": [" ".join(str(m) for m in exc.errors.values())]}) from exc
    if not (query.text or query.filters or query.price_min is not None or query.price_max is not None
            or query.retail_only):
        raise ValidationFailed({"query": [_("Type some words or choose a filter before saving a search.")]})
    text = query_string(query)
    if len(text) > 2000:
        raise ValidationFailed({"query": [_("This search is too long to save.")]})
    return text, query


def query_string(query: SearchQuery) -> str:
    """The query's arguments as a URL query string, in a canonical order (the same search saved twice is one)."""
    pairs = sorted((k, str(v)) for k, values in query.to_args().items()
                   for v in (values if isinstance(values, list) else [values]))
    return urlencode(pairs)


def query_of(saved: SavedSearch) -> SearchQuery:
    return parse_args(MultiDict(parse_qsl(saved.query, keep_blank_values=False)))


def search_link(saved: SavedSearch) -> str:
    return f"/search?{saved.query}"


def describe(saved: SavedSearch) -> str:
    """The saved words and filters in a line ("hồi khô · crop: hoi"), for the list page."""
    query = query_of(saved)
    parts = [f"“{query.text}”"] if query.text else []
    parts += [f"{name}: {', '.join(values)}" for name, values in query.filters.items()]
    if query.price_min is not None or query.price_max is not None:
        parts.append(f"{query.price_min or 0}–{query.price_max or '∞'} VND")
    if query.retail_only:
        parts.append("OCOP 4-5★")
    return " · ".join(parts)


def _alert_query(query: SearchQuery, page: int) -> SearchQuery | None:
    """The saved query restricted to listings and products, newest first; None when it can find neither."""
    filters = dict(query.filters)
    kinds = [k for k in filters.get("kind", ALERT_KINDS) if k in ALERT_KINDS]
    if not kinds:
        return None
    filters["kind"] = kinds
    return SearchQuery(text=query.text, filters=filters, price_min=query.price_min, price_max=query.price_max,
                       retail_only=query.retail_only, sort="newest", page=page, per_page=PAGE)


def current_results(query: SearchQuery, limit: int) -> list:
    """The newest `limit` listings and products matching `query`, through the configured engine. Raises
    SearchUnavailable when the engine cannot answer."""
    hits = []
    page = 1
    while len(hits) < limit:
        asked = _alert_query(query, page)
        if asked is None:
            return []
        result = get_backend().search(asked)
        if any(getattr(result, flag, False) for flag in PARTIAL_FLAGS):
            return []
        hits += [h for h in result.hits if h.kind in ALERT_KINDS]
        if len(result.hits) < PAGE or page * PAGE >= result.total:
            break
        page += 1
    return hits[:limit]


# --- saving, listing, renaming, deleting -------------------------------------------------------------------
def _name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ValidationFailed({"name": [_("Give the search a name.")]})
    if len(name) > MAX_NAME:
        raise ValidationFailed({"name": [_("Names are limited to %(n)d characters.", n=MAX_NAME)]})
    return name


def _require_person(actor: User | None) -> User:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("Sign in to save searches."))
    return actor


def searches_of(actor: User) -> list[SavedSearch]:
    return list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.user_id == actor.id)
                                   .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())))


def get_own(actor: User, search_id) -> SavedSearch:
    """The actor's own saved search; anyone else's (or none) is "not found", saying nothing about who has it."""
    _require_person(actor)
    saved = db.session.get(SavedSearch, search_id) if isinstance(search_id, int) else None
    if saved is None or saved.user_id != actor.id:
        raise ValidationFailed({"search_id": [_("This saved search does not exist (any more).")]})
    return saved


def save(actor: User | None, args: MultiDict, name: str | None = None) -> SavedSearch:
    """Save the search the page shows; what it finds now is recorded as already seen (no alert for it)."""
    actor = _require_person(actor)
    text, query = canonical_query(args)
    count = db.session.scalar(sa.select(sa.func.count(SavedSearch.id)).where(SavedSearch.user_id == actor.id))
    if count >= MAX_PER_PERSON:
        raise ValidationFailed({"query": [_("You can keep %(n)d saved searches; delete one first.",
                                            n=MAX_PER_PERSON)]})
    if db.session.scalar(sa.select(SavedSearch.id).where(SavedSearch.user_id == actor.id, SavedSearch.query == text)):
        raise ValidationFailed({"query": [_("You have already saved this search.")]})
    try:
        baseline = current_results(query, BASELINE_RESULTS)
    except SearchUnavailable as exc:
        raise ValidationFailed({"query": [_("Search is unavailable for a moment, so the search cannot be saved "
                                            "now. Try again in a few minutes.")]}) from exc
    saved = SavedSearch(user_id=actor.id, name=_name(name or query.text or describe_args(query)), query=text,
                        checked_at=utcnow())
    db.session.add(saved)
    db.session.flush()
    keys = list(dict.fromkeys(h.key for h in baseline))
    if keys:
        db.session.execute(sa.insert(SavedSearchSeen), [
            {"saved_search_id": saved.id, "doc_key": key, "announced": False, "seen_at": saved.created_at}
            for key in keys])
    return saved


def describe_args(query: SearchQuery) -> str:
    return ", ".join(v for values in query.filters.values() for v in values)[:MAX_NAME] or _("My search")


def rename(actor: User | None, search_id, name: str | None) -> SavedSearch:
    saved = get_own(_require_person(actor), search_id)
    saved.name = _name(name)
    return saved


def delete(actor: User | None, search_id) -> None:
    saved = get_own(_require_person(actor), search_id)
    db.session.delete(saved)


# --- checking and announcing ---------------------------------------------------------------------------
def check(saved: SavedSearch) -> list:
    """Record and return the hits of `saved` not seen before (each once: a concurrent check that recorded one
    first wins, and this one leaves it out). Raises SearchUnavailable."""
    hits = current_results(query_of(saved), CHECK_RESULTS)
    seen = set(db.session.scalars(sa.select(SavedSearchSeen.doc_key).where(
        SavedSearchSeen.saved_search_id == saved.id, SavedSearchSeen.doc_key.in_([h.key for h in hits]))))
    fresh = []
    for hit in hits:
        if hit.key in seen:
            continue
        seen.add(hit.key)
        try:
            with db.session.begin_nested():
                db.session.add(SavedSearchSeen(saved_search_id=saved.id, doc_key=hit.key, announced=True,
                                               title=(hit.title or "")[:200], url=(hit.url or "")[:255]))
        except IntegrityError:
            continue  # another check recorded it first: it announces it
        fresh.append(hit)
    saved.checked_at = utcnow()
    return fresh


def _notify(saved: SavedSearch, fresh: list) -> None:
    user = db.session.get(User, saved.user_id)
    with force_locale(getattr(user, "locale", None) or "vi"):
        message = ngettext("%(num)d new result for your saved search “%(name)s”: %(first)s",
                           "%(num)d new results for your saved search “%(name)s”: %(first)s", len(fresh),
                           name=saved.name, first=fresh[0].title)
    link = search_link(saved)
    notifications.notify_person(saved.user_id, NOTIFICATION_KIND, message,
                                link if len(link) <= 255 else "/saved-searches/")


def check_all() -> dict:
    """Check every saved search (the hourly job): inbox notifications for new matches. One search whose engine
    is down stops the run (the next one catches up: nothing is recorded for it)."""
    searches = checked = announced = 0
    for search_id in db.session.scalars(sa.select(SavedSearch.id).order_by(SavedSearch.id)).all():
        saved = db.session.get(SavedSearch, search_id)
        searches += 1
        try:
            fresh = check(saved)
        except SearchUnavailable:
            current_app.logger.warning("saved searches: the search engine is unavailable; checking stops here")
            return {"searches": searches, "checked": checked, "announced": announced, "unavailable": True}
        checked += 1
        if fresh:
            _notify(saved, fresh)
            announced += len(fresh)
    return {"searches": searches, "checked": checked, "announced": announced, "unavailable": False}


def send_digests() -> int:
    """One e-mail per person listing the results announced since their last digest (after a fresh check);
    returns how many e-mails were queued (sent after the commit)."""
    check_all()
    now = utcnow()
    rows = db.session.execute(
        sa.select(SavedSearchSeen, SavedSearch).join(SavedSearch, SavedSearch.id == SavedSearchSeen.saved_search_id)
        .where(SavedSearchSeen.announced.is_(True), SavedSearchSeen.digested_at.is_(None))
        .order_by(SavedSearch.user_id, SavedSearch.id, SavedSearchSeen.seen_at.desc(), SavedSearchSeen.doc_key)).all()
    by_user: dict[int, dict[int, tuple[SavedSearch, list[SavedSearchSeen]]]] = {}
    for seen, saved in rows:
        by_user.setdefault(saved.user_id, {}).setdefault(saved.id, (saved, []))[1].append(seen)
        seen.digested_at = now
    base = current_app.config.get("PUBLIC_URL", "")
    sent = 0
    for user_id, searches in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or not user.is_active or not user.email:
            continue
        with force_locale(getattr(user, "locale", None) or "vi"):
            total = sum(len(items) for _saved, items in searches.values())
            subject = ngettext("%(num)d new result for your saved searches",
                               "%(num)d new results for your saved searches", total)
            lines = [_("New listings and products match your saved searches:"), ""]
            for saved, items in searches.values():
                lines.append(f"{saved.name} ({len(items)}): {base}{search_link(saved)}")
                lines += [f"  - {item.title}: {base}{item.url}" for item in items[:DIGEST_ITEMS]]
                if len(items) > DIGEST_ITEMS:
                    lines.append("  - " + _("and %(n)d more", n=len(items) - DIGEST_ITEMS))
                lines.append("")
            lines.append(_("Manage your saved searches: %(url)s", url=f"{base}/saved-searches/"))
        mail.send_after_commit(user.email, subject, "\n".join(lines))
        sent += 1
    return sent


def pending_digest(actor: User) -> dict[int, int]:
    """Per saved search of `actor`: results announced and not yet in a digest (for the list page)."""
    return dict(db.session.execute(
        sa.select(SavedSearchSeen.saved_search_id, sa.func.count())
        .join(SavedSearch, SavedSearch.id == SavedSearchSeen.saved_search_id)
        .where(SavedSearch.user_id == actor.id, SavedSearchSeen.announced.is_(True),
               SavedSearchSeen.digested_at.is_(None))
        .group_by(SavedSearchSeen.saved_search_id)).all())

