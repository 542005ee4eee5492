"""Make sure the browser journeys can run: Debian's Chromium and the Python playwright package.

Playwright's own browser download does not work offline; we drive the system Chromium.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")


def ensure_chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise SystemExit(
            f"Chromium is missing at {CHROMIUM}: install Debian's `chromium` package (apt-get install chromium)."
        )
    print("Installing Debian's chromium package for the browser journeys…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update", "-qq"], check=False, env=env)
    subprocess.run([apt, "install", "-y", "-qq", "chromium"], check=True, env=env)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"Installing chromium did not provide {CHROMIUM}.")
    return CHROMIUM


def ensure_playwright() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError as exc:
        raise SystemExit("The playwright package is missing: run `make install` (it is in requirements.txt).") from exc


if __name__ == "__main__":
    ensure_playwright()
    print(f"Browser journeys will use {ensure_chromium()}")
    sys.exit(0)
