"""``/metrics`` and ``/metrics/agents``: Prometheus text exposition.

``/metrics`` holds the server's series (requests, messages, commands, steps, runtime commits, the store's group
commit, event-log position, leadership, the process) and per-agent series for the ``ROMAS_METRICS_TOP_AGENTS``
busiest agents only, so its size does not grow with the number of agents. ``/metrics/agents`` has the per-agent
series of every agent, for a separate, slower scrape job when a MAS is large.
"""

from __future__ import annotations

from collections.abc import Iterator

from litestar import Controller, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from romas.api.deps import ServicesDep
from romas.bridges.export import JetStreamExport
from romas.runtime.telemetry import RuntimeCollector
from romas.store import metrics as store_metrics


class ExportCollector(Collector):
    """The event-log export to JetStream (``romas serve --export``): how far it got, its lag, its connection."""

    def __init__(self, export: JetStreamExport) -> None:
        self.export = export

    def collect(self) -> Iterator[Metric]:
        export = self.export
        yield GaugeMetricFamily(
            "romas_export_position", "The last event-log position on JetStream", value=export.exported
        )
        yield GaugeMetricFamily("romas_export_lag", "Events in the log not yet on JetStream", value=export.lag)
        yield GaugeMetricFamily(
            "romas_export_connected", "1 while the export is connected to NATS", value=int(export.connected)
        )


class StoreCollector(Collector):
    """The store's group commit (romas.store.metrics): batch sizes, commit and write latency, failures."""

    def collect(self) -> Iterator[Metric]:
        for metric in store_metrics.REGISTRY:
            if isinstance(metric, store_metrics.Histogram):
                buckets = [
                    ("+Inf" if bound == float("inf") else repr(bound), count) for bound, count in metric.cumulative()
                ]
                yield HistogramMetricFamily(metric.name, metric.help, buckets=buckets, sum_value=metric.sum)
            else:
                yield CounterMetricFamily(metric.name.removesuffix("_total"), metric.help, value=metric.value)


def _exposition(collector: Collector, base: CollectorRegistry | None = None, *more: Collector) -> bytes:
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(collector)
    for extra in more:
        scrape.register(extra)
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
        export = () if services.export is None else (ExportCollector(services.export),)
        more = (StoreCollector(), *export)
        return Response(_exposition(collector, state.metrics_registry, *more), media_type=CONTENT_TYPE_LATEST)

    @get("/agents", summary="Prometheus per-agent metrics of every agent", media_type=CONTENT_TYPE_LATEST)
    async def agent_metrics(self, services: ServicesDep) -> Response[bytes]:
        return Response(_exposition(RuntimeCollector(services.runtime, None)), media_type=CONTENT_TYPE_LATEST)
