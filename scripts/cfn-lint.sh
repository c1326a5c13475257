#!/usr/bin/env bash
# Runs cfn-lint on the CloudFormation templates `cdk synth` writes, for both kinds of cache (the default
# replication group and `-c serverlessCache=true`), with the settings and accepted findings of .cfnlintrc.yaml.
# Exits non-zero on any error, and on any warning that .cfnlintrc.yaml does not list.
#   . scripts/use-node.sh && bash scripts/cfn-lint.sh
# Without a `cfn-lint` on PATH it installs one with pip into a virtualenv under ~/.cache/cubewalk (Python 3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

cfn_lint=(cfn-lint)
if ! command -v cfn-lint >/dev/null 2>&1; then
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/cubewalk/cfn-lint"
  if [ ! -x "$venv/bin/cfn-lint" ]; then
    echo "cfn-lint missing: installing it with pip into $venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'cfn-lint>=1.51,<2'
  fi
  cfn_lint=("$venv/bin/cfn-lint")
fi
echo "$("${cfn_lint[@]}" --version)"

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cd "$root/packages/stack"
npx cdk synth --no-notices --quiet --output "$out/node-based" >/dev/null
npx cdk synth --no-notices --quiet --output "$out/serverless" -c serverlessCache=true >/dev/null

cd "$root"
"${cfn_lint[@]}" --config-file .cfnlintrc.yaml -- "$out/node-based/Cubewalk.template.json" "$out/serverless/Cubewalk.template.json"
echo "cfn-lint: no errors and no unlisted warnings in either template"
