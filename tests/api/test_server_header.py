"""The ``Server`` header names no versions (issue 16): the app as deployed, under gunicorn (the Dockerfile's command)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_every_answer_with_a_server_header_without_versions(tmp_path: Path) -> None:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed (the serve extra)")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "BRIDGEWORK_"))}
    env |= {"BRIDGEWORK_DATA_DIR": str(tmp_path), "BRIDGEWORK_ENV": "test", "BRIDGEWORK_SECRET_KEY": "x" * 40}
    command = [gunicorn, "--no-control-socket", "--worker-class", "gthread", "--workers", "1", "--threads", "2"]
    server = subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}", "bridgework.wsgi:app"], env=env, cwd=Path(__file__).parents[2])
    try:
        answers = []
        deadline = time.monotonic() + 60
        while not answers and time.monotonic() < deadline:
            try:
                for path in ("/healthz", "/login", "/api/v1/me", "/no-such-page"):
                    try:
                        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                            answers.append((path, r.headers.get_all("Server")))
                    except urllib.error.HTTPError as e:
                        answers.append((path, e.headers.get_all("Server")))
            except (urllib.error.URLError, ConnectionError):
                answers.clear()
                time.sleep(0.5)
        assert len(answers) == 4, "gunicorn did not answer"
        for path, servers in answers:
            assert servers == ["gunicorn"], (path, servers)  # no version, no Werkzeug or Python behind it
    finally:
        server.terminate()
        server.wait(timeout=30)
