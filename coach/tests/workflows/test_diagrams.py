"""docs/workflows.md shows the graphs as they are compiled: a change to a graph without
regenerating the diagrams (`python manage.py workflow_diagrams`) fails here."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from coach.workflows.diagrams import BEGIN, END, TITLES, diagrams_markdown, docs_path, with_diagrams, workflow_mermaid


def test_the_documented_diagrams_match_the_compiled_graphs():
    documented = docs_path().read_text(encoding="utf-8")

    assert with_diagrams(documented) == documented, "run `python manage.py workflow_diagrams`"


def test_each_workflow_is_drawn_with_its_agents_and_their_rules_fallback():
    plan = workflow_mermaid("plan_generation")

    for node in ("load_context", "progress_analyst", "exercise_selector", "workout_planner", "injury_prevention"):
        assert f"\t{node}({node})" in plan
    assert "validate -. &nbsp;revise&nbsp; .-> workout_planner;" in plan
    assert "workout_planner -. &nbsp;model failed&nbsp; .-> __error_handler__workout_planner;" in plan
    assert "__error_handler__workout_planner -.-> injury_prevention;" in plan
    assert "human_review -. &nbsp;changes asked&nbsp; .-> workout_planner;" in plan
    markdown = diagrams_markdown()
    assert markdown.startswith(BEGIN)
    assert markdown.endswith(END)
    assert markdown.count("```mermaid") == len(TITLES)


def test_the_command_rewrites_only_the_diagrams(tmp_path, monkeypatch):
    target = tmp_path / "workflows.md"
    target.write_text(f"# Title\n\nKept.\n\n{BEGIN}\nstale\n{END}\n\nAlso kept.\n", encoding="utf-8")
    monkeypatch.setattr("coach.management.commands.workflow_diagrams.docs_path", lambda: target)

    call_command("workflow_diagrams", stdout=StringIO())

    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nKept.\n\n")
    assert text.endswith("\n\nAlso kept.\n")
    assert "stale" not in text
    assert workflow_mermaid("adaptive_workout") in text
    call_command("workflow_diagrams", "--check", stdout=StringIO())
    target.write_text(text.replace("load_context", "load_kontext"), encoding="utf-8")
    with pytest.raises(SystemExit):
        call_command("workflow_diagrams", "--check", stdout=StringIO())
