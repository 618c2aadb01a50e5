"""``/console/tenants/{tenant}/vendors``: each vendor's health for the tenant, refreshed live
(htmx polls a fragment), with the budget's use over the last minutes as a small bar chart drawn
on the server (SVG, no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from gateway import tenant_admin
from gateway.console.auth import require_session
from gateway.console.render import AnyRequest, console_user, page
from gateway.services import Services
from gateway.vendor_status import vendor_statuses

REFRESH_SECONDS = 2
CHART_WIDTH = 150
CHART_HEIGHT = 36
BAR_GAP = 2


@dataclass(frozen=True)
class Bar:
    """One minute's bar of the chart, in SVG user units."""

    x: float
    y: float
    width: float
    height: float
    value: int


@dataclass(frozen=True)
class Chart:
    """Calls admitted per minute, oldest first, ready to draw."""

    bars: list[Bar]
    peak: int
    description: str


def per_minute_chart(used_per_minute: Sequence[int]) -> Chart:
    """Bars scaled to the busiest minute (a quiet budget draws flat, not empty)."""
    count = max(1, len(used_per_minute))
    peak = max(used_per_minute, default=0)
    width = CHART_WIDTH / count
    bars = []
    for index, value in enumerate(used_per_minute):
        height = 0.0 if peak == 0 else (CHART_HEIGHT - 2) * value / peak
        bars.append(
            Bar(
                x=round(index * width, 2),
                y=round(CHART_HEIGHT - 1 - height, 2),
                width=round(width - BAR_GAP, 2),
                height=round(height, 2),
                value=value,
            )
        )
    description = (
        f"Calls admitted in each of the last {len(used_per_minute)} minutes, oldest first: "
        + ", ".join(str(v) for v in used_per_minute)
    )
    return Chart(bars=bars, peak=peak, description=description)


class VendorPages(Controller):
    """Vendor health of one tenant."""

    path = "/console/tenants/{tenant_id:str}/vendors"
    guards = [require_session]
    include_in_schema = False

    @get("/")
    async def health(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """The page; its table refreshes itself every few seconds."""
        return await _health(request, tenant_id, "vendors.html")

    @get("/live")
    async def live(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """The table alone, as htmx swaps it in."""
        return await _health(request, tenant_id, "vendors_live.html")


async def _health(request: AnyRequest, tenant_id: str, template: str) -> Template:
    services: Services = request.app.state.services
    tenant = await tenant_admin.managed_tenant(services, console_user(request).principal, tenant_id)
    statuses = await vendor_statuses(services, tenant.id)
    charts = {
        (status.vendor, budget.name): per_minute_chart(budget.used_per_minute)
        for status in statuses
        for budget in status.budgets
    }
    return page(
        request,
        template,
        tenant=tenant,
        section="vendors",
        statuses=statuses,
        charts=charts,
        refresh_seconds=REFRESH_SECONDS,
        chart_width=CHART_WIDTH,
        chart_height=CHART_HEIGHT,
    )
