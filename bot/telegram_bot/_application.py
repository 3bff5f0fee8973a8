"""The Telegram application: every handler registered here, jobs scheduled, polling or webhook."""

from __future__ import annotations

import contextlib
import html
import logging
from datetime import timedelta

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    MessageReactionHandler,
    TypeHandler,
    filters,
)

from . import (
    _briefing_handlers,
    _collection_handlers,
    _feedback_handlers,
    _inline_handlers,
    _question_handlers,
    _settings_handlers,
)
from ._delivery import RetryingRateLimiter, never_sent
from ._services import CONTEXT_TYPES, Kabar, KabarApplication, KabarContext, user_language
from ._texts import text

logger = logging.getLogger(__name__)

#: The commands shown in Telegram's menu (`setMyCommands`), with their descriptions.
COMMANDS = (
    BotCommand("ask", "Ask a question about the articles"),
    BotCommand("new", "Start over: the next question follows up nothing"),
    BotCommand("brief", "The news as stories: /brief [topic] [period]"),
    BotCommand("sources", "The articles I know, with their ids"),
    BotCommand("stats", "How many articles I know"),
    BotCommand("subscribe", "A daily briefing here: /subscribe [HH:MM] [topic]"),
    BotCommand("unsubscribe", "Stop this chat's daily briefings"),
    BotCommand("subscriptions", "This chat's daily briefings"),
    BotCommand("add", "Admins: add articles by URL, or reply to a message"),
    BotCommand("remove", "Admins: remove an article by id"),
    BotCommand("feeds", "Admins: follow RSS/Atom feeds (add, list, remove)"),
    BotCommand("settings", "This chat's language, search, sources and briefing time"),
    BotCommand("help", "What I can do"),
)


def build_application(services: Kabar) -> KabarApplication:
    """The bot, talking to `services.settings.telegram_api_base_url`, handlers registered.

    Usage::

        application = build_application(Kabar(engine, ingestor, state, settings, limiter))
        application.run_polling()
    """
    settings = services.settings
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    root = settings.telegram_api_base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        # A slow answer in one chat must never hold up another.
        .concurrent_updates(True)  # noqa: FBT003 - the builder takes a bare flag
        # Flood control (RetryAfter) waited out, network failures retried, not failing the handler.
        .rate_limiter(RetryingRateLimiter(max_retries=3))
        .post_init(_post_init)
        .build()
    )
    services.install(application)
    _register(application)
    return application


def _register(application: KabarApplication) -> None:
    """Every handler of the bot, in the order they are tried."""
    groups = filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, _allowed_chats_only), group=-1)
    application.add_handlers(
        [
            # First: a guest message is a message too, in a chat where the bot can say nothing
            # but the answer to it.
            MessageHandler(filters.UpdateType.GUEST_MESSAGE, _inline_handlers.guest_question),
            InlineQueryHandler(_inline_handlers.inline_question),
            CommandHandler(["start", "help"], _question_handlers.start),
            CommandHandler("ask", _question_handlers.ask_command),
            CommandHandler("new", _question_handlers.new_command),
            CommandHandler("brief", _briefing_handlers.brief_command),
            CommandHandler("subscribe", _briefing_handlers.subscribe_command),
            CommandHandler("unsubscribe", _briefing_handlers.unsubscribe_command),
            CommandHandler("subscriptions", _briefing_handlers.subscriptions_command),
            CommandHandler("add", _collection_handlers.add_command),
            CommandHandler("remove", _collection_handlers.remove_command),
            CommandHandler("sources", _collection_handlers.sources_command),
            CommandHandler("stats", _collection_handlers.stats_command),
            CommandHandler("feeds", _collection_handlers.feeds_command),
            CommandHandler("settings", _settings_handlers.settings_command),
            MessageHandler(
                filters.Document.ALL & filters.ChatType.PRIVATE, _collection_handlers.document
            ),
            MessageHandler(
                filters.Document.ALL & groups & filters.CaptionRegex(r"^/add\b"),
                _collection_handlers.document,
            ),
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                _question_handlers.private_question,
            ),
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & groups, _question_handlers.group_message
            ),
            CallbackQueryHandler(
                _question_handlers.quotes_button, pattern=_question_handlers.QUOTES_DATA
            ),
            CallbackQueryHandler(
                _feedback_handlers.vote_button, pattern=_feedback_handlers.VOTE_DATA
            ),
            MessageReactionHandler(_feedback_handlers.vote_reaction),
            CallbackQueryHandler(
                _settings_handlers.settings_button, pattern=_settings_handlers.SETTINGS_DATA
            ),
            CallbackQueryHandler(
                _collection_handlers.sources_button, pattern=f"^{_collection_handlers.SOURCES}:"
            ),
        ]
    )
    application.add_error_handler(_on_error)


async def _post_init(application: KabarApplication) -> None:
    """At start: the command menu, the saved daily briefings, the feed poller."""
    await application.bot.set_my_commands(list(COMMANDS))
    services = application.bot_data.services
    for subscription in services.state.subscriptions():
        _briefing_handlers.schedule(
            application.job_queue, subscription, services.engine.settings.zone
        )
    if application.job_queue is not None:
        every = timedelta(minutes=services.settings.feed_poll_minutes)
        application.job_queue.run_repeating(_collection_handlers.poll_feeds, every, first=every)


async def _allowed_chats_only(update: Update, context: KabarContext) -> None:
    """With ALLOWED_CHAT_IDS set, other chats get one refusal and nothing else.

    A guest message's chat is not the bot's: its asker is judged (`guest_question`).
    """
    allowed = context.bot_data.services.settings.allowed_chat_ids
    chat = update.effective_chat
    if not allowed or chat is None or chat.id in allowed or update.guest_message:
        return
    refused = context.bot_data.services.refused_chats
    if chat.id not in refused and update.effective_message is not None:
        refused.add(chat.id)
        await update.effective_message.reply_text(text(user_language(update), "refused_chat"))
    raise ApplicationHandlerStop


async def _on_error(update: object, context: KabarContext) -> None:
    """Log the failure with its update; tell the user, briefly; keep running.

    A question that failed behind its placeholder gets the apology in the placeholder; one
    that failed while its draft grew, in the draft (no partial answer left showing) and then
    as a message. A message whose answer from Telegram was lost may have arrived all the
    same: no apology then, beside what may be the answer.
    """
    error = context.error
    unanswered = error if isinstance(error, _question_handlers.UnansweredError) else None
    logger.error(
        "handling %s failed", update, exc_info=unanswered.__cause__ if unanswered else error
    )
    if not isinstance(update, Update) or update.effective_message is None:
        return
    if update.guest_message:
        return  # the bot is not in that chat: it can post nothing there but the answer
    if isinstance(error, NetworkError) and not never_sent(error):
        return
    apology = html.escape(text(user_language(update), "error"))
    if unanswered and unanswered.placeholder:
        await unanswered.placeholder.edit_text(apology)
        return
    if unanswered and unanswered.draft:
        # Drafts may be what failed: the apology is sent as a message all the same.
        with contextlib.suppress(TelegramError):
            await unanswered.draft.show(apology)
    await update.effective_message.reply_text(apology)


def run_bot(services: Kabar) -> None:
    """Run the bot until interrupted: polling, or a webhook when KABAR_WEBHOOK_URL is set."""
    settings = services.settings
    application = build_application(services)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
