"""The web UI: the built bundle (``make web`` puts it in ``server/ui/``), served at ``/``.

Every UI address (``/``, ``/runs/<id>``, ``/compare``, ``/datasets[/<name>]``,
``/models[/<name>]``, ``/lineage``, ``/evaluations/<id>``, ``/evaluations/compare``,
``/compliance/<name>/<version>``)
answers the app's ``index.html``; the app reads the rest of its view from the URL.
Without a built bundle, those addresses say how to build it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

__all__ = ["UI_DIR", "routes"]

UI_DIR: Final = Path(__file__).resolve().parent.parent / "ui"
_ICON: Final = Path(__file__).resolve().parent.parent / "static" / "favicon.svg"
_NOT_BUILT: Final = (
    "<!doctype html><title>TrackRecord</title><h1>The web UI is not built</h1>"
    "<p>Build it with <code>make web</code> (needs Node.js 20 and npm), then reload. "
    "The API is at <a href='/docs'>/docs</a>.</p>"
)


def routes(directory: Path = UI_DIR) -> list[Route | Mount]:
    """The UI's pages, assets and icon, from *directory*."""

    async def page(request: Request) -> Response:
        index = directory / "index.html"
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    async def icon(request: Request) -> Response:
        return FileResponse(_ICON, media_type="image/svg+xml")

    return [
        Route("/", page),
        Route("/runs/{run_id}", page),
        Route("/compare", page),
        Route("/datasets", page),
        Route("/datasets/{name}", page),
        Route("/models", page),
        Route("/models/{name}", page),
        Route("/lineage", page),
        Route("/compliance/{name}/{version}", page),
        Route("/evaluations/compare", page),
        Route("/evaluations/{evaluation_id}", page),
        Route("/favicon.svg", icon),
        Mount("/assets", StaticFiles(directory=directory / "assets", check_dir=False)),
    ]
