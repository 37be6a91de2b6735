"""Tables of the learning area: courses, quizzes, the points ledger and rewards.

Points are never a counter: every change is a row in ``point_entry`` (append-only) and a
balance is the SUM of a candidate's rows. Composite unique indexes (migration 0003)
make awards and refunds happen once: ``point_entry (candidate, source_key)``.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.domain.candidates.tables import Candidate
from portal.domain.organisation.tables import Cohort, Department, Position

COURSE_AUDIENCES = ("everyone", "department", "position", "cohort")
COURSE_STATUSES = ("draft", "published")
QUESTION_KINDS = ("single", "multiple")
REDEMPTION_STATUSES = ("requested", "fulfilled", "cancelled")


class Course(Table, tablename="course"):
    id = Serial(primary_key=True)
    title = Varchar(length=200)
    summary = Text(default="")
    # Who sees it: everyone, or one department / position / cohort (the matching FK is set).
    audience = Varchar(length=20, default="everyone")
    department = ForeignKey(Department, null=True)
    position = ForeignKey(Position, null=True)
    cohort = ForeignKey(Cohort, null=True)
    status = Varchar(length=20, default="draft")
    minutes = Integer(default=10)
    # Multiplies the 10 / 7 / 5 / 2 points of a pass.
    weight = Integer(default=1)
    pass_percent = Integer(default=80)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Lesson(Table, tablename="lesson"):
    id = Serial(primary_key=True)
    course = ForeignKey(Course, null=False)
    title = Varchar(length=200)
    # Markdown; rendered with raw HTML disabled.
    body = Text(default="")
    # An optional video or image shown above the text: empty, or an absolute http(s) URL.
    media_url = Varchar(length=500, default="")
    sort_order = Integer(default=0)


class Question(Table, tablename="question"):
    id = Serial(primary_key=True)
    course = ForeignKey(Course, null=False)
    prompt = Text()
    kind = Varchar(length=20, default="single")
    explanation = Text(default="")
    sort_order = Integer(default=0)


class Choice(Table, tablename="choice"):
    id = Serial(primary_key=True)
    question = ForeignKey(Question, null=False)
    text = Varchar(length=300)
    is_correct = Boolean(default=False)
    sort_order = Integer(default=0)


class QuizAttempt(Table, tablename="quiz_attempt"):
    """One quiz form handed to a candidate; its token makes grading happen once."""

    id = Serial(primary_key=True)
    token = Varchar(length=64, unique=True)
    candidate = ForeignKey(Candidate, null=False)
    course = ForeignKey(Course, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    # Filled when graded: which attempt this was, the score, and the points it earned.
    attempt_number = Integer(default=0)
    score_percent = Integer(default=0)
    passed = Boolean(default=False)
    points_awarded = Integer(default=0)
    # JSON {question_id: [choice_id, ...]} of what was answered.
    answers = Text(default="")


class PointEntry(Table, tablename="point_entry"):
    """The append-only points ledger; unique per (candidate, source_key)."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False)
    amount = Integer()
    reason = Varchar(length=200, default="")
    # What caused it: "course:12", "redemption:5", "refund:5".
    source_key = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())


class Reward(Table, tablename="reward"):
    id = Serial(primary_key=True)
    name = Varchar(length=100)
    description = Text(default="")
    # An optional picture for the catalogue: empty, or an absolute http(s) URL.
    picture_url = Varchar(length=500, default="")
    price = Integer()
    stock = Integer(default=0)
    # How many one candidate may redeem; 0 means no limit.
    per_candidate_limit = Integer(default=1)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Redemption(Table, tablename="redemption"):
    id = Serial(primary_key=True)
    reward = ForeignKey(Reward, null=False)
    candidate = ForeignKey(Candidate, null=False)
    points = Integer()
    status = Varchar(length=20, default="requested")
    created_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    # The redeem form's one-time key: unique per candidate (migration 0068), so a double
    # tap or a form sent again from the phone's offline queue redeems once.
    client_key = Varchar(length=64, null=True, default=None)


class LearnerPreference(Table, tablename="learner_preference"):
    """A candidate's choices about the leaderboard (one row per candidate, when set)."""

    id = Serial(primary_key=True)
    candidate = ForeignKey(Candidate, null=False, unique=True)
    hide_name = Boolean(default=False)


class PointRule(Table, tablename="point_rule"):
    """How many points one way of earning gives (``earning.EARNING_KINDS``), or that it is off.

    A kind without a row uses its default amount.
    """

    id = Serial(primary_key=True)
    kind = Varchar(length=30, unique=True)
    amount = Integer(default=0)
    enabled = Boolean(default=True)
    updated_at = Timestamptz(default=TimestamptzNow())
