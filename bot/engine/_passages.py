"""Retrieved passages as numbered sources: one per article, with its sentences scored."""

from __future__ import annotations

from dataclasses import dataclass

from llama_index.core.schema import NodeWithScore

from store import ArticleInfo, parse_spans

from ._answer import Citation


@dataclass(frozen=True)
class Sentence:
    """A sentence of a numbered source, as written, with the question's closeness to it."""

    text: str
    score: float
    n: int


@dataclass(frozen=True)
class NumberedSource:
    """Source `[n]`: an article and the passages of it that were retrieved, best first."""

    n: int
    article: ArticleInfo
    passages: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    names: frozenset[str] = frozenset()

    def citation(self, quote: str) -> Citation:
        """The citation of this source quoting `quote`."""
        return Citation(self.n, self.article, quote)


def number_sources(nodes: list[NodeWithScore]) -> list[NumberedSource]:
    """Passages grouped by article and numbered from 1 in order of their best passage."""
    groups: dict[str, list[NodeWithScore]] = {}
    for node in nodes:
        groups.setdefault(str(node.metadata.get("article_id", "")), []).append(node)
    return [_numbered(n, group) for n, group in enumerate(groups.values(), start=1)]


def _numbered(n: int, nodes: list[NodeWithScore]) -> NumberedSource:
    first = nodes[0].metadata
    return NumberedSource(
        n=n,
        article=ArticleInfo.from_metadata(first),
        passages=tuple(node.get_content() for node in nodes),
        sentences=tuple(s for node in nodes for s in _sentences(n, node)),
        names=frozenset(first.get("names", [])),
    )


def _sentences(n: int, node: NodeWithScore) -> list[Sentence]:
    text = node.get_content()
    scores = node.metadata.get("sentence_scores", [])
    return [
        Sentence(text[start:end].strip(), float(score), n)
        for (start, end), score in zip(
            parse_spans(node.metadata.get("sentences")), scores, strict=False
        )
    ]
