"""Block Kit builders every modal shares: the modal itself, options, and the input blocks
(text, radio buttons, select, date). One place, so each input reads and limits the same way."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

TITLE_MAX = 24  # Slack's limit on a modal's title


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    metadata: str,
    *,
    submit: str | None = "Save",
) -> dict[str, Any]:
    """A form modal; without a submit button it only closes."""
    view = View(
        type="modal",
        callback_id=callback_id,
        title=title[:TITLE_MAX],
        submit=submit,
        close="Cancel" if submit else "Close",
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()  # validates against Block Kit's limits first


def section(text: str) -> SectionBlock:
    """A block of mrkdwn text."""
    return SectionBlock(text=MarkdownTextObject(text=text))


def options_of(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def _input(block_id: str, label: str, element: Any, *, optional: bool, hint: str) -> InputBlock:
    # Slack reads an element's value by block id and action id: both are the block's id.
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
        element=element,
    )


def text_input(
    block_id: str,
    label: str,
    *,
    max_length: int,
    optional: bool,
    multiline: bool = True,
    hint: str = "",
) -> InputBlock:
    element = PlainTextInputElement(action_id=block_id, multiline=multiline, max_length=max_length)
    return _input(block_id, label, element, optional=optional, hint=hint)


def radio_input(
    block_id: str,
    label: str,
    options: dict[str, str] | list[Option],
    *,
    optional: bool = False,
    hint: str = "",
) -> InputBlock:
    listed = options_of(options) if isinstance(options, dict) else options
    element = RadioButtonsElement(action_id=block_id, options=listed)
    return _input(block_id, label, element, optional=optional, hint=hint)


def select_input(
    block_id: str, label: str, options: dict[str, str], *, optional: bool = False, hint: str = ""
) -> InputBlock:
    element = StaticSelectElement(action_id=block_id, options=options_of(options))
    return _input(block_id, label, element, optional=optional, hint=hint)


def date_input(
    block_id: str, label: str, *, initial: str | None = None, optional: bool = False
) -> InputBlock:
    element = DatePickerElement(action_id=block_id, initial_date=initial)
    return _input(block_id, label, element, optional=optional, hint="")
