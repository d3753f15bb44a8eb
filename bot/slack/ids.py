"""Every callback, block and action id the app uses, in one place."""

from __future__ import annotations

from enum import StrEnum


class Callback(StrEnum):
    RAISE_SPEAK_UP = "raise_speak_up"
    RAISE_SAFEGUARDING = "raise_safeguarding"
    RAISE_SHORTCUT = "raise_concern"  # global shortcut callback id (manifest.yml)
    REPORTER_REPLY = "reporter_reply"
    RECEIPT_REPLY = "receipt_reply"
    RECEIPT_FEEDBACK = "receipt_feedback"  # a no-contact reporter's feedback form
    FEEDBACK = "reporter_feedback"
    ASK_REPORTER = "ask_reporter"
    ADD_NOTE = "add_note"
    ASSIGN = "assign_owner"
    UPDATE_STATUS = "update_status"
    CLOSE = "close_concern"
    REFERRAL = "record_referral"
    REFERRAL_ACK = "record_referral_ack"
    NO_REFERRAL = "no_referral"
    CONFIRM_NO_REFERRAL = "confirm_no_referral"
    REFERRAL_CHASED = "record_referral_chased"
    DETAILS = "concern_details"
    RECORD_CONCERN = "record_concern"  # a guardian records a concern raised outside the app
    EDIT_RECORDING = "edit_recording_form"  # a guardian corrects the recorded fields
    LEARNING_DRAFT = "learning_draft"  # a guardian drafts a "you said, we did" summary
    LEARNING_APPROVE = "learning_approve"  # a second guardian approves it


class Action(StrEnum):
    SWITCH_TO_SAFEGUARDING = "switch_to_safeguarding"
    SWITCH_TO_SPEAK_UP = "switch_to_speak_up"
    OPEN_RAISE = "open_raise"  # "Raise a concern" buttons (App Home, DM reply)
    VIEW_DETAILS = "view_details"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ASK_REPORTER = "ask_reporter"
    ADD_NOTE = "add_note"
    UPDATE_STATUS = "update_status"
    CLOSE = "close"
    REOPEN = "reopen"
    RECORD_REFERRAL = "record_referral"
    RECORD_REFERRAL_ACK = "record_referral_ack"
    NO_REFERRAL = "no_referral"
    CONFIRM_NO_REFERRAL = "confirm_no_referral"
    REFERRAL_CHASED = "referral_chased"
    REPLY = "reporter_reply"
    GIVE_FEEDBACK = "give_feedback"
    RECEIPT_REPLY = "receipt_reply"  # Reply on a no-contact receipt page
    RECEIPT_FEEDBACK = "receipt_feedback"  # Give feedback on a closed one
    RECORD_CONCERN = "record_concern"  # "Record a concern" (guardians' Home, their digest)
    EDIT_RECORDING = "edit_recording"  # "Edit recording" in View details
    PLACE_LEGAL_HOLD = "place_legal_hold"  # a lead's buttons in View details
    LIFT_LEGAL_HOLD = "lift_legal_hold"
    CHECKIN_YES = "detriment_checkin_yes"  # the reporter's after-closure check-in answers
    CHECKIN_NO = "detriment_checkin_no"
    REPORTER_REOPEN = "reporter_reopen"  # "Reopen my concern", offered after a "yes"
    LEARNING_SUMMARY = "learning_summary"  # "Learning summary" on a closed card


class Block(StrEnum):
    ELEMENTS = "elements"
    DESCRIPTION = "description"
    IDENTITY = "identity"
    SITE = "site"
    LOCATION = "location"
    HAPPENED_ON = "happened_on"
    RAISED_BEFORE = "raised_before"
    HOPED_OUTCOME = "hoped_outcome"
    DETRIMENT = "detriment"
    PROFESSIONAL_GROUP = "professional_group"
    AT_RISK = "at_risk"
    IMMEDIATE_DANGER = "immediate_danger"
    INCIDENT_NUMBER = "incident_number"
    MESSAGE = "message"
    OWNER = "owner"
    STAGE = "stage"
    NOTE = "note"
    OUTCOME = "outcome"
    OUTCOME_TEXT = "outcome_text"
    FEEDBACK = "feedback"
    FEEDBACK_COMMENT = "feedback_comment"
    AUTHORITY = "authority"
    REFERRAL_DATE = "referral_date"
    REFERRAL_REFERENCE = "referral_reference"
    NO_REFERRAL_REASON = "no_referral_reason"
    NO_REFERRAL_DETAIL = "no_referral_detail"
    CHASED_ON = "chased_on"
    CONFIRM = "confirm"
    RAISED_VIA = "raised_via"
    RAISED_ON = "raised_on"
    REPORTER_USER = "reporter_user"
    RECORDED_IDENTITY = "recorded_identity"
    WORKER_TYPE = "worker_type"
    DETRIMENT_ON = "detriment_on"
    LEARNING_TEXT = "learning_text"
