"""Articles into sentence-aware, overlapping chunks that carry the article's metadata."""

from __future__ import annotations

import bisect
import itertools

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

from ._article import Article
from ._sentences import Span, format_spans, sentence_spans

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

    The article's sentences are found once: the splitter cuts at them (instead of running its
    own Punkt, which knows neither "U.S." nor "dr."), and each chunk's sentence spans are theirs,
    clipped to the chunk (instead of splitting every chunk again).

    Usage::

        Chunker(chunk_size=256, chunk_overlap=32).chunk(article)
    """

    def __init__(self, chunk_size: int = 256, chunk_overlap: int = 32) -> None:
        self._chunk_size = chunk_size
        self._chunk_overlap = chunk_overlap

    def chunk(self, article: Article) -> list[BaseNode]:
        """The article's chunks, in order, with ids unique to this version of the article."""
        sentences = sentence_spans(article.text)
        splitter = SentenceSplitter(
            chunk_size=self._chunk_size,
            chunk_overlap=self._chunk_overlap,
            chunking_tokenizer_fn=_SentenceCuts(article.text, sentences),
        )
        texts = splitter.split_text(article.text)
        return [
            TextNode(
                id_=chunk_id(article.id, article.content_hash, position),
                text=text,
                metadata={
                    **chunk_metadata(article, position),
                    "sentences": format_spans(spans),
                },
                excluded_embed_metadata_keys=list(NOT_EMBEDDED),
                excluded_llm_metadata_keys=list(NOT_EMBEDDED),
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article.id)},
            )
            for position, (text, spans) in enumerate(
                zip(texts, _chunk_spans(article.text, sentences, texts), strict=True)
            )
        ]


class _SentenceCuts:
    """The splitter's sentence tokenizer: a piece of the article cut at the article's sentences.

    The splitter hands it pieces in the article's order (a paragraph, then a sentence of it too
    long for a chunk), so each is looked for from where the last one began.
    """

    def __init__(self, text: str, sentences: list[Span]) -> None:
        self._text = text
        self._starts = [start for start, _ in sentences]
        self._cursor = 0

    def __call__(self, piece: str) -> list[str]:
        offset = self._text.find(piece, self._cursor)
        if offset < 0:  # not the article's own text (the splitter never does this today)
            starts = [start for start, _ in sentence_spans(piece)]
        else:
            self._cursor = offset
            first = bisect.bisect_right(self._starts, offset)
            last = bisect.bisect_left(self._starts, offset + len(piece))
            starts = [start - offset for start in self._starts[first:last]]
        bounds = [0, *(start for start in starts if start > 0), len(piece)]
        return [piece[a:b] for a, b in itertools.pairwise(bounds)]


def _chunk_spans(text: str, sentences: list[Span], chunks: list[str]) -> list[list[Span]]:
    """Each chunk's sentences: the article's that overlap it, clipped to it."""
    starts = [start for start, _ in sentences]
    ends = [end for _, end in sentences]
    spans: list[list[Span]] = []
    cursor = 0
    for chunk in chunks:
        offset = text.find(chunk, cursor)
        if offset < 0:  # the splitter dropped a character inside this chunk: split it anew
            spans.append(sentence_spans(chunk))
            continue
        cursor, end = offset + 1, offset + len(chunk)
        inside = sentences[bisect.bisect_right(ends, offset) : bisect.bisect_left(starts, end)]
        spans.append([(max(a, offset) - offset, min(b, end) - offset) for a, b in inside])
    return spans


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
