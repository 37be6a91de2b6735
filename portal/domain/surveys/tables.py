"""Tables of the pulse surveys.

``survey_invite`` is a survey message created for a candidate (by a journey step linking to
the survey): the 14-day rule reads it. ``survey_participation`` says a candidate has
answered a survey (unique per survey and candidate: one response each) and nothing else —
no time, a random id — so it cannot be matched to an anonymous ``survey_response``, which
holds no candidate, only the cohort and department for the results, and the day.
"""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.staff.tables import StaffUser

SURVEY_STATUSES = ("draft", "active", "closed")
QUESTION_KINDS = ("score", "choice", "text")


class Survey(Table, tablename="survey"):
    id = Serial(primary_key=True)
    title = Varchar(length=200)
    status = Varchar(length=10, default="draft")
    created_by = ForeignKey(StaffUser, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class SurveyQuestion(Table, tablename="survey_question"):
    id = Serial(primary_key=True)
    survey = ForeignKey(Survey, null=False, on_delete=OnDelete.cascade)
    position = Integer(default=1)
    kind = Varchar(length=10)
    prompt = Varchar(length=300)
    # A single choice's options, one a line.
    options = Text(default="")


class SurveyInvite(Table, tablename="survey_invite"):
    id = Serial(primary_key=True)
    survey = ForeignKey(Survey, null=False, on_delete=OnDelete.cascade)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)
    invited_at = Timestamptz(default=TimestamptzNow())


class SurveyParticipation(Table, tablename="survey_participation"):
    id = UUID(primary_key=True)
    survey = ForeignKey(Survey, null=False, on_delete=OnDelete.cascade)
    candidate = ForeignKey(Candidate, null=False, on_delete=OnDelete.cascade)


class SurveyResponse(Table, tablename="survey_response"):
    id = UUID(primary_key=True)
    survey = ForeignKey(Survey, null=False, on_delete=OnDelete.cascade)
    # NULL when the candidate answered anonymously.
    candidate = ForeignKey(Candidate, null=True, on_delete=OnDelete.set_null)
    is_anonymous = Boolean(default=False)
    cohort = Integer(null=True, default=None)
    department = Integer(null=True, default=None)
    day = Date()


class SurveyAnswer(Table, tablename="survey_answer"):
    id = Serial(primary_key=True)
    response = ForeignKey(SurveyResponse, null=False, on_delete=OnDelete.cascade)
    question = ForeignKey(SurveyQuestion, null=False, on_delete=OnDelete.cascade)
    score = Integer(null=True, default=None)
    choice = Varchar(length=100, null=True, default=None)
    text = Text(default="")
