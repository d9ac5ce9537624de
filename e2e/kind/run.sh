#!/usr/bin/env bash
# End-to-end on kind: builds the four service images with Jib, loads them into a kind cluster whose workers are
# labelled edge and gpu, installs helm/specula, runs `helm test` and a smoke test through the router, and checks
# placement (drafters on the edge node, the verifier on the gpu node).
#
# Needs: Docker (or podman with KIND_EXPERIMENTAL_PROVIDER=podman), kind, kubectl, helm 3.x, JDK 17, Maven, and the
# bundled models in models/bundled (models/build-models.sh). grpcurl is used for a gRPC generation if present.
# Does not run on the development machines of this project: they have no container engine.
#
# Usage: e2e/kind/run.sh [--keep] [--skip-build]
#   --keep        leave the cluster running afterwards (default: delete it on success)
#   --skip-build  reuse */target/jib-image.tar from an earlier run
# Env: CLUSTER (specula-e2e), NAMESPACE (specula), KIND_NODE_IMAGE (kindest/node:v1.31.4), TIMEOUT (10m),
#      JIB_BASE_IMAGE (default: the jib profile's eclipse-temurin JRE; tar:///abs/path.tar for an offline base).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/e2e/kind"
CLUSTER="${CLUSTER:-specula-e2e}"
NAMESPACE="${NAMESPACE:-specula}"
RELEASE="${RELEASE:-specula}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-kindest/node:v1.31.4}"
TIMEOUT="${TIMEOUT:-10m}"
KEEP=0
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    --skip-build) BUILD=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $arg" >&2; exit 2 ;;
  esac
done
SERVICES=(router drafter verifier kvstore)

log() { printf '\n== %s\n' "$*"; }
need() { command -v "$1" >/dev/null || { echo "missing tool: $1" >&2; exit 1; }; }
for tool in kind kubectl helm mvn java; do need "$tool"; done
if [[ "${KIND_EXPERIMENTAL_PROVIDER:-docker}" == docker ]]; then
  need docker
  docker info >/dev/null 2>&1 || { echo "no Docker engine reachable: kind cannot run here" >&2; exit 1; }
fi
for model in verifier drafter; do
  [[ -f "$ROOT/models/bundled/$model/model.onnx" ]] || {
    echo "models/bundled/$model is missing: run models/build-models.sh first (the images bundle the models)" >&2
    exit 1; }
done

if [[ $BUILD == 1 ]]; then
  log "building images with Jib (to tarballs; no registry, no daemon needed for the build)"
  base_arg=()
  [[ -n "${JIB_BASE_IMAGE:-}" ]] && base_arg=("-Dspecula.image.base=$JIB_BASE_IMAGE")
  (cd "$ROOT" && mvn -B -q -Pjib -pl router-service,drafter-service,verifier-service,kvstore-service -am \
      package jib:buildTar -DskipTests "${base_arg[@]}")
fi

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "reusing kind cluster $CLUSTER"
else
  log "creating kind cluster $CLUSTER ($KIND_NODE_IMAGE)"
  kind create cluster --name "$CLUSTER" --config "$HERE/cluster.yaml" --image "$KIND_NODE_IMAGE" --wait 120s
fi
CONTEXT="kind-$CLUSTER"
kc() { kubectl --context "$CONTEXT" "$@"; }

log "loading images into kind"
for svc in "${SERVICES[@]}"; do
  kind load image-archive "$ROOT/$svc-service/target/jib-image.tar" --name "$CLUSTER"
done

log "installing the chart (release $RELEASE, namespace $NAMESPACE)"
kc create namespace "$NAMESPACE" --dry-run=client -o yaml | kc apply -f -
kc label namespace "$NAMESPACE" pod-security.kubernetes.io/enforce=restricted --overwrite
helm --kube-context "$CONTEXT" upgrade --install "$RELEASE" "$ROOT/helm/specula" \
  --namespace "$NAMESPACE" -f "$HERE/values-kind.yaml" --wait --timeout "$TIMEOUT"

on_failure() {
  echo "e2e failed; state of the release:" >&2
  kc -n "$NAMESPACE" get pods -o wide >&2 || true
  kc -n "$NAMESPACE" get events --sort-by=.lastTimestamp | tail -30 >&2 || true
  kc -n "$NAMESPACE" logs -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/name=specula" \
    --all-containers --tail=50 --prefix >&2 2>/dev/null || true
  echo "cluster kept for inspection: kind delete cluster --name $CLUSTER" >&2
}
trap on_failure ERR

log "placement"
node_pool() {  # pool label of the node running the first pod of a component
  local node
  node="$(kc -n "$NAMESPACE" get pods -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=$1" \
    -o jsonpath='{.items[0].spec.nodeName}')"
  kc get node "$node" -o jsonpath='{.metadata.labels.specula\.dev/pool}'
}
[[ "$(node_pool drafter)" == edge ]] || { echo "drafter is not on the edge node" >&2; false; }
[[ "$(node_pool verifier)" == gpu ]] || { echo "verifier is not on the gpu node" >&2; false; }
echo "drafter on edge, verifier on gpu"

log "helm test"
helm --kube-context "$CONTEXT" test "$RELEASE" --namespace "$NAMESPACE" --logs

log "smoke test through the router"
kc -n "$NAMESPACE" port-forward "svc/$RELEASE-router" 18000:8000 19090:9090 18081:8081 >/dev/null 2>&1 &
PF=$!
trap 'kill $PF 2>/dev/null || true' EXIT
# Actuator is on the router's management port (router.containerPorts.management), not on the OpenAI port.
for _ in $(seq 1 30); do curl -sf http://127.0.0.1:18081/actuator/health/readiness >/dev/null && break; sleep 1; done
curl -sf http://127.0.0.1:18081/actuator/health/readiness | grep -q '"UP"'
[[ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18000/actuator/health)" == 404 ]]
curl -sf http://127.0.0.1:18081/actuator/prometheus | grep -q '^specula_router_' \
  || echo "note: no specula_router_ series yet (they appear after the first request)"
if command -v grpcurl >/dev/null; then
  out="$(grpcurl -plaintext -max-time 120 \
    -d '{"prompt": "public static int gcd(int a, int b) {", "max_tokens": 16}' \
    127.0.0.1:19090 specula.v1.Router/Generate)"
  echo "$out" | tail -20
  echo "$out" | grep -q '"summary"' || { echo "no generation summary from the router" >&2; false; }
else
  echo "grpcurl not installed: skipped the gRPC generation (Actuator readiness passed)"
fi
# TODO(front door): curl /v1/models and a 1-token /v1/chat/completions once the router serves HTTP OpenAI.

log "failover: force-delete the verifier pod serving a streaming request"
completion() {  # greedy text of one 400-token completion through the HTTP front door
  curl -sf http://127.0.0.1:18000/v1/completions -H 'Content-Type: application/json' \
    -d '{"prompt": "public static int gcd(int a, int b) {\n", "max_tokens": 400, "temperature": 0, "ignore_eos": true}' \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["choices"][0]["text"]); print(d.get("specula",{}), file=sys.stderr)'
}
baseline="$(completion)"
completion >/tmp/specula-failover.txt 2>/tmp/specula-failover.err &
REQ=$!
serving=""
for _ in $(seq 1 50); do  # the pod whose open-session gauge is non-zero
  for pod in $(kc -n "$NAMESPACE" get pods -l "app.kubernetes.io/instance=$RELEASE,app.kubernetes.io/component=verifier" -o name); do
    n="$(kc -n "$NAMESPACE" exec "$pod" -- sh -c 'wget -qO- http://127.0.0.1:8092/actuator/prometheus 2>/dev/null || curl -s http://127.0.0.1:8092/actuator/prometheus' \
      | awk '/^specula_verifier_open_sessions/ {print int($2)}' | head -1)"
    [[ "${n:-0}" -gt 0 ]] && serving="$pod" && break 2
  done
  sleep 0.1
done
[[ -n "$serving" ]] || echo "note: could not see which verifier served the request (no wget/curl in the image?)"
[[ -n "$serving" ]] && kc -n "$NAMESPACE" delete "$serving" --grace-period=0 --force
wait $REQ
[[ "$(cat /tmp/specula-failover.txt)" == "$baseline" ]] || { echo "output changed across the failover" >&2; false; }
grep -q "resumed on another replica" /tmp/specula-failover.err || [[ -z "$serving" ]] \
  || { echo "the request was not resumed" >&2; false; }
echo "identical greedy output across the loss of $serving"

trap - ERR
log "e2e passed"
if [[ $KEEP == 0 ]]; then
  kind delete cluster --name "$CLUSTER"
else
  echo "cluster kept: kubectl --context $CONTEXT -n $NAMESPACE get pods"
fi
