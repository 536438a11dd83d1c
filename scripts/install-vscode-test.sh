#!/usr/bin/env bash
# Installs what the real-VS-Code tests (tests/editor/) need, from the registries only:
#   * Debian packages: chromium (the browser the tests drive headless), ripgrep (replaces the
#     rg binary code-server's install script would download), libkrb5-dev (the kerberos addon
#     builds from source);
#   * code-server (VS Code in the browser) from npm, installed with --ignore-scripts because
#     its install scripts download binaries, then its native addons built against Debian's
#     Node headers (/usr/include/node) so node-gyp downloads nothing.
# The built code-server is cached under $DEBUGKIT_VSCODE_CACHE (default
# ~/.cache/debugkit/vscode-test), one folder per version; a warm run does nothing.
# Prints the code-server folder on its last line.
set -euo pipefail

VERSION="${DEBUGKIT_CODE_SERVER_VERSION:-4.100.3}" # = VS Code 1.100.3; 4.1xx after it needs Node 24
CACHE="${DEBUGKIT_VSCODE_CACHE:-$HOME/.cache/debugkit/vscode-test}"
DEST="$CACHE/code-server-$VERSION"

say() { echo "install-vscode-test: $*" >&2; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    say "apt-get install ${need_apt[*]}"
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need_apt[@]}" >&2
fi
# node-gyp reads the headers of the running Node from here (the nodejs package ships them)
NODEDIR="${DEBUGKIT_NODEDIR:-/usr}"
if ! node -e 'process.exit(process.versions.node.split(".")[0] === "20" ? 0 : 1)' 2>/dev/null; then
    say "code-server $VERSION needs Node 20 (found: $(node --version 2>/dev/null || echo none)); install Node 20 or set DEBUGKIT_CODE_SERVER_VERSION"
    exit 2
fi
if [ ! -f "$NODEDIR/include/node/node.h" ]; then
    say "no Node headers in $NODEDIR/include/node (node-gyp would download them); set DEBUGKIT_NODEDIR to the Node install that has them"
    exit 2
fi

if [ -f "$DEST/.complete" ]; then
    echo "$DEST"
    exit 0
fi

say "building code-server $VERSION in $DEST (once; cached afterwards)"
rm -rf "$DEST.tmp"
mkdir -p "$DEST.tmp"
cd "$DEST.tmp"
export npm_config_nodedir="$NODEDIR" npm_config_yes=true npm_config_fund=false \
    npm_config_audit=false npm_config_update_notifier=false
npm init -y >/dev/null
npm install --ignore-scripts --no-save "code-server@$VERSION" >&2
PKG="$DEST.tmp/node_modules/code-server"
(cd "$DEST.tmp" && npm rebuild argon2 >&2)
(
    cd "$PKG/lib/vscode"
    npm install --omit=dev --ignore-scripts >&2
    # @vscode/ripgrep's postinstall downloads rg unless the binary is already there
    mkdir -p node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm rebuild >&2
    ln -sfn node_modules node_modules.asar
    cd extensions
    npm install --omit=dev >&2
)
touch "$DEST.tmp/.complete"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
say "done"
echo "$DEST"
