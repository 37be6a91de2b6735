"""Survey results: NPS and answers, overall and per cohort and department.

NPS (net promoter score) over the answers to the survey's first 0–10 question: the share
of promoters (9–10) minus the share of detractors (0–6), in points from -100 to 100.
A group with fewer than ``MIN_GROUP`` responses shows its count only, no figures and no
answers — with so few, an anonymous answer could be recognised. Text answers are shown
only for the whole survey (never per group) and only once it has ``MIN_GROUP`` responses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from portal.domain.organisation.tables import Cohort, Department
from portal.domain.surveys.building import survey_questions
from portal.domain.surveys.tables import SurveyAnswer, SurveyResponse
from portal.i18n import gettext as _

MIN_GROUP = 5


def nps(scores: list[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


@dataclass
class Group:
    name: str
    responses: int = 0
    scores: list[int] = field(default_factory=list)
    choices: dict[int, Counter[str]] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.responses >= MIN_GROUP

    @property
    def nps(self) -> float | None:
        return nps(self.scores) if self.shown else None


@dataclass(frozen=True)
class Results:
    questions: list[dict]
    total: Group
    by_cohort: list[Group]
    by_department: list[Group]
    texts: dict[int, list[str]]
    min_group: int = MIN_GROUP


async def survey_results(survey_id: int) -> Results:
    questions = await survey_questions(survey_id)
    score_question = next((q["id"] for q in questions if q["kind"] == "score"), None)
    responses = await SurveyResponse.select(
        SurveyResponse.id, SurveyResponse.cohort, SurveyResponse.department
    ).where(SurveyResponse.survey == survey_id)
    answers = await SurveyAnswer.select(
        SurveyAnswer.response, SurveyAnswer.question, SurveyAnswer.score,
        SurveyAnswer.choice, SurveyAnswer.text,
    ).where(SurveyAnswer.response.survey == survey_id)  # fmt: skip
    by_response: dict[object, list[dict]] = {}
    for answer in answers:
        by_response.setdefault(answer["response"], []).append(answer)
    cohorts = {row["id"]: row["name"] for row in await Cohort.select(Cohort.id, Cohort.name)}
    departments = {
        row["id"]: row["name"] for row in await Department.select(Department.id, Department.name)
    }
    total = Group(name=_("All responses"))
    cohort_groups: dict[object, Group] = {}
    department_groups: dict[object, Group] = {}
    texts: dict[int, list[str]] = {}
    for response in responses:
        cohort = cohort_groups.setdefault(
            response["cohort"], Group(name=cohorts.get(response["cohort"], _("No cohort")))
        )
        department = department_groups.setdefault(
            response["department"],
            Group(name=departments.get(response["department"], _("No department"))),
        )
        for group in (total, cohort, department):
            group.responses += 1
        for answer in by_response.get(response["id"], []):
            for group in (total, cohort, department):
                if answer["question"] == score_question and answer["score"] is not None:
                    group.scores.append(answer["score"])
                if answer["choice"] is not None:
                    group.choices.setdefault(answer["question"], Counter())[answer["choice"]] += 1
            if answer["text"]:
                texts.setdefault(answer["question"], []).append(answer["text"])
    return Results(
        questions=questions,
        total=total,
        by_cohort=sorted(cohort_groups.values(), key=lambda g: g.name),
        by_department=sorted(department_groups.values(), key=lambda g: g.name),
        texts=texts if total.shown else {},
    )
