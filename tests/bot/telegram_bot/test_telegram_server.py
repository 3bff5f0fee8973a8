"""The local Bot API server, driven by the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.bot.telegram_bot.telegram_server import (
    BOT_ID,
    BOT_USERNAME,
    BotApiServer,
    HtmlParser,
    render_text,
)

USER = 1001
GROUP = -1_001_234_567_890


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as running:
        yield running


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with Bot(
        server.token,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
    ) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_get_me_describes_the_bot(server: BotApiServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, BOT_USERNAME, True)
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert server.calls("getMe")


async def test_echo_application_gets_messages_by_long_polling(server: BotApiServer) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"started with {context.args}")

    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(server.token)
        .base_url(f"{server.url}/bot")
        .base_file_url(f"{server.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        server.private_message(USER, "hello <there>")
        [reply] = await server.wait_for_messages_async(USER)
        server.command(USER, USER, "start", "deep-link")
        [started] = await server.wait_for_messages_async(USER)
        await application.updater.stop()
        await application.stop()
    assert (reply.text, reply.chat_id, reply.message_id) == ("echo: hello <there>", USER, 2)
    assert started.text == "started with ['deep-link']"
    assert server.calls("deleteWebhook")
    assert server.pending_updates == 0
    polls = server.calls("getUpdates")
    assert any(call.params.get("timeout") == 1 for call in polls)
    assert server.internal_errors == []


async def test_wait_idle_waits_for_a_handler_working_silently_after_the_offset_moved_on(
    server: BotApiServer,
) -> None:
    release = asyncio.Event()

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if message.text == "slow":
            await release.wait()  # work that says nothing to the server, as a store call
        await message.reply_text(f"done: {message.text}")

    application: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .concurrent_updates(True)  # as the bot runs
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, reply))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            server.private_message(USER, "slow")
            server.private_message(USER, "fast")
            [fast] = await server.wait_for_messages_async(USER)
            with pytest.raises(TimeoutError, match=r"the bot did not go idle in 0\.5s"):
                await server.wait_idle_async(application.update_queue, timeout=0.5)
            confirmed = server.pending_updates  # both fetched and confirmed, one still handled
            release.set()
            await server.wait_idle_async(application.update_queue, timeout=5)
            handled = [m.text for m in server.messages(USER)]
        finally:
            release.set()
            await application.updater.stop()
            await application.stop()
    assert fast.text == "done: fast"
    assert confirmed == 0
    assert handled == ["done: fast", "done: slow"]
    assert server.internal_errors == []


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>x", 'can\'t find end tag corresponding to start tag "b"'),
        ("a & b", 'character "&" must be escaped as "&amp;" at byte offset 2'),
        ("<i>x</b>", 'unmatched end tag at byte offset 4, expected "</i>", found "</b>"'),
        ("<foo>x</foo>", 'unsupported start tag "foo" at byte offset 0'),
        ("<span>x</span>", 'tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("x</b>", "unexpected end tag at byte offset 1"),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("<a href='x'", "unclosed start tag at byte offset 0"),
    ],
)
async def test_html_parse_mode_rejects_invalid_markup(
    server: BotApiServer,
    bot: Bot,
    html: str,
    reason: str,
) -> None:
    server.add_chat(USER)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(USER, html, parse_mode="HTML")
    assert caught.value.message.lower() == f"can't parse entities: {reason}".lower()
    assert server.messages(USER) == []


async def test_html_parse_mode_accepts_escaped_text(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(USER)
    html = (
        '<b>Tom &amp; Jerry</b> &lt;3 &#39;<a href="https://x.org/?a=1&amp;b=2">link</a>\' '
        '<tg-spoiler>s</tg-spoiler><span class="tg-spoiler">p</span>'
        '<pre><code class="language-python">x</code></pre><blockquote expandable>q</blockquote>'
    )
    message = await bot.send_message(USER, html, parse_mode="HTML")
    assert message.text == "Tom & Jerry <3 'link' spxq"
    kinds = [(e.type, e.offset, e.length) for e in message.entities]
    assert kinds == [
        ("bold", 0, 11),
        ("text_link", 16, 4),
        ("spoiler", 22, 1),
        ("spoiler", 23, 1),
        ("pre", 24, 1),
        ("expandable_blockquote", 25, 1),
    ]
    assert message.entities[1].url == "https://x.org/?a=1&b=2"
    assert message.entities[4].language == "python"
    [sent] = server.messages(USER)
    assert (sent.text, sent.parse_mode, sent.plain_text) == (html, "HTML", message.text)


async def test_text_length_is_counted_after_entity_parsing(
    server: BotApiServer,
    bot: Bot,
) -> None:
    server.add_chat(USER)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b> </b>", parse_mode="HTML")
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, f"<b>{'&amp;' * 4096}</b>", parse_mode="HTML")
    assert [len(m.plain_text or "") for m in server.messages(USER)] == [4096, 4096]


async def test_edit_with_the_same_content_is_not_modified(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(USER)
    sent = await bot.send_message(USER, "<b>one</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>one</b>",
            USER,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("a"),
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("<b>two</b>", USER, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, Message)
    assert edited.text == "two"
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    assert server.last_text(USER) == "<b>two</b>"
    assert server.last_text(USER, plain=True) == "two"
    [record] = server.messages(USER)
    assert record.texts == ["<b>one</b>", "<b>two</b>"]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 99)


async def test_inline_keyboard_callback_and_answer(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(USER)
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "menu", reply_markup=keyboard("x" * 65))
    sent = await bot.send_message(USER, "menu", reply_markup=keyboard("yes", "no"))
    assert server.messages(USER)[0].callback_data == ["yes", "no"]
    server.callback(USER, USER, sent.message_id, "no")
    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None
    assert query.data == "no"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("noted")
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("again")
    [answer] = server.callback_answers
    assert (answer.text, answer.chat_id, answer.data) == ("noted", USER, "no")


async def test_get_updates_long_polls_and_confirms_by_offset(
    server: BotApiServer,
    bot: Bot,
) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9

    timer = threading.Timer(0.2, server.private_message, (USER, "late"))
    timer.start()
    started = time.monotonic()
    [update] = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 2
    assert update.message is not None
    assert update.message.text == "late"

    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert server.pending_updates == 0


async def test_documents_are_downloadable(server: BotApiServer, bot: Bot) -> None:
    content = b"Gencatan senjata di Libya.\n"
    server.document(USER, USER, "berita.txt", content, "text/plain", caption="/ingest")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.document is not None
    assert update.message.document.file_name == "berita.txt"
    assert update.message.caption == "/ingest"
    assert update.message.caption_entities[0].type == "bot_command"
    file = await bot.get_file(update.message.document.file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(f"{server.url}/file/bot{server.token}/documents/")
    assert await file.download_as_bytearray() == content

    sent = await bot.send_document(USER, b"report", filename="report.txt", caption="<i>r</i>")
    assert sent.document is not None
    assert sent.caption == "<i>r</i>"
    uploaded = await bot.get_file(sent.document.file_id)
    assert await uploaded.download_as_bytearray() == b"report"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


async def test_admins_come_from_set_admins(server: BotApiServer, bot: Bot) -> None:
    server.set_admins(GROUP, [USER, BOT_ID], owner=7)
    admins = await bot.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [
        (7, "creator"),
        (USER, "administrator"),
        (BOT_ID, "administrator"),
    ]
    assert (await bot.get_chat_member(GROUP, 42)).status == "member"
    assert (await bot.get_chat_member(GROUP, USER)).status == "administrator"
    chat = await bot.get_chat(GROUP)
    assert (chat.id, chat.type) == (GROUP, "supergroup")
    with pytest.raises(BadRequest, match="There are no administrators in the private chat"):
        await bot.get_chat_administrators(server.add_chat(USER)["id"])


async def test_flood_switch_raises_retry_after(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(USER)
    server.flood(2, chat_id=USER)
    for _ in range(2):
        with pytest.raises(RetryAfter, match=r"Flood control exceeded\. Retry in 1"):
            await bot.send_message(USER, "hi")
    await bot.send_chat_action(USER, "typing")
    assert server.actions(USER) == ["typing"]
    assert [c.status for c in server.calls("sendMessage")] == [429, 429]


async def test_unknown_chats_and_blocked_users(server: BotApiServer, bot: Bot) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(USER, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(-5, "hi")
    server.private_message(USER, "start")
    server.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi")


async def test_group_privacy_mode_and_entities(server: BotApiServer, bot: Bot) -> None:
    plain = server.group_message(GROUP, USER, f"hi @{BOT_USERNAME}")
    other = server.group_message(GROUP, USER, "/start@other_bot")
    command = server.command(GROUP, USER, "ask", "apa kabar?", mention=True)
    reply_target = await bot.send_message(GROUP, "question?")
    reply = server.group_message(GROUP, USER, "answer", reply_to=reply_target.message_id)
    assert plain["update_id"] is None
    assert other["update_id"] is None
    assert plain["message"]["entities"] == [{"type": "mention", "offset": 3, "length": 15}]
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [command["update_id"], reply["update_id"]]
    message = updates[0].message
    assert message is not None
    assert message.chat.type == "supergroup"
    assert message.parse_entities() == {message.entities[0]: f"/ask@{BOT_USERNAME}"}
    assert updates[1].message is not None
    assert updates[1].message.reply_to_message is not None
    assert updates[1].message.reply_to_message.from_user is not None
    assert updates[1].message.reply_to_message.from_user.id == BOT_ID


async def test_forwarded_messages_have_an_origin(server: BotApiServer, bot: Bot) -> None:
    server.forwarded(
        USER, USER, "from a channel", origin_channel=-1_009_999, channel_title="Kompas"
    )
    server.forwarded(USER, USER, "from a user", origin_user=55)
    first, second = await bot.get_updates()
    assert first.message is not None
    assert first.message.forward_origin is not None
    assert first.message.forward_origin.type == "channel"
    assert first.message.forward_origin.chat.title == "Kompas"  # type: ignore[attr-defined]
    assert second.message is not None
    assert second.message.forward_origin is not None
    assert second.message.forward_origin.sender_user.id == 55  # type: ignore[attr-defined]


async def test_commands_replies_and_deletion(server: BotApiServer, bot: Bot) -> None:
    await bot.set_my_commands([("ask", "Ask about the news"), ("help", "How to use me")])
    assert [c.command for c in await bot.get_my_commands()] == ["ask", "help"]
    assert server.commands_set()[0] == {"command": "ask", "description": "Ask about the news"}
    update = server.private_message(USER, "question")
    sent = await bot.send_message(
        USER, "answer", reply_to_message_id=update["message"]["message_id"]
    )
    assert sent.reply_to_message is not None
    assert sent.reply_to_message.text == "question"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(USER, "answer", reply_to_message_id=999)
    assert await bot.delete_message(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    assert server.messages(USER) == []
    assert server.messages(USER, include_deleted=True)[0].deleted


async def test_blocking_waits_run_beside_a_bot_in_another_thread(server: BotApiServer) -> None:
    def bot_thread() -> None:
        async def run() -> None:
            async with Bot(server.token, base_url=server.base_url) as client:
                [update] = await client.get_updates(timeout=5)
                assert update.message is not None
                await update.message.reply_text("pong")

        asyncio.run(run())

    worker = threading.Thread(target=bot_thread)
    worker.start()
    server.private_message(USER, "ping")
    [pong] = await asyncio.to_thread(server.wait_for_messages, USER, 1, 5)
    worker.join(5)
    assert pong.text == "pong"
    assert pong.reply_to_message_id is None  # PTB quotes only outside private chats


def test_raw_http_answers(server: BotApiServer) -> None:
    unknown = httpx.post(f"{server.url}/bot{server.token}/fooBar")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method fooBar",
    }
    wrong_token = httpx.post(f"{server.url}/bot123:wrong/getMe")
    assert wrong_token.json()["error_code"] == 401
    server.add_chat(USER)
    answer = httpx.post(
        f"{server.url}/bot{server.token}/sendMessage",
        json={"chat_id": str(USER), "text": "json body"},
    )
    assert answer.json()["result"]["text"] == "json body"


def test_a_parameter_the_server_does_not_implement_is_refused(server: BotApiServer) -> None:
    server.add_chat(USER)
    answer = httpx.post(
        f"{server.url}/bot{server.token}/sendMessage",
        json={
            "chat_id": USER,
            "text": "with an effect",
            "message_effect_id": "5104841245755180586",
        },
    )
    assert answer.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: unsupported parameter message_effect_id "
        "for method sendMessage",
    }
    assert server.messages(USER) == []

    queried = httpx.get(f"{server.url}/bot{server.token}/getMe")
    assert queried.json()["result"]["username"] == BOT_USERNAME


def test_html_parser_matches_telegram_offsets() -> None:
    text, entities = HtmlParser("<b>😀 x</b> <i>y</i>").parse()
    assert text == "😀 x y"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 5, "length": 1},
    ]
    assert render_text("  <b> a </b>  ", "HTML") == (
        "a",
        [{"type": "bold", "offset": 0, "length": 1}],
    )
    assert HtmlParser("a & b", strict_ampersand=False).parse() == ("a & b", [])


async def test_hanging_up_before_or_after_a_call_loses_its_answer_either_way(
    server: BotApiServer, bot: Bot
) -> None:
    server.add_chat(USER)
    server.hang_up("sendMessage", when="before")
    server.hang_up("sendMessage", when="after")

    for _ in range(2):
        with pytest.raises(NetworkError) as lost:
            await bot.send_message(USER, "hello")
        assert isinstance(lost.value.__cause__, httpx.RemoteProtocolError)
    await bot.send_message(USER, "hello again")

    # Hung up before: nothing happened; after: the message was sent all the same.
    assert [m.text for m in server.messages(USER)] == ["hello", "hello again"]


async def test_refused_connections_fail_before_sending_until_accepted_again(
    server: BotApiServer, bot: Bot
) -> None:
    server.add_chat(USER)
    await bot.send_message(USER, "before")  # a kept-alive connection, closed by the refusal
    server.refuse_connections()

    with pytest.raises(NetworkError) as refused:
        await bot.send_message(USER, "refused")
    server.accept_connections()
    await bot.send_message(USER, "after")

    assert isinstance(refused.value.__cause__, httpx.ConnectError)
    assert [m.text for m in server.messages(USER)] == ["before", "after"]


async def test_forum_topics_keep_each_message_in_its_thread(server: BotApiServer, bot: Bot) -> None:
    server.add_chat(GROUP, is_forum=True)
    news = server.add_topic(GROUP, "News")
    asked = server.group_message(GROUP, USER, "/ask hi", thread=news)["message"]
    in_general = server.group_message(GROUP, USER, "/ask hello")["message"]
    assert (asked["message_thread_id"], asked["is_topic_message"]) == (news, True)
    assert "message_thread_id" not in in_general
    assert (await bot.get_chat(GROUP)).is_forum is True

    [update, _] = await bot.get_updates()
    assert update.message is not None
    reply = await update.message.reply_text("answer")  # PTB passes the topic's thread id
    await bot.send_chat_action(GROUP, "typing", message_thread_id=news)
    later = await bot.send_message(GROUP, "more", message_thread_id=news)
    edited = await bot.edit_message_text("more, edited", GROUP, later.message_id)
    # A reply goes to the topic of the message it replies to, as with Telegram.
    across = await bot.send_message(
        GROUP, "a reply", message_thread_id=news, reply_to_message_id=in_general["message_id"]
    )

    assert (reply.message_thread_id, reply.is_topic_message) == (news, True)
    assert isinstance(edited, Message)
    assert edited.message_thread_id == news
    assert [m.text for m in server.messages(GROUP, thread=news)] == [
        "answer",
        "more, edited",
    ]
    assert server.messages(GROUP, thread=None) == [server.messages(GROUP)[-1]]
    assert across.message_thread_id is None
    assert server.actions(GROUP, thread=news) == ["typing"]
    for thread in (in_general["message_id"], news + 100):  # a message, no topic; no message
        with pytest.raises(BadRequest, match="Message thread not found"):
            await bot.send_message(GROUP, "lost", message_thread_id=thread)
    server.add_chat(USER)
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_chat_action(USER, "typing", message_thread_id=news)


# --------------------------------------------------------------------------- inline, guest


def article(result_id: str = "1", message_text: str = "<b>Answer</b>") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        result_id, "Who?", InputTextMessageContent(message_text, parse_mode="HTML")
    )


async def test_a_chosen_inline_result_is_the_users_message_via_the_bot(
    server: BotApiServer, bot: Bot
) -> None:
    query_id = server.inline_query(USER, "Who?")
    [update] = await bot.get_updates()
    assert update.inline_query is not None
    assert (update.inline_query.id, update.inline_query.query) == (query_id, "Who?")
    linked = '<a href="https://example.com/a">[1]</a> Someone.'
    button = InlineQueryResultsButton("Open", start_parameter="inline")

    await bot.answer_inline_query(query_id, [article(message_text=linked)], button=button)
    sent = server.choose_inline_result(USER, GROUP, query_id, "1")

    [answer] = server.inline_answers(USER)
    assert (answer.titles, answer.button) == (["Who?"], button.to_dict())
    assert server.messages(GROUP) == [sent]
    assert (sent.plain_text, sent.from_id, sent.via_bot) == ("[1] Someone.", USER, True)
    assert sent.entities == [
        {"type": "text_link", "offset": 0, "length": 3, "url": "https://example.com/a"}
    ]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(query_id, [article()])  # answered once only


@pytest.mark.parametrize(
    ("results", "error"),
    [
        ([article(str(n)) for n in range(51)], "RESULTS_TOO_MUCH"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article(), article()], "RESULT_ID_DUPLICATE"),
        ([article(message_text="x" * 4097)], "MESSAGE_TOO_LONG"),
        ([article(message_text="<b>open")], "can't parse entities"),
    ],
)
async def test_inline_results_past_telegrams_limits_are_refused(
    server: BotApiServer, bot: Bot, results: list[InlineQueryResultArticle], error: str
) -> None:
    query_id = server.inline_query(USER, "Who?")

    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.answer_inline_query(query_id, results)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query("no-such-query", [article()])

    assert server.inline_answers() == []


async def test_an_inline_query_answered_too_late_is_refused(server: BotApiServer, bot: Bot) -> None:
    server.inline_query_timeout = 0.1
    query_id = server.inline_query(USER, "Who?")
    await asyncio.sleep(0.2)

    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_inline_query(query_id, [article()])


async def test_a_guest_query_is_answered_once_in_a_chat_the_bot_cannot_write_to(
    server: BotApiServer, bot: Bot
) -> None:
    server.guest_message(USER, GROUP, f"@{BOT_USERNAME} Who?")
    [update] = await bot.get_updates()
    message = update.guest_message
    assert message is not None
    assert message.guest_query_id is not None
    assert message.chat_id == GROUP

    with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
        await message.reply_text("hello")
    sent = await bot.answer_guest_query(message.guest_query_id, article())
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_guest_query(message.guest_query_id, article())

    [posted] = server.messages(GROUP)
    assert (posted.plain_text, posted.guest_caller_id) == ("Answer", USER)
    assert sent.inline_message_id == posted.inline_message_id
