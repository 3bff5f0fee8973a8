"""Settings of the answer engine: which backend composes answers, and how much it reads."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Backend(enum.StrEnum):
    """What composes the answer from the retrieved passages."""

    EXTRACTIVE = "extractive"
    OPENAI = "openai"
    LLAMACPP = "llamacpp"


class EngineSettings(BaseSettings):
    """Engine configuration, read from the environment and `.env`.

    Usage::

        EngineSettings()                                       # extractive, offline
        EngineSettings(backend="openai", openai_base_url="http://127.0.0.1:11434/v1",
                       openai_model="qwen2.5:3b")               # e.g. Ollama
    """

    model_config = SettingsConfigDict(
        env_prefix="KABAR_", env_file=".env", extra="ignore", populate_by_name=True
    )

    backend: Backend = Field(default=Backend.EXTRACTIVE, description="Who composes answers.")
    top_k: int = Field(default=6, ge=1, le=50, description="Chunks retrieved per question.")
    relevance_floor: float = Field(
        default=0.03,
        description="Least margin over the reference sentences that counts; more where the"
        " collection's chance level is higher (see store.RelevanceFloor).",
    )
    max_quotes: int = Field(
        default=4, ge=1, le=20, description="Sentences an extractive answer quotes."
    )
    max_question_chars: int = Field(
        default=1000, ge=1, description="Longest question answered; a longer one is refused."
    )
    collection_language: Literal["id", "en"] | None = Field(
        default=None,
        description="The articles' main language, into which a language model also rewrites a"
        " question in the other one for retrieval; unset: the language of most passages found.",
    )
    timezone: str = Field(
        default="Asia/Jakarta",
        description='Where "today" is: the day questions\' times ("kemarin", "last week")'
        " are counted from, and the time of day briefings are posted at.",
    )
    openai_base_url: str = Field(
        default="http://127.0.0.1:11434/v1",
        validation_alias=AliasChoices("OPENAI_BASE_URL", "openai_base_url"),
    )
    openai_model: str = Field(
        default="qwen2.5:3b-instruct", validation_alias=AliasChoices("OPENAI_MODEL", "openai_model")
    )
    openai_api_key: SecretStr = Field(
        default=SecretStr("not-needed"),
        validation_alias=AliasChoices("OPENAI_API_KEY", "openai_api_key"),
    )
    openai_timeout: float = Field(
        default=60.0, gt=0, validation_alias=AliasChoices("OPENAI_TIMEOUT", "openai_timeout")
    )
    llamacpp_model_path: Path | None = Field(
        default=None, validation_alias=AliasChoices("LLAMACPP_MODEL_PATH", "llamacpp_model_path")
    )

    @field_validator("collection_language", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        # An empty `KABAR_COLLECTION_LANGUAGE=` in a .env leaves it unset rather than failing.
        return value or None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like Asia/Jakarta") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of "today" and of daily briefings."""
        return ZoneInfo(self.timezone)
