"""A relevance floor: whether anything retrieved is about the question at all.

Cosines of a small multilingual model sit at a level set by the question's language and phrasing
as much as by its subject (0.72 to 0.78 for questions that nothing in the store answers), so a
fixed cosine cannot tell. The floor is relative instead: a passage's `relevance` is how much its
best sentence is closer to the question than any of a fixed set of everyday sentences on
unrelated subjects.

Some sentence of a large collection beats the reference by chance, and by more the larger the
collection: the best of N unrelated sentences rises with log N. So the margin a passage needs
grows by `growth` per factor e of chunks beyond `base_chunks`, its `chance` (set by the
retriever). A passage that names what the question names (a name, an acronym beside it, a
number) needs only `named_floor`, at any size: chance does not put the question's own names in
a sentence. Measured with the 40 off-topic questions per language of `bot.evaluation`: on the
seed (8 chunks) every seed question clears 0.02 and 79 of 80 off-topic ones stay below it; on
TyDi-id (619 chunks) the same floor grown to 0.050 refuses 97.5 % of them and 1.6 % of the
answerable questions.
"""

from __future__ import annotations

import math
import re

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from typing_extensions import override

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

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

    A passage needs `floor` plus its `chance`, or `named_floor` when it mentions a name or a
    number of the question (the retriever's `names`, and the digits of the question).

    Usage::

        RelevanceFloor().postprocess_nodes(retriever.retrieve(question), query_str=question)
    """

    floor: float = Field(default=0.02, description="Least relevance in a small collection.")
    named_floor: float = Field(
        default=0.02, description="Least relevance of a passage naming what the question names."
    )

    @classmethod
    def class_name(cls) -> str:
        return "RelevanceFloor"

    @override
    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        numbers = set(_NUMBER.findall(query_bundle.query_str)) if query_bundle else set()
        return [node for node in nodes if self._relevant(node, numbers)]

    def _relevant(self, node: NodeWithScore, numbers: set[str]) -> bool:
        relevance = float(node.metadata.get("relevance", 1.0))
        if relevance >= self.floor + float(node.metadata.get("chance", 0.0)):
            return True
        keys = [*node.metadata.get("names", []), *numbers]
        text = node.get_content()
        named = any(re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text) for key in keys)
        return named and relevance >= self.named_floor


def chance(chunks: int, *, base_chunks: int = 10, growth: float = 0.0073) -> float:
    """How much more relevance a passage needs in a collection of `chunks` than in a small one.

    Usage::

        chance(619)  # 0.030: TyDi-id's 619 chunks need a margin of 0.05 instead of 0.02
    """
    return growth * math.log(max(chunks, base_chunks) / base_chunks)
