#!/usr/bin/env bash
# Where the vendored schemas in this folder come from, and how to refresh them. The test suite
# (test/deploy/deploy-files.unit.spec.ts) reads only the files here: there is no network at test time.
#
# compose-spec.json — the Compose Specification JSON schema (draft-07, $id "compose_spec.json").
#   Upstream: https://github.com/compose-spec/compose-spec/blob/main/schema/compose-spec.json (Apache-2.0).
#   Taken from the npm package dclint@3.1.0 (docker-compose-linter, MIT), file package/schemas/compose.schema.json,
#   which that project downloads from the upstream URL above (its `update-compose-schema` script).
#   Only the npm registry is reachable from the development machine, hence the npm package.
#
# kubernetes-v1.31-subset.json — NOT downloaded: written by hand for this repository, reduced to the fields our
#   manifests use, from the Kubernetes API reference v1.31 (https://kubernetes.io/docs/reference/kubernetes-api/):
#   Deployment apps/v1, Service v1, ConfigMap v1, Secret v1, HorizontalPodAutoscaler autoscaling/v2 (its
#   "x-kinds" maps apiVersion/kind to a definition). It is stricter than the upstream OpenAPI-derived schemas
#   (additionalProperties: false everywhere, so a misspelt field fails) and knows fewer fields: a manifest
#   that uses a real field it lacks fails until the field is added here. None of the npm packages looked at
#   (kubernetes-models: compiled validators only; kubernetes-types: TypeScript types; @kubernetes/client-node)
#   ships the plain Kubernetes JSON schemas.
#
# Usage: bash deploy/schemas/fetch-schemas.sh   (refreshes compose-spec.json; needs the npm registry)
set -euo pipefail

DCLINT_VERSION=3.1.0
COMPOSE_SPEC_SHA256=46b7d35f19dd93a05f8fea530291bf84d881c1791ec167ecf0e6fb94e639d496

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "dclint@${DCLINT_VERSION}" >/dev/null && tar xzf "dclint-${DCLINT_VERSION}.tgz" package/schemas/compose.schema.json)
actual="$(sha256sum "$tmp/package/schemas/compose.schema.json" | cut -d' ' -f1)"
if [ "$actual" != "$COMPOSE_SPEC_SHA256" ]; then
  echo "compose schema from dclint@${DCLINT_VERSION} has sha256 ${actual}, expected ${COMPOSE_SPEC_SHA256}" >&2
  echo "(a new version: review the diff, then update COMPOSE_SPEC_SHA256 and DCLINT_VERSION here)" >&2
fi
cp "$tmp/package/schemas/compose.schema.json" "$here/compose-spec.json"
echo "deploy/schemas/compose-spec.json <- dclint@${DCLINT_VERSION} package/schemas/compose.schema.json (sha256 ${actual})"
