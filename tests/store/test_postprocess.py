"""Retrieved chunks become passages: neighbours merged, copies dropped, the irrelevant floored."""

from __future__ import annotations

import pytest
from llama_index.core.schema import NodeWithScore, TextNode

from store import AdjacentChunkMerger, NearDuplicateFilter, RelevanceFloor
from store._relevance import chance_level
from store._sentences import format_spans, sentence_spans


def _node(article: str, position: int, text: str, score: float, **extra: object) -> NodeWithScore:
    spans = sentence_spans(text)
    metadata = {
        "article_id": article,
        "position": position,
        "sentences": format_spans(spans),
        "sentence_scores": [score] * len(spans),
        **extra,
    }
    return NodeWithScore(
        node=TextNode(id_=f"{article}:{position}", text=text, metadata=metadata), score=score
    )


def test_adjacent_chunks_of_one_article_merge_without_repeating_their_overlap() -> None:
    first = _node("a", 0, "Turki mendukung GNA. Rusia mendukung LNA.", 0.7)
    second = _node("a", 1, "Rusia mendukung LNA. Mesir juga mendukung LNA.", 0.9)

    [merged] = AdjacentChunkMerger().postprocess_nodes([second, first])

    assert merged.get_content() == (
        "Turki mendukung GNA. Rusia mendukung LNA. Mesir juga mendukung LNA."
    )
    assert merged.score == 0.9
    text = merged.get_content()
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert sentences == [
        "Turki mendukung GNA.",
        "Rusia mendukung LNA.",
        "Mesir juga mendukung LNA.",
    ]


def test_chunks_apart_or_of_other_articles_stay_separate_in_rank_order() -> None:
    nodes = [
        _node("a", 0, "Satu kalimat di sini.", 0.9),
        _node("a", 2, "Tiga kalimat di sana.", 0.8),
        _node("b", 1, "Artikel lain sama sekali.", 0.7),
    ]

    merged = AdjacentChunkMerger().postprocess_nodes(nodes)

    assert [n.get_content() for n in merged] == [n.get_content() for n in nodes]


def test_a_gap_filled_later_joins_all_three_chunks() -> None:
    nodes = [
        _node("a", 0, "Kalimat pertama ada.", 0.9),
        _node("a", 2, "Kalimat ketiga ada.", 0.8),
        _node("a", 1, "Kalimat kedua ada.", 0.7),
    ]

    [merged] = AdjacentChunkMerger().postprocess_nodes(nodes)

    assert merged.get_content() == (
        "Kalimat pertama ada.\n\nKalimat kedua ada.\n\nKalimat ketiga ada."
    )


def test_a_near_copy_of_a_better_passage_is_dropped() -> None:
    story = "Turki dan Rusia menyerukan gencatan senjata di Libya pada hari Rabu malam."
    nodes = [
        _node("a", 0, story, 0.9),
        _node("b", 0, story.replace("Rabu malam", "Rabu"), 0.8),
        _node("c", 0, "Harga minyak naik tajam setelah pengumuman itu.", 0.7),
    ]

    kept = NearDuplicateFilter().postprocess_nodes(nodes)

    assert [n.metadata["article_id"] for n in kept] == ["a", "c"]


def test_passages_below_the_relevance_floor_are_dropped() -> None:
    nodes = [
        _node("a", 0, "Relevan.", 0.9, relevance=0.03),
        _node("b", 0, "Tidak relevan.", 0.8, relevance=-0.01),
    ]

    kept = RelevanceFloor(floor=0.02).postprocess_nodes(nodes)

    assert [n.metadata["article_id"] for n in kept] == ["a"]


def test_a_passage_needs_more_than_chance_unless_it_names_the_subject() -> None:
    # A collection where the probe questions' best passages reach 0.05 by chance.
    level = 0.05
    nodes = [
        _node(
            "by-chance", 0, "Harga cabai naik di pasar Medan.", 0.8, relevance=0.05, chance=level
        ),
        _node(
            "named",
            0,
            "Haftar menguasai Sirte.",
            0.8,
            relevance=0.03,
            chance=level,
            names=["Sirte"],
        ),
        _node("dated", 0, "Gaddafi digulingkan pada 2011.", 0.8, relevance=0.03, chance=level),
        _node("clear", 0, "Banjir merendam Jakarta.", 0.8, relevance=0.06, chance=level),
        _node("small", 0, "Banjir merendam Bekasi.", 0.8, relevance=0.031, chance=0.0),
    ]

    kept = RelevanceFloor().postprocess_nodes(nodes, query_str="Who took Sirte in 2011?")

    assert [n.metadata["article_id"] for n in kept] == ["named", "dated", "clear", "small"]


def test_the_chance_level_is_the_probes_ninetieth_percentile() -> None:
    assert chance_level([0.01 * n for n in range(11)]) == pytest.approx(0.09)
