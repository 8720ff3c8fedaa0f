"""Metrics (Prometheus), tracing (OpenTelemetry) and structured logs (structlog).

``install.py`` wires them into an app (``install_observability``,
``observability_lifespan``) and into a worker process (``worker_observability``).
"""
