"""Settings for the shop: one module, every deployment value read from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

from shop import env as shop_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (see .env.example), or set "
            "DJANGO_DEBUG=true for a local development server."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "shop.apps.ShopAdminConfig",  # django.contrib.admin, with the shop's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "social_django",
    "sorl.thumbnail",
    "django_countries",
    "phonenumber_field",
    "import_export",
    "shop.apps.ShopConfig",
    "accounts",
    "catalog",
    "cart",
    "coupons",
    "orders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cart.middleware.CartMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "social_django.middleware.SocialAuthExceptionMiddleware",
    "shop.middleware.ServiceOutageMiddleware",
]

ROOT_URLCONF = "shop.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "social_django.context_processors.backends",
                "shop.context_processors.shop",
                "catalog.context_processors.catalog",
                "cart.context_processors.cart",
            ],
        },
    },
]

WSGI_APPLICATION = "shop.wsgi.application"

# --- Data stores -----------------------------------------------------------
# Without DATABASE_URL: SQLite in the project folder (the development default).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
# Persistent connections are the single biggest win measured here (PERFORMANCE.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
# A ping before a reused connection's first query of each request: a server restart then
# costs no failed request, at a round trip per request (docs/configuration.md).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(
    "DJANGO_CONN_HEALTH_CHECKS", default=False
)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options.setdefault("connect_timeout", 3)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A transaction takes SQLite's write lock when it begins: two writers wait for each
    # other instead of failing with "database is locked" when one upgrades its lock.
    _db_options.setdefault("transaction_mode", "IMMEDIATE")
    _db_options.setdefault("timeout", 20)

# Redis holds the carts, the throttles' windows, the catalog cache and (by default) the
# task queue. Without REDIS_URL: an embedded redis-server (shop.embedded), data in var/.
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_EMBEDDED = not REDIS_URL
if REDIS_EMBEDDED:
    from shop.embedded import embedded_redis_url

    REDIS_URL = embedded_redis_url(BASE_DIR / "var" / "redis.db")
# The carts' Redis (default: REDIS_URL); CART_REDIS_CLUSTER=true: a node of a cluster.
CART_REDIS_URL = env.str("CART_REDIS_URL", default="") or REDIS_URL
CART_REDIS_CLUSTER = env.bool("CART_REDIS_CLUSTER", default=False)
# Seconds a Redis command may take before it counts as an outage (503).
REDIS_TIMEOUT = env.float("SHOP_REDIS_TIMEOUT", default=1.0)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            # redis-py retries with backoff by default: an outage would cost every
            # request seconds before its 503. Fail at once instead.
            "CONNECTION_POOL_KWARGS": {"retry": Retry(NoBackoff(), 0)},
            # The catalog cache serves from the database when Redis is down; the
            # throttles and the cart store talk to Redis directly and answer 503.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
# sorl-thumbnail's record of the thumbnails it made, kept per process: a page of twenty
# pictures would otherwise cost twenty Redis round trips (a miss reads its database table).
CACHES["thumbnails"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
THUMBNAIL_CACHE = "thumbnails"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# --- Background work (Celery, app shop.celery) -------------------------------
# The broker defaults to REDIS_URL when that is set; the embedded default has none, and
# then every task runs in the web process right after the transaction that queued it.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or (
    "" if REDIS_EMBEDDED else REDIS_URL
)
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless told to
# reuse it: a new connection per mail cost more than the mail (docs/decisions/0005).
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 2}
CELERY_TIMEZONE = "UTC"
# What beat runs (`celery -A shop beat`): mail a crash left owed, expire unpaid orders.
CELERY_BEAT_SCHEDULE = {
    "send-owed-confirmations": {
        "task": "orders.tasks.send_owed_confirmations",
        "schedule": 60.0,
    },
    "expire-unpaid-orders": {
        "task": "orders.tasks.expire_unpaid_orders",
        "schedule": 60.0,
    },
    "rebuild-daily-sales": {
        "task": "orders.tasks.rebuild_daily_sales",
        "schedule": crontab(minute=5, hour=0),
    },
    "retry-pending-refunds": {
        "task": "orders.tasks.retry_pending_refunds",
        "schedule": 300.0,
    },
    "remind-abandoned-carts": {
        "task": "cart.tasks.remind_abandoned_carts",
        "schedule": crontab(minute=20),
    },
    "give-up-stalled-imports": {
        "task": "catalog.tasks.give_up_stalled_imports",
        "schedule": 600.0,
    },
    # The staff's daily digest of what is low or out of stock, at 06:00 UTC.
    "low-stock-digest": {
        "task": "catalog.tasks.send_low_stock_digest",
        "schedule": crontab(hour=6, minute=0),
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "social_core.backends.facebook.FacebookOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "shop:catalog"
LOGOUT_REDIRECT_URL = "shop:catalog"

# Mail: DJANGO_EMAIL_URL names the server (smtp+tls://user:password@host:587, URL-encoded;
# smtp+ssl:// for 465); without it mail goes to DJANGO_EMAIL_BACKEND (the console).
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
globals().update(shop_env.email_server(env, "DJANGO_EMAIL_URL"))
# Seconds each socket operation with the mail server may take (Django's default: no
# limit), at most a minute: a hanging server holds the worker that sends.
EMAIL_TIMEOUT = shop_env.seconds(env, "DJANGO_EMAIL_TIMEOUT", default=10.0, most=60)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="shop@localhost")
# The storefront's address for links in mail, e.g. https://shop.example.com (empty: none).
SHOP_SITE_URL = env.str(
    "SHOP_SITE_URL", default="http://127.0.0.1:8000" if DEBUG else ""
).rstrip("/")
# A path prefix (e.g. /shop) the proxy does not pass as SCRIPT_NAME; also for mail links.
FORCE_SCRIPT_NAME = shop_env.path_prefix(env, "DJANGO_FORCE_SCRIPT_NAME")

# Request size limits: abuse stops at the door.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=1_048_576
)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# --- Security --------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Proxies in front that append to X-Forwarded-For (REST_FRAMEWORK's NUM_PROXIES below);
# a negative count would make every throttled request a 500.
SHOP_NUM_PROXIES = shop_env.count(
    env, "SHOP_NUM_PROXIES", default=1 if BEHIND_PROXY else 0
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CORS_ALLOWED_ORIGINS = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "x-cart-token",
    "x-order-token",
    "x-csrftoken",
)

# --- API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["shop.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "shop.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.exceptions.api_exception_handler",
    # A view names its budget with ``throttle_scope`` (auth, cart_write, checkout); a view
    # without one is not throttled.
    "DEFAULT_THROTTLE_CLASSES": ["shop.throttling.ScopedSlidingWindowThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": env.str("SHOP_THROTTLE_AUTH", default="20/min"),
        "cart_write": env.str("SHOP_THROTTLE_CART_WRITE", default="600/min"),
        "checkout": env.str("SHOP_THROTTLE_CHECKOUT", default="30/min"),
    },
    # Whose address a throttle counts: with 0, the connection's (REMOTE_ADDR); behind
    # N proxies that append to X-Forwarded-For, the entry the nearest one appended. Left
    # unset, DRF would key on the whole header, which any client writes as it likes.
    "NUM_PROXIES": SHOP_NUM_PROXIES,
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env.int("SHOP_JWT_ACCESS_MINUTES", default=15)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        days=env.int("SHOP_JWT_REFRESH_DAYS", default=7)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": "Catalog, carts, coupons and orders of the shop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "CartLineStatusEnum": "cart.api.serializers.STATUSES",
        "UserRoleEnum": "accounts.models.User.Role",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.openapi.add_outage_responses",
    ],
}

from shop.settings_shop import *  # noqa: E402, F403 (the shop's own settings)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env.str("DJANGO_LOG_LEVEL", default="WARNING"),
    },
}
