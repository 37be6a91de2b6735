"""Every candidate-facing route handler, for the app factory.

A handler declaring ``candidate_id`` gets the signed-in candidate's id from the router's
dependency; without a candidate session it redirects to the signed-out page. The sign-in
pages and the videos (candidates and staff both watch them) declare no ``candidate_id``.
"""

from litestar import Router
from litestar.di import Provide
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.domain.insights.activity import activity_record
from portal.domain.insights.areas import page_area
from portal.web.app_shell import app_shell_load
from portal.web.checkin import checkin
from portal.web.checklist import CHECKLIST_PAGES
from portal.web.contact import CONTACT_PAGES
from portal.web.faq import FAQ_PAGES
from portal.web.feedback import FEEDBACK_PAGES
from portal.web.guards import (
    CandidateSignInRequired,
    provide_candidate_id,
    redirect_to_welcome,
)
from portal.web.health import healthz
from portal.web.home import home
from portal.web.inbox import INBOX_PAGES
from portal.web.learning import LEARNING_PAGES
from portal.web.light_reads import light_reads_in_loop
from portal.web.me import me_page
from portal.web.message_links import cohort_map, message_link_page, message_link_use
from portal.web.profile import profile_page, profile_submit
from portal.web.pwa import PWA_FILES
from portal.web.resources import RESOURCE_PAGES
from portal.web.rewards import reward_redeem_page, rewards_page
from portal.web.rooms import ROOM_PAGES
from portal.web.signin import (
    login_link_page,
    login_with_link,
    logout,
    new_link_form,
    new_link_request,
    set_language,
    welcome,
)
from portal.web.suggestions import SUGGESTION_PAGES
from portal.web.surveys import SURVEY_PAGES
from portal.web.talent import TALENT_PAGES
from portal.web.videos import VIDEO_PAGES


def page_views_record(app: ASGIApp) -> ASGIApp:
    """Every candidate page view, by area, recorded here and nowhere else.

    After a 200 to a signed-in candidate's GET of a page that belongs to an area
    (``portal/domain/insights/areas.py``): buffered in memory, no query on the request.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        found = page_area(scope["path"]) if scope.get("method") == "GET" else None
        if found is None:
            await app(scope, receive, send)
            return
        status: list[int] = []

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await app(scope, receive, send_noting_status)
        principal = scope.get("user")
        if status == [200] and principal is not None and principal.kind == "candidate":
            kind, area, subject = found
            activity_record(principal.id, kind, area=area, subject_id=subject)

    return middleware


# HTML pages stay out of the OpenAPI document, which describes the integration API.
candidate_pages = Router(
    path="/",
    route_handlers=[
        home,
        checkin,
        me_page,
        login_link_page,
        login_with_link,
        logout,
        welcome,
        new_link_form,
        new_link_request,
        set_language,
        *LEARNING_PAGES,
        *CHECKLIST_PAGES,
        rewards_page,
        reward_redeem_page,
        *VIDEO_PAGES,
        profile_page,
        profile_submit,
        *RESOURCE_PAGES,
        *ROOM_PAGES,
        *INBOX_PAGES,
        *FAQ_PAGES,
        *SUGGESTION_PAGES,
        *SURVEY_PAGES,
        *CONTACT_PAGES,
        *FEEDBACK_PAGES,
        message_link_page,
        message_link_use,
        cohort_map,
        *PWA_FILES,
        *TALENT_PAGES,
    ],
    # Resolved only for handlers that declare it.
    dependencies={"candidate_id": Provide(provide_candidate_id, sync_to_thread=False)},
    exception_handlers={CandidateSignInRequired: redirect_to_welcome},
    middleware=[page_views_record, light_reads_in_loop],
    # Candidate pages read a few short, indexed rows: in the loop's thread on SQLite
    # (portal/web/light_reads.py). A handler that reads more sets it to False.
    opt={"light_reads": True},
    # The tab bar's badges, for pages that have a tab (portal/web/app_shell.py).
    before_request=app_shell_load,
    include_in_schema=False,
)

portal_routes = [candidate_pages, healthz]
