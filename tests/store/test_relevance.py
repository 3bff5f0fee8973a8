"""The relevance floor's chance level is measured on the collection itself."""

from __future__ import annotations

from store import Store
from tests.store.conftest import make_article

_VILLAGES = ("Sukamaju", "Cibodas", "Karanganyar", "Sidomulyo", "Tanjungsari", "Wonosari")
_CROPS = ("padi", "jagung", "kopi", "cengkih", "kakao")


def _news(n: int) -> str:
    village, crop = _VILLAGES[n % len(_VILLAGES)], _CROPS[n % len(_CROPS)]
    return (
        f"Petani di Desa {village} memanen {crop} lebih awal tahun ini karena musim kemarau."
        f" Kepala desa mengatakan hasil panen nomor {n} naik dibanding tahun lalu."
        f" Harga {crop} di pasar kecamatan turun setelah panen raya dimulai."
    )


def _chance(store: Store) -> float:
    [node] = store.retriever(top_k=1).retrieve("Berapa hasil panen kopi tahun ini?")
    return float(node.metadata["chance"])


def test_a_small_collection_is_not_calibrated_and_a_larger_one_is_on_its_own_passages(
    store: Store,
) -> None:
    store.write(
        [make_article(f"news-{n}", f"Panen {n}", _news(n), language="id") for n in range(3)]
    )
    assert _chance(store) == 0.0

    store.write(
        [make_article(f"news-{n}", f"Panen {n}", _news(n), language="id") for n in range(3, 40)]
    )

    # Forty chunks of harvest news: the probe questions ("Bagaimana cara menyimpan cabai agar
    # tahan lama?") find passages closer than the reference sentences, and the floor rises.
    assert store.stats().chunks >= 30
    assert _chance(store) > 0.0
