"""The recording lists (NGO / NHS England guidance) and their plain-language labels.

One versioned place: a concern stores the TAXONOMY_VERSION it was recorded under, so a later
change to a list never silently re-labels old concerns in a quarterly return.
"""

from __future__ import annotations

from enum import StrEnum

TAXONOMY_VERSION = 1


class ConcernKind(StrEnum):
    SPEAK_UP = "speak_up"
    SAFEGUARDING = "safeguarding"


class IdentityMode(StrEnum):
    OPEN = "open"
    CONFIDENTIAL = "confidential"
    ANONYMOUS_FOLLOW_UP = "anonymous_follow_up"
    ANONYMOUS_NO_CONTACT = "anonymous_no_contact"


class Status(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Stage(StrEnum):
    """The two kinds of in-progress work (SPEC §2)."""

    INVESTIGATING = "investigating"
    AWAITING_INFORMATION = "awaiting_information"


KIND_LABELS = {
    ConcernKind.SPEAK_UP: "Speak up",
    ConcernKind.SAFEGUARDING: "Safeguarding",
}

ELEMENTS: dict[str, str] = {
    "patient_safety": "Patient safety or quality",
    "bullying_harassment": "Bullying or harassment",
    "attitudes_behaviours": "Inappropriate attitudes or behaviours",
    "worker_safety": "Worker safety or wellbeing",
    "other": "Something else",
}

PROFESSIONAL_GROUPS: dict[str, str] = {
    "paramedic_clinician": "Paramedic or clinician",
    "call_handler": "Emergency call handler or dispatcher",
    "patient_transport": "Patient transport",
    "clinical_hub": "111 or clinical hub",
    "support_corporate": "Support or corporate services",
    "volunteer": "Volunteer",
    "student": "Student",
    "bank_agency": "Bank or agency",
    "other": "Other",
}

IDENTITY_LABELS: dict[IdentityMode, str] = {
    IdentityMode.OPEN: "Open",
    IdentityMode.CONFIDENTIAL: "Confidential",
    IdentityMode.ANONYMOUS_FOLLOW_UP: "Anonymous, with follow-up",
    IdentityMode.ANONYMOUS_NO_CONTACT: "Anonymous, no contact",
}

# One sentence each: who will know it was you, and what the choice costs.
IDENTITY_EXPLANATIONS: dict[IdentityMode, str] = {
    IdentityMode.OPEN: (
        "The guardians know it is you and may share your name with those who need it "
        "to act; easiest to investigate and to keep you updated."
    ),
    IdentityMode.CONFIDENTIAL: (
        "The guardians know it is you but will not share your name without your consent; "
        "they can still talk to you directly."
    ),
    IdentityMode.ANONYMOUS_FOLLOW_UP: (
        "Nobody sees who you are; the bot keeps a sealed link so guardians can send you "
        "questions and updates, but it is harder to investigate."
    ),
    IdentityMode.ANONYMOUS_NO_CONTACT: (
        "Nothing links the concern to you; you get a receipt to check on it yourself, "
        "and guardians cannot ask you anything unless you check back."
    ),
}

# Worker type: separate from the staff group (a bank paramedic is a paramedic and bank).
WORKER_TYPES: dict[str, str] = {
    "employee": "Employee",
    "bank": "Bank worker",
    "agency": "Agency worker",
    "volunteer": "Volunteer",
    "student": "Student or trainee",
    "contractor": "Contractor",
    "former_worker": "Former worker",
}

# How a concern reached the trust. Every case is recorded, including those raised to a
# guardian outside the app (the national collection counts them all).
RAISED_VIA: dict[str, str] = {
    "slack": "Through the app",
    "in_person": "In person",
    "phone": "By phone",
    "email": "By email",
    "letter": "By letter",
    "other": "Another way",
}
RECORDED_VIA = {key: label for key, label in RAISED_VIA.items() if key != "slack"}

DETRIMENT_ANSWERS: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "unsure": "Not sure",
}

AT_RISK: dict[str, str] = {
    "adult": "An adult",
    "child": "A child or young person",
    "both": "Both adults and children",
    "unsure": "Not sure",
}

FEEDBACK_QUESTION = "Given your experience, would you speak up again?"
FEEDBACK_ANSWERS: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "maybe": "Maybe",
    "dont_know": "Don't know",
}

OUTCOMES: dict[str, str] = {
    "action_taken": "Concern upheld, action taken",
    "partly_upheld": "Partly upheld, some action taken",
    "not_upheld": "Looked into, not upheld",
    "referred": "Referred to another process",
    "withdrawn": "Withdrawn by the reporter",
    "insufficient_information": "Not enough information to act",
}

STATUS_LABELS: dict[str, str] = {
    Status.RECEIVED: "Received",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.IN_PROGRESS: "In progress",
    Status.CLOSED: "Closed",
    Stage.INVESTIGATING: "Investigating",
    Stage.AWAITING_INFORMATION: "Awaiting information",
}

# Limits on what a reporter may type, kept well inside Slack's own 3000-character input cap.
DESCRIPTION_MAX = 3000
SHORT_TEXT_MAX = 300
MEDIUM_TEXT_MAX = 1000

# The national professional groups of the quarterly collection. Our staff groups keep their
# own labels (people recognise them); this map says where each is counted nationally.
NATIONAL_PROFESSIONAL_GROUPS: dict[str, str] = {
    "allied_health_professionals": "Allied health professionals",
    "additional_clinical_services": "Additional clinical services",
    "administrative_clerical": "Administrative and clerical",
    "estates_ancillary": "Estates and ancillary",
    "medical_dental": "Medical and dental",
    "nursing_midwifery_registered": "Nursing and midwifery registered",
    "students": "Students",
    "volunteers": "Volunteers",
    "other": "Other",
    "not_known": "Not known",
}
NATIONAL_GROUP_OF: dict[str, str] = {
    "paramedic_clinician": "allied_health_professionals",
    "call_handler": "additional_clinical_services",
    "patient_transport": "additional_clinical_services",
    "clinical_hub": "additional_clinical_services",
    "support_corporate": "administrative_clerical",
    "volunteer": "volunteers",
    "student": "students",
    # Bank and agency are kinds of worker, not professions: unknown until worker type exists.
    "bank_agency": "not_known",
    "other": "other",
}
NATIONAL_GROUP_NOT_GIVEN = "not_known"


def national_group_of(professional_group: str | None) -> str:
    """The national professional group a concern is counted under; not known when not given."""
    return NATIONAL_GROUP_OF.get(professional_group or "", NATIONAL_GROUP_NOT_GIVEN)


# The quarterly return's columns, in order: column name -> the figure it holds. Figures are
# org_code, financial_year, quarter, cases_total, cases_anonymous, cases_detriment,
# element:<element id>, group:<national group id>, feedback_responses, feedback:<answer>.
# The collection's field list may change: SPEAKUP_QUARTERLY_COLUMNS replaces this map.
QUARTERLY_COLUMNS: dict[str, str] = {
    "org_code": "org_code",
    "financial_year": "financial_year",
    "quarter": "quarter",
    "cases_total": "cases_total",
    "cases_anonymous": "cases_anonymous",
    "element_patient_safety_quality": "element:patient_safety",
    "element_bullying_harassment": "element:bullying_harassment",
    "element_inappropriate_attitudes_behaviours": "element:attitudes_behaviours",
    "element_worker_safety_wellbeing": "element:worker_safety",
    "cases_detriment": "cases_detriment",
    **{f"group_{key}": f"group:{key}" for key in NATIONAL_PROFESSIONAL_GROUPS},
    "feedback_responses": "feedback_responses",
    "feedback_yes": "feedback:yes",
    "feedback_no": "feedback:no",
    "feedback_maybe": "feedback:maybe",
    "feedback_dont_know": "feedback:dont_know",
}
QUARTERLY_FIGURES: frozenset[str] = frozenset(
    {"org_code", "financial_year", "quarter", "cases_total", "cases_anonymous", "cases_detriment",
     "feedback_responses"}
    | {f"element:{key}" for key in ELEMENTS}
    | {f"group:{key}" for key in NATIONAL_PROFESSIONAL_GROUPS}
    | {f"feedback:{key}" for key in FEEDBACK_ANSWERS}
)  # fmt: skip
