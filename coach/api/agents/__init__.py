"""The HTTP API of the multi-agent planner (/api/v1/ai/agents) and of the agents' feedback
(/api/v1/ai/feedback)."""
