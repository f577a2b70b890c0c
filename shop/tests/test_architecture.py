"""Rules of the code's shape (docs/architecture.md), read from the source with ``ast``.

- No vendor branch in app code: what differs between PostgreSQL and SQLite is asked of
  ``shop/db.py``; only it (and the migrations, with ``shop/online_indexes.py`` which they
  use) reads the connection's ``vendor``.
- Apps import downward only: orders → cart → coupons → pricing → catalog → accounts →
  shop. A module of one app never imports a module of an app above it, at the top or
  inside a function. The project's composition root (settings, the root URLconf and the
  API router, the WSGI/ASGI/Celery entry points, the probes of every store) wires every
  app together and is not an app's code.
"""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
LAYERS = ["shop", "accounts", "catalog", "pricing", "coupons", "cart", "orders"]
RANK = {app: rank for rank, app in enumerate(LAYERS)}
# The project's wiring, which knows every app (and why): not an app's code.
COMPOSITION_ROOT = {
    "shop/settings.py": "names every app, middleware and context processor",
    "shop/urls.py": "the root URLconf",
    "shop/api.py": "the API router: each app's routes",
    "shop/storefront.py": "the storefront's pages: each app's",
    "shop/wsgi.py": "an entry point",
    "shop/asgi.py": "an entry point",
    "shop/celery.py": "an entry point (finds every app's tasks)",
    "shop/health.py": "/readyz asks every store the apps run on (the carts' Redis)",
    "shop/apps.py": "the start-up check of the same stores",
}
MAY_READ_THE_VENDOR = {"shop/db.py", "shop/online_indexes.py"}


def _app_modules():
    """(path relative to the project, parsed module) of every non-test module."""
    for app in LAYERS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            relative = path.relative_to(BASE_DIR).as_posix()
            parts = path.relative_to(BASE_DIR).parts
            if "tests" in parts or parts[-1] == "conftest.py":
                continue
            yield relative, ast.parse(path.read_text(), filename=relative)


MODULES = dict(_app_modules())


def _imported(node) -> list[str]:
    """The modules an import statement names (absolute; relative ones stay in their
    app, so they cannot cross a layer)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def upward_imports(relative: str, tree: ast.Module) -> list[str]:
    app = relative.split("/", 1)[0]
    found = []
    for node in ast.walk(tree):  # every import, function-local ones included
        for module in _imported(node):
            target = module.split(".", 1)[0]
            if target in RANK and RANK[target] > RANK[app]:
                found.append(
                    f"{relative}:{node.lineno} imports {module} ({app} → {target})"
                )
    return found


def vendor_reads(relative: str, tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        named = (isinstance(node, ast.Attribute) and node.attr == "vendor") or (
            isinstance(node, ast.Constant)
            and node.value == "vendor"  # getattr(c, "vendor")
        )
        if named:
            found.append(f"{relative}:{node.lineno} reads the database vendor")
    return found


def test_the_rules_see_every_app_and_their_imports():
    """The checks below read real modules: every app's, with their imports."""
    assert {relative.split("/", 1)[0] for relative in MODULES} == set(LAYERS)
    cart_views = MODULES["cart/views.py"]
    assert any(
        module.startswith("catalog")
        for node in ast.walk(cart_views)
        for module in _imported(node)
    )


def test_the_import_check_catches_an_upward_import_even_inside_a_function():
    """The checker itself: a catalog module importing cart, at the top or in a function."""
    source = "import cart.store\ndef f():\n    from orders.models import Order\n"
    assert upward_imports("catalog/x.py", ast.parse(source)) == [
        "catalog/x.py:1 imports cart.store (catalog → cart)",
        "catalog/x.py:3 imports orders.models (catalog → orders)",
    ]
    assert upward_imports("orders/x.py", ast.parse(source)) == []


def test_the_vendor_check_catches_a_branch_on_the_vendor():
    """The checker itself: ``connection.vendor`` and ``getattr(connection, "vendor")``."""
    source = 'if connection.vendor == "sqlite": pass\ngetattr(connection, "vendor")\n'
    assert len(vendor_reads("cart/x.py", ast.parse(source))) == 2


def test_only_shop_db_reads_the_database_vendor():
    """No app module branches on PostgreSQL or SQLite: they call ``shop.db``."""
    found = [
        line
        for relative, tree in MODULES.items()
        if relative not in MAY_READ_THE_VENDOR and "/migrations/" not in relative
        for line in vendor_reads(relative, tree)
    ]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("app", LAYERS)
def test_apps_import_downward_only(app):
    """orders → cart → coupons → pricing → catalog → accounts → shop: an app's modules
    import only the apps below it (or themselves), at the top or inside functions."""
    found = [
        line
        for relative, tree in MODULES.items()
        if relative.split("/", 1)[0] == app and relative not in COMPOSITION_ROOT
        for line in upward_imports(relative, tree)
    ]
    assert found == [], "\n".join(found)
