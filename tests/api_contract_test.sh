#!/usr/bin/env bash
# REST API contract: tests/api/*.test.mjs drive a real `corebank serve` and validate every
# answer against api/openapi.yaml.
exec bash "$(dirname "$0")/node_suite.sh" api
