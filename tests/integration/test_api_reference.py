"""The API reference works on a network without internet: every asset comes from the gateway."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

from tests.integration.conftest import GatewayStack

REFERENCE_PAGES = (
    "/schema",
    "/schema/swagger",
    "/schema/redoc",
    "/schema/elements",
    "/schema/rapidoc",
    "/schema/scalar",
    "/schema/oauth2-redirect.html",
)
"""Every page Litestar can serve as an API reference; each one served must be self-contained."""


class _AssetLinks(HTMLParser):
    """Collects every URL a page makes the browser fetch (scripts, styles, icons, images)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def _assets_of(page: httpx.Response) -> list[str]:
    parser = _AssetLinks()
    parser.feed(page.text)
    return [urljoin(str(page.url), url) for url in parser.urls]


def test_every_reference_page_loads_its_assets_from_the_gateway(gateway: GatewayStack) -> None:
    client = gateway.client(None)
    origin = urlsplit(gateway.url).netloc
    served = {}
    for path in REFERENCE_PAGES:
        page = client.get(path)
        if page.status_code == 404:
            continue
        assert page.status_code == 200, (path, page.status_code)
        assert page.headers["content-type"].startswith("text/html")
        served[path] = _assets_of(page)

    assert "/schema/swagger" in served
    assert served["/schema/swagger"], "Swagger UI names no scripts or styles"
    for path, urls in served.items():
        foreign = [url for url in urls if urlsplit(url).netloc != origin]
        assert foreign == [], f"{path} loads assets from elsewhere: {foreign}"
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200, (path, url, asset.status_code)
            assert asset.content


def test_swagger_ui_scripts_and_styles_are_the_real_files(gateway: GatewayStack) -> None:
    client = gateway.client(None)
    urls = _assets_of(client.get("/schema/swagger"))

    scripts = [client.get(url) for url in urls if url.endswith(".js")]
    styles = [client.get(url) for url in urls if url.endswith(".css")]

    assert len(scripts) == 2 and len(styles) == 1
    assert all("javascript" in script.headers["content-type"] for script in scripts)
    assert b"SwaggerUIBundle" in scripts[0].content + scripts[1].content
    assert styles[0].headers["content-type"].startswith("text/css")
