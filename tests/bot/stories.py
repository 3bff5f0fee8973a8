"""Dated news for the briefing tests: one event on two sites, its follow-up, another event."""

# One event told by two sites in their own words, a follow-up of it on a third site, and
# another event the same day.
QUAKE_KOMPAS = (
    "Gempa magnitudo 6,2 guncang Palu\n"
    "Gempa bumi bermagnitudo 6,2 mengguncang Kota Palu, Sulawesi Tengah, pada Selasa pagi."
    " Badan Meteorologi, Klimatologi, dan Geofisika (BMKG) menyebut pusat gempa berada di"
    " darat pada kedalaman 10 kilometer. Warga Palu berhamburan keluar rumah saat guncangan"
    " terasa kuat selama beberapa detik. BMKG memastikan gempa tidak berpotensi tsunami."
)
QUAKE_DETIK = (
    "Palu diguncang gempa 6,2, warga panik\n"
    "Guncangan gempa berkekuatan 6,2 magnitudo dirasakan warga Kota Palu, Sulawesi Tengah,"
    " Selasa pagi. Menurut BMKG, episentrum gempa terletak di darat dengan kedalaman 10"
    " kilometer dan tidak berpotensi tsunami. Sejumlah warga Palu panik dan berlarian ke"
    " jalan ketika gempa terjadi."
)
QUAKE_FOLLOW_UP = (
    "Korban gempa Palu bertambah, ratusan rumah rusak\n"
    "Badan Nasional Penanggulangan Bencana (BNPB) mencatat tiga warga meninggal dan ratusan"
    " rumah rusak akibat gempa magnitudo 6,2 yang mengguncang Kota Palu, Sulawesi Tengah."
    " BMKG mencatat puluhan gempa susulan sejak gempa utama. Warga Palu yang rumahnya rusak"
    " mengungsi ke tenda darurat di lapangan kota."
)
CHILI = (
    "Harga cabai rawit naik di pasar Jakarta\n"
    "Harga cabai rawit di sejumlah pasar tradisional Jakarta naik menjadi Rp80.000 per"
    " kilogram. Pedagang di Pasar Induk Kramat Jati mengatakan pasokan dari petani berkurang"
    " karena musim hujan. Pembeli mengeluhkan harga yang naik dua kali lipat dalam sepekan."
)
# An article whose sentence most like the whole opens on the one before it.
ONIONS = (
    "Harga bawang merah naik di Surabaya\n"
    "Pedagang di Pasar Keputran Surabaya mulai menaikkan harga sejak akhir pekan."
    " Sementara itu, harga bawang merah di pasar tradisional Surabaya naik menjadi Rp60.000 per"
    " kilogram karena pasokan bawang merah dari petani Nganjuk berkurang."
    " Pembeli di pasar mengeluh dan mengurangi belanja mereka."
)
# A dateline, then the reporter's sentence, then quotations: one whole, one opening inside the
# quotation before it.
RICE_QUOTED = (
    "Harga beras naik di Bandung\n"
    "Bandung, CNN Indonesia -- Pedagang di Pasar Kosambi menaikkan harga beras."
    ' "Harga beras di pasar tradisional Bandung naik menjadi Rp14.000 per kilogram karena'
    ' pasokan beras dari petani di Bandung berkurang," kata Ujang, pedagang beras.'
    ' "Pembeli beras di Bandung mengeluh karena harga beras di pasar naik.'
    ' Pasokan beras dari petani Bandung berkurang karena gagal panen," ujar Ujang.'
)
