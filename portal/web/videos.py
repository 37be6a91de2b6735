"""Welcome videos and their posters, streamed with Range support so phones can seek.

Both candidates (their department's approved video) and staff (for review) reach these
URLs, so they check the session's principal themselves instead of the candidate guard.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from portal.domain.errors import NotFound
from portal.domain.videos.watch import video_for_viewer
from portal.files.ranges import range_response
from portal.files.storage import get_storage
from portal.i18n import gettext as _


async def _serve(request: Request[Any, Any, Any], video_id: int, *, poster: bool) -> Response[Any]:
    served = await video_for_viewer(video_id=video_id, principal=request.user, poster=poster)
    storage = get_storage()
    size = await storage.size(served.key)
    if size is None:
        raise NotFound(_("This video does not exist."))
    return range_response(
        request,
        storage=storage,
        key=served.key,
        size=size,
        media_type=served.media_type,
        version=served.version,
        modified=served.modified,
    )


@get("/videos/{video_id:int}", name="video-file")
async def video_file(request: Request[Any, Any, Any], video_id: FromPath[int]) -> Response[Any]:
    return await _serve(request, video_id, poster=False)


@get("/videos/{video_id:int}/poster", name="video-poster")
async def video_poster(request: Request[Any, Any, Any], video_id: FromPath[int]) -> Response[Any]:
    return await _serve(request, video_id, poster=True)


VIDEO_PAGES = [video_file, video_poster]
