"""A relevance floor: whether anything retrieved is about the question at all.

Cosines of a small multilingual model sit at a level set by the question's language and phrasing
as much as by its subject (0.72 to 0.78 for questions that nothing in the store answers), so a
fixed cosine cannot tell. The floor is relative instead: a passage's `relevance` is how much its
best sentence is closer to the question than any of a fixed set of everyday sentences on
unrelated subjects.

Some sentence of a large collection beats the reference by chance, and by more the larger the
collection: the best of N unrelated sentences rises with log N. So the margin a passage needs
grows by `growth` per factor e of chunks beyond `base_chunks`, its `chance` (set by the
retriever). A passage that names what the question names (a name, an acronym, a number) needs
only `named_floor`, at any size: chance rarely puts the question's own names in a sentence.

Fitted with the 40 off-topic questions per language of `bot.evaluation` and the 20 seed
questions (`kabar eval`, hybrid): off-topic refused / answerable refused on the seed (8 chunks)
98.8 % / 5 %, on TyDi-id (619 chunks) 97.5 % / 2.5 %, on the seed among all IndoSum articles
(11,048 chunks) 98.8 % / 5 %. The one seed question refused, "Which airport was hit by
shelling?", is asked in English of an Indonesian article and names nothing: across languages
the answer's margin is small (0.022 on the seed alone) and no floor tells it from chance.
"""

from __future__ import annotations

import math
import re

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from typing_extensions import override

# Numbers and acronyms of a question: what chance does not put in an unrelated sentence.
_KEY = re.compile(r"\d+(?:[.,]\d+)*|\b[A-Z]{2,6}\b")

#: Everyday sentences in both languages of the collection, about nothing the news is about.
REFERENCE_SENTENCES = (
    "Resep kue cokelat yang mudah dibuat di rumah.",
    "Tim sepak bola itu memenangkan pertandingan final.",
    "Harga saham naik tajam pada perdagangan hari ini.",
    "Cuaca cerah diperkirakan terjadi sepanjang akhir pekan.",
    "Film baru itu menjadi yang terlaris di bioskop.",
    "Pemerintah mengumumkan kebijakan pendidikan yang baru.",
    "Ponsel terbaru diluncurkan dengan kamera yang lebih baik.",
    "Dokter menyarankan olahraga teratur untuk kesehatan jantung.",
    "Kemacetan lalu lintas terjadi di jalan tol pagi ini.",
    "Penyanyi itu menggelar konser di ibu kota.",
    "A simple recipe for baking bread at home.",
    "The team won the championship final last night.",
    "Stock prices rose sharply in today's trading.",
    "Sunny weather is expected throughout the weekend.",
    "The new film topped the box office.",
    "The government announced a new education policy.",
    "The latest phone launches with a better camera.",
    "Doctors recommend regular exercise for heart health.",
    "Traffic jams were reported on the highway this morning.",
    "The singer performed a concert in the capital.",
)


class RelevanceFloor(BaseNodePostprocessor):
    """Drops passages whose `relevance` (set by the retriever) is below the floor.

    A passage needs `floor` plus its `chance`, or `named_floor` when it mentions a name, an
    acronym or a number of the question (the retriever's `names`, and the question's own).

    Usage::

        RelevanceFloor().postprocess_nodes(retriever.retrieve(question), query_str=question)
    """

    floor: float = Field(default=0.03, description="Least relevance in a small collection.")
    named_floor: float = Field(
        default=0.03, description="Least relevance of a passage naming what the question names."
    )

    @classmethod
    def class_name(cls) -> str:
        return "RelevanceFloor"

    @override
    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        keys = set(_KEY.findall(query_bundle.query_str)) if query_bundle else set()
        return [node for node in nodes if self._relevant(node, keys)]

    def _relevant(self, node: NodeWithScore, keys: set[str]) -> bool:
        relevance = float(node.metadata.get("relevance", 1.0))
        if relevance >= self.floor + float(node.metadata.get("chance", 0.0)):
            return True
        text = node.get_content()
        named = any(
            re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text)
            for key in [*node.metadata.get("names", []), *keys]
        )
        return named and relevance >= self.named_floor


def chance(chunks: int, *, base_chunks: int = 30, growth: float = 0.0089) -> float:
    """How much more relevance a passage needs in a collection of `chunks` than in a small one.

    Usage::

        chance(619)  # 0.027: TyDi-id's 619 chunks need a margin of 0.057 instead of 0.03
    """
    return growth * math.log(max(chunks, base_chunks) / base_chunks)
