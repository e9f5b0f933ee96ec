"""The AI coach's tables (conversations, agent runs, ...) arrive with the coach issue."""
