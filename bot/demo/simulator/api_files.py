"""Files upload v2 as Slack runs it: files.getUploadURLExternal hands out an upload URL (here,
back on the emulator), the bytes are POSTed there, and files.completeUploadExternal shares the
file in a channel. Tests read what arrived with `uploaded_files()`."""

from __future__ import annotations

import copy
import mimetypes
import secrets
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from bot.demo.simulator.api_channels import Channels
from bot.demo.simulator.api_core import web_api_method
from bot.demo.simulator.api_http import Reply, text_reply
from bot.demo.simulator.api_params import ApiError, JsonDict, missing, param_str
from bot.demo.simulator.block_kit_checks import message_block_problems
from bot.demo.simulator.identity import (
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    bot_message,
)

UPLOAD_PATH = "/upload/v1/"
UPLOAD_CALL = "file_upload"
_MAX_ALT_TEXT = 1000


@dataclass
class _PendingUpload:
    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None


@dataclass(frozen=True)
class UploadedFile:
    """A file the app uploaded and completed; `channel` is None when it was left private."""

    file_id: str
    name: str
    title: str
    content: bytes
    channel: str | None
    initial_comment: str | None
    thread_ts: str | None
    alt_txt: str | None


class FilesApi(Channels):
    def _clear_state(self) -> None:
        super()._clear_state()
        self._pending_uploads: dict[str, _PendingUpload] = {}
        self._upload_keys: dict[str, str] = {}
        self._uploaded: list[UploadedFile] = []

    def uploaded_files(self, channel: str | None = None) -> list[UploadedFile]:
        """Completed uploads, oldest first; only those shared in `channel` when given (a user
        id stands for the bot's DM with them)."""
        wanted = self._resolve_channel(channel) if channel is not None else None
        with self._lock:
            return [f for f in self._uploaded if wanted is None or f.channel == wanted]

    # -- step 1: an upload URL -------------------------------------------------------------

    @web_api_method("files.getUploadURLExternal")
    def _files_get_upload_url_external(self, params: JsonDict) -> JsonDict:
        filename = param_str(params, "filename")
        if filename is None:
            raise missing("filename")
        length_text = param_str(params, "length")
        if length_text is None:
            raise missing("length")
        try:
            length = int(length_text)
        except ValueError:
            raise ApiError(
                "invalid_arguments", ["[ERROR] length must be an integer [json-pointer:/length]"]
            ) from None
        if length <= 0:
            # Slack's word for a zero length.
            raise ApiError("missing_argument")
        alt_txt = param_str(params, "alt_txt")
        if alt_txt is not None and len(alt_txt) > _MAX_ALT_TEXT:
            raise ApiError("alt_txt_too_large")
        file_id = self._next_id("F")
        key = secrets.token_urlsafe(16)
        self._pending_uploads[file_id] = _PendingUpload(file_id, filename, length, alt_txt)
        self._upload_keys[key] = file_id
        return {"upload_url": f"{self.root_url}{UPLOAD_PATH}{key}", "file_id": file_id}

    # -- step 2: the bytes -------------------------------------------------------------------

    def _receive_upload(self, path: str, content_type: str, raw: bytes) -> tuple[Reply, JsonDict]:
        """A POST of a file's bytes (raw or multipart) to an upload URL; the answer, and what
        to record of it."""
        key = path[len(UPLOAD_PATH) :]
        file_id = self._upload_keys.get(key)
        pending = self._pending_uploads.get(file_id or "")
        content = _file_bytes(content_type, raw)
        if pending is None:
            reply = text_reply(404, "unknown upload URL", "upload_not_found")
        elif len(content) != pending.length:
            # The length promised in step 1 is what Slack stores; a mismatch is a bug.
            reply = text_reply(400, "length does not match", "length_mismatch")
        else:
            pending.content = content
            reply = text_reply(200, f"OK - {len(content)}")
        return reply, {"file_id": file_id, "bytes": len(content)}

    # -- step 3: completing and sharing ------------------------------------------------------

    @web_api_method("files.completeUploadExternal")
    def _files_complete_upload_external(self, params: JsonDict) -> JsonDict:
        entries = params.get("files")
        if not isinstance(entries, list) or not entries:
            raise missing("files")
        chosen: list[tuple[_PendingUpload, str]] = []
        for entry in entries:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            pending = self._pending_uploads.get(str(file_id))
            if pending is None or pending.content is None:
                # Unknown, never uploaded, or already completed (completion happens once).
                raise ApiError("file_not_found")
            chosen.append((pending, str(entry.get("title") or pending.filename)))
        channel = self._share_target(params)
        comment = param_str(params, "initial_comment")
        thread_ts = param_str(params, "thread_ts")
        blocks = params.get("blocks") if comment is None else None
        if blocks is not None and self.validate_blocks:
            problems = message_block_problems(blocks)
            if problems:
                raise ApiError("invalid_blocks", problems)
        objects = [_file_object(p, title) for p, title in chosen]
        for pending, title in chosen:
            assert pending.content is not None
            self._uploaded.append(
                UploadedFile(
                    file_id=pending.file_id,
                    name=pending.filename,
                    title=title,
                    content=pending.content,
                    channel=channel,
                    initial_comment=comment,
                    thread_ts=thread_ts,
                    alt_txt=pending.alt_txt,
                )
            )
            del self._pending_uploads[pending.file_id]
        if channel is not None:
            self._share(channel, objects, comment, thread_ts, blocks)
        return {"files": copy.deepcopy(objects)}

    def _share_target(self, params: JsonDict) -> str | None:
        if param_str(params, "channel_id") is not None:
            return self._require_channel(params, "post", resolve_users=True, name="channel_id")
        channels = [c.strip() for c in (param_str(params, "channels") or "").split(",")]
        channels = [c for c in channels if c]
        if len(channels) > 1:
            raise ApiError(
                "invalid_arguments", ["[ERROR] the emulator shares a file in one channel only"]
            )
        if channels:
            return self._require_channel({"channel": channels[0]}, "post", resolve_users=True)
        return None

    def _share(
        self,
        channel: str,
        files: list[JsonDict],
        comment: str | None,
        thread_ts: str | None,
        blocks: object,
    ) -> None:
        message = bot_message(channel, comment or "", self._next_ts())
        message.update(files=copy.deepcopy(files), upload=True)
        if blocks:
            message["blocks"] = copy.deepcopy(blocks)
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        self._store_message(message)


def _file_bytes(content_type: str, raw: bytes) -> bytes:
    """The file in an upload body: the body itself, or the file part of a multipart form."""
    if not content_type.lower().startswith("multipart/form-data"):
        return raw
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    form = BytesParser(policy=HTTP).parsebytes(head + raw)
    for part in form.iter_parts():
        field = part.get_param("name", header="content-disposition")
        if part.get_filename() is not None or field in {"file", "filename"}:
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return b""


def _file_object(pending: _PendingUpload, title: str) -> JsonDict:
    """A file as completeUploadExternal describes it."""
    created = int(time.time())
    mimetype = mimetypes.guess_type(pending.filename)[0] or "application/octet-stream"
    filetype = pending.filename.rsplit(".", 1)[-1].lower() if "." in pending.filename else "binary"
    base = f"https://files.slack.com/files-pri/{TEAM_ID}-{pending.file_id}"
    return {
        "id": pending.file_id,
        "created": created,
        "timestamp": created,
        "name": pending.filename,
        "title": title,
        "mimetype": mimetype,
        "filetype": filetype,
        "user": BOT_USER_ID,
        "size": pending.length,
        "mode": "hosted",
        "is_external": False,
        "url_private": f"{base}/{pending.filename}",
        "url_private_download": f"{base}/download/{pending.filename}",
        "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{pending.file_id}",
    }
