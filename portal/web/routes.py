"""Every candidate-facing route handler, for the app factory."""

from litestar import Router

from portal.web.health import healthz
from portal.web.home import home
from portal.web.learning import LEARNING_PAGES
from portal.web.rewards import reward_redeem_page, rewards_page
from portal.web.signin import login_with_link, logout, set_language, welcome

# HTML pages stay out of the OpenAPI document, which describes the integration API.
candidate_pages = Router(
    path="/",
    route_handlers=[
        home,
        login_with_link,
        logout,
        welcome,
        set_language,
        *LEARNING_PAGES,
        rewards_page,
        reward_redeem_page,
    ],
    include_in_schema=False,
)

portal_routes = [candidate_pages, healthz]
