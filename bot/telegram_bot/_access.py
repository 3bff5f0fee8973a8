"""Who may do what: bot admins everywhere, a group's admins in their group, anyone in private."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from ._services import KabarContext


def is_bot_admin(update: Update, context: KabarContext) -> bool:
    """Whether the sender is a bot admin (ADMIN_USER_IDS): full rights in every chat."""
    user = update.effective_user
    return user is not None and user.id in context.bot_data.services.settings.admin_user_ids


async def may_change_collection(update: Update, context: KabarContext) -> bool:
    """Whether the sender may add to the collection from this chat.

    A bot admin anywhere; with KABAR_GROUP_ADMINS_CAN_ADD, a group's own admin in that group,
    never in a private chat.
    """
    if is_bot_admin(update, context):
        return True
    return context.bot_data.services.settings.group_admins_can_add and await _is_group_admin(
        update, context
    )


async def may_manage_chat(update: Update, context: KabarContext) -> bool:
    """Whether the sender may set up this chat's daily briefings.

    A bot admin, a group's admin, or the user in their own private chat.
    """
    chat = update.effective_chat
    if is_bot_admin(update, context) or (chat is not None and chat.type == ChatType.PRIVATE):
        return True
    return await _is_group_admin(update, context)


async def _is_group_admin(update: Update, context: KabarContext) -> bool:
    """Whether the sender administers this group (no one does a private chat)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type not in {ChatType.GROUP, ChatType.SUPERGROUP}:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
