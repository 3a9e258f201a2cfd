#!/usr/bin/env bash
# Adversarial suite (issue 12, "Prove it"): tests/adversarial/*.test.mjs attack a real
# `corebank serve` through the tests/api harness (../api/lib.mjs).
exec bash "$(dirname "$0")/node_suite.sh" adversarial
