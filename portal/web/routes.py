"""Every candidate-facing route handler, for the app factory.

A handler declaring ``candidate_id`` gets the signed-in candidate's id from the router's
dependency; without a candidate session it redirects to the signed-out page. The sign-in
pages and the videos (candidates and staff both watch them) declare no ``candidate_id``.
"""

from litestar import Router
from litestar.di import Provide

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
from portal.web.message_links import cohort_map, message_link_page, message_link_use
from portal.web.profile import profile_page, profile_submit
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

# HTML pages stay out of the OpenAPI document, which describes the integration API.
candidate_pages = Router(
    path="/",
    route_handlers=[
        home,
        checkin,
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
        *TALENT_PAGES,
    ],
    # Resolved only for handlers that declare it.
    dependencies={"candidate_id": Provide(provide_candidate_id, sync_to_thread=False)},
    exception_handlers={CandidateSignInRequired: redirect_to_welcome},
    include_in_schema=False,
)

portal_routes = [candidate_pages, healthz]
