"""The apps depend on each other one way: a lower app never imports a higher one.

    accounts ← listings ← searches
                       ← applications ← messaging

Read from the source (every import, function-local ones included), so a shortcut taken
inside a function shows up as well as one at the top of a module.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Apps that each app must never import: the ones above it.
HIGHER = {
    "accounts": {"listings", "searches", "applications", "messaging", "reports"},
    "listings": {"searches", "applications", "messaging", "reports"},
    "searches": {"applications", "messaging", "reports"},
    "applications": {"messaging"},
}


def modules(app: str) -> dict[str, Path]:
    """Every module of an app (migrations left out), by dotted name."""
    found = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports(path: Path) -> set[str]:
    """The absolute module names a file imports, anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("app", sorted(HIGHER))
def test_a_lower_app_never_imports_a_higher_one(app):
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in modules(app).items()
        for imported in imports(path)
        if imported.split(".")[0] in HIGHER[app]
    )
    assert wrong == []


def test_listing_models_do_not_depend_on_the_search_filters():
    """The browse page's filters are built on the models, never the other way round (saved
    searches, which need both, live in their own app)."""
    graph = {name: imports(path) for name, path in modules("listings").items()}
    reached, todo = set(), ["listings.models"]
    while todo:
        for imported in graph.get(todo.pop(), ()):
            if imported in graph and imported not in reached:
                reached.add(imported)
                todo.append(imported)
    assert "listings.filters" not in reached


#: The apps whose modules are held to the length limit (migrations left out).
APPS = [
    "accounts",
    "listings",
    "applications",
    "messaging",
    "notifications",
    "reports",
    "searches",
    "lifecycle",
    "backoffice",
    "microintern",
]
MAX_MODULE_LINES = 700


def test_no_app_module_is_longer_than_a_feature():
    """A module past 700 lines holds more than one feature: split it (as `listings/models/`)."""
    long = sorted(
        f"{name}: {lines} lines"
        for app in APPS
        for name, path in modules(app).items()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    )
    assert long == []
