"""The settings module: production values pass Django's deployment checks, every value
comes from the environment, and bad values stop start-up with a clear message. Each case
runs in a fresh process, so that the test process's own settings are not touched."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def _env_example() -> dict[str, str]:
    values = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    return values


def _run_manage(*args, env):
    """``manage.py`` in a fresh process with none of the tests' settings but ``env``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SHOP_", "CELERY_", "CART_"))
    }
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_the_production_values_of_env_example():
    """`manage.py check --deploy` reports nothing with .env.example's production values."""
    env = _env_example()
    env["DATABASE_URL"] = (
        "sqlite:////tmp/deploy-check.sqlite3"  # no server needed for checks
    )
    result = _run_manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_with_debug_off_is_a_clear_start_up_error():
    """With DJANGO_DEBUG off and no DJANGO_SECRET_KEY, start-up fails and says why."""
    result = _run_manage("check", env={"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_tax_rate_must_be_a_decimal():
    """A malformed SHOP_TAX_RATE stops start-up with a clear message."""
    result = _run_manage("check", env={"DJANGO_DEBUG": "true", "SHOP_TAX_RATE": "lots"})
    assert result.returncode != 0
    assert "SHOP_TAX_RATE" in result.stderr


SECURITY_SETTINGS = [
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
]  # fmt: skip
EMAIL_SETTINGS = [
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT",
]  # fmt: skip


def _settings_under(env: dict[str, str], names=SECURITY_SETTINGS) -> dict:
    """The settings ``names`` as ``env`` gives them (read by a fresh process)."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    base = {
        "DJANGO_SECRET_KEY": "x" * 60,
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
        "SHOP_ALLOW_TEST_PAYMENTS": "true",  # these read other settings
    }
    result = _run_manage("shell", "-c", code, env={**base, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_are_secure_cookies_and_a_year_of_hsts():
    """With DEBUG off and nothing else set: HSTS one year, secure cookies, HTTPS redirect."""
    values = _settings_under({"DJANGO_DEBUG": "false"})
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True


def test_hsts_and_secure_cookies_are_set_by_the_environment():
    """DJANGO_SECURE_HSTS_* and DJANGO_*_COOKIE_SECURE change the settings they name."""
    values = _settings_under({
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "600",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "DJANGO_CSRF_COOKIE_SECURE": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_BEHIND_PROXY": "true",
    })  # fmt: skip
    assert values == {
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_mail_goes_to_the_console_unless_a_server_is_named():
    """Without DJANGO_EMAIL_URL mail is printed; sending waits at most 10 s by default."""
    values = _settings_under({"DJANGO_DEBUG": "false"}, EMAIL_SETTINGS)
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["EMAIL_TIMEOUT"] == 10


def test_email_url_names_the_mail_server_and_its_login():
    """DJANGO_EMAIL_URL sets the SMTP server, port, login (URL-decoded) and TLS."""
    values = _settings_under(
        {
            "DJANGO_EMAIL_URL": "smtp+tls://shop%40example.com:p%40ss%2Fw@mail.example.com:587",
            "DJANGO_EMAIL_TIMEOUT": "4",
        },
        EMAIL_SETTINGS,
    )
    assert values == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "shop@example.com",
        "EMAIL_HOST_PASSWORD": "p@ss/w",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 4,
    }


def test_email_url_without_port_or_login_keeps_djangos_defaults():
    """What the URL leaves out is Django's default (port 25, no login), never None."""
    values = _settings_under(
        {"DJANGO_EMAIL_URL": "smtp://relay.internal"}, EMAIL_SETTINGS
    )
    assert values["EMAIL_HOST"] == "relay.internal"
    assert values["EMAIL_PORT"] == 25
    assert values["EMAIL_HOST_USER"] == values["EMAIL_HOST_PASSWORD"] == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",  # not a mail scheme
        "smtp://mail.example.com:abc",  # a port that is no number
        "smtp://mail.example.com:99999",  # out of range
        "smtp://mail.example.com?email_use_tls=false",  # an option as a string
    ],
)
def test_malformed_email_url_is_a_clear_start_up_error(url):
    """A DJANGO_EMAIL_URL that cannot be used stops start-up and names the variable."""
    result = _run_manage("check", env={"DJANGO_DEBUG": "true", "DJANGO_EMAIL_URL": url})
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_EMAIL_URL" in result.stderr


@pytest.mark.parametrize("timeout", ["0", "-1", "soon", "nan", "inf", "61"])
def test_email_timeout_must_be_a_positive_number_of_seconds(timeout):
    """DJANGO_EMAIL_TIMEOUT of 0 (sends would all fail), below 0, not a number or
    unbounded stops start-up with a clear message."""
    result = _run_manage(
        "check", env={"DJANGO_DEBUG": "true", "DJANGO_EMAIL_TIMEOUT": timeout}
    )
    assert result.returncode != 0
    assert "DJANGO_EMAIL_TIMEOUT must be" in result.stderr


def test_email_timeout_may_be_a_fraction():
    """Seconds need not be whole."""
    values = _settings_under({"DJANGO_EMAIL_TIMEOUT": "2.5"}, EMAIL_SETTINGS)
    assert values["EMAIL_TIMEOUT"] == 2.5


@pytest.mark.parametrize(
    ("site_url", "warning"),
    [("", "orders.W001"), ("http://shop.example.com", "orders.W002"),
     ("https://", "orders.W002")],
)  # fmt: skip
def test_check_deploy_warns_of_a_missing_or_plain_http_site_url(site_url, warning):
    """Without SHOP_SITE_URL mails carry no order link; over http a guest's link would
    carry the order's token in clear text: check --deploy says so."""
    env = {**_env_example(), "SHOP_SITE_URL": site_url}
    env["DATABASE_URL"] = "sqlite:////tmp/deploy-check.sqlite3"
    result = _run_manage("check", "--deploy", env=env)
    assert warning in result.stdout + result.stderr


@pytest.mark.parametrize("count", ["-1", "one"])
def test_num_proxies_must_be_zero_or_more(count):
    """A negative SHOP_NUM_PROXIES would make every throttled request with one
    X-Forwarded-For entry a 500 (DRF indexes past the entries): start-up refuses it."""
    result = _run_manage(
        "check", env={"DJANGO_DEBUG": "true", "SHOP_NUM_PROXIES": count}
    )
    assert result.returncode != 0
    assert "SHOP_NUM_PROXIES must be a whole number, 0 or more" in result.stderr


def test_the_path_prefix_is_settable_for_links_made_outside_a_request():
    """DJANGO_FORCE_SCRIPT_NAME: the prefix a mail worker's order links carry; none by
    default (Django then takes SCRIPT_NAME from each request)."""
    assert _settings_under({}, ["FORCE_SCRIPT_NAME"]) == {"FORCE_SCRIPT_NAME": None}
    assert _settings_under(
        {"DJANGO_FORCE_SCRIPT_NAME": "/shop"}, ["FORCE_SCRIPT_NAME"]
    ) == {"FORCE_SCRIPT_NAME": "/shop"}


def test_a_path_prefix_without_its_leading_slash_stops_start_up():
    """ "shop" would make every link relative to the page it is on."""
    result = _run_manage(
        "check", env={"DJANGO_DEBUG": "true", "DJANGO_FORCE_SCRIPT_NAME": "shop"}
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_FORCE_SCRIPT_NAME" in result.stderr


REDIS_SETTINGS = """
import json
from django.conf import settings
from cart.store import get_store
print(json.dumps({
    "REDIS_EMBEDDED": settings.REDIS_EMBEDDED,
    "REDIS_URL": settings.REDIS_URL,
    "CART_REDIS_URL": settings.CART_REDIS_URL,
    "CACHE_LOCATION": settings.CACHES["default"]["LOCATION"],
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "answers": get_store().ping(),
}))
"""


def _redis_settings(env: dict[str, str]) -> dict:
    base = {
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    }
    result = _run_manage("shell", "-c", REDIS_SETTINGS, env={**base, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_url_the_settings_start_the_embedded_redis():
    """No REDIS_URL (the development default): a real redis-server is started beside the
    process and everything Redis holds is on it (carts, cache, throttles); there is no
    broker, so tasks run in the process after their commit (eager)."""
    values = _redis_settings({})
    assert values["REDIS_EMBEDDED"] is True
    assert values["REDIS_URL"].startswith("unix://")
    assert values["CART_REDIS_URL"] == values["CACHE_LOCATION"] == values["REDIS_URL"]
    assert values["answers"] is True
    assert values["CELERY_BROKER_URL"] == ""
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True


def test_redis_url_is_the_default_of_the_carts_the_cache_and_the_broker(settings):
    """With REDIS_URL set no embedded server starts: carts, cache and Celery's broker all
    default to it, and tasks go to the broker (not eager)."""
    url = settings.REDIS_URL if not settings.REDIS_EMBEDDED else None
    if url is None:
        pytest.skip("needs a Redis server: REDIS_URL")
    values = _redis_settings({"REDIS_URL": url})
    assert values == {
        "REDIS_EMBEDDED": False, "REDIS_URL": url, "CART_REDIS_URL": url,
        "CACHE_LOCATION": url, "CELERY_BROKER_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": False, "answers": True,
    }  # fmt: skip


def test_the_carts_and_the_broker_may_each_have_their_own_redis(settings):
    """CART_REDIS_URL and CELERY_BROKER_URL override REDIS_URL for what they name."""
    if settings.REDIS_EMBEDDED:
        pytest.skip("needs a Redis server: REDIS_URL")
    url = settings.REDIS_URL
    carts = url.rsplit("/", 1)[0] + "/13"
    broker = "redis://broker.internal:6379/2"
    values = _redis_settings(
        {"REDIS_URL": url, "CART_REDIS_URL": carts, "CELERY_BROKER_URL": broker}
    )
    assert (values["CART_REDIS_URL"], values["CACHE_LOCATION"]) == (carts, url)
    assert values["CELERY_BROKER_URL"] == broker
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
