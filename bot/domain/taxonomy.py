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
