"""The API's one error shape, for every status (400 401 403 404 405 409 413 422 429 500 502 503):

    {"error": {"status": 404, "code": "not_found", "message": "...", "fields": {"limit": "..."}}}

`status` repeats the HTTP status, `code` is a stable word a program can test, `message` is for a person (in
the request's language), `fields` (only for invalid input) maps each argument to what is wrong with it.
market.errors answers every /api/ error through `json_error`; `write.run_json` and `access` too.
"""
from flask import Response, jsonify

CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error",
         502: "external_service_failed", 503: "unavailable"}


def json_error(status: int, message: str, *, code: str | None = None, fields: dict | None = None,
               headers: dict | None = None) -> Response:
    body = {"status": status, "code": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def argument_errors(exc) -> dict | None:
    """The field errors webargs attached to an abort (flask-smorest's argument parsing), one sentence a field."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    fields: dict[str, str] = {}
    for where in messages.values():  # {"query": {"limit": ["..."]}}
        for name, problems in (where.items() if isinstance(where, dict) else []):
            fields[name] = " ".join(str(p) for p in problems) if isinstance(problems, list) else str(problems)
    return fields or None
