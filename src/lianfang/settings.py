"""Django settings, read from environment variables.

LIANFANG_DATA_DIR    where the SQLite file, uploads and exports live (default ./data)
DATABASE_URL         e.g. postgres://user@host:5432/db (default: SQLite in the data dir)
LIANFANG_SECRET_KEY  required when LIANFANG_DEBUG is off
LIANFANG_DEBUG       1/0 (default 0)
LIANFANG_ALLOWED_HOSTS  comma-separated (default localhost,127.0.0.1,[::1])
LIANFANG_TASK_BACKEND   "database" (default), "immediate", or "rq"
LIANFANG_REDIS_URL      Redis URL for the rq backend (default redis://127.0.0.1:6379/0)
LIANFANG_EMAIL_URL      smtp://user:pass@host:587?tls=1 for e-mailed reminders (optional)
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("LIANFANG_DATA_DIR", "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("LIANFANG_DEBUG", False)
SECRET_KEY = os.environ.get("LIANFANG_SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept in the data dir: zero set-up, never shared.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("LIANFANG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("LIANFANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "lianfang.core",
    "lianfang.orgs",
    "lianfang.audit",
    "lianfang.access",
    "lianfang.powers",
    "lianfang.flows",
    "lianfang.monitoring",
    "lianfang.alerts",
    "lianfang.risks",
    "lianfang.measures",
    "lianfang.reviews",
    "lianfang.reports",
    "lianfang.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianfang.core.middleware.ChineseFirstLocaleMiddleware",
    "lianfang.core.middleware.NoNulInQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lianfang.audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "lianfang.urls"
WSGI_APPLICATION = "lianfang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lianfang.core.context_processors.navigation",
                "lianfang.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'lianfang.sqlite3'}",
        conn_max_age=int(os.environ.get("LIANFANG_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the worker and the web server write without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-lianfang.sqlite3")} if env_bool(
        "LIANFANG_TEST_SQLITE_FILE"
    ) else {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Wrong logins: after this many failures for one account or one address within
# the window, further attempts are refused until the window has passed.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LIANFANG_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LIANFANG_LOGIN_FAILURE_WINDOW", "900"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("LIANFANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from the package; this only silences its warning
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True  # serve straight from the package: no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Background work goes through django.tasks. The default queue lives in the
# database and is drained by `lianfang worker`; a deployment that outgrows one
# machine switches to RQ on Redis by configuration alone.
_task_backend = os.environ.get("LIANFANG_TASK_BACKEND", "database").strip().lower()
REDIS_URL = os.environ.get("LIANFANG_REDIS_URL", "redis://127.0.0.1:6379/0")
if _task_backend == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif _task_backend == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANFANG_LOG_LEVEL", "WARNING")},
}

# E-mail for reminders, optional: LIANFANG_EMAIL_URL=smtp://user:pass@host:587?tls=1
if _email_url := os.environ.get("LIANFANG_EMAIL_URL", "").strip():
    from urllib.parse import parse_qs, unquote, urlsplit

    _email, _email_query = urlsplit(_email_url), parse_qs(urlsplit(_email_url).query)
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": _email.hostname, "port": _email.port or 25, "username": unquote(_email.username or ""),
        "password": unquote(_email.password or ""), "use_tls": _email_query.get("tls") == ["1"],
        "use_ssl": _email_query.get("ssl") == ["1"], "timeout": 10}}}
    DEFAULT_FROM_EMAIL = os.environ.get("LIANFANG_EMAIL_FROM", "noreply@localhost")
LIANFANG_BASE_URL = os.environ.get("LIANFANG_BASE_URL", "")  # absolute links in e-mails

LIANFANG_NAME = _("廉政风险防控管理平台")
