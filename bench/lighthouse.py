"""Lighthouse (npm ``lighthouse``, Debian chromium, mobile defaults) on the candidate pages.

Starts ``onramp serve --demo`` on a throw-away SQLite database, signs in as the first demo
candidate (the session cookie goes to Lighthouse through ``--extra-headers``), and runs
Lighthouse on home, learning, a lesson, the room, the checklist and the inbox. Prints
performance / accessibility / best-practices per page and every audit that did not pass
in the last two. Targets (issue 13): performance ≥ 95, accessibility 100, best practices 100.

Run: python bench/lighthouse.py [--keep-reports DIR]
Lighthouse is looked for on PATH, then in ``$ONRAMP_LIGHTHOUSE_DIR`` (default
var/lighthouse), where it is installed with ``npm install lighthouse`` when missing.
Without npm it explains and exits 0 (nothing measured). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
TOOL_DIR = Path(os.environ.get("ONRAMP_LIGHTHOUSE_DIR", str(ROOT / "var" / "lighthouse")))
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}


def lighthouse_command() -> list[str] | None:
    found = shutil.which("lighthouse")
    if found:
        return [found]
    local = TOOL_DIR / "node_modules" / ".bin" / "lighthouse"
    if local.exists():
        return [str(local)]
    npm = shutil.which("npm")
    if not npm:
        return None
    TOOL_DIR.mkdir(parents=True, exist_ok=True)
    print(f"installing lighthouse into {TOOL_DIR} …", flush=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "lighthouse"],
        cwd=TOOL_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return [str(local)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(var_dir: Path) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRAMP_")}
    env.update({"ONRAMP_VAR_DIR": str(var_dir), "ONRAMP_BASE_URL": base})
    log = (var_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "onramp.cli", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.terminate()
        raise SystemExit("onramp serve did not start; see " + str(var_dir / "server.log"))
    output = (var_dir / "server.log").read_text(errors="replace")
    link = re.search(r"(http://127\.0\.0\.1:\d+/login/\S+)", output)
    if not link:
        process.terminate()
        raise SystemExit("no demo sign-in link in the server output")
    return process, base, link.group(1)


def sign_in(base: str, link: str) -> tuple[str, dict[str, str]]:
    """The Cookie header of a signed-in demo candidate, and the pages to measure."""
    with httpx.Client(base_url=base, follow_redirects=True) as client:
        client.get(link)
        client.post(link, data={"_csrf_token": client.cookies.get("onramp_csrf")})
        home = client.get("/")
        assert 'data-testid="tabbar"' in home.text, "sign-in failed"
        learning = client.get("/learning").text
        course = re.search(r'href="(/learning/courses/\d+)"', learning)
        room = client.get("/rooms")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    pages = {"home": "/", "learning": "/learning"}
    if course:
        pages["lesson"] = course.group(1) + "/lessons/1"
    # /rooms sends a candidate in one room straight to it (at #composer: the path only).
    if re.fullmatch(r"/rooms/\d+", room.url.path):
        pages["room"] = room.url.path
    else:
        print(f"no room page to measure (/rooms ended at {room.url.path})", file=sys.stderr)
    pages["checklist"] = "/checklist"
    pages["inbox"] = "/inbox"
    return cookie, pages


def run_lighthouse(command: list[str], url: str, headers_file: Path, out: Path) -> dict:
    subprocess.run(
        [
            *command,
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility,best-practices",
            f"--extra-headers={headers_file}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": CHROME},
        check=True,
    )
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-reports", type=Path, help="save each page's JSON report here")
    args = parser.parse_args()
    command = lighthouse_command()
    if command is None:
        print("npm is not installed: Lighthouse cannot run here; nothing measured.")
        return 0
    if not Path(CHROME).exists():
        print(f"{CHROME} not found (set CHROME_PATH); nothing measured.")
        return 0
    var_dir = Path(tempfile.mkdtemp(prefix="onramp-lighthouse-"))
    process, base, link = start_server(var_dir)
    missed = False
    try:
        cookie, pages = sign_in(base, link)
        headers_file = var_dir / "headers.json"
        headers_file.write_text(json.dumps({"Cookie": cookie}))
        reports = args.keep_reports or var_dir
        reports.mkdir(parents=True, exist_ok=True)
        print(f"{'page':<10} {'perf':>5} {'a11y':>5} {'best':>5}")
        for name, path in pages.items():
            report = run_lighthouse(command, base + path, headers_file, reports / f"{name}.json")
            if report.get("finalDisplayedUrl", "").endswith("/welcome"):
                raise SystemExit(f"{name}: Lighthouse was not signed in")
            scores = {
                key: round(100 * (report["categories"][key]["score"] or 0)) for key in TARGETS
            }
            print(
                f"{name:<10} {scores['performance']:>5} {scores['accessibility']:>5} "
                f"{scores['best-practices']:>5}",
                flush=True,
            )
            for key in ("accessibility", "best-practices"):
                for ref in report["categories"][key]["auditRefs"]:
                    audit = report["audits"][ref["id"]]
                    if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                        print(f"    {key}: {audit['id']}: {audit['title']}")
            missed |= any(scores[key] < target for key, target in TARGETS.items())
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
