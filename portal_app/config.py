"""Settings read from the environment (and instance/config.py); secrets have no default in production."""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit

# Every variable the portal reads from the environment, with its default and what it does.
# The README's configuration table is generated from the same knowledge: keep them in step.
ENV_SETTINGS: dict[str, object] = {
    "SECRET_KEY": None,  # development: generated once into instance/secret_key
    "DATABASE_URL": None,
    "PORTAL_BASE_URL": "http://127.0.0.1:5000",
    "PORTAL_ENV": "production",
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "ShopView Portal <portal@localhost>",
    "MAIL_TIMEOUT": 10,
    "RATELIMIT_STORAGE_URI": "memory://",
    "TRUSTED_PROXY_HOPS": 0,
    "SESSION_COOKIE_SECURE": None,
    "TRUSTED_HOSTS": None,
    "STRIPE_SECRET_KEY": "",
    "STRIPE_PUBLISHABLE_KEY": "",
    "STRIPE_WEBHOOK_SECRET": "",
    "STRIPE_API_BASE": "",
    "STRIPE_MAX_NETWORK_RETRIES": 2,
    "STRIPE_TIMEOUT": 10,
    "FILES_FOLDER": None,  # photos and files: default <instance>/files
    "FILES_S3_BUCKET": None,  # set: photos and files go to this S3-compatible bucket
    "FILES_S3_REGION": None,
    "FILES_S3_ENDPOINT_URL": None,  # MinIO, Ceph, R2, ...; unset: AWS
    "FILES_S3_ACCESS_KEY_ID": None,  # unset: boto3's own chain (instance role, ~/.aws)
    "FILES_S3_SECRET_ACCESS_KEY": None,
}

_BOOL_TRUE = {"1", "true", "yes", "on"}


def _coerce(name: str, raw: str, default: object) -> object:
    if isinstance(default, bool) or name == "SESSION_COOKIE_SECURE":
        return raw.strip().lower() in _BOOL_TRUE
    if isinstance(default, int):
        return int(raw)
    if name == "TRUSTED_HOSTS":
        return [host.strip() for host in raw.split(",") if host.strip()]
    return raw


def from_environment(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, object]:
    """Return the settings that the environment sets, converted to their types."""
    environ = os.environ if environ is None else environ
    found: dict[str, object] = {}
    for name, default in ENV_SETTINGS.items():
        if name in environ:
            found[name] = _coerce(name, environ[name], default)
    return found


def defaults(instance_path: str) -> dict[str, object]:
    """Return the built-in defaults, before instance/config.py and the environment."""
    settings = {name: value for name, value in ENV_SETTINGS.items() if value is not None}
    settings.update(
        # None means "follow PORTAL_BASE_URL" (Flask's own default would be False / any host).
        SESSION_COOKIE_SECURE=None,
        TRUSTED_HOSTS=None,
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(instance_path, "portal.sqlite3"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_HEADERS=["X-CSRFToken"],
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_STRATEGY="moving-window",
        SEND_FILE_MAX_AGE_DEFAULT=timedelta(days=365),
        COMPRESS_MIMETYPES=["text/html", "text/css", "application/javascript", "text/javascript"],
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=5,
        # Flask-Compress would evaluate If-None-Match and Range on every compressed answer
        # (werkzeug's make_conditional: 40-60 µs a page). Pages carry no ETag and are no-store;
        # static files have hashed names and a year's cache, so browsers never revalidate them.
        COMPRESS_EVALUATE_CONDITIONAL_REQUEST=False,
        FLASK_STATIC_DIGEST_COMPRESSION=[],
        OUTBOX_SEND_AFTER_REQUEST=True,
        MAX_CONTENT_LENGTH=1024 * 1024,  # no uploads; Stripe events are far smaller
        INVITATION_TTL=timedelta(days=7),
        RESET_TTL=timedelta(hours=1),
    )
    return settings


def finalize(config: dict, instance_path: str | None = None) -> None:
    """Derive dependent settings and refuse to run production without its secrets."""
    if config.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(str(config["DATABASE_URL"]))
    if "SQLALCHEMY_ENGINE_OPTIONS" not in config:
        # A server connection can die between requests (a restart): test it before use. A
        # SQLite file cannot, so its requests skip that round trip.
        sqlite = str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {} if sqlite else {"pool_pre_ping": True}
    env = config.get("PORTAL_ENV", "production")
    if not config.get("SECRET_KEY"):
        if env == "development" and instance_path:
            # One key for every restart and every worker: kept in instance/secret_key.
            config["SECRET_KEY"] = development_secret_key(instance_path)
        elif env in ("development", "test"):
            # tests (which set their own) and a dev app without an instance folder:
            # a per-process random key.
            config["SECRET_KEY"] = os.urandom(32).hex()
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment or instance/config.py "
                "(PORTAL_ENV=development runs without one)."
            )
    base_url = str(config.get("PORTAL_BASE_URL", "")).rstrip("/")
    config["PORTAL_BASE_URL"] = base_url
    https = base_url.startswith("https://")
    config["PORTAL_HTTPS"] = https  # HSTS on every response
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = https
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["PREFERRED_URL_SCHEME"] = "https" if https else "http"
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = trusted_hosts(base_url, env)


SECRET_KEY_FILE = "secret_key"


def development_secret_key(instance_path: str) -> str:
    """The development SECRET_KEY, generated once into instance/secret_key (mode 0600) and read
    from there by every later start and every worker, so restarting `make run` or running
    several gunicorn workers logs nobody out. Two processes starting at once agree: the key is
    written to a private temporary file and published with a hard link, which fails if another
    process published one first (then that one is read)."""
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    try:
        with open(path, encoding="ascii") as existing:
            key = existing.read().strip()
        if key:
            return key
    except FileNotFoundError:
        pass
    candidate = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as new:
            new.write(os.urandom(32).hex() + "\n")
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass  # another process was first: use its key
    finally:
        os.unlink(candidate)
    with open(path, encoding="ascii") as published:
        return published.read().strip()


LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1"]


def trusted_hosts(base_url: str, env: str) -> list[str]:
    """The Host names requests may carry: the base URL's (a forged Host header is a 400 and never
    reaches a redirect or a link), plus this machine's own names in development and tests."""
    hostname = urlsplit(base_url).hostname
    hosts = [hostname] if hostname else []
    if env in ("development", "test") or hostname in LOCAL_HOSTS:
        hosts += [host for host in LOCAL_HOSTS if host != hostname]
    return hosts


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
