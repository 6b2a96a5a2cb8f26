"""Settings from the environment, with embedded defaults that need no setup."""
import os
import secrets
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("MARKET_INSTANCE_DIR", PROJECT_DIR / "instance"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'market.sqlite3'}"
    # Hosted PostgreSQL often hands out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = None  # filled in by load()
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_DIR / "translations")
    LANGUAGES = ("vi", "en")

    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: slow phones fill forms slowly
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    # The site's public address, for links in e-mails sent outside a request (e.g. https://langson-market.vn).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    PROXY_FIX = _env_bool("PROXY_FIX", False)
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", 40_000_000))
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    # REMEMBER_COOKIE_SECURE/HTTPONLY/SAMESITE follow the SESSION_COOKIE_ ones (create_app).
    REMEMBER_COOKIE_DURATION = int(os.environ.get("REMEMBER_COOKIE_DAYS", 30)) * 86400

    # Rate limits: memory:// is per process; give redis:// or memcached:// when running several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour")
    # The JSON API: one budget per personal access token (every /api/ route shares it), else per address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    API_ANONYMOUS_RATE_LIMIT = os.environ.get("API_ANONYMOUS_RATE_LIMIT", "120 per minute")
    # Failed log-ins for one e-mail from one address: after LOGIN_FREE_FAILURES, each next try waits
    # LOGIN_DELAY_SECONDS, doubling with every failure up to LOGIN_DELAY_MAX_SECONDS. Keyed on both, so
    # failures from elsewhere never slow the owner down.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", 5))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", 5))
    LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", 900))

    # Search: Elasticsearch when ELASTICSEARCH_URL is set, else SQLite FTS5 in instance/.
    ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")
    ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "market")
    ELASTICSEARCH_API_KEY = os.environ.get("ELASTICSEARCH_API_KEY")
    ELASTICSEARCH_USERNAME = os.environ.get("ELASTICSEARCH_USERNAME")
    ELASTICSEARCH_PASSWORD = os.environ.get("ELASTICSEARCH_PASSWORD")
    ELASTICSEARCH_CA_CERTS = os.environ.get("ELASTICSEARCH_CA_CERTS")
    ELASTICSEARCH_VERIFY_CERTS = _env_bool("ELASTICSEARCH_VERIFY_CERTS", True)
    ELASTICSEARCH_TIMEOUT = float(os.environ.get("ELASTICSEARCH_TIMEOUT", 5))
    SEARCH_SQLITE_PATH = os.environ.get("SEARCH_SQLITE_PATH", str(INSTANCE_DIR / "search.sqlite3"))
    SEARCH_SYNC_ON_COMMIT = _env_bool("SEARCH_SYNC_ON_COMMIT", True)
    SEARCH_REFRESH_ON_WRITE = _env_bool("SEARCH_REFRESH_ON_WRITE", False)

    # Jobs (market/jobs.py): a SQLite queue in instance/ (JOBS_SQLITE_PATH), Redis with REDIS_URL; read when the
    # module is imported. JOBS_IMMEDIATE runs each job at once in the process that queued it (tests).
    JOBS_IMMEDIATE = _env_bool("JOBS_IMMEDIATE", False)

    # Payments: Stripe is off without STRIPE_SECRET_KEY (bank transfers still work).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")  # e.g. http://127.0.0.1:12111 for stripe-mock
    ORDER_RESERVATION_MINUTES = int(os.environ.get("ORDER_RESERVATION_MINUTES", 60))
    # Stripe's minimum charge is set per settlement currency (USD 0.50); a VND amount must be worth at least that
    # (market.payments.limits).
    STRIPE_MIN_AMOUNT_VND = int(os.environ.get("STRIPE_MIN_AMOUNT_VND", "13000"))
    # A Unicode TrueType font for the PDF of printable documents (Debian: fonts-dejavu-core); without it, no PDF.
    DOCUMENT_PDF_FONT = os.environ.get("DOCUMENT_PDF_FONT", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    BANK_TRANSFER_DETAILS = os.environ.get(
        "BANK_TRANSFER_DETAILS", "Chuyển khoản vào tài khoản của bên bán, ghi rõ mã thanh toán.")

    # Uploaded photos and PDF certificates; served only through the media blueprint.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    # The worker's nightly backup (market/periodic.py): where, and how many archives to keep.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups"))
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", 14))
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))

    # The one outside origin pages may load images from (map tiles), for the Content-Security-Policy.
    MAP_TILE_HOST = os.environ.get("MAP_TILE_HOST", "https://tile.openstreetmap.org")

    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", 3600))

    # Maps: the tile server the browser loads map pictures from (empty: markers on a blank map).
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    # Seconds an anonymous visitor's public page (home, catalogue, search) is shared; 0 turns it off.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 30))

    # Mail: without MAIL_SERVER, messages are printed to the console instead of sent.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Sàn liên kết Lạng Sơn <no-reply@langson-market.local>")

    @classmethod
    def load(cls) -> dict:
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        settings["SECRET_KEY"] = _secret_key()
        settings["SQLALCHEMY_DATABASE_URI"] = _database_url()
        settings["MAIL_SUPPRESS_SEND"] = not settings["MAIL_SERVER"]
        return settings
