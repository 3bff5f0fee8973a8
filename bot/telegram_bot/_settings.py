"""Settings of the Telegram bot: its token, who may do what, how much, and how often."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    """Read `name` from the environment, or the field's own name when given in code."""
    return AliasChoices(name, name.lower())


IdList = Annotated[list[int], NoDecode]


class BotSettings(BaseSettings):
    """Telegram bot configuration, read from the environment and `.env`.

    Usage::

        BotSettings()                                              # from the environment
        BotSettings(telegram_bot_token="123:abc", admin_user_ids=[42],
                    telegram_api_base_url="http://127.0.0.1:8081")  # a local Bot API server
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=_env("TELEGRAM_BOT_TOKEN")
    )
    admin_user_ids: IdList = Field(default=[], validation_alias=_env("ADMIN_USER_IDS"))
    allowed_chat_ids: IdList = Field(default=[], validation_alias=_env("ALLOWED_CHAT_IDS"))
    # Who may ask inline and in guest mode, beside the private chats ALLOWED_CHAT_IDS names.
    allowed_user_ids: IdList = Field(default=[], validation_alias=_env("ALLOWED_USER_IDS"))
    group_admins_can_add: bool = Field(
        default=False, validation_alias=_env("KABAR_GROUP_ADMINS_CAN_ADD")
    )
    questions_per_minute: int = Field(
        default=10, ge=1, validation_alias=_env("KABAR_QUESTIONS_PER_MINUTE")
    )
    chat_questions_per_minute: int = Field(
        default=30, ge=1, validation_alias=_env("KABAR_CHAT_QUESTIONS_PER_MINUTE")
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", validation_alias=_env("TELEGRAM_API_BASE_URL")
    )
    feed_poll_minutes: float = Field(
        default=15.0, gt=0, validation_alias=_env("KABAR_FEED_POLL_MINUTES")
    )
    # A private message this soon after the bot's last answer there may follow it up.
    followup_minutes: float = Field(
        default=10.0, gt=0, validation_alias=_env("KABAR_FOLLOWUP_MINUTES")
    )
    max_upload_bytes: int = Field(
        default=10_000_000, gt=0, validation_alias=_env("KABAR_MAX_UPLOAD_BYTES")
    )
    webhook_url: str | None = Field(default=None, validation_alias=_env("KABAR_WEBHOOK_URL"))
    webhook_listen: str = Field(default="127.0.0.1", validation_alias=_env("KABAR_WEBHOOK_LISTEN"))
    webhook_port: int = Field(default=8443, validation_alias=_env("KABAR_WEBHOOK_PORT"))
    webhook_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("KABAR_WEBHOOK_SECRET")
    )

    @field_validator("admin_user_ids", "allowed_chat_ids", "allowed_user_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(item) for item in value.replace(",", " ").split()]
        return value
