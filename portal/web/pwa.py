"""What makes the candidate portal an installable app: manifest, service worker, favicon.

* ``/manifest.webmanifest``: name, icons, colours, ``start_url`` (home); the browser's
  install prompt reads it.
* ``/sw.js``: ``static/js/sw.js`` served from the site root so its scope covers every
  candidate page (a worker under ``/static/js/`` could only control ``/static/js/``).
  ``no-cache`` so a deploy's new worker is picked up at the next visit.
* ``/favicon.ico``: browsers ask for it whatever the page says.

All three are open (no sign-in): the browser fetches them without the page's context.
"""

from __future__ import annotations

import json
from functools import cache

from litestar import Response, get

from portal.config import STATIC_DIR
from portal.i18n import gettext as _

THEME_COLOUR = "#1a5fd0"
BACKGROUND_COLOUR = "#f5f6fa"


def manifest() -> dict:
    return {
        "name": "Onramp",
        "short_name": "Onramp",
        "description": _("Everything before your first day: documents, learning, questions."),
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "lang": "zh-CN",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/icons/maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }


@cache
def _static_bytes(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


@get("/manifest.webmanifest", name="pwa-manifest", sync_to_thread=False)
def manifest_file() -> Response[bytes]:
    return Response(
        json.dumps(manifest(), ensure_ascii=False).encode(),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@get("/sw.js", name="pwa-service-worker", sync_to_thread=False)
def service_worker() -> Response[bytes]:
    return Response(
        _static_bytes("js/sw.js"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@get("/favicon.ico", name="favicon", sync_to_thread=False)
def favicon() -> Response[bytes]:
    return Response(
        _static_bytes("favicon.ico"),
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


PWA_FILES = [manifest_file, service_worker, favicon]
