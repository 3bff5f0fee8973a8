"""The engine stands alone: using it loads none of the faces nor what only they need."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def loaded_after(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after running `statement`."""
    script = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


def test_importing_the_engine_loads_no_telegram_typer_or_faces() -> None:
    loaded = loaded_after("import bot.engine")

    assert "bot.engine" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"telegram", "typer"}}
    assert not {
        m for m in loaded if m.startswith(("bot.cli", "bot.telegram_bot", "bot.evaluation"))
    }


def test_the_engine_loads_rich_only_as_httpx_itself_does() -> None:
    # httpx imports its own command line (click and rich) whenever they are installed.
    by_httpx = loaded_after("import httpx")

    extra = loaded_after("import bot.engine") - by_httpx

    assert not {m for m in extra if m.split(".")[0] == "rich"}
