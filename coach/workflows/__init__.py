"""The multi-agent workflows (LangGraph StateGraphs) and their runner.

plan_generation, adaptive_workout and plan_optimization are run by Celery workers
(coach.tasks -> runner.run_execution); the single-agent kinds (single.py) run inside the request
(runner.run_inline). docs/workflows.md shows each graph (diagrams.py, `manage.py workflow_diagrams`).
"""
