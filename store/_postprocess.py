"""What happens to retrieved chunks before an answer is composed from them.

Each is a LlamaIndex node postprocessor: adjacent chunks of one article are merged into one
passage, near-duplicate passages are dropped, and passages below a relevance floor are dropped.
"""

from __future__ import annotations

import re

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from typing_extensions import override

from ._sentences import Span, format_spans, parse_spans

_WORD = re.compile(r"\w+")
# Characters of a chunk's opening looked for in the chunk before it.
_OVERLAP_PROBE = 12


class AdjacentChunkMerger(BaseNodePostprocessor):
    """Chunks of one article at neighbouring positions become one passage, text overlap removed.

    The merged passage ranks where its best chunk ranked and keeps the best score; its sentence
    spans and sentence scores are those of its parts, shifted into the merged text.
    """

    @classmethod
    def class_name(cls) -> str:
        return "AdjacentChunkMerger"

    @override
    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        groups: list[list[NodeWithScore]] = []
        for node in nodes:
            group = next((g for g in groups if any(_adjacent(node, m) for m in g)), None)
            if group is None:
                groups.append([node])
            else:
                group.append(node)
        return [_merge(group) for group in _joined(groups)]


def _joined(groups: list[list[NodeWithScore]]) -> list[list[NodeWithScore]]:
    """Groups that became adjacent through a later member, joined (positions 1, 3, then 2)."""
    joined: list[list[NodeWithScore]] = []
    for group in groups:
        target = next((j for j in joined if any(_adjacent(a, b) for a in j for b in group)), None)
        if target is None:
            joined.append(group)
        else:
            target.extend(group)
    return joined


def _adjacent(a: NodeWithScore, b: NodeWithScore) -> bool:
    return (
        a.metadata.get("article_id") == b.metadata.get("article_id")
        and abs(int(a.metadata.get("position", 0)) - int(b.metadata.get("position", 0))) == 1
    )


def _merge(group: list[NodeWithScore]) -> NodeWithScore:
    if len(group) == 1:
        return group[0]
    parts = sorted(group, key=lambda n: int(n.metadata.get("position", 0)))
    text = parts[0].get_content()
    spans = parse_spans(parts[0].metadata.get("sentences"))
    scores = list(parts[0].metadata.get("sentence_scores", []))
    for part in parts[1:]:
        text, offset = _append(text, part.get_content())
        for span, score in zip(
            parse_spans(part.metadata.get("sentences")),
            part.metadata.get("sentence_scores", []),
            strict=False,
        ):
            shifted: Span = (span[0] + offset, span[1] + offset)
            if shifted[0] >= (spans[-1][1] if spans else 0):
                spans.append(shifted)
                scores.append(score)
    best = max(group, key=lambda n: n.score or 0.0)
    node = best.node
    assert isinstance(node, TextNode)
    merged = TextNode(
        id_="+".join(p.node.node_id for p in parts),
        text=text,
        metadata={
            **best.metadata,
            "position": parts[0].metadata.get("position", 0),
            "sentences": format_spans(spans),
            "sentence_scores": scores,
        },
        excluded_embed_metadata_keys=node.excluded_embed_metadata_keys,
        excluded_llm_metadata_keys=node.excluded_llm_metadata_keys,
    )
    return NodeWithScore(node=merged, score=best.score)


def _append(text: str, following: str) -> tuple[str, int]:
    """`text` continued by `following` without repeating their overlap; where `following` starts.

    Overlapping chunks repeat whole sentences, so the overlap is a prefix of `following` that
    ends `text`.
    """
    head = following[:_OVERLAP_PROBE]
    start = text.find(head)
    while start != -1:
        if following.startswith(text[start:]):
            return text[:start] + following, start
        start = text.find(head, start + 1)
    return f"{text}\n\n{following}", len(text) + 2


class NearDuplicateFilter(BaseNodePostprocessor):
    """Drops a passage whose words mostly repeat a better-ranked one (the same story twice)."""

    threshold: float = Field(default=0.8, description="Word-set overlap (Jaccard) that counts.")

    @classmethod
    def class_name(cls) -> str:
        return "NearDuplicateFilter"

    @override
    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        kept: list[tuple[NodeWithScore, set[str]]] = []
        for node in nodes:
            words = set(_WORD.findall(node.get_content().lower()))
            if all(_jaccard(words, other) < self.threshold for _, other in kept):
                kept.append((node, words))
        return [node for node, _ in kept]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
