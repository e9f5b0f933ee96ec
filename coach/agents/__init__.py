"""The six agents of the multi-agent planner, one module each (see base.py for what they share).

Each module defines its agent class and an instance named AGENT; `agent(name)` returns it."""

from __future__ import annotations

import importlib
from typing import Any

from coach.agents.base import AGENT_NAMES, Agent


def agent(name: str) -> Agent[Any, Any]:
    """The agent called `name` (one of AGENT_NAMES); KeyError for another name."""
    if name not in AGENT_NAMES:
        raise KeyError(name)
    found: Agent[Any, Any] = importlib.import_module(f"coach.agents.{name}").AGENT
    return found
