"""A relevance floor: whether anything retrieved is about the question at all.

Cosines of a small multilingual model sit at a level set by the question's language and phrasing
as much as by its subject (0.72 to 0.78 for questions that nothing in the store answers), so a
fixed cosine cannot tell. The floor is relative instead: a passage's `relevance` is how much its
best sentence is closer to the question than any of a fixed set of everyday sentences on
unrelated subjects.

Some sentence of a large collection beats the reference by chance, and by how much depends on
the collection: its size (the best of N unrelated sentences rises with log N) and its subjects
(an encyclopedia has a passage near almost anything). So the store calibrates the floor on its
own collection: it asks 40 probe questions on no subject of any collection and takes the
margin that the best passage of 90 % of them stays under as the collection's `chance` level; a
passage needs `margin` more than that, and `floor` at least. The probes are not the off-topic
questions that `kabar eval` and the tests measure the floor with. A passage that names what the
question names (a name, an acronym, a number) needs only `named_floor`: chance rarely puts the
question's own names in a sentence.

Measured (`kabar eval`, hybrid; off-topic refused / answerable refused): the seed (8 chunks,
no calibration below 30) 98.8 % / 5 %; TyDi-id (619) 96.3 % / 1.6 %; the seed among all IndoSum
articles (11,048) 97.5 % / 5 %; the cross-lingual set (830) 97.5 % / 6.6 %.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle
from typing_extensions import override

from ._aliases import mentions

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

    A passage needs `margin` over its collection's `chance` level (set by the retriever) and
    `floor` at least, or `named_floor` when it mentions a name, an acronym or a number of the
    question (the retriever's `names`, and the question's own).

    Usage::

        RelevanceFloor().postprocess_nodes(retriever.retrieve(question), query_str=question)
    """

    floor: float = Field(default=0.03, description="Least relevance in any collection.")
    margin: float = Field(default=0.005, description="Least relevance over the chance level.")
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
        if relevance >= max(self.floor, float(node.metadata.get("chance", 0.0)) + self.margin):
            return True
        text = node.get_content()
        named = any(mentions(text, key) for key in [*node.metadata.get("names", []), *keys])
        return named and relevance >= self.named_floor


#: Questions on no subject of any collection, in both languages, whose best passages show how
#: relevant chance alone makes one in a given collection.
PROBE_QUESTIONS = (
    "How do I make a paper airplane fly farther?",
    "What is the best way to clean white sneakers?",
    "How long should I steep green tea?",
    "Why do cats purr?",
    "How do I remove chewing gum from hair?",
    "What is a good stretch for a stiff neck?",
    "How many calories are in a boiled potato?",
    "How do I keep cut flowers fresh longer?",
    "What is the difference between a violin and a viola?",
    "How do I stop a squeaky door hinge?",
    "What should I name my goldfish?",
    "How do I polish silver spoons at home?",
    "Why do leaves change colour in autumn?",
    "How do I get better at sudoku?",
    "What is the easiest way to peel garlic?",
    "How often should I replace my toothbrush?",
    "What is a sonnet?",
    "How do I train a puppy to sit?",
    "Which wood is best for a cutting board?",
    "How do I iron a shirt without an iron?",
    "Bagaimana cara membuat kue nastar yang renyah?",
    "Berapa lama menanak nasi dengan panci biasa?",
    "Mengapa anjing suka menggonggong di malam hari?",
    "Bagaimana cara menghilangkan bau di kulkas?",
    "Apa perbedaan kelinci dan terwelu?",
    "Bagaimana cara merawat sepatu kulit?",
    "Kapan waktu terbaik menyiram tanaman tomat?",
    "Bagaimana cara melipat origami bangau?",
    "Apa itu gurindam?",
    "Bagaimana cara menghilangkan karat pada pisau?",
    "Mengapa roti bisa mengembang?",
    "Bagaimana cara belajar bermain catur untuk pemula?",
    "Berapa kali sebaiknya mencuci rambut dalam seminggu?",
    "Bagaimana cara membuat es teh manis yang segar?",
    "Apa nama yang cocok untuk kucing belang?",
    "Bagaimana cara mengatasi semut di dapur?",
    "Mengapa langit berwarna jingga saat senja?",
    "Bagaimana cara menjahit kancing baju yang lepas?",
    "Apa manfaat jalan kaki setiap pagi?",
    "Bagaimana cara menyimpan cabai agar tahan lama?",
)
#: A collection smaller than this is not calibrated: its probes' best passages say little.
CALIBRATED_FROM = 30


def chance_level(best_relevances: Sequence[float]) -> float:
    """The collection's chance level from its probes' best relevances: their 90th percentile."""
    return float(np.quantile(np.asarray(best_relevances, dtype=np.float64), 0.9))
