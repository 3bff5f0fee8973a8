"""A day of IndoSum as `/brief` sends it: the day's articles stored, then the briefing's messages.

    .venv/bin/python scripts/briefing_day.py --data-dir DIR [--day 2017-08-30] [--topic KPK]

The articles the corpus dates on that day (UTC) are ingested into `DIR` (kept: a second run
skips them), and the briefing over that day in `KABAR_TIMEZONE` is printed as the HTML
messages the bot sends, one after another, with how long composing it took.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from datetime import datetime, timedelta
from pathlib import Path

from _bench import CORPUS, INDOSUM

from bot.engine import Engine, EngineSettings, brief

# The very HTML the bot sends, split where Telegram's message limit asks.
from bot.telegram_bot._replies import briefing_html, split_html
from ingest import Ingestor, IngestSettings
from store import Store, StoreSettings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--day", default="2017-08-30", help="A day of the corpus, YYYY-MM-DD.")
    parser.add_argument("--topic", default="", help="A topic, as in `/brief TOPIC`.")
    args = parser.parse_args()
    store = Store(StoreSettings(data_dir=args.data_dir, chroma_host=None, collection="briefing"))
    stored = ingest_day(store, args.day)
    print(f"{stored} articles of {args.day} stored")
    settings = EngineSettings()
    since = datetime.fromisoformat(args.day).replace(tzinfo=settings.zone)
    started = time.perf_counter()
    briefing = brief(Engine(store, settings), args.topic, "id", since, since + timedelta(days=1))
    print(f"{len(briefing.stories)} stories, composed in {time.perf_counter() - started:.2f} s")
    for part in split_html(briefing_html(briefing)):
        print("----- message -----")
        print(part)


def ingest_day(store: Store, day: str) -> int:
    """The corpus's articles of `day` written to the store; how many are stored."""
    ingestor = Ingestor(store, IngestSettings())
    items = ingestor.plan([str(CORPUS)], INDOSUM)
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        days = [json.loads(line)["date_utc"][:10] for line in lines]
    of_day = [item for item, item_day in zip(items, days, strict=True) if item_day == day]
    return sum(not result.failed for result in ingestor.run(of_day))


if __name__ == "__main__":
    main()
