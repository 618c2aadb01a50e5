"""The API reference pages under ``/schema``, with every asset served by the gateway itself.

Litestar's pages load their scripts, styles, fonts and favicon from public CDNs, so on a network
without internet they are blank. The gateway serves one reference, Swagger UI (at ``/schema`` and
``/schema/swagger``), from the dist files a pinned Python package ships, plus the document as
JSON and YAML. No page names another origin.
"""

from __future__ import annotations

from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin, YamlRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

ASSETS_PATH = "/assets/swagger-ui"
"""Where Swagger UI's files are served, under the OpenAPI router's path."""


def render_plugins(schema_path: str) -> list[OpenAPIRenderPlugin]:
    """The pages served under ``schema_path``: Swagger UI and the YAML document."""
    assets = f"{schema_path}{ASSETS_PATH}"
    favicon = f"<link rel='icon' type='image/png' href='{assets}/favicon-32x32.png'>"
    return [
        SwaggerRenderPlugin(
            path=["/", "/swagger"],
            js_url=f"{assets}/swagger-ui-bundle.js",
            css_url=f"{assets}/swagger-ui.css",
            standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
            favicon=favicon,
        ),
        YamlRenderPlugin(),
    ]


def assets_router() -> Router:
    """Swagger UI's dist files, for the OpenAPI router."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[swagger_ui_path],
        include_in_schema=False,
        name="swagger-ui-assets",
    )
