"""OpenTelemetry tracing: one request is one trace across the gateway, the services and events.

Off by default. It turns on when the standard variables ask for it: ``OTEL_TRACES_EXPORTER``
(other than ``none``), or an OTLP endpoint (``OTEL_EXPORTER_OTLP_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``); ``OTEL_SDK_DISABLED=true`` keeps it off. When off,
nothing is installed: the only per-request or per-message work left is OTel's no-op API (the
outbox asks the current span for a trace context, finds none, and writes no header).

When on, ``configure_tracing`` sets, once per process, a global ``TracerProvider`` whose
``service.name`` is ``OTEL_SERVICE_NAME`` or the service's name, with one
``BatchSpanProcessor`` per exporter named in ``OTEL_TRACES_EXPORTER`` (default ``otlp``):
``otlp`` / ``otlp_proto_http`` is the OTLP/HTTP exporter, ``console`` prints one JSON span per
line on stdout (next to the JSON logs), any other name is looked up among the installed
``opentelemetry_traces_exporter`` entry points. The SDK reads the rest of the standard
variables itself: endpoints, headers, timeouts (the exporter), ``OTEL_BSP_*`` (the
processor), ``OTEL_TRACES_SAMPLER*`` (the provider), ``OTEL_RESOURCE_ATTRIBUTES``.

Propagation is W3C trace context:
* HTTP: every service's FastAPI app is instrumented (server spans, ``traceparent`` extracted;
  /healthz, /readyz and /metrics excluded); the gateway's aiohttp clients are instrumented
  (client spans, ``traceparent`` injected; its readiness probes run ``untraced_http``).
* Kafka: the unit of work stores the current ``traceparent`` / ``tracestate`` in each outbox
  row's headers; the relay forwards every stored header unchanged; on the consuming side
  each event of a batch gets a consumer span continuing its own ``traceparent``
  (``consumer_spans``; W3C trace context only, hence the explicit propagator here rather than
  whatever ``OTEL_PROPAGATORS`` names), open while the batch is handled; the events a handler
  emits for it (``uow.cause = delivered.cause``) name that span as their parent, so the trace
  goes on through every hop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from trainyard_common.logs import get_logger

if TYPE_CHECKING:
    import aiohttp
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import TracerProvider

log = get_logger(__name__)

# Probes and scrapes: frequent, and no part of any request worth tracing (regexes, searched
# in the full URL; comma-separated, as OTEL_PYTHON_FASTAPI_EXCLUDED_URLS).
EXCLUDED_URLS = "/healthz$,/readyz$,/metrics$"

_W3C = TraceContextTextMapPropagator()  # stateless; the consumer side (FastStream) reads only this format


def tracing_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the standard ``OTEL_*`` variables ask for traces to be exported."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "").strip():
        return bool(_exporter_names(env))  # "none" alone: off
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()) or bool(
        env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    )


def tracing_enabled() -> bool:
    """Whether an SDK tracer provider is the global one (ours, or one a test or an agent set)."""
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - the SDK only when asked

    return isinstance(trace.get_tracer_provider(), TracerProvider)


def configure_tracing(service_name: str) -> bool:
    """Install the global tracer provider if the environment asks for tracing; True if tracing is on.

    Idempotent: the provider is set once per process (several runtimes may share one, as in
    tests); a provider already set by someone else (a test, ``opentelemetry-instrument``) is kept.
    """
    if tracing_enabled():
        return True
    if not tracing_requested():
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

    name = os.environ.get("OTEL_SERVICE_NAME", "").strip() or service_name
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    exporters = _exporter_names(os.environ)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(_make_exporter(exporter)))
    trace.set_tracer_provider(provider)
    log.info("tracing on", service_name=name, exporters=exporters)
    return True


def instrument_fastapi(app: FastAPI) -> None:
    """Server spans for ``app``'s requests, continuing the caller's ``traceparent``."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415

    extra = os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS", "").strip()
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls=f"{EXCLUDED_URLS},{extra}" if extra else EXCLUDED_URLS,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )


def aiohttp_trace_configs() -> list[aiohttp.TraceConfig]:
    """For an ``aiohttp.ClientSession``: client spans for its calls, each sending its
    ``traceparent``; none if tracing is off."""
    if not tracing_enabled():
        return []
    from opentelemetry.instrumentation.aiohttp_client import create_trace_config  # noqa: PLC0415

    return [create_trace_config()]


def untraced_http() -> AbstractContextManager[None]:
    """Within it, instrumented HTTP clients make no span and send no ``traceparent`` (for probes)."""
    from opentelemetry.instrumentation.utils import suppress_http_instrumentation  # noqa: PLC0415

    return suppress_http_instrumentation()


@contextmanager
def consumer_spans(
    name: str, consumed: Sequence[Mapping[str, str]], *, provider: TracerProvider | None = None
) -> Iterator[list[dict[str, str]] | None]:
    """One consumer span per consumed event, each continuing that event's own ``traceparent``,
    open while the batch is handled; yields each span's trace headers, which the events it causes
    carry onwards. None when tracing is off: nothing is made.

    ``provider``: the global one unless given (tests make their own).
    """
    if provider is None and not tracing_enabled():
        yield None
        return
    tracer = trace.get_tracer(__name__, tracer_provider=provider)
    spans = [tracer.start_span(name, context=_W3C.extract(h), kind=trace.SpanKind.CONSUMER) for h in consumed]
    try:
        yield [_headers_of(span) for span in spans]
    finally:
        for span in spans:
            span.end()


def _headers_of(span: trace.Span) -> dict[str, str]:
    headers: dict[str, str] = {}
    _W3C.inject(headers, context=trace.set_span_in_context(span))
    return headers


def inject_trace_context(headers: MutableMapping[str, str]) -> None:
    """Add the current span's ``traceparent`` (and ``tracestate``) to ``headers``.

    Nothing is added without a valid current span, i.e. always when tracing is off.
    """
    _W3C.inject(headers)


def _exporter_names(env: Mapping[str, str]) -> list[str]:
    names = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "otlp").split(",")]
    return [n for n in names if n and n != "none"]


def _make_exporter(name: str) -> SpanExporter:
    if name in ("otlp", "otlp_proto_http"):
        # Only the HTTP/protobuf flavour is installed; it reads OTEL_EXPORTER_OTLP_* itself.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

        protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
            "OTEL_EXPORTER_OTLP_PROTOCOL", ""
        )
        if protocol.strip() not in ("", "http/protobuf"):
            log.warning("only OTLP over http/protobuf is installed; using it", requested=protocol)
        return OTLPSpanExporter()
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter  # noqa: PLC0415

        # One span per line, so the output interleaves cleanly with the JSON log lines.
        return ConsoleSpanExporter(formatter=_one_line)
    found = entry_points(group="opentelemetry_traces_exporter", name=name)
    if not found:
        raise ValueError(f"OTEL_TRACES_EXPORTER: no span exporter named {name!r} is installed")
    exporter: SpanExporter = next(iter(found)).load()()
    return exporter


def _one_line(span: ReadableSpan) -> str:
    """The console exporter's JSON of ``span`` on one line.

    ``ReadableSpan.to_json`` cannot encode bytes attributes (FastStream records the Kafka
    message key as bytes; OTLP encodes them fine), and one such span would lose the batch.
    """
    from opentelemetry.sdk.trace import ReadableSpan  # noqa: PLC0415

    attributes = span.attributes or {}
    if any(isinstance(v, bytes) for v in attributes.values()):
        span = ReadableSpan(
            name=span.name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes={k: v.decode(errors="replace") if isinstance(v, bytes) else v for k, v in attributes.items()},
            events=span.events,
            links=span.links,
            kind=span.kind,
            status=span.status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )
    line: str = span.to_json(indent=None)
    return line + os.linesep
