"""Block Kit builders every modal shares: the modal itself, options, and the input blocks
(text, radio buttons, select, checkboxes, date), each optionally filled with what is already
recorded. One place, so each input reads and limits the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
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
    callback_id: str | None,
    title: str,
    blocks: list[Block],
    metadata: str | None,
    *,
    submit: str | None = "Save",
    close: str | None = None,
) -> dict[str, Any]:
    """A form modal; without a submit button it only closes (with "Close" unless told)."""
    view = View(
        type="modal",
        callback_id=callback_id,
        title=title[:TITLE_MAX],
        submit=submit,
        close=close or ("Cancel" if submit else "Close"),
        blocks=blocks,
        private_metadata=metadata,
    )
    return view.to_dict()  # validates against Block Kit's limits first


def section(text: str) -> SectionBlock:
    """A block of mrkdwn text."""
    return SectionBlock(text=MarkdownTextObject(text=text))


def small_print(text: str) -> ContextBlock:
    """A line of mrkdwn in Slack's smaller, grey context text."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def options_of(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def _chosen(options: list[Option], values: Iterable[str | None]) -> list[Option]:
    """The listed options with these values, in the order of `values`."""
    listed = {option.value: option for option in options}
    return [listed[value] for value in values if value in listed]


def _initial_option(options: list[Option], value: str | None) -> Option | None:
    chosen = _chosen(options, [value]) if value else []
    return chosen[0] if chosen else None


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
    initial: str | None = None,
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=block_id, multiline=multiline, max_length=max_length, initial_value=initial
    )
    return _input(block_id, label, element, optional=optional, hint=hint)


def radio_input(
    block_id: str,
    label: str,
    options: dict[str, str] | list[Option],
    *,
    optional: bool = False,
    hint: str = "",
    initial: str | None = None,
) -> InputBlock:
    listed = options_of(options) if isinstance(options, dict) else options
    element = RadioButtonsElement(
        action_id=block_id, options=listed, initial_option=_initial_option(listed, initial)
    )
    return _input(block_id, label, element, optional=optional, hint=hint)


def select_input(
    block_id: str,
    label: str,
    options: dict[str, str],
    *,
    optional: bool = False,
    hint: str = "",
    initial: str | None = None,
) -> InputBlock:
    listed = options_of(options)
    element = StaticSelectElement(
        action_id=block_id, options=listed, initial_option=_initial_option(listed, initial)
    )
    return _input(block_id, label, element, optional=optional, hint=hint)


def checkboxes_input(
    block_id: str, label: str, options: dict[str, str], *, ticked: Iterable[str], optional: bool
) -> InputBlock:
    listed = options_of(options)
    # Slack refuses an empty list of initial options: none ticked is no list at all.
    element = CheckboxesElement(
        action_id=block_id, options=listed, initial_options=_chosen(listed, ticked) or None
    )
    return _input(block_id, label, element, optional=optional, hint="")


def date_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    optional: bool = False,
    hint: str = "",
) -> InputBlock:
    element = DatePickerElement(action_id=block_id, initial_date=initial)
    return _input(block_id, label, element, optional=optional, hint=hint)
