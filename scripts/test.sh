#!/usr/bin/env bash
# The README's test command: unit, CDK and integration tests in one run of node's test runner,
# so its closing summary covers everything. Integration tests start moto_server themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
shopt -s nullglob globstar
case "${1:-all}" in
  unit) files=(test/unit/**/*.test.ts) ;;
  cdk) files=(test/cdk/**/*.test.ts) ;;
  integration) files=(test/integration/**/*.test.ts) ;;
  fuzz) files=(test/fuzz/**/*.test.ts) ;;
  security) files=(test/security/**/*.test.ts) ;;
  all) files=(test/unit/**/*.test.ts test/cdk/**/*.test.ts test/integration/**/*.test.ts test/fuzz/**/*.test.ts test/security/**/*.test.ts) ;;
  *) echo "usage: npm test [-- unit|cdk|integration|fuzz|security]" >&2; exit 2 ;;
esac
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=2 "${files[@]}"
