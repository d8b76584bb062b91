"""``/metrics`` and ``/metrics/agents``: Prometheus text exposition.

``/metrics`` holds the server's series (requests, messages, commands, steps, runtime commits, event-log
position, leadership, the process) and per-agent series for the ``ROMAS_METRICS_TOP_AGENTS`` busiest agents
only, so its size does not grow with the number of agents. ``/metrics/agents`` has the per-agent series of every
agent, for a separate, slower scrape job when a MAS is large.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from romas.api.deps import ServicesDep
from romas.runtime.telemetry import RuntimeCollector


def _exposition(collector: RuntimeCollector, base: CollectorRegistry | None = None) -> bytes:
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(collector)
    head = generate_latest(base) if base is not None else b""
    return head + generate_latest(scrape)


class MetricsController(Controller):
    path = "/metrics"
    tags = ["operations"]
    include_in_schema = True

    @get(
        "/",
        summary="Prometheus metrics of this process (per-agent series for the busiest agents only)",
        media_type=CONTENT_TYPE_LATEST,
    )
    async def metrics(self, services: ServicesDep, state: State) -> Response[bytes]:
        collector = RuntimeCollector(services.runtime, services.settings.metrics_top_agents)
        return Response(_exposition(collector, state.metrics_registry), media_type=CONTENT_TYPE_LATEST)

    @get("/agents", summary="Prometheus per-agent metrics of every agent", media_type=CONTENT_TYPE_LATEST)
    async def agent_metrics(self, services: ServicesDep) -> Response[bytes]:
        return Response(_exposition(RuntimeCollector(services.runtime, None)), media_type=CONTENT_TYPE_LATEST)
