"""Connecting to Chroma, embedded or server, without telemetry or model downloads."""

from __future__ import annotations

import os

# Chroma reads these when it is imported; set them first so nothing phones home.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings

from ._errors import StoreUnavailableError
from ._settings import StoreSettings


def connect(settings: StoreSettings) -> ClientAPI:
    """A Chroma client: the server at `CHROMA_HOST:CHROMA_PORT` when set, else the data folder's."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailableError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port}"
                " (is `chroma run` up there? check CHROMA_HOST and CHROMA_PORT)"
            ) from exc
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def location(settings: StoreSettings) -> str:
    """Where the store lives, for people: a server address or a folder."""
    if settings.chroma_host:
        return f"chroma server {settings.chroma_host}:{settings.chroma_port}"
    return str(settings.chroma_dir)
