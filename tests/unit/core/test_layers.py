"""Layers point one way: the web plumbing in adoption/core imports no domain app, nothing in
the application imports the demo but the demo itself, and migrations import no application
code (read from the source, so an import hidden in a function counts too)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "adoption"
DOMAIN_APPS = (
    "adoption.registry",
    "adoption.barriers",
    "adoption.accounts",
    "adoption.dashboards",
    "adoption.escalations",
    "adoption.notifications",
    "adoption.api",
    "adoption.demo",
)


def modules_imported(source, package):
    """(module, how) for every import statement in `source`, a module of `package` (a tuple of
    names), relative imports resolved; `how` is "import" or "from". `from a import b` yields
    both a and a.b, as b may be a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "import"
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module) if part)
            yield module, "from"
            for alias in node.names:
                yield f"{module}.{alias.name}", "from"


def imports_of(path):
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    return modules_imported(path.read_text(), package)


def is_within(module, packages):
    return any(module == package or module.startswith(package + ".") for package in packages)


def python_files(folder):
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def violations(paths, forbidden, allowed=lambda module, how: False):
    return sorted(
        {
            f"{path.relative_to(ROOT)} imports {module}"
            for path in paths
            for module, how in imports_of(path)
            if is_within(module, forbidden) and not allowed(module, how)
        }
    )


def test_layers_check_reads_every_kind_of_import():
    source = (
        "import adoption.barriers.models\n"
        "from ..demo import demo_data\n"
        "from . import forms\n"
        "def later():\n"
        "    from adoption.accounts.policy import access_for\n"
    )

    found = {module for module, _ in modules_imported(source, ("adoption", "core"))}

    assert {
        "adoption.barriers.models",
        "adoption.demo.demo_data",
        "adoption.core.forms",
        "adoption.accounts.policy",
    } <= found


def test_core_imports_no_domain_app():
    assert violations(python_files(PACKAGE / "core"), DOMAIN_APPS) == []


def test_only_the_demo_imports_the_demo():
    outside = [path for path in python_files(PACKAGE) if "demo" not in path.parts]

    assert violations(outside, ["adoption.demo"]) == []


def test_migrations_import_no_application_code():
    migrations = [path for path in python_files(PACKAGE) if path.parent.name == "migrations"]
    assert migrations, "no migrations found"

    def serialised_default(module, how):
        # `import adoption.<app>.models` is how Django names a callable field default.
        return how == "import" and module.count(".") == 2 and module.endswith(".models")

    assert violations(migrations, ["adoption"], allowed=serialised_default) == []
