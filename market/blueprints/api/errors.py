"""The API's one error shape, for every status (400 401 403 404 405 409 413 422 429 500 502 503):

    {"error": {"status": 404, "code": "not_found", "message": "...", "fields": {"limit": "..."}}}

`status` repeats the HTTP status, `code` is a stable word a program can test, `message` is for a person (in
the request's language), `fields` (only for invalid input) maps each argument to what is wrong with it.
market.errors answers every /api/ error through `json_error`; `write.run_json` and `access` too.
"""
import re

from flask import Response, jsonify
from flask_babel import lazy_gettext as _l

from market.numbers import format_number

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


# marshmallow's own messages (the argument schemas' checks) in the request's language: each English template
# as a pattern, its numbers and choices carried over. A message not listed (ours) is already translated.
_INT = r"-?\d+"
ARGUMENT_MESSAGES = [
    (re.compile(r"Missing data for required field\."), _l("This argument is required.")),
    (re.compile(r"Field may not be null\."), _l("This argument cannot be empty.")),
    (re.compile(r"Not a valid integer\."), _l("Enter a whole number.")),
    (re.compile(r"Not a valid number\.|Number too large\."), _l("Enter a number.")),
    (re.compile(r"Not a valid date\."), _l("Enter a date as YYYY-MM-DD.")),
    (re.compile(r"Not a valid boolean\."), _l("Enter true or false.")),
    (re.compile(r"Not a valid string\."), _l("Enter a text.")),
    (re.compile(r"Not a valid list\."), _l("Enter a list.")),
    (re.compile(r"Unknown field\."), _l("This argument is not known.")),
    (re.compile(r"Invalid value\."), _l("This value is not valid.")),
    (re.compile(rf"Must be greater than or equal to (?P<low>{_INT}) and less than or equal to (?P<high>{_INT})\."),
     _l("Enter a number between %(low)s and %(high)s.")),
    (re.compile(rf"Must be greater than or equal to (?P<low>{_INT})\."), _l("Enter %(low)s or more.")),
    (re.compile(rf"Must be less than or equal to (?P<high>{_INT})\."), _l("Enter %(high)s or less.")),
    (re.compile(r"Must be one of: (?P<choices>.*)\."), _l("Choose one of: %(choices)s.")),
    (re.compile(rf"Longer than maximum length (?P<high>{_INT})\."), _l("Enter at most %(high)s characters.")),
    (re.compile(rf"Shorter than minimum length (?P<low>{_INT})\."), _l("Enter at least %(low)s characters.")),
    (re.compile(rf"Length must be between (?P<low>{_INT}) and (?P<high>{_INT})\."),
     _l("Enter between %(low)s and %(high)s characters.")),
]


def _in_words(problem: str) -> str:
    for pattern, message in ARGUMENT_MESSAGES:
        if found := pattern.fullmatch(problem):
            values = {name: format_number(int(v)) if re.fullmatch(_INT, v) else v
                      for name, v in found.groupdict().items()}
            return str(message) % values if values else str(message)
    return problem


def argument_errors(exc) -> dict | None:
    """The field errors webargs attached to an abort (flask-smorest's argument parsing), one sentence a field."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    fields: dict[str, str] = {}
    for where in messages.values():  # {"query": {"limit": ["..."]}}
        for name, problems in (where.items() if isinstance(where, dict) else []):
            problems = problems if isinstance(problems, list) else [problems]
            fields[name] = " ".join(_in_words(str(p)) for p in problems)
    return fields or None
