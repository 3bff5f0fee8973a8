"""Settings of ingest: how URLs are fetched and how big a source may be."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IngestSettings(BaseSettings):
    """Ingest configuration, read from `INGEST_*` variables and `.env`.

    Usage::

        IngestSettings()                                  # public URLs only, 10 MB cap
        IngestSettings(allow_private_urls=True)           # tests serving pages on 127.0.0.1
        IngestSettings(timeout=5.0, max_bytes=2_000_000)
    """

    model_config = SettingsConfigDict(env_prefix="INGEST_", env_file=".env", extra="ignore")

    allow_private_urls: bool = Field(
        default=False,
        description="Fetch loopback, private, link-local and reserved addresses too.",
    )
    timeout: float = Field(
        default=20.0, gt=0, description="Seconds allowed for a whole fetch, redirects included."
    )
    max_bytes: int = Field(default=10_000_000, gt=0, description="Largest file or page accepted.")
    max_redirects: int = Field(default=5, ge=0)
    user_agent: str = Field(default="KabarBot/0.1 (+news question answering)")
    batch_size: int = Field(
        default=16,
        ge=1,
        description="Articles embedded and written together; as many are loaded ahead meanwhile.",
    )
