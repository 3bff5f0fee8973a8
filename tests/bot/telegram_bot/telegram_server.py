"""A local server speaking the Telegram Bot API over HTTP on 127.0.0.1, for end-to-end tests.

The bot under test talks to it as to `api.telegram.org`::

    with BotApiServer() as server:
        app = (
            ApplicationBuilder()
            .token(server.token)
            .base_url(f"{server.url}/bot")
            .base_file_url(f"{server.url}/file/bot")
            .build()
        )
        ...  # start the application polling in this event loop
        server.private_message(1001, "hello")
        [reply] = await server.wait_for_messages_async(1001)
        server.private_message(1001, "thanks")
        await server.wait_idle_async(app.update_queue)  # then check what the bot did *not* do

PTB appends the token to both bases, so the server answers `POST <url>/bot<token>/<method>`
and serves files at `GET <url>/file/bot<token>/<file_path>`. It enforces the Bot API's rules
that a bot can get wrong (HTML parse mode, text length, "message is not modified", unknown
chats, callback data size, a parameter it does not implement, drafts in private chats only,
reactions only to a bot that asked for them and, in groups, is an admin), records everything
the bot did (its drafts apart from its messages), lets a test inject updates, and tells when
the bot has handled all of them
(`wait_idle_async`). It fails as Telegram and the
network do when asked: flood control (`flood`), a connection dropped before or after a call is
handled (`hang_up`), a host refusing connections (`refuse_connections`).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import EllipsisType, TracebackType
from typing import Any, Literal, Protocol, TypeVar, cast
from urllib.parse import parse_qsl, unquote, urlsplit

JSON = dict[str, Any]
T = TypeVar("T")
_Rendered = tuple[str, list[JSON]]  # plain text, entities
_Response = tuple[int, str, bytes]  # HTTP status, content type, body

BOT_ID = 7_000_000_001
BOT_USERNAME = "kabar_test_bot"
BOT_NAME = "Kabar Test"
DEFAULT_TOKEN = f"{BOT_ID}:AAKabarTestTokenForTheLocalBotApiServer"
BOT_USER: JSON = {"id": BOT_ID, "is_bot": True, "first_name": BOT_NAME, "username": BOT_USERNAME}

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID = 64  # bytes
MAX_START_PARAMETER = 64
# Seconds after an inline query past which Telegram refuses its answer ("query is too old");
# the Bot API documents no figure: this is a bot's usual experience.
INLINE_QUERY_TIMEOUT = 10.0
FIRST_UPDATE_ID = 100_001

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    },
)
# HTML tags the Bot API accepts, with the entity each produces.
HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    },
)
# Form fields that stay strings; PTB JSON-encodes every other non-string value.
_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "action",
        "callback_query_id",
        "file_id",
        "document",
        "thumbnail",
        "url",
        "secret_token",
        "ip_address",
        "language_code",
        "inline_message_id",
        "custom_title",
        "business_connection_id",
        "message_effect_id",
        "inline_query_id",
        "guest_query_id",
        "next_offset",
    },
)
# Fields that hold JSON objects or arrays, even when a client sends them as JSON strings.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "results",
        "result",
        "button",
    },
)
# The parameters each method takes, as far as this server implements them. A parameter outside
# its method's set is refused: a bot relying on one (a topic's `message_thread_id`, say) must
# meet a server that honours it, not one that drops it silently.
_SEND = frozenset(
    {
        "chat_id",
        "reply_parameters",
        "reply_to_message_id",
        "allow_sending_without_reply",
        "reply_markup",
        "disable_notification",
        "protect_content",
        "message_thread_id",
    },
)
_EDIT = frozenset({"chat_id", "message_id", "inline_message_id", "reply_markup"})
_COMMAND_SCOPE = frozenset({"scope", "language_code"})
PARAMETERS: dict[str, frozenset[str]] = {
    "getMe": frozenset(),
    "getUpdates": frozenset({"offset", "limit", "timeout", "allowed_updates"}),
    "setWebhook": frozenset(
        {"url", "certificate", "ip_address", "max_connections", "allowed_updates"}
        | {"drop_pending_updates", "secret_token"},
    ),
    "deleteWebhook": frozenset({"drop_pending_updates"}),
    "getWebhookInfo": frozenset(),
    "setMyCommands": _COMMAND_SCOPE | {"commands"},
    "getMyCommands": _COMMAND_SCOPE,
    "deleteMyCommands": _COMMAND_SCOPE,
    "sendMessage": _SEND | {"text", "parse_mode", "entities", "link_preview_options"},
    "sendDocument": _SEND
    | {"document", "thumbnail", "caption", "parse_mode", "caption_entities"}
    | {"disable_content_type_detection"},
    "editMessageText": _EDIT | {"text", "parse_mode", "entities", "link_preview_options"},
    "editMessageReplyMarkup": _EDIT,
    "deleteMessage": frozenset({"chat_id", "message_id"}),
    "sendMessageDraft": frozenset(
        {"chat_id", "draft_id", "text", "message_thread_id", "parse_mode", "entities"}
    ),
    "sendChatAction": frozenset({"chat_id", "action", "message_thread_id"}),
    "answerCallbackQuery": frozenset(
        {"callback_query_id", "text", "show_alert", "url", "cache_time"}
    ),
    "getFile": frozenset({"file_id"}),
    "getChat": frozenset({"chat_id"}),
    "getChatMember": frozenset({"chat_id", "user_id"}),
    "getChatAdministrators": frozenset({"chat_id"}),
    "answerInlineQuery": frozenset(
        {"inline_query_id", "results", "cache_time", "is_personal", "next_offset", "button"}
    ),
    "answerGuestQuery": frozenset({"guest_query_id", "result"}),
}
# The fields of the inline results this server implements: articles sending a text.
_ARTICLE_FIELDS = frozenset(
    {"type", "id", "title", "input_message_content", "reply_markup", "url", "description"}
    | {"thumbnail_url", "thumbnail_width", "thumbnail_height"},
)
_TEXT_CONTENT_FIELDS = frozenset({"message_text", "parse_mode", "entities", "link_preview_options"})
_START_PARAMETER_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
# Update types Telegram sends only to a bot that names them in `allowed_updates`.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_PARAMETERS_BY_NAME = {name.lower(): known for name, known in PARAMETERS.items()}
_USER_NAME_FIELDS = ("first_name", "last_name", "username")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{1,10}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_UNQUOTED_RE = re.compile(r"[^\s>]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{4,31}(?!\w)")
_URL_RE = re.compile(r"(?<![\w/])https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status `code` and Telegram's `description`."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        """The JSON body Telegram answers with."""
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


class UpdateQueue(Protocol):
    """The bot's queue of fetched updates, as `wait_idle_async` reads it: PTB's
    `Application.update_queue`, an `asyncio.Queue` whose `join()` returns once every update
    put on it was marked done."""

    async def join(self) -> None:
        """Wait until every item put on the queue was marked done."""


# --------------------------------------------------------------------------- recorded data


@dataclass
class MessageEdit:
    """The state of a bot message right after one of its edits, made `at` (`time.monotonic()`)."""

    text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    date: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class SentMessage:
    """A message the bot sent, kept up to date by its edits and deletion.

    `text` is the text (or caption) as the bot sent it, e.g. with HTML tags; `plain_text` is
    what the user sees (tags removed, entities decoded); `first_text` is the text before any
    edit, and `edits` the history of edits, oldest first. `at` is when the server recorded the
    message, by `time.monotonic()` (for timing a bot). A result of the bot's inline mode is
    sent by the user who chose it (`from_id`) `via_bot`; a guest answer by the bot, with the
    `guest_caller_id` of the user who asked; both have an `inline_message_id`.
    """

    message_id: int
    chat_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: JSON | None
    reply_to_message_id: int | None
    date: int
    plain_text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    method: str = "sendMessage"
    document: JSON | None = None
    first_text: str | None = None
    edits: list[MessageEdit] = field(default_factory=list)
    deleted: bool = False
    message_thread_id: int | None = None  # the forum topic it is in; None in General
    at: float = field(default_factory=time.monotonic)
    from_id: int = BOT_ID
    via_bot: bool = False
    inline_message_id: str | None = None
    guest_caller_id: int | None = None

    @property
    def texts(self) -> list[str | None]:
        """Every version of the text, the first as sent and then one per edit."""
        return [self.first_text, *(edit.text for edit in self.edits)]

    @property
    def buttons(self) -> list[JSON]:
        """The buttons of the current inline keyboard, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        """The `callback_data` of the current inline keyboard's buttons."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class Draft:
    """A `sendMessageDraft` call: the draft `draft_id` of a private chat as the user sees it
    then, `plain_text` its visible text ("" shows Telegram's "Thinking…"). A draft is no
    message: it is shown for a while and goes, and nothing can reply to it."""

    chat_id: int
    draft_id: int
    text: str
    parse_mode: str | None
    plain_text: str
    entities: list[JSON]
    at: float = field(default_factory=time.monotonic)


@dataclass
class ChatAction:
    """A `sendChatAction` call."""

    chat_id: int
    action: str
    date: int
    message_thread_id: int | None = None


@dataclass
class CallbackAnswer:
    """An `answerCallbackQuery` call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    chat_id: int | None
    data: str | None


@dataclass
class InlineAnswer:
    """An `answerInlineQuery` call: the results as the bot sent them, checked."""

    query_id: str
    user_id: int
    query: str
    results: list[JSON]
    cache_time: int
    is_personal: bool
    button: JSON | None

    @property
    def titles(self) -> list[str]:
        return [str(result["title"]) for result in self.results]


@dataclass
class InlineQuery:
    """An inline query a user typed (`server.inline_query`), with the bot's answer once given."""

    query_id: str
    user_id: int
    query: str
    at: float = field(default_factory=time.monotonic)
    answer: InlineAnswer | None = None


@dataclass
class GuestQuery:
    """A guest message's query (`server.guest_message`): answered at most once."""

    query_id: str
    chat_id: int
    user_id: int
    at: float = field(default_factory=time.monotonic)
    answered: bool = False


@dataclass
class ApiCall:
    """A request the bot made: method as sent, parameters, and the HTTP status answered."""

    method: str
    params: JSON
    status: int = 200
    description: str | None = None


@dataclass
class StoredFile:
    """A file the bot can get with `getFile` and download."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    content: bytes

    def document(self) -> JSON:
        """The `Document` object of the file."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": len(self.content),
        }


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    file_name: str
    mime_type: str
    content: bytes


@dataclass
class _FloodRule:
    chat_id: int | None
    remaining: int
    retry_after: int


# --------------------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """The length of `text` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _decode_entity(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name.lower())
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    start: int
    byte_offset: int


class HtmlParser:
    """Parses Telegram HTML as the Bot API does, into plain text and `MessageEntity` dicts.

    Only Telegram's tags are allowed, properly nested and closed; `&` must start one of the
    entities `&lt; &gt; &amp; &quot;` or a numeric one (Telegram itself keeps a lone `&`
    literally; with `strict_ampersand` the server rejects it, as its documentation requires).
    Errors are `ApiError`s worded like Telegram's "can't parse entities" answers.
    """

    def __init__(self, html: str, *, strict_ampersand: bool = True) -> None:
        self.src = html
        self.strict_ampersand = strict_ampersand
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def parse(self) -> tuple[str, list[JSON]]:
        """The plain text and its entities, ordered by offset."""
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._entity()
            elif char == "<":
                self._tag()
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), entities

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    def _offset(self, index: int | None = None) -> int:
        return _byte_offset(self.src, self.pos if index is None else index)

    def _entity(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        decoded = _decode_entity(match) if match else None
        if match and decoded is not None:
            self._emit(decoded)
            self.pos = match.end()
            return
        if self.strict_ampersand:
            raise _parse_error(
                f'Character "&" must be escaped as "&amp;" at byte offset {self._offset()}',
            )
        self._emit("&")
        self.pos += 1

    def _tag(self) -> None:
        if self.src.startswith("</", self.pos):
            self._end_tag()
            return
        start = self.pos
        match = _TAG_NAME_RE.match(self.src, start + 1)
        if match is None:
            raise _parse_error(f'Unsupported start tag "" at byte offset {self._offset()}')
        name = match.group().lower()
        if name not in HTML_TAGS:
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {self._offset()}')
        self.pos = match.end()
        attrs = self._attributes(start)
        self._check_tag(name, attrs, start)
        self.stack.append(_OpenTag(name, attrs, self.utf16, self._offset(start)))

    def _check_tag(self, name: str, attrs: dict[str, str], start: int) -> None:
        offset = self._offset(start)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise _parse_error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte {offset}')

    def _attributes(self, start: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self.pos >= len(self.src):
                raise _parse_error(f"Unclosed start tag at byte offset {self._offset(start)}")
            if self.src[self.pos] == ">":
                self.pos += 1
                return attrs
            match = _ATTR_NAME_RE.match(self.src, self.pos)
            if match is None:
                raise _parse_error(
                    f"Expected equal sign in declaration of an attribute of the tag at byte "
                    f"offset {self._offset(start)}",
                )
            self.pos = match.end()
            self._skip_spaces()
            if self.src.startswith("=", self.pos):
                self.pos += 1
                self._skip_spaces()
                attrs[match.group().lower()] = self._attribute_value(start)
            else:
                attrs[match.group().lower()] = ""

    def _attribute_value(self, start: int) -> str:
        quote = self.src[self.pos : self.pos + 1]
        if quote in ("'", '"'):
            end = self.src.find(quote, self.pos + 1)
            if end == -1:
                raise _parse_error(f"Unclosed start tag at byte offset {self._offset(start)}")
            raw, self.pos = self.src[self.pos + 1 : end], end + 1
        else:
            match = _UNQUOTED_RE.match(self.src, self.pos)
            raw = match.group() if match else ""
            self.pos += len(raw)
        return _ENTITY_RE.sub(lambda m: _decode_entity(m) or m.group(), raw)

    def _skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def _end_tag(self) -> None:
        start = self.pos
        end = self.src.find(">", start)
        if end == -1:
            raise _parse_error(f"Unclosed end tag at byte offset {self._offset()}")
        name = self.src[start + 2 : end].strip().lower()
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {self._offset()}")
        top = self.stack[-1]
        if name and name != top.name:
            raise _parse_error(
                f'Unmatched end tag at byte offset {self._offset()}, expected "</{top.name}>", '
                f'found "</{name}>"',
            )
        self.stack.pop()
        self.pos = end + 1
        self._close(top)

    def _close(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.start
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            language = tag.attrs.get("class", "")
            if language.startswith("language-"):
                self.stack[-1].attrs["language"] = language.removeprefix("language-")
            return
        entity: JSON = {"type": HTML_TAGS[tag.name], "offset": tag.start, "length": length}
        if tag.name == "a":
            entity["url"] = tag.attrs.get("href", "")
        elif tag.name == "pre" and tag.attrs.get("language"):
            entity["language"] = tag.attrs["language"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        if length > 0 and (tag.name != "a" or entity["url"]):
            self.entities.append(entity)


def _strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip surrounding whitespace as Telegram does, moving and clipping entities."""
    stripped = text.strip()
    if not stripped:
        return "", []
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    result: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def render_text(
    text: str,
    parse_mode: str | None,
    entities: list[JSON] | None = None,
    *,
    strict_ampersand: bool = True,
) -> tuple[str, list[JSON]]:
    """The text a user sees and its entities, for text sent with `parse_mode` or `entities`.

    Raises `ApiError` for invalid HTML and for parse modes other than HTML (the server does
    not implement Markdown, so a bot using it fails loudly instead of passing untested).
    """
    if not parse_mode:
        return _strip_text(text, list(entities or []))
    if parse_mode.lower() == "html":
        plain, found = HtmlParser(text, strict_ampersand=strict_ampersand).parse()
        return _strip_text(plain, found)
    if parse_mode.lower() in ("markdown", "markdownv2"):
        raise bad_request(f"parse_mode {parse_mode} is not supported by the test server")
    raise bad_request("unsupported parse_mode")


def detect_entities(text: str, bot_username: str = BOT_USERNAME) -> list[JSON]:
    """The entities Telegram adds to a user's text: bot commands, mentions and URLs."""
    del bot_username  # the mention of any username is an entity, not only the bot's
    found: list[tuple[int, int, str]] = []
    taken: list[range] = []
    for kind, pattern in (("bot_command", _COMMAND_RE), ("mention", _MENTION_RE), ("url", _URL_RE)):
        for match in pattern.finditer(text):
            if any(match.start() in span for span in taken):
                continue
            taken.append(range(match.start(), match.end()))
            found.append((match.start(), match.end(), kind))
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in sorted(found)
    ]


def _check_results_button(button: Any) -> JSON | None:
    """The button above inline results: a text and a start parameter or a web app."""
    if button is None:
        return None
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if unknown := sorted(set(button) - {"text", "start_parameter", "web_app"}):
        raise bad_request(f"unsupported field {unknown[0]} of InlineQueryResultsButton")
    if ("start_parameter" in button) == ("web_app" in button):
        raise bad_request("BUTTON_TYPE_INVALID")
    start = button.get("start_parameter")
    if start is not None and not _START_PARAMETER_RE.fullmatch(str(start)):
        raise bad_request("START_PARAM_INVALID")
    return button


def _check_inline_keyboard(markup: JSON) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("can't parse inline keyboard button: Text must be non-empty")
        actions = BUTTON_ACTIONS.intersection(button)
        if len(actions) != 1:
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard",
            )
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")


def check_reply_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """Validate a `reply_markup` parameter; inline keyboards as Telegram checks them."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup)
    elif inline_only:
        raise bad_request("inline keyboard expected")
    return markup


def _inline(markup: JSON | None) -> JSON | None:
    return markup if markup and "inline_keyboard" in markup else None


# --------------------------------------------------------------------------- request parsing


def _coerce_form_value(name: str, value: str) -> Any:
    if name in _TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _normalize(params: JSON) -> JSON:
    for name in _JSON_FIELDS.intersection(params):
        if isinstance(params[name], str):
            try:
                params[name] = json.loads(params[name])
            except ValueError as err:
                raise bad_request(f"can't parse {name} JSON object") from err
    return params


def _parse_multipart(content_type: str, body: bytes) -> JSON:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(head + body)
    params: JSON = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        content = part.get_payload(decode=True)
        data = content if isinstance(content, bytes) else b""
        file_name = part.get_filename()
        if file_name is not None:
            params[name] = UploadedFile(file_name, part.get_content_type(), data)
        else:
            params[name] = _coerce_form_value(name, data.decode())
    return params


def parse_params(query: str, content_type: str, body: bytes) -> JSON:
    """The parameters of a Bot API request, from its query string and JSON, form or multipart
    body, decoded to Python values."""
    params: JSON = {k: _coerce_form_value(k, v) for k, v in parse_qsl(query)}
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if kind == "application/json" and body:
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise bad_request("parameters must be a JSON object")
        params.update(decoded)
    elif kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
        params.update({k: _coerce_form_value(k, v) for k, v in pairs})
    elif kind == "multipart/form-data":
        params.update(_parse_multipart(content_type, body))
    return _normalize(params)


def _check_parameters(method: str, params: JSON) -> None:
    """Refuse a parameter `method` does not take here (names are matched as Telegram does)."""
    if unknown := sorted(set(params) - _PARAMETERS_BY_NAME[method.lower()]):
        raise bad_request(f"unsupported parameter {unknown[0]} for method {method}")


def _loggable(params: JSON) -> JSON:
    return {
        name: {"file_name": v.file_name, "size": len(v.content)}
        if isinstance(v, UploadedFile)
        else v
        for name, v in params.items()
    }


def _int_param(params: JSON, name: str, default: int | None = None) -> int:
    value = params.get(name, default)
    if value is None:
        raise bad_request(f"{name} is empty" if name == "chat_id" else f"{name} is required")
    try:
        return int(value)
    except (TypeError, ValueError) as err:
        raise bad_request(f"invalid {name} specified") from err


def _str_param(params: JSON, name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value)


# --------------------------------------------------------------------------- the HTTP layer


HangUp = Literal["before", "after"]


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    api: BotApiServer

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self._lock = threading.Lock()
        self._idle: set[socket.socket] = set()  # kept-alive connections waiting for a request

    def set_idle(self, connection: socket.socket, idle: bool) -> None:
        with self._lock:
            (self._idle.add if idle else self._idle.discard)(connection)

    def close_idle(self) -> None:
        """Close the kept-alive connections no request is on: the client's next needs a new one."""
        with self._lock:
            idle, self._idle = self._idle, set()
        for connection in idle:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def shutdown_request(self, request: Any) -> None:
        self.set_idle(request, False)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hung up (a cancelled long poll); keep other errors
        for the test in `internal_errors`."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            self.api.internal_errors.append(f"HTTP layer: {error!r}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Do not log requests to stderr."""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        http = cast("_HttpServer", self.server)
        http.set_idle(self.connection, False)
        with http.api.serving(url.path):
            self._answer(http.api, url.path, url.query)
        http.set_idle(self.connection, not self.close_connection)

    def _answer(self, api: BotApiServer, path: str, query: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        hang_up = api.take_hang_up(path.rsplit("/", 1)[-1])
        if hang_up == "before":
            # A network failure as the client sees it: the connection closes, no answer.
            self.close_connection = True
            return
        status, content_type, payload = api.handle_http(
            path,
            query,
            self.headers.get("Content-Type", ""),
            body,
        )
        if hang_up == "after":
            # Done, but the answer is lost on the way: the client cannot tell it from "before".
            self.close_connection = True
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True


def _json_response(status: int, body: JSON) -> _Response:
    return status, "application/json", json.dumps(body).encode()


# --------------------------------------------------------------------------- the server


class BotApiServer:
    """The Bot API on 127.0.0.1, with a test-side API to drive the bot and inspect what it did.

    All public methods are thread-safe and synchronous, except the `*_async` waiting helpers
    meant for tests whose bot runs in the test's own event loop (a blocking wait there would
    stop the bot). Time limits are in seconds.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        privacy_mode: bool = True,
        strict_ampersand: bool = True,
    ) -> None:
        """`privacy_mode` (BotFather's default) delivers only the group messages Telegram gives
        such a bot (see `_delivered`); `strict_ampersand` rejects a lone `&` in HTML."""
        self.token = token
        self.privacy_mode = privacy_mode
        self.strict_ampersand = strict_ampersand
        # Seconds an inline query may be answered in; a test of the limit sets it shorter.
        self.inline_query_timeout = INLINE_QUERY_TIMEOUT
        self._cond = threading.Condition(threading.RLock())
        self._closed = False
        self._reset_state()
        self._methods = self._method_table()
        self._http, self._thread = self._listener(("127.0.0.1", 0))

    def _listener(self, address: tuple[str, int]) -> tuple[_HttpServer, threading.Thread]:
        """An HTTP server listening on `address`, and the thread to serve it in."""
        http = _HttpServer(address)
        http.api = self
        thread = threading.Thread(
            target=http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="bot-api-server",
            daemon=True,
        )
        return http, thread

    def _reset_state(self) -> None:
        self.requests: list[ApiCall] = []
        self.chat_actions: list[ChatAction] = []
        self._drafts: list[Draft] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.internal_errors: list[str] = []
        self.undelivered: list[JSON] = []
        self.webhook_url = ""
        self._allowed_updates: frozenset[str] = frozenset()  # none named: Telegram's default
        self._updates: list[JSON] = []
        self._next_update_id = FIRST_UPDATE_ID
        self._deliveries = 0  # getUpdates answers that carried updates
        self._in_flight = 0  # requests being read or answered, long polls aside
        self._last_request = time.monotonic()  # when the last of them was answered
        self._poll_generation = 0
        self._chats: dict[int, JSON] = {}
        self._users: dict[int, JSON] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._next_message_id: dict[int, int] = {}
        self._sent: dict[int, list[SentMessage]] = {}
        self._read_cursor: dict[int, int] = {}
        self._callback_queries: dict[str, JSON] = {}
        self._admins: dict[int, list[int]] = {}
        self._owners: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._flood: list[_FloodRule] = []
        self._hang_ups: dict[str, list[HangUp]] = {}
        self._blocked: set[int] = set()
        self._inline_queries: dict[str, InlineQuery] = {}
        self._guest_queries: dict[str, GuestQuery] = {}
        self._not_member: set[int] = set()  # chats the bot has not joined (guest mode)
        self._inline_messages = 0
        self._topics: dict[int, dict[int, str]] = {}  # forum chat -> thread id -> topic name

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The root URL, e.g. `http://127.0.0.1:PORT`; the bot's base URL is `{url}/bot`."""
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What to give `ApplicationBuilder.base_url` (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give `ApplicationBuilder.base_file_url` (PTB appends the token)."""
        return f"{self.url}/file/bot"

    def start(self) -> BotApiServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def refuse_connections(self) -> None:
        """Stop listening: new connections are refused, as by a host that is down, until
        `accept_connections`. Idle kept-alive connections close, so the bot's next request
        needs a new one; requests being answered (a long poll) go on."""
        self._http.shutdown()
        self._http.server_close()
        self._http.close_idle()

    def accept_connections(self) -> None:
        """Listen again, on the same port, after `refuse_connections`."""
        self._http, self._thread = self._listener(self._http.server_address[:2])
        self._thread.start()

    def close(self) -> None:
        """Stop serving; pending long polls answer at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ HTTP dispatch

    @contextlib.contextmanager
    def serving(self, path: str) -> Iterator[None]:
        """Count the request for `path` as in flight while it is read and answered (for
        `wait_idle_async`). A getUpdates long poll is the bot waiting, not working: not counted."""
        if path.rsplit("/", 1)[-1].lower() == "getupdates":
            yield
            return
        with self._cond:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._last_request = time.monotonic()
                self._cond.notify_all()

    def handle_http(self, path: str, query: str, content_type: str, body: bytes) -> _Response:
        """Answer one HTTP request: status, content type and body."""
        path = unquote(path)  # PTB quotes file URLs: the token's ":" arrives as "%3A"
        file_prefix, api_prefix = f"/file/bot{self.token}/", f"/bot{self.token}/"
        if path.startswith(file_prefix):
            return self._download(path.removeprefix(file_prefix))
        if not path.startswith(api_prefix):
            if path.startswith(("/bot", "/file/bot")):
                return _json_response(401, ApiError(401, "Unauthorized").payload())
            return _json_response(404, ApiError(404, "Not Found").payload())
        method = path.removeprefix(api_prefix)
        try:
            params = parse_params(query, content_type, body)
        except (ValueError, UnicodeDecodeError) as err:
            return _json_response(400, bad_request(f"can't parse request: {err}").payload())
        except ApiError as err:
            return _json_response(err.code, err.payload())
        status, answer = self.call(method, params)
        return _json_response(status, answer)

    def call(self, method: str, params: JSON) -> tuple[int, JSON]:
        """Run one Bot API method as the HTTP layer does: status and JSON answer."""
        handler = self._methods.get(method.lower())
        with self._cond:
            record = ApiCall(method, _loggable(params))
            self.requests.append(record)
            try:
                result = self._run(handler, method, params)
            except ApiError as err:
                record.status, record.description = err.code, err.description
                return err.code, err.payload()
            except Exception as err:  # a bug of the server: answer 500, keep it for the test
                self.internal_errors.append(f"{method}: {err!r}")
                record.status, record.description = 500, repr(err)
                return 500, ApiError(500, f"Internal Server Error: {err!r}").payload()
            finally:
                self._cond.notify_all()
        return 200, {"ok": True, "result": result}

    def _run(self, handler: Callable[[JSON], Any] | None, method: str, params: JSON) -> Any:
        if handler is None:
            raise ApiError(404, f"Not Found: method {method}")
        _check_parameters(method, params)
        self._check_flood(params)
        return handler(params)

    def _method_table(self) -> dict[str, Callable[[JSON], Any]]:
        methods: dict[str, Callable[[JSON], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "sendMessageDraft": self._send_message_draft,
            "sendChatAction": self._send_chat_action,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "answerInlineQuery": self._answer_inline_query,
            "answerGuestQuery": self._answer_guest_query,
        }
        if methods.keys() != PARAMETERS.keys():
            raise RuntimeError("every method served needs its parameters in PARAMETERS")
        return {name.lower(): handler for name, handler in methods.items()}

    def _check_flood(self, params: JSON) -> None:
        if "chat_id" not in params:
            return
        try:
            chat_id: int | None = int(params["chat_id"])
        except (TypeError, ValueError):
            chat_id = None
        for rule in self._flood:
            if rule.remaining > 0 and rule.chat_id in (None, chat_id):
                rule.remaining -= 1
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {rule.retry_after}",
                    {"retry_after": rule.retry_after},
                )

    # ------------------------------------------------------------------ chats and users

    def _chat_type(self, chat_id: int) -> str:
        if chat_id > 0:
            return "private"
        return "supergroup" if chat_id < -1_000_000_000_000 else "group"

    def _ensure_user(self, user_id: int, **fields: Any) -> JSON:
        user = self._users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"},
        )
        user.update({k: v for k, v in fields.items() if v is not None})
        if user_id in self._chats:
            chat = self._chats[user_id]
            chat.update({k: user[k] for k in _USER_NAME_FIELDS if k in user})
        return user

    def _ensure_chat(self, chat_id: int, title: str | None = None) -> JSON:
        if chat_id not in self._chats:
            chat: JSON = {"id": chat_id, "type": self._chat_type(chat_id)}
            if chat_id < 0:
                chat["title"] = f"Group {-chat_id}"
            else:
                user = self._ensure_user(chat_id)
                chat.update({k: user[k] for k in _USER_NAME_FIELDS if k in user})
            self._chats[chat_id] = chat
            self._messages[chat_id] = {}
            self._sent[chat_id] = []
        if title is not None and chat_id < 0:
            self._chats[chat_id]["title"] = title
        return self._chats[chat_id]

    def _target_chat(self, params: JSON) -> int:
        raw = params.get("chat_id")
        if isinstance(raw, str) and raw.startswith("@"):
            found = [c["id"] for c in self._chats.values() if c.get("username") == raw[1:]]
            if not found:
                raise bad_request("chat not found")
            return int(found[0])
        chat_id = _int_param(params, "chat_id")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._not_member:
            raise ApiError(
                403, f"Forbidden: bot is not a member of the {self._chat_type(chat_id)} chat"
            )
        if chat_id not in self._chats:
            if chat_id > 0:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        return chat_id

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    # ------------------------------------------------------------------ Bot API: basics

    def _get_me(self, params: JSON) -> JSON:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        self._confirm_updates(_int_param(params, "offset", 0))
        limit = min(max(_int_param(params, "limit", 100), 1), 100)
        self._allow_updates(params)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        while not self._closed:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            # Telegram drops the updates of types the bot did not allow.
            self._updates = [u for u in self._updates if self._allowed(u)]
            ready = self._updates[:limit]
            if ready:
                self._deliveries += 1
                return ready
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        return []

    def _allow_updates(self, params: JSON) -> None:
        """The update types `allowed_updates` names, kept for later calls that name none (an
        empty list is Telegram's default: every type but `OPT_IN_UPDATES`)."""
        if params.get("allowed_updates") is not None:
            self._allowed_updates = frozenset(params["allowed_updates"])

    def _allowed(self, update: JSON) -> bool:
        kinds = set(update) - {"update_id"}
        if self._allowed_updates:
            return bool(kinds & self._allowed_updates)
        return not kinds <= OPT_IN_UPDATES

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _set_webhook(self, params: JSON) -> bool:
        self.webhook_url = str(params.get("url") or "")
        self._allow_updates(params)
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: JSON) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSON) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an array of at most 100 BotCommand")
        for command in commands:
            if not _COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [dict(c) for c in commands]
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        return list(self.commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSON) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    # ------------------------------------------------------------------ Bot API: messages

    def _parse(self, text: str, parse_mode: str | None, entities: Any) -> _Rendered:
        """The text as a client shows it, and its entities, by this server's HTML rules."""
        return render_text(
            text,
            parse_mode,
            entities if isinstance(entities, list) else None,
            strict_ampersand=self.strict_ampersand,
        )

    def _render(self, text: str | None, parse_mode: str | None, entities: Any) -> _Rendered:
        if text is None or not text.strip():
            raise bad_request("message text is empty")
        plain, found = self._parse(text, parse_mode, entities)
        if not plain:
            raise bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return plain, found

    def _reply_target(self, chat_id: int, params: JSON) -> int | None:
        reply = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
        else:
            message_id = params.get("reply_to_message_id")
        if message_id is None:
            return None
        if int(message_id) in self._messages.get(chat_id, {}):
            return int(message_id)
        if allow:
            return None
        raise bad_request("message to be replied not found")

    def _send_topic(self, chat_id: int, params: JSON, reply_to: int | None) -> int | None:
        """The topic a message sent with `params` goes to.

        `message_thread_id` must name a topic of a forum (General has none: id 1 is refused,
        as by Telegram). A reply goes to the topic of the message it replies to, whatever
        `message_thread_id` says: Telegram's threads are chains of replies, and the reply wins
        (tdlib/telegram-bot-api#798, PaulSonOfLars/gotgbot#196).
        """
        thread = None
        if params.get("message_thread_id") is not None:
            thread = _int_param(params, "message_thread_id")
            if thread not in self._topics.get(chat_id, {}):
                raise bad_request("message thread not found")
        if reply_to is not None:
            replied = self._messages[chat_id].get(reply_to, {})
            thread = replied.get("message_thread_id") if replied.get("is_topic_message") else None
        return thread

    def _send_message(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        text, parse_mode = _str_param(params, "text"), _str_param(params, "parse_mode")
        plain, entities = self._render(text, parse_mode, params.get("entities"))
        sent = self._new_sent(
            chat_id, params, text=text, parse_mode=parse_mode, plain=plain, entities=entities
        )
        return self._record_sent(sent)

    def _new_sent(
        self,
        chat_id: int,
        params: JSON,
        *,
        text: str | None,
        parse_mode: str | None,
        plain: str | None,
        entities: list[JSON],
        **fields: Any,
    ) -> SentMessage:
        """A message the bot sends now to `chat_id`, with the markup, reply and topic `params`
        name."""
        reply_to = self._reply_target(chat_id, params)
        thread = self._send_topic(chat_id, params, reply_to)
        return SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            parse_mode=parse_mode,
            reply_markup=check_reply_markup(params.get("reply_markup")),
            reply_to_message_id=reply_to,
            message_thread_id=thread,
            date=int(time.time()),
            plain_text=plain,
            entities=entities,
            first_text=text,
            **fields,
        )

    def _send_document(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        stored = self._document_param(params.get("document"))
        caption, parse_mode = _str_param(params, "caption"), _str_param(params, "parse_mode")
        plain: str | None = None
        entities: list[JSON] = []
        if caption:
            plain, entities = self._parse(caption, parse_mode, params.get("caption_entities"))
            if len(plain) > MAX_CAPTION_LENGTH:
                raise bad_request("message caption is too long")
        sent = self._new_sent(
            chat_id,
            params,
            text=caption,
            parse_mode=parse_mode,
            plain=plain,
            entities=entities,
            method="sendDocument",
            document=stored.document(),
        )
        return self._record_sent(sent)

    def _document_param(self, value: Any) -> StoredFile:
        if isinstance(value, UploadedFile):
            return self._store_file(value.content, value.file_name, value.mime_type)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if value is None:
            raise bad_request("there is no document in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _record_sent(self, sent: SentMessage) -> JSON:
        self._sent[sent.chat_id].append(sent)
        message = self._message_json(sent)
        self._messages[sent.chat_id][sent.message_id] = message
        return message

    def _message_json(self, sent: SentMessage) -> JSON:
        message: JSON = {
            "message_id": sent.message_id,
            "date": sent.date,
            "chat": dict(self._chats[sent.chat_id]),
            "from": dict(BOT_USER if sent.from_id == BOT_ID else self._users[sent.from_id]),
        }
        if sent.via_bot:
            message["via_bot"] = dict(BOT_USER)
        if sent.guest_caller_id is not None:
            message["guest_bot_caller_user"] = dict(self._users[sent.guest_caller_id])
        if sent.message_thread_id is not None:
            message.update(message_thread_id=sent.message_thread_id, is_topic_message=True)
        kind = "caption" if sent.document is not None else "text"
        if sent.document is not None:
            message["document"] = sent.document
        if sent.plain_text is not None:
            message[kind] = sent.plain_text
            if sent.entities:
                message[f"{kind}_entities" if kind == "caption" else "entities"] = sent.entities
        if _inline(sent.reply_markup):
            message["reply_markup"] = sent.reply_markup
        if sent.reply_to_message_id is not None:
            replied = self._messages[sent.chat_id].get(sent.reply_to_message_id)
            if replied is not None:
                message["reply_to_message"] = {
                    k: v for k, v in replied.items() if k != "reply_to_message"
                }
        if sent.edits:
            message["edit_date"] = sent.edits[-1].date
        return message

    def _editable(self, params: JSON) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the test server")
        chat_id = self._target_chat(params)
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        message_id = _int_param(params, "message_id")
        for sent in self._sent[chat_id]:
            if sent.message_id == message_id and not sent.deleted:
                return sent
        if message_id in self._messages[chat_id]:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")

    def _apply_edit(self, sent: SentMessage, text: str | None, markup: JSON | None) -> JSON:
        now = int(time.time())
        sent.text, sent.reply_markup = text, markup
        sent.edits.append(MessageEdit(text, sent.parse_mode, markup, now))
        message = self._message_json(sent)
        self._messages[sent.chat_id][sent.message_id] = message
        return message

    def _edit_message_text(self, params: JSON) -> JSON:
        sent = self._editable(params)
        if sent.document is not None:
            raise bad_request("there is no text in the message to edit")
        text, parse_mode = _str_param(params, "text"), _str_param(params, "parse_mode")
        plain, entities = self._render(text, parse_mode, params.get("entities"))
        markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
        current = (sent.plain_text, sent.entities, _inline(sent.reply_markup))
        if (plain, entities, markup) == current:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        sent.plain_text, sent.entities, sent.parse_mode = plain, entities, parse_mode
        return self._apply_edit(sent, text, markup)

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        sent = self._editable(params)
        markup = check_reply_markup(params.get("reply_markup"), inline_only=True)
        if markup == _inline(sent.reply_markup):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        return self._apply_edit(sent, sent.text, markup)

    def _delete_message(self, params: JSON) -> bool:
        chat_id = self._target_chat(params)
        message_id = _int_param(params, "message_id")
        message = self._messages[chat_id].get(message_id)
        if message is None:
            raise bad_request("message to delete not found")
        from_bot = message.get("from", {}).get("id") == BOT_ID
        if chat_id < 0 and not from_bot and BOT_ID not in self._admins.get(chat_id, []):
            raise bad_request("message can't be deleted")
        del self._messages[chat_id][message_id]
        for sent in self._sent[chat_id]:
            if sent.message_id == message_id:
                sent.deleted = True
        return True

    def _send_message_draft(self, params: JSON) -> bool:
        """A draft streamed to a private chat, within the Bot API's rules for one."""
        chat_id = self._target_chat(params)
        if chat_id < 0:
            # Telegram's own wording for this refusal is not documented; this one says why.
            raise bad_request("message drafts can be sent only to private chats")
        draft_id = _int_param(params, "draft_id")
        if draft_id == 0:
            raise bad_request("draft_id must be non-zero")
        self._send_topic(chat_id, params, None)  # private chats here have no topics
        text, parse_mode = _str_param(params, "text") or "", _str_param(params, "parse_mode")
        plain, entities = "", []
        if text:
            plain, entities = self._parse(text, parse_mode, params.get("entities"))
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        self._drafts.append(Draft(chat_id, draft_id, text, parse_mode, plain, entities))
        return True

    def _send_chat_action(self, params: JSON) -> bool:
        chat_id = self._target_chat(params)
        action = _str_param(params, "action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        thread = self._send_topic(chat_id, params, None)
        self.chat_actions.append(ChatAction(chat_id, action, int(time.time()), thread))
        return True

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = _str_param(params, "callback_query_id") or ""
        query = self._callback_queries.pop(query_id, None)
        if query is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid",
            )
        text = _str_param(params, "text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        message = query.get("message") or {}
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=bool(params.get("show_alert")),
                url=_str_param(params, "url"),
                chat_id=message.get("chat", {}).get("id"),
                data=query.get("data"),
            ),
        )
        return True

    # ------------------------------------------------------------------ Bot API: inline, guest

    def _answer_inline_query(self, params: JSON) -> bool:
        """Answer a query once, in time, with at most 50 checked results (`InlineAnswer`)."""
        query = self._inline_queries.get(_str_param(params, "inline_query_id") or "")
        if query is None or query.answer is not None:
            raise bad_request(_QUERY_INVALID)
        if time.monotonic() - query.at > self.inline_query_timeout:
            raise bad_request(_QUERY_INVALID)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = [self._check_inline_result(result) for result in results]
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        if len((_str_param(params, "next_offset") or "").encode()) > MAX_RESULT_ID:
            raise bad_request("NEXT_OFFSET_INVALID")
        query.answer = InlineAnswer(
            query_id=query.query_id,
            user_id=query.user_id,
            query=query.query,
            results=results,
            cache_time=_int_param(params, "cache_time", 300),
            is_personal=bool(params.get("is_personal")),
            button=_check_results_button(params.get("button")),
        )
        return True

    def _check_inline_result(self, result: Any) -> str:
        """The id of an article result, checked as Telegram checks it; other types refused."""
        if not isinstance(result, dict):
            raise bad_request("can't parse InlineQueryResult JSON object")
        if result.get("type") != "article":
            raise bad_request(f"inline result type {result.get('type')!r} is not supported here")
        if unknown := sorted(set(result) - _ARTICLE_FIELDS):
            raise bad_request(f"unsupported field {unknown[0]} of InlineQueryResultArticle")
        result_id = str(result.get("id") or "")
        if not 1 <= len(result_id.encode()) <= MAX_RESULT_ID:
            raise bad_request("RESULT_ID_INVALID")
        if not str(result.get("title") or "").strip():
            raise bad_request("RESULT_TITLE_EMPTY")
        check_reply_markup(result.get("reply_markup"), inline_only=True)
        self._inline_text(result)
        return result_id

    def _inline_text(self, result: JSON) -> tuple[str, str | None, _Rendered]:
        """The text a result sends, its parse mode, and what a reader sees of it."""
        content = result.get("input_message_content")
        if not isinstance(content, dict) or "message_text" not in content:
            raise bad_request("input_message_content must be an InputTextMessageContent here")
        if unknown := sorted(set(content) - _TEXT_CONTENT_FIELDS):
            raise bad_request(f"unsupported field {unknown[0]} of InputTextMessageContent")
        text, parse_mode = str(content["message_text"]), _str_param(content, "parse_mode")
        plain, found = self._parse(text, parse_mode, content.get("entities"))
        if not plain:
            raise bad_request("MESSAGE_EMPTY")
        if len(plain) > MAX_TEXT_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        return text, parse_mode, (plain, found)

    def _answer_guest_query(self, params: JSON) -> JSON:
        """Post the result into the guest query's chat, once: a `SentGuestMessage`."""
        query = self._guest_queries.get(_str_param(params, "guest_query_id") or "")
        if query is None or query.answered:
            raise bad_request(_QUERY_INVALID)
        result = cast("JSON", params.get("result"))
        self._check_inline_result(result)  # refuses anything but an article's object
        query.answered = True
        sent = self._inline_sent(query.chat_id, result, BOT_ID, method="answerGuestQuery")
        sent.guest_caller_id = query.user_id
        self._record_sent(sent)
        return {"inline_message_id": sent.inline_message_id}

    def _inline_sent(self, chat_id: int, result: JSON, from_id: int, method: str) -> SentMessage:
        """The message a result makes in `chat_id`, sent by `from_id`."""
        text, parse_mode, (plain, entities) = self._inline_text(result)
        self._inline_messages += 1
        return SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            parse_mode=parse_mode,
            reply_markup=result.get("reply_markup"),
            reply_to_message_id=None,
            date=int(time.time()),
            plain_text=plain,
            entities=entities,
            method=method,
            first_text=text,
            from_id=from_id,
            inline_message_id=f"AgAAA{self._inline_messages:08d}",
        )

    # ------------------------------------------------------------------ Bot API: files, chats

    def _get_file(self, params: JSON) -> JSON:
        stored = self._files.get(_str_param(params, "file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _download(self, file_path: str) -> _Response:
        with self._cond:
            found = [f for f in self._files.values() if f.file_path == file_path]
        if not found:
            return _json_response(404, ApiError(404, "Not Found").payload())
        return 200, found[0].mime_type, found[0].content

    def _get_chat(self, params: JSON) -> JSON:
        chat = self._chats[self._target_chat(params)]
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _member_json(self, chat_id: int, user_id: int) -> JSON:
        user = dict(BOT_USER) if user_id == BOT_ID else dict(self._ensure_user(user_id))
        if self._owners.get(chat_id) == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id not in self._admins.get(chat_id, []):
            return {"status": "member", "user": user}
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
        )
        member: JSON = {"status": "administrator", "user": user, "is_anonymous": False}
        member.update(dict.fromkeys(rights, True))
        member["can_be_edited"] = user_id == BOT_ID
        return member

    def _get_chat_member(self, params: JSON) -> JSON:
        chat_id = self._target_chat(params)
        user_id = _int_param(params, "user_id")
        if chat_id > 0 and user_id not in (chat_id, BOT_ID):
            raise bad_request("user not found")
        return self._member_json(chat_id, user_id)

    def _get_chat_administrators(self, params: JSON) -> list[JSON]:
        chat_id = self._target_chat(params)
        if chat_id > 0:
            raise bad_request("there are no administrators in the private chat")
        ids = [self._owners[chat_id]] if chat_id in self._owners else []
        ids += [i for i in self._admins.get(chat_id, []) if i not in ids]
        return [self._member_json(chat_id, user_id) for user_id in ids]

    # ------------------------------------------------------------------ test side: setup

    def set_admins(
        self,
        chat_id: int,
        user_ids: Iterable[int],
        *,
        owner: int | None = None,
    ) -> None:
        """Make `user_ids` the administrators of group `chat_id` (include `BOT_ID` to make the
        bot one); `owner` is the chat's creator, also listed by getChatAdministrators."""
        with self._cond:
            self._ensure_chat(chat_id)
            self._admins[chat_id] = list(user_ids)
            if owner is not None:
                self._owners[chat_id] = owner
                self._ensure_user(owner)
            for user_id in self._admins[chat_id]:
                if user_id != BOT_ID:
                    self._ensure_user(user_id)

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JSON:
        """Register or update a user; returns the `User` object."""
        with self._cond:
            return dict(
                self._ensure_user(
                    user_id,
                    first_name=first_name,
                    last_name=last_name,
                    username=username,
                    language_code=language_code,
                ),
            )

    def add_chat(self, chat_id: int, *, title: str | None = None, is_forum: bool = False) -> JSON:
        """Make a chat known to the bot (a group the bot is in, a user who started it);
        `is_forum`: a supergroup with topics (`add_topic`)."""
        with self._cond:
            chat = self._ensure_chat(chat_id, title)
            if is_forum:
                if chat["type"] != "supergroup":
                    raise ValueError("only supergroups have topics")
                chat["is_forum"] = True
                self._topics.setdefault(chat_id, {})
            return dict(chat)

    def add_topic(self, chat_id: int, name: str, *, creator: int = 1) -> int:
        """A user creates a topic in forum `chat_id`; returns its thread id, the id of the
        service message that created it (the bot is not sent that message)."""
        with self._cond:
            if chat_id not in self._topics:
                raise ValueError(f"chat {chat_id} is no forum: add_chat(..., is_forum=True)")
            thread = self._new_message_id(chat_id)
            self._topics[chat_id][thread] = name
            self._messages[chat_id][thread] = {
                "message_id": thread,
                "message_thread_id": thread,
                "is_topic_message": True,
                "date": int(time.time()),
                "chat": dict(self._chats[chat_id]),
                "from": dict(self._ensure_user(creator)),
                "forum_topic_created": {"name": name, "icon_color": 7322096},
            }
            return thread

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to them answers 403."""
        with self._cond:
            self._blocked.add(user_id)

    def hang_up(self, method: str, count: int = 1, *, when: HangUp = "before") -> None:
        """The next `count` calls of `method` get their connection closed without an answer:
        `before` handling them (nothing happens) or `after` (done, e.g. the message sent)."""
        with self._cond:
            self._hang_ups.setdefault(method, []).extend([when] * count)

    def take_hang_up(self, method: str) -> HangUp | None:
        """When to hang up on this call of `method`, if it is one to hang up on (and count it)."""
        with self._cond:
            pending = self._hang_ups.get(method)
            return pending.pop(0) if pending else None

    def flood(self, count: int = 1, *, chat_id: int | None = None, retry_after: int = 1) -> None:
        """The next `count` requests for `chat_id` (any chat if None) answer 429 with
        `parameters.retry_after`, as Telegram's flood control does."""
        with self._cond:
            self._flood.append(_FloodRule(chat_id, count, retry_after))

    def register_file(
        self,
        content: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
    ) -> StoredFile:
        """Store a file the bot can fetch with getFile and download."""
        with self._cond:
            return self._store_file(content, file_name, mime_type)

    def _store_file(self, content: bytes, file_name: str, mime_type: str) -> StoredFile:
        number = len(self._files) + 1
        suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"documents/file_{number}.{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            content=content,
        )
        self._files[stored.file_id] = stored
        return stored

    # ------------------------------------------------------------------ test side: updates

    def inject(self, update: JSON) -> JSON:
        """Queue a raw update (its `update_id` is assigned) and return it."""
        with self._cond:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id = update["update_id"] + 1
            self._updates.append(update)
            self._cond.notify_all()
            return update

    def private_message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        reply_to: JSON | int | None = None,
        date: int | None = None,
    ) -> JSON:
        """The user writes `text` to the bot in their private chat; returns the Update.

        `date` is the Unix time Telegram stamps on the message: now unless given (a test
        sends a message "later" without waiting).
        """
        with self._cond:
            self._ensure_user(
                user_id,
                first_name=first_name,
                username=username,
                language_code=language_code,
            )
            fields: JSON = {"text": text} if date is None else {"text": text, "date": date}
            return self._user_message(user_id, user_id, fields, reply_to)

    def group_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: JSON | int | None = None,
        first_name: str | None = None,
        title: str | None = None,
        thread: int | None = None,
    ) -> JSON:
        """The user writes `text` in group `chat_id` (negative; below -10**12 a supergroup).

        `reply_to` is a message (dict, e.g. a bot's message JSON or an Update's message) or
        a message_id in that chat; `thread` the forum topic written in (None: General, or the
        replied message's topic). Commands and mentions get their entities.
        """
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        with self._cond:
            self._ensure_user(user_id, first_name=first_name)
            self._ensure_chat(chat_id, title)
            return self._user_message(chat_id, user_id, {"text": text}, reply_to, thread)

    def command(
        self,
        chat_id: int,
        user_id: int,
        command: str,
        args: str = "",
        *,
        mention: bool = False,
        thread: int | None = None,
    ) -> JSON:
        """The user sends `/command[@bot] args` in a chat (private when chat_id == user_id),
        in forum topic `thread` if given."""
        if chat_id > 0 and chat_id != user_id:
            raise ValueError("a private chat's id is its user's id")
        text = f"/{command.lstrip('/')}" + (f"@{BOT_USERNAME}" if mention else "")
        text += f" {args}" if args else ""
        if chat_id > 0:
            return self.private_message(user_id, text)
        return self.group_message(chat_id, user_id, text, thread=thread)

    def callback(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        data: str,
        *,
        modified_client: bool = False,
    ) -> JSON:
        """The user presses the button with `data` under bot message `message_id`.

        With `modified_client`, `data` need not be on any button: the Bot API warns that a bad
        client can send arbitrary data in a callback query.
        """
        with self._cond:
            sent = next(
                (s for s in self._sent.get(chat_id, []) if s.message_id == message_id),
                None,
            )
            if sent is None or sent.deleted:
                raise ValueError(f"no bot message {message_id} in chat {chat_id}")
            if not modified_client and data not in sent.callback_data:
                raise ValueError(f"message {message_id} has no button {data!r}: {sent.buttons}")
            query_id = f"{user_id}{self._next_update_id}"
            query: JSON = {
                "id": query_id,
                "from": dict(self._ensure_user(user_id)),
                "message": dict(self._messages[chat_id][message_id]),
                "chat_instance": str(abs(chat_id) * 7 + 3),
                "data": data,
            }
            self._callback_queries[query_id] = query
            return self.inject({"callback_query": query})

    def document(  # noqa: PLR0917
        self,
        chat_id: int,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> JSON:
        """The user sends a file (registered for getFile and download) with an optional
        caption; returns the Update."""
        with self._cond:
            self._ensure_user(user_id)
            self._ensure_chat(chat_id)
            stored = self._store_file(content, file_name, mime_type)
            fields: JSON = {"document": stored.document()}
            if caption is not None:
                fields["caption"] = caption
            return self._user_message(chat_id, user_id, fields, None)

    def forwarded(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        origin_user: int | None = None,
        origin_channel: int | None = None,
        channel_title: str = "News Channel",
        origin_message_id: int = 1,
        hidden_user_name: str | None = None,
    ) -> JSON:
        """The user forwards a message with `text` from another user, a channel (negative
        id) or a user who hides their account; returns the Update."""
        with self._cond:
            self._ensure_user(user_id)
            self._ensure_chat(chat_id)
            origin: JSON = {"date": int(time.time()) - 60}
            if origin_channel is not None:
                channel = {"id": origin_channel, "type": "channel", "title": channel_title}
                origin.update(type="channel", chat=channel, message_id=origin_message_id)
            elif origin_user is not None:
                origin.update(type="user", sender_user=dict(self._ensure_user(origin_user)))
            else:
                origin.update(type="hidden_user", sender_user_name=hidden_user_name or "Hidden")
            fields = {"text": text, "forward_origin": origin}
            return self._user_message(chat_id, user_id, fields, None)

    def reaction(
        self,
        chat_id: int,
        user_id: int,
        message_id: int,
        old: Iterable[str] = (),
        new: Iterable[str] = (),
    ) -> JSON:
        """The user changes their reaction to message `message_id` from the emoji `old` to
        `new` (empty: none); returns the `message_reaction` Update.

        Telegram sends it only to a bot that allowed the type (`allowed_updates`) and, in a
        group, only to one that is an administrator there; otherwise it is kept in
        `undelivered` and its `update_id` is None.
        """
        with self._cond:
            if message_id not in self._messages.get(chat_id, {}):
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            reaction: JSON = {
                "chat": dict(self._chats[chat_id]),
                "message_id": message_id,
                "user": dict(self._ensure_user(user_id)),
                "date": int(time.time()),
                "old_reaction": [{"type": "emoji", "emoji": emoji} for emoji in old],
                "new_reaction": [{"type": "emoji", "emoji": emoji} for emoji in new],
            }
            update: JSON = {"message_reaction": reaction}
            if chat_id < 0 and BOT_ID not in self._admins.get(chat_id, []):
                self.undelivered.append(reaction)
                return {"update_id": None, **update}
            return self.inject(update)

    def _user_message(
        self,
        chat_id: int,
        user_id: int,
        fields: JSON,
        reply_to: JSON | int | None,
        thread: int | None = None,
    ) -> JSON:
        self._ensure_chat(chat_id)
        replied = self._replied(chat_id, reply_to) if reply_to is not None else None
        if replied is not None and replied.get("is_topic_message"):
            if thread not in (None, replied["message_thread_id"]):
                raise ValueError("a reply is in the topic of the message it replies to")
            thread = replied["message_thread_id"]
        if thread is not None and thread not in self._topics.get(chat_id, {}):
            raise ValueError(f"no topic {thread} in chat {chat_id}")
        topic: JSON = {} if thread is None else {"message_thread_id": thread}
        message: JSON = {
            "message_id": self._new_message_id(chat_id),
            "date": int(time.time()),
            "chat": dict(self._chats[chat_id]),
            "from": dict(self._users[user_id]),
            **topic,
            **({"is_topic_message": True} if topic else {}),
            **fields,
        }
        for key in ("text", "caption"):
            entities = detect_entities(message[key]) if message.get(key) else []
            if entities:
                message["entities" if key == "text" else "caption_entities"] = entities
        if replied is not None:
            message["reply_to_message"] = replied
        self._messages[chat_id][message["message_id"]] = message
        update: JSON = {"message": message}
        if not self._delivered(message):
            self.undelivered.append(message)
            return {"update_id": None, **update}
        return self.inject(update)

    def inline_query(
        self, user_id: int, query: str, *, chat_type: str = "sender", language_code: str = "en"
    ) -> str:
        """The user types `@bot query` in a chat of `chat_type`; returns the query's id.

        Each keystroke is a new query, as Telegram sends them; each may be answered once,
        within `inline_query_timeout` seconds.
        """
        with self._cond:
            user = self._ensure_user(user_id, language_code=language_code)
            query_id = f"{user_id}{self._next_update_id}"
            self._inline_queries[query_id] = InlineQuery(query_id, user_id, query)
            inline = {"id": query_id, "from": dict(user), "query": query, "offset": ""}
            self.inject({"inline_query": {**inline, "chat_type": chat_type}})
            return query_id

    def inline_answers(self, user_id: int | None = None) -> list[InlineAnswer]:
        """The bot's answers to inline queries (of one user), in the order queried."""
        with self._cond:
            queries = self._inline_queries.values()
            found = [q.answer for q in queries if user_id in (None, q.user_id)]
            return [answer for answer in found if answer is not None]

    async def inline_answer_async(
        self,
        query_id: str,
        timeout: float = 60,  # noqa: ASYNC109
    ) -> InlineAnswer:
        """The bot's answer to the inline query, once it is given."""
        return await self.wait_for_async(lambda: self._inline_queries[query_id].answer, timeout)

    def choose_inline_result(
        self, user_id: int, chat_id: int, query_id: str, result_id: str
    ) -> SentMessage:
        """The user picks a result of their query: it is sent into `chat_id` as their message
        via the bot, which the chat's members see (and the bot gets as any message there)."""
        with self._cond:
            query = self._inline_queries[query_id]
            if query.user_id != user_id or query.answer is None:
                raise ValueError(f"user {user_id} has no answered inline query {query_id}")
            result = next((r for r in query.answer.results if r["id"] == result_id), None)
            if result is None:
                raise ValueError(f"the answer to {query_id} has no result {result_id!r}")
            self._ensure_chat(chat_id)
            sent = self._inline_sent(chat_id, result, user_id, method="inline")
            sent.via_bot = True
            message = self._record_sent(sent)
            if self._delivered(message):
                self.inject({"message": message})
            return sent

    def guest_message(
        self, user_id: int, chat_id: int, text: str, *, language_code: str = "en"
    ) -> JSON:
        """The user mentions the bot in group `chat_id`, which the bot has not joined (guest
        mode); returns the `guest_message` Update. Messages the bot sends there fail."""
        if chat_id >= 0:
            raise ValueError("guest messages are tested in groups (negative ids)")
        if f"@{BOT_USERNAME}".lower() not in text.lower():
            raise ValueError("a guest message mentions the bot")
        with self._cond:
            if chat_id in self._chats and chat_id not in self._not_member:
                raise ValueError(f"the bot is in chat {chat_id}: there it gets messages")
            self._ensure_user(user_id, language_code=language_code)
            self._ensure_chat(chat_id)
            self._not_member.add(chat_id)
            query_id = f"g{user_id}{self._next_update_id}"
            message: JSON = {
                "message_id": self._new_message_id(chat_id),
                "date": int(time.time()),
                "chat": dict(self._chats[chat_id]),
                "from": dict(self._users[user_id]),
                "text": text,
                "entities": detect_entities(text),
                "guest_query_id": query_id,
            }
            self._messages[chat_id][message["message_id"]] = message
            self._guest_queries[query_id] = GuestQuery(query_id, chat_id, user_id)
            return self.inject({"guest_message": message})

    def _replied(self, chat_id: int, reply_to: JSON | int) -> JSON:
        message_id = reply_to if isinstance(reply_to, int) else int(reply_to["message_id"])
        replied = self._messages[chat_id].get(message_id)
        if replied is None:
            raise ValueError(f"no message {message_id} in chat {chat_id}")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    def _delivered(self, message: JSON) -> bool:
        """Whether Telegram gives the bot this message.

        Always, except in a group under privacy mode where the bot is no admin: then only
        commands (not those addressed to another bot) and replies to the bot's messages;
        plain mentions of the bot are not delivered, as with the real Bot API.
        """
        chat_id = message["chat"]["id"]
        if not self.privacy_mode or chat_id > 0 or BOT_ID in self._admins.get(chat_id, []):
            return True
        replied = message.get("reply_to_message", {})
        if replied.get("from", {}).get("id") == BOT_ID:
            return True
        command = _COMMAND_RE.match(message.get("text") or message.get("caption") or "")
        if command is None:
            return False
        _, _, addressee = command.group().partition("@")
        return addressee.lower() in ("", BOT_USERNAME.lower())

    # ------------------------------------------------------------------ test side: inspection

    def messages(
        self,
        chat_id: int,
        *,
        thread: int | EllipsisType | None = ...,
        include_deleted: bool = False,
    ) -> list[SentMessage]:
        """The bot's messages in a chat and those sent via it, oldest first (live objects:
        edits show up in them).

        `thread` keeps one forum topic's (None: General's); all of the chat's by default.
        """
        with self._cond:
            return [
                m
                for m in self._sent.get(chat_id, [])
                if (include_deleted or not m.deleted)
                and (thread is ... or m.message_thread_id == thread)
            ]

    def all_messages(self) -> list[SentMessage]:
        """Every message the bot sent, in all chats, in order of message date and id."""
        with self._cond:
            every = [m for sent in self._sent.values() for m in sent]
        return sorted(every, key=lambda m: (m.date, m.chat_id, m.message_id))

    def last_text(self, chat_id: int, *, plain: bool = False) -> str | None:
        """The text of the bot's last undeleted message in the chat after its last edit, as
        sent (`plain`: as the user sees it); None if there is none."""
        found = self.messages(chat_id)
        if not found:
            return None
        return found[-1].plain_text if plain else found[-1].text

    def calls(self, method: str) -> list[ApiCall]:
        """The recorded requests of one method (case-insensitive)."""
        with self._cond:
            return [c for c in self.requests if c.method.lower() == method.lower()]

    def drafts(self, chat_id: int) -> list[Draft]:
        """The drafts the bot streamed to a private chat, in order (one per sendMessageDraft)."""
        with self._cond:
            return [d for d in self._drafts if d.chat_id == chat_id]

    def actions(self, chat_id: int, *, thread: int | EllipsisType | None = ...) -> list[str]:
        """The chat actions the bot sent to a chat (to one topic, None: General), in order."""
        with self._cond:
            return [
                a.action
                for a in self.chat_actions
                if a.chat_id == chat_id and (thread is ... or a.message_thread_id == thread)
            ]

    def commands_set(self, *, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands the bot set for a scope (default scope) and language."""
        with self._cond:
            return self._get_my_commands({"scope": scope, "language_code": language_code})

    @property
    def pending_updates(self) -> int:
        """How many injected updates the bot has not confirmed yet."""
        with self._cond:
            return len(self._updates)

    # ------------------------------------------------------------------ test side: waiting

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 10) -> T:
        """Block until `predicate()` is truthy (checked at every change); return its value.

        Raises TimeoutError. Never call it from the event loop the bot runs in.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met in {timeout}s; {self._summary()}")
                self._cond.wait(min(remaining, 0.1))

    async def wait_for_async(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10,  # noqa: ASYNC109
    ) -> T:
        """`wait_for` for a test whose bot runs in the same event loop: polls and yields."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met in {timeout}s; {self._summary()}")
            await asyncio.sleep(0.01)

    def _take(self, chat_id: int, count: int) -> list[SentMessage] | None:
        sent = self._sent.get(chat_id, [])
        cursor = self._read_cursor.get(chat_id, 0)
        if len(sent) - cursor < count:
            return None
        self._read_cursor[chat_id] = cursor + count
        return sent[cursor : cursor + count]

    def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 10,
    ) -> list[SentMessage]:
        """Wait for the next `count` bot messages in the chat that no earlier call returned."""
        return self.wait_for(lambda: self._take(chat_id, count), timeout)

    async def wait_for_messages_async(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 10,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """`wait_for_messages` for a bot running in the test's event loop."""
        return await self.wait_for_async(lambda: self._take(chat_id, count), timeout)

    async def wait_idle_async(
        self,
        update_queue: UpdateQueue,
        timeout: float = 10,  # noqa: ASYNC109
        *,
        quiet: float = 0.1,
    ) -> None:
        """Wait until the bot has handled every update injected so far and gone quiet: only
        then can a test check that the bot did *not* do something.

        `update_queue` is the `Application.update_queue` of a bot polling in this event loop.
        Idle is all of, at one moment:

        1. Every injected update confirmed, by a getUpdates whose offset is past it. PTB's
           Updater puts a whole batch on `update_queue` before it asks for the next one, so a
           confirmed update is in the bot's hands. That alone is not enough: with
           `concurrent_updates` the Application takes each update off the queue into a task of
           its own, and its handlers may work for a while without a word to the server.
        2. `update_queue.join()` returned, with no update fetched since step 1. The
           Application calls `task_done()` for an update only when its handlers, error
           handlers included, have returned (`Application.__process_update_wrapper`),
           concurrently processed or not.
        3. No request of the bot in flight, and none answered for `quiet` seconds: for work
           no update stands for (a job, a task left running by `Application.create_task`).
           Handlers run with `block=False` are such tasks too: only this quiet time covers them.

        Raises TimeoutError, saying what the bot did last, when it is not idle in `timeout`.
        """
        try:
            async with asyncio.timeout(timeout):
                await self._settle(update_queue, quiet)
        except TimeoutError:
            with self._cond:
                summary = self._summary()
            raise TimeoutError(f"the bot did not go idle in {timeout}s; {summary}") from None

    async def _settle(self, update_queue: UpdateQueue, quiet: float) -> None:
        """Steps 1 to 3 of `wait_idle_async` holding at one moment; the queue is joined again
        whenever an update was fetched since it was last joined."""
        joined: int | None = None  # the count of deliveries when the queue was last joined
        while True:
            with self._cond:
                confirmed, deliveries = not self._updates, self._deliveries
                silent = self._in_flight == 0 and time.monotonic() - self._last_request >= quiet
            if confirmed and deliveries != joined:
                await update_queue.join()
                joined = deliveries
            elif confirmed and silent:
                return
            else:
                await asyncio.sleep(0.01)

    def _summary(self) -> str:
        sent = {chat: [m.text for m in msgs] for chat, msgs in self._sent.items() if msgs}
        last = [f"{c.method}->{c.status}" for c in self.requests[-8:]]
        return f"bot messages: {sent}; last requests: {last}; pending updates: {len(self._updates)}"
