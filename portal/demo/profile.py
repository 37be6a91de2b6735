"""Demo personal information: the first demo candidate has filled in the form."""

from __future__ import annotations

from portal.domain.candidates.tables import Candidate
from portal.domain.profiles.changes import ChangedBy
from portal.domain.profiles.personal_info import ProfileInput, profile_save
from portal.domain.profiles.tables import CandidateProfile

# Made-up numbers that pass the checks (GB 11643 check character, Luhn).
DEMO_PROFILES = (
    (
        "13800138000",
        ProfileInput(
            legal_name="张三",
            id_number="44030519950612108X",
            emergency_name="张建国",
            emergency_relationship="parent",
            emergency_phone="13912345678",
            bank_name="中国工商银行 苏州工业园区支行",
            bank_card="6222020200112345679",
            address="江苏省苏州市工业园区星湖街 328 号 员工宿舍 5 栋 302",
        ),
    ),
)


async def load_demo_profiles() -> None:
    for phone, data in DEMO_PROFILES:
        candidate = await Candidate.select(Candidate.id).where(Candidate.phone == phone).first()
        if candidate is None or await CandidateProfile.exists().where(
            CandidateProfile.candidate == candidate["id"]
        ):
            continue
        await profile_save(candidate_id=candidate["id"], data=data, changed_by=ChangedBy("demo"))
