"""The README's route table names only routes the gateway serves, with the methods it serves.

Paths are compared with their parameters blanked (`{t}` is `{tenant_id}`); `.../x` continues the
row's previous path (as a child of it or a sibling), and a route without a method takes the
previous one's.
"""

from __future__ import annotations

import re
from pathlib import Path

from litestar.testing import TestClient

from gateway.app import create_app
from gateway.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
ROUTE = re.compile(r"`((?:[A-Z]+/)*[A-Z]+ )?((?:/|\.\.\./)[^`\s?]*)[^`]*`")
METHODS = ("get", "put", "post", "delete", "patch")


def _blank(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


def _table_routes() -> list[tuple[str, list[str]]]:
    """(method, candidate paths) for every route named in the first column of README tables."""
    routes = []
    for line in README.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        methods, previous = ["GET"], ""
        for verbs, path in ROUTE.findall(first_cell):
            if verbs:
                methods = verbs.strip().split("/")
            if path.startswith(".../"):
                rest = path[len(".../") :]
                candidates = [f"{previous}/{rest}", f"{previous.rsplit('/', 1)[0]}/{rest}"]
            else:
                candidates = [path]
                previous = path
            routes += [(method, candidates) for method in methods]
    return routes


def test_every_route_in_the_readme_tables_is_served() -> None:
    app = create_app(Settings())
    document = app.openapi_schema.to_schema()
    served = {
        (method.upper(), _blank(path))
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    client = TestClient(app)
    routes = _table_routes()
    missing = []
    for method, candidates in routes:
        if candidates[0].startswith("/schema"):
            if client.request(method, candidates[0]).status_code != 200:
                missing.append(f"{method} {candidates[0]}")
        elif not any((method, _blank(path)) in served for path in candidates):
            missing.append(f"{method} {candidates[0]}")

    assert len(routes) > 40
    assert missing == []
