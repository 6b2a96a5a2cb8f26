"""Where to send a person after a log-in or a language switch: only back onto this site."""


def safe_local_path(target: str | None, default: str) -> str:
    """`target` when it is a plain path on this site, else `default`.

    Browsers and Werkzeug drop tabs and newlines from URLs and treat backslashes as slashes, so
    "/\\t/evil.example" or "/\\\\evil.example" would leave the site: such targets are refused."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return default
    return target
