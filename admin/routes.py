"""The HR/manager app under ``/admin``.

Every handler but signing in and out needs a signed-in staff member: a guard of
``admin/guards.py`` or the ``staff`` (or ``candidate``) dependency asks for one, and without
one the request is redirected to the sign-in page (``tests/admin/test_route_guards.py``
walks every route to prove it).
"""

from litestar import Router
from litestar.di import Provide

from admin.announcements import AnnouncementController
from admin.candidate_import import CandidateImportController
from admin.candidates import CandidateController
from admin.checklist_templates import ChecklistTemplateController
from admin.cohorts import CohortController
from admin.course_preview import CoursePreviewController
from admin.courses import CourseController
from admin.documents import DocumentsController
from admin.faq import FaqPromoteController
from admin.groups import GroupController
from admin.guards import (
    StaffSignInRequired,
    provide_candidate,
    provide_staff,
    redirect_to_staff_login,
)
from admin.insights import InsightsController
from admin.insights_risk import RiskController
from admin.journeys import JourneyController
from admin.link_requests import LinkRequestController
from admin.oidc import oidc_callback, oidc_login
from admin.organisation import OrganisationController
from admin.outbox import OutboxController
from admin.pipeline import PipelineController
from admin.point_rules import PointRulesController
from admin.profiles import ProfileController, reveal_log
from admin.questions import QuestionFiguresController, QuestionTrackerController
from admin.resources import ResourceController
from admin.rewards import RewardController
from admin.rooms import RoomAdminController
from admin.signin import admin_home, login_page, login_submit, logout
from admin.sla_settings import SlaSettingsController
from admin.staff_accounts import StaffAccountsController
from admin.suggestions import SuggestionController
from admin.surveys import SurveyController
from admin.talent import TalentController
from admin.talent_settings import TalentSettingsController
from admin.threads import ThreadController
from admin.videos import VideoController

admin_router = Router(
    path="/admin",
    route_handlers=[
        login_page,
        login_submit,
        logout,
        oidc_login,
        oidc_callback,
        admin_home,
        CandidateController,
        CandidateImportController,
        LinkRequestController,
        CohortController,
        OrganisationController,
        PipelineController,
        StaffAccountsController,
        CourseController,
        CoursePreviewController,
        RewardController,
        PointRulesController,
        ChecklistTemplateController,
        DocumentsController,
        VideoController,
        ProfileController,
        reveal_log,
        ResourceController,
        QuestionTrackerController,
        QuestionFiguresController,
        FaqPromoteController,
        SuggestionController,
        SurveyController,
        RoomAdminController,
        ThreadController,
        GroupController,
        SlaSettingsController,
        OutboxController,
        AnnouncementController,
        JourneyController,
        TalentController,
        TalentSettingsController,
        InsightsController,
        RiskController,
    ],
    # Resolved only for handlers that declare them.
    dependencies={"staff": Provide(provide_staff), "candidate": Provide(provide_candidate)},
    exception_handlers={StaffSignInRequired: redirect_to_staff_login},
    include_in_schema=False,
)
