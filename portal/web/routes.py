"""Every candidate-facing route handler, in one list for the app factory."""

from portal.web.health import healthz
from portal.web.home import home
from portal.web.signin import login_with_link, logout, set_language, welcome

portal_routes = [home, login_with_link, logout, welcome, set_language, healthz]
