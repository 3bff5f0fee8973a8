"""Articles into sentence-aware, overlapping chunks that carry the article's metadata."""

from __future__ import annotations

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

from ._article import Article
from ._sentences import format_spans, sentence_spans

#: Metadata every chunk carries; only the title also goes into the embedded text.
NOT_EMBEDDED = (
    "article_id",
    "url",
    "source",
    "author",
    "published",
    "published_day",
    "language",
    "position",
    "content_hash",
    "sentences",
    "sentence_vectors",
)


class Chunker:
    """Splits an article into TextNodes through LlamaIndex's `SentenceSplitter`.

    Usage::

        Chunker(chunk_size=256, chunk_overlap=32).chunk(article)
    """

    def __init__(self, chunk_size: int = 256, chunk_overlap: int = 32) -> None:
        self._splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)

    def chunk(self, article: Article) -> list[BaseNode]:
        """The article's chunks, in order, with ids unique to this version of the article."""
        return [
            TextNode(
                id_=chunk_id(article.id, article.content_hash, position),
                text=text,
                metadata={
                    **chunk_metadata(article, position),
                    "sentences": format_spans(sentence_spans(text)),
                },
                excluded_embed_metadata_keys=list(NOT_EMBEDDED),
                excluded_llm_metadata_keys=list(NOT_EMBEDDED),
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.id)},
            )
            for position, text in enumerate(self._splitter.split_text(article.text))
        ]


def chunk_id(article_id: str, content_hash: str, position: int) -> str:
    """The id of the chunk at `position` of an article's version: read without a search."""
    return f"{article_id}:{content_hash[:12]}:{position}"


def chunk_metadata(article: Article, position: int) -> dict[str, str | int]:
    """The metadata a chunk of `article` at `position` is stored with."""
    return {
        **article.info.to_metadata(),
        "published_day": published_day(article.published),
        "position": position,
        "content_hash": article.content_hash,
    }


def published_day(published: str) -> int:
    """The date as a number (20200108) that Chroma can compare; 0 when unknown."""
    digits = published[:10].replace("-", "")
    return int(digits) if len(digits) == 8 and digits.isdigit() else 0
