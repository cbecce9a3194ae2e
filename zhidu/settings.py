"""Zhidu settings.

Everything a deployment changes comes from the environment:

- ``DATABASE_URL``: ``sqlite:///path`` (default: ``var/zhidu.sqlite3``) or ``postgres://…``
- ``ZHIDU_ENV``: ``dev`` (default) or ``prod``; prod turns on secure cookies, SSL redirect
  and HSTS and refuses to start without ``ZHIDU_SECRET_KEY``.
- ``ZHIDU_SECRET_KEY``, ``ZHIDU_ALLOWED_HOSTS`` (comma separated),
  ``ZHIDU_TIME_ZONE`` (default ``Asia/Shanghai``), ``ZHIDU_LANGUAGE`` (``zh-hans`` or ``en``),
  ``ZHIDU_TASK_BACKEND`` (``db`` default, or ``rq`` with ``REDIS_URL``).
- ``ZHIDU_TRUSTED_PROXIES``: comma-separated addresses or networks of the proxies in front of
  Zhidu whose ``X-Forwarded-For`` entry is believed (default: none; ``zhidu.core.http``).
- ``ZHIDU_FIELD_KEYS``: comma-separated Fernet keys encrypting secrets at rest, newest first
  (required in prod; in dev derived from the secret key; ``zhidu.core.crypto``).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ZHIDU_VAR_DIR", BASE_DIR / "var"))

ZHIDU_ENV = os.environ.get("ZHIDU_ENV", "dev")
if ZHIDU_ENV not in {"dev", "prod"}:
    raise ImproperlyConfigured("ZHIDU_ENV must be 'dev' or 'prod'")
PROD = ZHIDU_ENV == "prod"

DEBUG = os.environ.get("ZHIDU_DEBUG", "0" if PROD else "1") == "1"

SECRET_KEY = os.environ.get("ZHIDU_SECRET_KEY", "")
if not SECRET_KEY:
    if PROD:
        raise ImproperlyConfigured("Set ZHIDU_SECRET_KEY in production")
    SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ZHIDU_ALLOWED_HOSTS", "" if PROD else "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("ZHIDU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "ninja",
    "django_tasks_db",
    # platform
    "zhidu.core",
    "zhidu.org",
    "zhidu.audit",
    "zhidu.approvals",
    "zhidu.policies",
    "zhidu.numbering",
    "zhidu.jobs",
    "zhidu.notifications",
    # domain
    "zhidu.customers",
    "zhidu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhidu.core.middleware.RequestIdMiddleware",
    "zhidu.core.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhidu.core.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "zhidu.urls"
WSGI_APPLICATION = "zhidu.wsgi.application"
ASGI_APPLICATION = "zhidu.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhidu.core.context_processors.shell",
                "zhidu.notifications.context_processors.notifications",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zhidu.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DATABASE_URL.startswith("sqlite") else 60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # DESIGN: WAL, IMMEDIATE transactions and a busy timeout so concurrent writers queue
    # instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 10,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A file, not Django's in-memory default: thread and live-server tests need a second
    # connection to see the same database (DESIGN: SQLite).
    _db["TEST"] = {"NAME": str(Path(_db["NAME"]).with_name(Path(_db["NAME"]).stem + "-test.sqlite3"))}
else:
    _db.setdefault("OPTIONS", {})
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "org:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = int(os.environ.get("ZHIDU_SESSION_AGE", 8 * 3600))
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: every request pushes the deadline
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
ZHIDU_LOGIN_MAX_FAILURES = int(os.environ.get("ZHIDU_LOGIN_MAX_FAILURES", 5))
ZHIDU_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("ZHIDU_LOGIN_LOCKOUT_MINUTES", 15))
ZHIDU_ACCESS_LOG_RETENTION_DAYS = 200  # 网络安全法 §21: at least six months

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("ZHIDU_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("ZHIDU_TIME_ZONE", "Asia/Shanghai")
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

# --- static -----------------------------------------------------------------------------
STATIC_URL = "/static/"
# Project-wide static files (the vendored front-end packages under zhidu/static/vendor).
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("ZHIDU_STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PROD
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PROD
MEDIA_ROOT = Path(os.environ.get("ZHIDU_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# --- security ---------------------------------------------------------------------------
SESSION_COOKIE_SECURE = PROD
CSRF_COOKIE_SECURE = PROD
SECURE_SSL_REDIRECT = PROD and os.environ.get("ZHIDU_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000 if PROD else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PROD
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PROD else None
# The proxies (nginx, a load balancer) whose X-Forwarded-For entry is believed when finding
# the client's address for the sign-in throttle and the access log (zhidu.core.http).
ZHIDU_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("ZHIDU_TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in ZHIDU_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"ZHIDU_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network")
# Fernet keys for secrets stored encrypted (webhook URLs and signing secrets), newest first:
# the first encrypts, all decrypt, so a new key goes in front and the old one stays until
# `zhidu field_keys_rotate` has re-encrypted the rows (zhidu.core.crypto).
ZHIDU_FIELD_KEYS = [k.strip() for k in os.environ.get("ZHIDU_FIELD_KEYS", "").split(",") if k.strip()]
if not ZHIDU_FIELD_KEYS and PROD:
    raise ImproperlyConfigured(
        "Set ZHIDU_FIELD_KEYS in production; make a key with: python3 -c "
        "'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' (docs/deployment.md)"
    )
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# A friendly page (not Django's technical one) when a form's CSRF token is stale.
CSRF_FAILURE_VIEW = "zhidu.core.views.csrf_failure"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # ECharts positions its tooltip with style attributes (DESIGN: CSP).
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- tasks ------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ZHIDU_TASK_BACKEND = os.environ.get("ZHIDU_TASK_BACKEND", "db")
if ZHIDU_TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_tasks_rq", "django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif ZHIDU_TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- mail ---------------------------------------------------------------------------------
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "ZHIDU_EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend" if PROD else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": {
            k: v
            for k, v in {
                "host": os.environ.get("ZHIDU_EMAIL_HOST"),
                "port": int(os.environ["ZHIDU_EMAIL_PORT"]) if os.environ.get("ZHIDU_EMAIL_PORT") else None,
                "username": os.environ.get("ZHIDU_EMAIL_USER"),
                "password": os.environ.get("ZHIDU_EMAIL_PASSWORD"),
                "use_tls": os.environ.get("ZHIDU_EMAIL_TLS") == "1" or None,
            }.items()
            if v is not None
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("ZHIDU_FROM_EMAIL", "zhidu@localhost")

# --- logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIDU_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

ZHIDU_BUSINESS_NAME = _("Zhidu")
ZHIDU_API_PAGE_SIZE_MAX = 200
