"""HTTP that helps (issue 20): validators and 304s, compression, and static files named by their content.

:func:`init_http_cache` adds to the app:

* **ETag / 304.** Every successful GET of a page or a JSON answer carries a weak ``ETag`` (a hash of
  the body); a request whose ``If-None-Match`` matches gets ``304 Not Modified`` with no body. JSON
  answers of the API are sent ``Cache-Control: private, no-cache`` (:data:`api.headers.REVALIDATE`):
  no shared cache may keep them, a browser or script may keep its own copy but must ask each time,
  and the 304 saves sending it again. Pages stay ``no-store`` (:mod:`api.headers`: a shared
  computer's browser must not keep a person's page), so only clients that keep their own copy
  revalidate them. The ETag is weak because the same answer is sent compressed or not.
* **Compression.** Pages, JSON, CSS, JavaScript, SVG, CSV and calendars of at least
  :data:`MIN_SIZE` bytes are sent gzip-compressed to clients that accept it (``Vary:
  Accept-Encoding``); static files are compressed once per version and kept in memory. Python's
  own ``gzip`` at level :data:`LEVEL` (no dependency: flask-compress would add brotli and a cache
  of its own for the same few lines).
* **Static files named by content.** ``url_for('static', filename='reach.css')`` gives
  ``/static/reach.<12 hex digits of its SHA-256>.css``; such a name is served with
  ``Cache-Control: public, max-age=31536000, immutable`` (a new version has a new name, so a browser
  never asks again). Plain names still work, revalidated each time (files named by other files,
  e.g. a module a script imports).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, send_from_directory

from api.headers import REVALIDATE

#: Smallest body worth compressing (smaller ones gain little and cost a header).
MIN_SIZE = 1024
#: gzip level: 6 gives most of 9's size at a third of its time.
LEVEL = 6
#: A year: what browsers keep a content-named static file for.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Characters of the content hash in a static file's name.
HASH_CHARS = 12

_COMPRESSIBLE = frozenset(
    {
        "text/html",
        "application/json",
        "application/problem+json",
        "text/css",
        "application/javascript",
        "text/javascript",
        "image/svg+xml",
        "text/csv",
        "text/calendar",
        "text/plain",
    }
)
_HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{%d})(?P<suffix>\.[A-Za-z0-9]+)$" % HASH_CHARS)


class StaticNames:
    """Content hashes of the app's static files (computed once per file version, i.e. per size and modification time)."""

    def __init__(self, folder: str, recheck: bool = False) -> None:
        self.folder = Path(folder).resolve()
        #: Look at the file again on every link (development: files change while serving); else once per process.
        self.recheck = recheck
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._gzipped: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def digest(self, filename: str) -> str | None:
        """The content hash of ``filename`` under the folder, or ``None`` if it is not a file there."""
        if not self.recheck and filename in self._known:
            return self._known[filename][1]  # a page links a few files: no file system call per link once known
        path = (self.folder / filename).resolve()
        if self.folder not in path.parents or not path.is_file():
            return None
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        known = self._known.get(filename)
        if known is not None and known[0] == stamp:
            return known[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_CHARS]
        with self._lock:
            self._known[filename] = (stamp, digest)
        return digest

    def hashed(self, filename: str) -> str:
        """``filename`` with its content hash before the suffix (unchanged if it is not a file of the folder)."""
        digest = self.digest(filename)
        if digest is None:
            return filename
        head, dot, suffix = filename.rpartition(".")
        if not dot or "/" in suffix:
            return f"{filename}.{digest}"
        return f"{head}.{digest}.{suffix}"

    def original(self, requested: str) -> tuple[str, bool]:
        """The file a requested name means, and whether the name carried that file's current hash."""
        if (self.folder / requested).is_file():
            return requested, False
        found = _HASHED.match(requested)
        if found is None:
            return requested, False
        name = found["stem"] + found["suffix"]
        return name, self.digest(name) == found["digest"]

    def gzipped(self, filename: str, digest: str, body: bytes) -> bytes:
        """The compressed body of one version of a static file (compressed once, then kept)."""
        key = (filename, digest)
        found = self._gzipped.get(key)
        if found is None:
            found = gzip.compress(body, compresslevel=LEVEL, mtime=0)
            with self._lock:
                self._gzipped[key] = found
        return found


def init_http_cache(app: Flask) -> None:
    """Install ETags and 304s, compression and content-named static files on ``app`` (after the pages and the API)."""
    names = StaticNames(app.static_folder or "", recheck=app.debug)
    app.extensions["bridgework.static_names"] = names

    @app.url_defaults
    def _content_named_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and isinstance(values.get("filename"), str):
            values["filename"] = names.hashed(values["filename"])

    def static(filename: str) -> Response:
        name, current = names.original(filename)
        response = send_from_directory(names.folder, name, max_age=0 if not current else 31536000)
        if current:
            response.headers["Cache-Control"] = IMMUTABLE
        response.headers["X-Static-Name"] = name  # which file: the compressor keeps its gzip per file version
        return response

    app.view_functions["static"] = static

    @app.after_request
    def _validate_and_compress(response: Response) -> Response:
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.is_streamed:
            _validators(response)
            if request.if_none_match and response.headers.get("ETag"):
                response.make_conditional(request)
        if request.method == "GET" and response.status_code == 200:
            _compress(response, names)
        response.headers.pop("X-Static-Name", None)
        return response


def _validators(response: Response) -> None:
    """A weak ETag on pages and JSON (static files have Flask's own), and revalidation for the API's JSON."""
    if response.direct_passthrough or response.mimetype not in ("text/html", "application/json"):
        return
    response.add_etag(weak=True)
    if response.mimetype == "application/json" and request.path.startswith("/api/"):
        response.headers["Cache-Control"] = REVALIDATE


def _accepts_gzip() -> bool:
    return any(coding.strip().split(";")[0] in ("gzip", "*") for coding in request.headers.get("Accept-Encoding", "").split(","))


def _compress(response: Response, names: StaticNames) -> None:
    if response.mimetype not in _COMPRESSIBLE or "Content-Encoding" in response.headers or response.is_streamed and not response.direct_passthrough:
        return
    response.vary.add("Accept-Encoding")
    if not _accepts_gzip():
        return
    static_name = response.headers.get("X-Static-Name")
    source = response.response
    if response.direct_passthrough:
        response.direct_passthrough = False  # a file: read it (static files are small enough)
    body = response.get_data()
    if source is not response.response:
        close = getattr(source, "close", None)  # the file read above (get_data does not close it)
        if close is not None:
            close()
    if len(body) < MIN_SIZE:
        return
    digest = names.digest(static_name) if static_name is not None else None
    if static_name is not None and digest is not None:
        compressed = names.gzipped(static_name, digest, body)
    else:
        compressed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
    response.set_data(compressed)
    response.headers["Content-Encoding"] = "gzip"
    if current_app.debug:
        response.headers["X-Uncompressed-Length"] = str(len(body))
