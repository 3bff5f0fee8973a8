"""Forum topics: the one a message was written in, where whatever answers it belongs."""

from __future__ import annotations

from telegram import Message


def thread_of(message: Message) -> int | None:
    """The forum topic `message` is in (its `message_thread_id`); None outside topics.

    A reply in a supergroup's main thread (a forum's General) carries a `message_thread_id`
    too, the id of its chain of replies: sending there with it is refused ("message thread
    not found"). Only a topic message's id is a topic.
    """
    return message.message_thread_id if message.is_topic_message else None
