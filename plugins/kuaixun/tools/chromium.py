"""Debian's Chromium and the flags every headless run here needs (tests, bench, PDF edition).

Headless, no sandbox (containers run as root), and no background network traffic or
profile chatter: this machine reaches no host but the package registries.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
