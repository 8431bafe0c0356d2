"""deploy/k8s (SPEC §11): each overlay renders with `kubectl kustomize`, every object
validates strictly against the Kubernetes schemas, and the pod is locked down, probed,
drained and wired to the settings the service reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
SECRET = "mspromo-secrets"
GUNICORN_GRACEFUL_TIMEOUT = 30  # gunicorn's default; mspromo_service.gunicorn_conf keeps it


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is not installed: CI must render the manifests")
        pytest.skip("kubectl is not installed")
    return kubectl


def render(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [_kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, (kind, name, [o["metadata"]["name"] for o in found])
    return found[0]


def pod_specs(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for kind in ("Deployment", "Job"):
        obj = one(objects, kind)
        yield kind, obj["spec"]["template"]["spec"]


def test_every_rendered_object_validates_strictly(objects: list[dict[str, Any]]) -> None:
    version = kubernetes_validate.latest_version()
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)
    kinds = {o["kind"] for o in objects}
    assert kinds == {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    }


def test_strict_validation_rejects_a_misspelt_field(objects: list[dict[str, Any]]) -> None:
    deployment = one(objects, "Deployment")
    bad = {**deployment, "spec": {**deployment["spec"], "replicaz": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, kubernetes_validate.latest_version(), strict=True)


def test_the_secret_is_referenced_by_name_only(objects: list[dict[str, Any]]) -> None:
    assert not [o for o in objects if o["kind"] == "Secret"]
    text = yaml.safe_dump_all(objects)
    names = set(re.findall(r"secretKeyRef:\n\s+key: \w+\n\s+name: ([\w-]+)", text))
    names |= set(re.findall(r"secretKeyRef:\n\s+name: ([\w-]+)", text))
    assert names == {SECRET}
    for path in K8S.rglob("*.yaml"):
        assert not re.search(r"^kind:\s*Secret\b", path.read_text(), re.M), path


def test_pods_are_locked_down_with_resources(objects: list[dict[str, Any]]) -> None:
    for kind, spec in pod_specs(objects):
        assert spec["automountServiceAccountToken"] is False, kind
        assert spec["securityContext"]["runAsNonRoot"] is True, kind
        assert spec["securityContext"]["runAsUser"] == 10001, kind  # the image's user
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in spec["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, kind
            assert sc["allowPrivilegeEscalation"] is False, kind
            assert sc["capabilities"]["drop"] == ["ALL"], kind
            assert "add" not in sc["capabilities"], kind
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, kind
            # the read-only root needs a writable /tmp for gunicorn's heartbeat files
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            volumes = {v["name"]: v for v in spec["volumes"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], kind


def _config(objects: list[dict[str, Any]]) -> dict[str, str]:
    data: dict[str, str] = one(objects, "ConfigMap")["data"]
    return data


def test_probes_ask_the_health_check_on_the_bound_port(objects: list[dict[str, Any]]) -> None:
    deployment = one(objects, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert _config(objects)["GUNICORN_BIND_ADDRESS"].endswith(f":{port}")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/health_check/", "port": "http"}
    # liveness is the most tolerant: a database outage must not restart every pod
    live, ready = container["livenessProbe"], container["readinessProbe"]
    assert (
        live["periodSeconds"] * live["failureThreshold"]
        > ready["periodSeconds"] * ready["failureThreshold"]
    )
    assert container["args"] == ["serve"]


def test_prestop_drain_fits_in_the_grace_period(objects: list[dict[str, Any]]) -> None:
    spec = one(objects, "Deployment")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    pause = int(command[1])
    assert pause >= 5  # long enough for endpoints and the ingress to drop the pod
    assert spec["terminationGracePeriodSeconds"] >= pause + GUNICORN_GRACEFUL_TIMEOUT
    strategy = one(objects, "Deployment")["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0


def test_settings_come_from_the_config_map_and_the_secret(
    objects: list[dict[str, Any]],
) -> None:
    from mspromo_service.settings import Settings

    config = _config(objects)
    for kind, spec in pod_specs(objects):
        (container,) = spec["containers"]
        refs = [e["configMapRef"]["name"] for e in container["envFrom"]]
        assert refs == [one(objects, "ConfigMap")["metadata"]["name"]], kind
        secret_keys = {
            e["name"]: e["valueFrom"]["secretKeyRef"]
            for e in container["env"]
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        assert secret_keys["MYSQL_PASSWORD"]["key"] == "MYSQL_PASSWORD"
    # the service starts from exactly this environment (plus the Secret's values)
    settings = Settings.from_env({**config, "MYSQL_PASSWORD": "pw", "MSPROMO_ADMIN_TOKEN": "token"})
    assert settings.database_url.startswith(f"mysql+pymysql://mspromo:pw@{config['MYSQL_DB_HOST']}")
    assert settings.max_body_bytes == int(config["MSPROMO_MAX_BODY_BYTES"])
    api = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    api_secrets = {e["name"] for e in api["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    assert {"MSPROMO_ADMIN_TOKEN", "MSPROMO_DATABASE_READ_URL"} <= api_secrets


def test_the_migration_job_runs_migrate(objects: list[dict[str, Any]]) -> None:
    job = one(objects, "Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    assert (
        container["image"]
        == one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"]
    )
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1


def test_selectors_meet(objects: list[dict[str, Any]]) -> None:
    deployment = one(objects, "Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]

    def selects(selector: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in selector.items())

    assert selects(deployment["spec"]["selector"]["matchLabels"])
    assert selects(one(objects, "Service")["spec"]["selector"])
    assert selects(one(objects, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"])
    policy = one(objects, "NetworkPolicy")["spec"]
    assert selects(policy["podSelector"]["matchLabels"])
    job_labels = one(objects, "Job")["spec"]["template"]["metadata"]["labels"]
    assert all(job_labels.get(k) == v for k, v in policy["podSelector"]["matchLabels"].items())
    assert {p["port"] for rule in policy["ingress"] for p in rule["ports"]} == {8001}
    egress = {(p["port"], p["protocol"]) for rule in policy["egress"] for p in rule["ports"]}
    assert (3306, "TCP") in egress and (53, "UDP") in egress
    hpa = one(objects, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    assert "replicas" not in deployment["spec"]  # the HPA owns it


def test_ingress_is_the_buffering_proxy(objects: list[dict[str, Any]]) -> None:
    from mspromo_service.settings import DEFAULT_MAX_BODY_BYTES

    ingress = one(objects, "Ingress")
    notes = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert notes[prefix + "proxy-request-buffering"] == "on"
    assert notes[prefix + "proxy-buffering"] == "on"
    assert notes[prefix + "proxy-body-size"] == f"{DEFAULT_MAX_BODY_BYTES // 1024 // 1024}m"
    for timeout in ("proxy-connect-timeout", "proxy-send-timeout", "proxy-read-timeout"):
        assert 0 < int(notes[prefix + timeout]) <= 60
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == one(objects, "Service")["metadata"]["name"]


def test_overlays_differ_where_they_should() -> None:
    dev, prod = render("dev"), render("prod")
    assert _config(dev)["DEPLOYMENT_ENV"] == "dev"
    assert _config(prod)["DEPLOYMENT_ENV"] == "production"
    assert one(prod, "HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 3
    assert one(dev, "HorizontalPodAutoscaler")["spec"]["minReplicas"] == 1
    assert one(prod, "Ingress")["spec"]["tls"][0]["secretName"] == "mspromo-tls"
    assert {o["metadata"]["namespace"] for o in prod} == {"mspromo"}
    assert {o["metadata"]["namespace"] for o in dev} == {"mspromo-dev"}
    image = one(prod, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert not image.endswith((":main", ":latest"))  # prod runs a released tag
