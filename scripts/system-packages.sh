#!/bin/sh
# The Debian packages the tests need (a real browser, the PDF tools, Java for the HTML checker,
# rsync, Chinese fonts). Installs what is missing with apt-get when run as root (CI, these
# machines) or with a password-less sudo (GitHub's runners); otherwise prints the exact command
# and fails, so no test starts on a machine that cannot pass it.
set -eu

missing=""
need() {  # need PACKAGE CHECK...: PACKAGE is missing unless the shell command CHECK succeeds
    package=$1
    shift
    "$@" >/dev/null 2>&1 || missing="$missing $package"
}
need chromium command -v chromium
need poppler-utils command -v pdftotext
need default-jre-headless command -v java
need rsync command -v rsync
need zbar-tools command -v zbarimg
need fonts-noto-cjk sh -c 'fc-list :lang=zh | grep -qi "noto.*cjk"'

[ -z "$missing" ] && exit 0
command="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$missing"
echo "安装系统软件包 (installing system packages):$missing"
if [ "$(id -u)" = 0 ]; then
    sh -c "$command"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo sh -c "$command"
else
    echo "缺少系统软件包 (missing system packages):$missing" >&2
    echo "请以 root 运行 (run as root): sudo sh -c '$command'" >&2
    exit 1
fi
