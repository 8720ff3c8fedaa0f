"""deploy/: the Grafana dashboard, the alert rules and the scrape example parse, and every
metric (and label) their expressions name is one Roost really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import REGISTRY

from roost.observability import backlog, collectors
from tests.observability.support import scrape

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
METRIC = re.compile(r"\b(roost_[a-z0-9_]+)")
SELECTOR = re.compile(r"\b(roost_[a-z0-9_]+)\{([^}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    expressions = []
    for panel in dashboard["panels"]:
        assert panel["targets"], f"panel {panel['title']} has no query"
        expressions += [target["expr"] for target in panel["targets"]]
    return expressions


def alert_rules() -> list[dict[str, Any]]:
    rules = yaml.safe_load((DEPLOY / "prometheus-alerts.yml").read_text())
    return [rule for group in rules["groups"] for rule in group["rules"]]


def exported_names() -> set[str]:
    """Every series name the process's registry can export (families and their samples)."""
    collectors.install_collector()
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def test_the_deploy_files_parse() -> None:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    titles = {panel["title"] for panel in dashboard["panels"]}
    for wanted in (
        "Request rate",
        "Latency p50 / p99",
        "5xx rate",
        "Fan-out lag p50 / p99",
        "Stream pending and lag per queue",
        "Dead letters",
        "Outbox size",
        "Cache hit ratio",
        "Breaker states",
        "Degradation level",
        "Database pool",
    ):
        assert wanted in titles
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    rules = alert_rules()
    assert all({"alert", "expr", "labels", "annotations"} <= set(rule) for rule in rules)
    alerted = " ".join(rule["expr"] for rule in rules)
    for metric in ("roost_fanout_lag_seconds_bucket", "roost_http_requests_total",
                   "roost_degradation_level", "roost_dead_letters"):  # fmt: skip
        assert metric in alerted, f"no alert rule on {metric}"
    scrape_config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert scrape_config["rule_files"] == ["prometheus-alerts.yml"]
    jobs = {job["job_name"]: job for job in scrape_config["scrape_configs"]}
    assert {"roost-api", "roost-worker"} <= set(jobs)
    assert all(job["metrics_path"] == "/metrics" for job in jobs.values())


def test_every_metric_the_deploy_files_name_is_exported() -> None:
    texts = dashboard_expressions() + [rule["expr"] for rule in alert_rules()]
    texts += [text for rule in alert_rules() for text in rule["annotations"].values()]
    named = {name for text in texts for name in METRIC.findall(text)}
    assert named, "the deploy files name no Roost metric"
    assert sorted(named - exported_names()) == []


async def test_every_label_the_deploy_files_match_on_is_exported(
    app: Any, alice: Any, drain: Any
) -> None:
    # Make most series exist: requests, a post fanned out, home reads, a backlog refresh.
    assert (await alice.post("/api/v1/statuses", data={"status": "labels"})).status_code == 200
    await drain()
    assert (await alice.get("/api/v1/timelines/home")).status_code == 200
    assert (await alice.get("/api/v1/timelines/home")).status_code == 200
    state = app.state.roost
    assert await backlog.refresh_once(db=state.db, redis=state.redis, keys=state.keys)
    samples = await scrape(alice.http)
    labels_of: dict[str, set[str]] = {}
    for name, labels in samples:
        labels_of.setdefault(name, set()).update(key for key, _ in labels)
    texts = dashboard_expressions() + [rule["expr"] for rule in alert_rules()]
    for text in texts:
        for name, matchers in SELECTOR.findall(text):
            if name not in labels_of:
                continue  # not produced by this small workload (e.g. exceptions, stream lag)
            for label in MATCHER.findall(matchers):
                assert label in labels_of[name], f"{name} has no label {label}: {text}"
