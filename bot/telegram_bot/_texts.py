"""What the bot says in its own words, in English and Indonesian (the asker's language)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "start": (
            "Ask me about the news articles in my collection: send a question, and follow it up"
            ' ("and Egypt?"); /new starts over. In groups: /ask, a mention, or a reply to my'
            " answer. Try /sources or /brief."
        ),
        "thinking": "Looking through the articles…",
        "searched_for": "Searched for: {question}",
        "new": "Starting over: your next question stands on its own.",
        "sources": "Sources",
        "quotes": "Quotes",
        "nothing_hint": "See what I have with /sources, or ask an admin to /add an article.",
        "expired": "That answer is no longer available; ask again.",
        "refused_admin": "Only admins can do that.",
        "refused_chat": "This bot is not available in this chat.",
        "rate_limited_user": ("You're asking faster than I can read: wait a minute and ask again."),
        "rate_limited_chat": (
            "This chat is asking faster than I can read: wait a minute and ask again."
        ),
        "error": "Sorry, something went wrong with that. Please try again.",
        "empty_question": "Ask a question after /ask, e.g. /ask Who backs Haftar?",
        "brief_title": "Briefing",
        "brief_empty": "Nothing new since {since}.",
        "subscribe_usage": (
            "Use /subscribe [HH:MM] [topic], e.g. /subscribe 07:30 Libya; without a time, at"
            " the chat's briefing time (/settings)."
        ),
        "subscribed": "Every day at {time} ({zone}) I'll post a briefing{topic} here.",
        "unsubscribed": "Removed {count} daily briefing(s) from this chat.",
        "unsubscribed_topic": "Removed {count} daily briefing(s) from this topic.",
        "in_topic": "in a topic",
        "no_subscriptions": (
            "This chat has no daily briefings. Add one with /subscribe HH:MM [topic]."
        ),
        "subscriptions": "Daily briefings in this chat:",
        "subscriptions_chat_full": (
            "This chat already has {count} daily briefings, the most it can have."
            " Remove them with /unsubscribe to set up others."
        ),
        "subscriptions_user_full": (
            "You already have {count} daily briefings across your chats,"
            " the most one person can set up."
        ),
        "add_usage": (
            "Use /add URL [URL...], or reply /add to a message with article text,"
            " or send me a .txt, .md, .html or .pdf file."
        ),
        "adding": "Adding {count} source(s)…",
        "remove_usage": "Use /remove ID (ids are listed by /sources).",
        "removed": "Removed {id}: {title}",
        "not_found": "No article with id {id}. See /sources.",
        "remove_not_here": "You can remove only articles added in this group.",
        "sources_empty": "No articles yet. Admins can /add some.",
        "sources_page": "Articles {first}-{last} of {total}:",
        "sources_usage": "Use /sources, or /sources PAGE with PAGE from 1 to {pages}.",
        "stats": "{articles} articles, {chunks} chunks. Languages: {languages}.",
        "feeds_usage": "Use /feeds add URL, /feeds list or /feeds remove URL.",
        "feed_added": "Following {url}: new entries will be added and announced here.",
        "feed_removed": "No longer following {url}.",
        "feed_unknown": "I'm not following {url}.",
        "no_feeds": "No feeds are followed. Add one with /feeds add URL.",
        "feeds": "Followed feeds:",
        "feed_news": "New from {url}:",
        "file_too_big": "That file is too big ({size}); the limit is {limit}.",
        "file_type": "I can read .txt, .md, .html and .pdf files, not {name}.",
        "previous": "« Previous",
        "next": "Next »",
        "vote_up": "Thanks — noted: helpful.",
        "vote_down": "Thanks — noted: not helpful.",
        "settings": "Settings for this chat:",
        "setting_language": "Language",
        "setting_search": "Search in",
        "setting_sources": "Sources per answer",
        "setting_briefing": "Daily briefing time",
        "choice_auto": "Auto (each person's own)",
        "choice_en": "English",
        "choice_id": "Bahasa Indonesia",
        "all_search": "All articles",
        "articles_en": "Articles in English",
        "articles_id": "Articles in Indonesian",
        "all_sources": "All",
        "back": "« Back",
        "settings_stale": "That choice is no longer offered; open /settings again.",
        "refused_user": "You are not allowed to use this bot.",
        "inline_ask": "Ask me about the news, e.g. Who backs Haftar?",
        "inline_keep_typing": "Keep typing: I answer once the question ends with ? or you pause.",
    },
    "id": {
        "start": (
            "Tanyakan apa saja tentang artikel berita dalam koleksi saya: kirim pertanyaan"
            ' lalu lanjutkan ("dan Mesir?"); /new memulai dari awal. Di grup: /ask, sebut saya,'
            " atau balas jawaban saya. Coba /sources atau /brief."
        ),
        "thinking": "Sedang membaca artikel…",
        "searched_for": "Dicari: {question}",
        "new": "Mulai dari awal: pertanyaan Anda berikutnya berdiri sendiri.",
        "sources": "Sumber",
        "quotes": "Kutipan",
        "nothing_hint": (
            "Lihat koleksi saya dengan /sources, atau minta admin menambah artikel dengan /add."
        ),
        "expired": "Jawaban itu sudah tidak tersedia; silakan bertanya lagi.",
        "refused_admin": "Hanya admin yang boleh melakukan itu.",
        "refused_chat": "Bot ini tidak tersedia di obrolan ini.",
        "rate_limited_user": "Pertanyaan Anda terlalu cepat: tunggu satu menit lalu tanya lagi.",
        "rate_limited_chat": (
            "Obrolan ini bertanya terlalu cepat: tunggu satu menit lalu tanya lagi."
        ),
        "error": "Maaf, terjadi kesalahan. Silakan coba lagi.",
        "empty_question": (
            "Tulis pertanyaan setelah /ask, misalnya /ask Siapa yang mendukung Haftar?"
        ),
        "brief_title": "Ringkasan",
        "brief_empty": "Tidak ada berita baru sejak {since}.",
        "subscribe_usage": (
            "Gunakan /subscribe [JJ:MM] [topik], misalnya /subscribe 07:30 Libya; tanpa waktu,"
            " pada waktu ringkasan obrolan ini (/settings)."
        ),
        "subscribed": (
            "Setiap hari pukul {time} ({zone}) saya akan mengirim ringkasan{topic} di sini."
        ),
        "unsubscribed": "{count} ringkasan harian dihapus dari obrolan ini.",
        "unsubscribed_topic": "{count} ringkasan harian dihapus dari topik ini.",
        "in_topic": "di sebuah topik",
        "no_subscriptions": (
            "Tidak ada ringkasan harian di sini. Tambahkan dengan /subscribe JJ:MM [topik]."
        ),
        "subscriptions": "Ringkasan harian di obrolan ini:",
        "subscriptions_chat_full": (
            "Obrolan ini sudah punya {count} ringkasan harian, batas terbanyaknya."
            " Hapus dengan /unsubscribe untuk membuat yang lain."
        ),
        "subscriptions_user_full": (
            "Anda sudah punya {count} ringkasan harian di obrolan-obrolan Anda,"
            " batas terbanyak untuk satu orang."
        ),
        "add_usage": (
            "Gunakan /add URL [URL...], atau balas sebuah pesan berisi teks artikel dengan /add,"
            " atau kirim berkas .txt, .md, .html, atau .pdf."
        ),
        "adding": "Menambahkan {count} sumber…",
        "remove_usage": "Gunakan /remove ID (daftar id ada di /sources).",
        "removed": "Dihapus {id}: {title}",
        "not_found": "Tidak ada artikel dengan id {id}. Lihat /sources.",
        "remove_not_here": "Anda hanya bisa menghapus artikel yang ditambahkan di grup ini.",
        "sources_empty": "Belum ada artikel. Admin dapat menambahkan dengan /add.",
        "sources_page": "Artikel {first}-{last} dari {total}:",
        "sources_usage": (
            "Gunakan /sources, atau /sources HALAMAN dengan HALAMAN dari 1 sampai {pages}."
        ),
        "stats": "{articles} artikel, {chunks} potongan. Bahasa: {languages}.",
        "feeds_usage": "Gunakan /feeds add URL, /feeds list, atau /feeds remove URL.",
        "feed_added": "Mengikuti {url}: entri baru akan ditambahkan dan diumumkan di sini.",
        "feed_removed": "Tidak lagi mengikuti {url}.",
        "feed_unknown": "Saya tidak mengikuti {url}.",
        "no_feeds": "Belum ada feed yang diikuti. Tambahkan dengan /feeds add URL.",
        "feeds": "Feed yang diikuti:",
        "feed_news": "Baru dari {url}:",
        "file_too_big": "Berkas itu terlalu besar ({size}); batasnya {limit}.",
        "file_type": "Saya bisa membaca berkas .txt, .md, .html, dan .pdf, bukan {name}.",
        "previous": "« Sebelumnya",
        "next": "Berikutnya »",
        "vote_up": "Terima kasih — dicatat: membantu.",
        "vote_down": "Terima kasih — dicatat: tidak membantu.",
        "settings": "Pengaturan obrolan ini:",
        "setting_language": "Bahasa",
        "setting_search": "Cari di",
        "setting_sources": "Sumber per jawaban",
        "setting_briefing": "Waktu ringkasan harian",
        "choice_auto": "Otomatis (bahasa tiap orang)",
        "choice_en": "English",
        "choice_id": "Bahasa Indonesia",
        "all_search": "Semua artikel",
        "articles_en": "Artikel berbahasa Inggris",
        "articles_id": "Artikel berbahasa Indonesia",
        "all_sources": "Semua",
        "back": "« Kembali",
        "settings_stale": "Pilihan itu sudah tidak tersedia; buka /settings lagi.",
        "refused_user": "Anda tidak diizinkan memakai bot ini.",
        "inline_ask": "Tanyakan tentang berita, misalnya Siapa yang mendukung Haftar?",
        "inline_keep_typing": (
            "Lanjutkan mengetik: saya menjawab setelah pertanyaan diakhiri ? atau Anda berhenti."
        ),
    },
}


def text(language: str, key: str, **values: object) -> str:
    """The interface sentence `key` in `language` (English when not Indonesian)."""
    table = TEXTS["id"] if language == "id" else TEXTS["en"]
    return table[key].format(**values)
