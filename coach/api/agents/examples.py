"""Examples shown in the OpenAPI documentation of /api/v1/ai/agents and /api/v1/ai/feedback: answers
of the rule-based agents on the demo library (no model configured), shortened."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

from movoai.errors import problem

EXECUTION_ID = "3f0c5a2e-8a51-4f7e-9a38-0c2f6f1f7d42"
EXECUTION_PATH = f"/api/v1/ai/agents/executions/{EXECUTION_ID}"
LINKS = {
    "self": EXECUTION_PATH,
    "events": f"{EXECUTION_PATH}/events",
    "websocket": f"/ws/executions/{EXECUTION_ID}",
}


def _accepted(kind: str) -> dict[str, Any]:
    return {
        "execution_id": EXECUTION_ID,
        "id": EXECUTION_ID,
        "type": kind,
        "status": "queued",
        "progress": 0,
        "created_at": "2026-03-02T08:15:04.120931Z",
        "links": LINKS,
    }


def _record(agent: str, output: dict[str, Any], duration_ms: int) -> dict[str, Any]:
    """An agent's record in `agents`, as the rules answered it (AgentResult.as_record)."""
    return {
        "agent": agent,
        "engine": "rules",
        "variant": "A",
        "model": "",
        "fallback_reason": "not_configured",
        "fallback_detail": "No language model is configured; the rule-based coach answered.",
        "duration_ms": duration_ms,
        "reasoning": output["reasoning"],
        "output": output,
    }


def _finished(
    kind: str, input: dict[str, Any], output: dict[str, Any], runs: list[dict[str, Any]], path: list[str]
) -> dict[str, Any]:
    return {
        "id": EXECUTION_ID,
        "execution_id": EXECUTION_ID,
        "type": kind,
        "status": "succeeded",
        "progress": 100,
        "current_step": "",
        "engine": "rules",
        "fallback_used": False,
        "plan_id": output.get("plan_id"),
        "error": "",
        "created_at": "2026-03-02T08:15:04.292566Z",
        "started_at": "2026-03-02T08:15:04.387432Z",
        "finished_at": "2026-03-02T08:15:05.936834Z",
        "execution_time_ms": 1549,
        "links": LINKS,
        "variants": {run["agent"]: "A" for run in runs},
        "input": input,
        "output": output,
        "result": output,
        "agents": runs,
        "path": path,
        "events_count": len(path) + 3,
    }


def _step(decision: str, why: str, **data: Any) -> dict[str, Any]:
    return {"decision": decision, "why": why, "data": data}


# ---------------------------------------------------------------- plan generation

GENERATE_BODY = {
    "duration_weeks": 4,
    "days_per_week": 3,
    "goals": ["strength"],
    "fitness_level": "intermediate",
    "available_equipment": ["dumbbell"],
    "session_minutes": 45,
    "limitations": ["knee"],
    "start_date": "2026-03-02",
}
GENERATE_REQUEST = OpenApiExample("A 4-week dumbbell plan", value=GENERATE_BODY, request_only=True)
ACCEPTED = OpenApiExample("Accepted", value=_accepted("plan_generation"), response_only=True, status_codes=["202"])


def _item(exercise_id: int, name: str, reps: int = 5, sets: int = 4) -> dict[str, Any]:
    return {
        "exercise_id": exercise_id,
        "name": name,
        "sets": sets,
        "reps": reps,
        "duration_seconds": None,
        "rest_seconds": 150,
        "notes": "Range 4-6 reps.",
    }


_WEEK_1 = {
    "week": 1,
    "phase": "base",
    "volume_factor": 1.0,
    "deload": False,
    "days": [
        {
            "day": 1,
            "name": "Full body A",
            "rest": False,
            "exercises": [_item(247, "Dumbbell Squat"), _item(222, "Dumbbell Bench Press")],
        },
        {"day": 2, "name": "Rest", "rest": True, "exercises": []},
    ],
}
_WARM_UP = [
    {"name": "Brisk walk or march in place", "exercise_id": None, "duration_seconds": 180},
    {"name": "Rear Leg Raises", "exercise_id": 577, "duration_seconds": 60},
]
_COOL_DOWN = [
    {"name": "Easy walk, slow breathing", "exercise_id": None, "duration_seconds": 120},
    {"name": "Kneeling Hip Flexor", "exercise_id": 397, "duration_seconds": 45},
]
_SELECTION = {
    "split": "full_body",
    "rest_day": False,
    "sessions": [
        {
            "index": 1,
            "name": "Full body A",
            "focus": ["quadriceps", "chest", "middle back"],
            "exercises": [
                {
                    "exercise_id": 247,
                    "name": "Dumbbell Squat",
                    "muscles": ["quadriceps"],
                    "sets": 4,
                    "reps": 5,
                    "duration_seconds": None,
                    "rest_seconds": 150,
                    "reason": "Squat pattern (quadriceps): a staple of our template plans, uses your dumbbell.",
                }
            ],
        }
    ],
    "reasoning": [
        _step(
            "Chose from 216 exercises that fit the equipment, limitations and level.",
            "Exercises needing other equipment, loading a stated limitation, too hard for the level or asked to be "
            "avoided are left out before anything is chosen.",
            goal="strength",
            level="intermediate",
            equipment=["body weight", "dumbbell"],
            candidates=216,
            limitation_areas=["knee"],
            avoided_exercise_ids=[],
        ),
        _step(
            "A full body split over 3 days.",
            "Full body for 1-3 days, upper/lower for 4, push/pull/legs for 5-6: each muscle gets trained about twice "
            "a week with time to recover.",
            split="full_body",
            training_days=[1, 3, 5],
        ),
    ],
}
_DRAFT = {
    "title": "4-week strength plan, 3 days a week",
    "summary": "4 weeks of 3 sessions of about 45 minutes. Reps rise to the top of each range, then a set is added; "
    "week 4 is a lighter deload week to recover.",
    "weeks": [_WEEK_1],
    "deload_weeks": [4],
    "suggestions": [],
    "reasoning": [
        _step(
            "Periodised in blocks of four weeks: base, build, peak, then deload (weeks [4]).",
            "Three weeks of rising load then a lighter week (about 60% of the sets) lets the body adapt without "
            "piling up fatigue.",
            phases=["base", "build", "peak", "deload"],
            deload_weeks=[4],
        ),
        _step(
            "Progressive overload: reps first, then sets, within each exercise's range.",
            "Weekly sets never rise more than 10% over the week before (except after a deload), and sessions keep "
            "within their minutes.",
            weekly_sets=[36, 36, 39, 21],
            volume_factors=[1.0, 1.0, 1.08, 0.58],
            session_minutes=45,
        ),
    ],
}
_PLAN_REVIEW = {
    "approved": True,
    "risk_level": "low",
    "warnings": [],
    "substitutions": [],
    "warm_up": _WARM_UP,
    "cool_down": _COOL_DOWN,
    "required_changes": [],
    "reasoning": [
        _step(
            "Read the limitations as body areas",
            "Exercises that load these areas are flagged and replaced.",
            areas=["knee"],
            level="intermediate",
            not_understood=[],
        ),
        _step("Approved", "0 high-severity warning(s), 0 required change(s).", risk_level="low"),
    ],
}
_PLAN_OUTPUT = {
    "engine": "rules",
    "plan_id": 412,
    "title": _DRAFT["title"],
    "summary": _DRAFT["summary"],
    "plan": {
        "id": 412,
        "name": "AI plan: Strength, 4 weeks, 3 days a week",
        "goal": "strength",
        "difficulty": "intermediate",
        "weeks": 4,
        "days_per_week": 3,
        "equipment_setting": "dumbbells",
        "source": "ai",
        "deload_weeks": [4],
        "weeks_detail": [_WEEK_1],
    },
    "warm_up": _WARM_UP,
    "cool_down": _COOL_DOWN,
    "validation": {"ok": True, "rounds": 1},
    "warnings": [],
    "notes": [],
    "avoided_exercise_ids": [],
}
EXECUTION_DETAIL = OpenApiExample(
    "A finished plan generation",
    value=_finished(
        "plan_generation",
        {
            "weeks": 4,
            "days_per_week": 3,
            "goals": ["strength"],
            "fitness_level": "intermediate",
            "equipment": ["dumbbell"],
            "session_minutes": 45,
            "limitations": ["knee"],
            "review": False,
            "start_date": "2026-03-02",
            "language": "en",
        },
        _PLAN_OUTPUT,
        [
            _record("exercise_selector", _SELECTION, 89),
            _record("workout_planner", _DRAFT, 31),
            _record("injury_prevention", _PLAN_REVIEW, 52),
        ],
        ["load_context", "exercise_selector", "workout_planner", "injury_prevention", "validate", "save"],
    ),
    response_only=True,
    status_codes=["200"],
)
EXECUTION_PAGE = OpenApiExample(
    "The user's executions",
    value={
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                key: value
                for key, value in EXECUTION_DETAIL.value.items()
                if key not in ("variants", "input", "output", "result", "agents", "path", "events_count")
            }
        ],
    },
    response_only=True,
    status_codes=["200"],
)
RESUME_REQUEST = OpenApiExample(
    "Ask for changes",
    value={"approve": False, "notes": ["No lunges, please", "Shorter sessions on Fridays"]},
    request_only=True,
)

# ---------------------------------------------------------------- the other workflows

OPTIMIZE_REQUEST = OpenApiExample("The current plan", value={}, request_only=True)
ACCEPTED_OPTIMIZATION = OpenApiExample(
    "Accepted", value=_accepted("plan_optimization"), response_only=True, status_codes=["202"]
)
ADAPTIVE_REQUEST = OpenApiExample(
    "45 minutes with dumbbells", value={"session_minutes": 45, "equipment": ["dumbbell"]}, request_only=True
)
ACCEPTED_ADAPTIVE = OpenApiExample(
    "Accepted", value=_accepted("adaptive_workout"), response_only=True, status_codes=["202"]
)

# ---------------------------------------------------------------- the single agents

_PLANNED = [
    {"exercise_id": 282, "sets": 4, "reps": 8, "week": 1, "day": 1},
    {"exercise_id": 47, "sets": 4, "reps": 8, "week": 1, "day": 1},
    {"exercise_id": 37, "sets": 4, "reps": 8, "week": 1, "day": 1},
]
INJURY_REQUEST = OpenApiExample(
    "Jump squats and deadlifts with a knee limitation",
    value={"exercises": _PLANNED, "limitations": ["knee"]},
    request_only=True,
)
_INJURY_REVIEW = {
    "approved": False,
    "risk_level": "high",
    "warnings": [
        {
            "kind": "limitation",
            "severity": "high",
            "exercise_ids": [282],
            "week": 1,
            "day": 1,
            "message": "Freehand Jump Squat loads your knee (jumps, lunges and deep knee bends load the knee). Replace "
            "it with Bodyweight Squat. If you feel pain, stop and see a health professional.",
        },
        {
            "kind": "combination",
            "severity": "moderate",
            "exercise_ids": [282, 47],
            "week": 1,
            "day": 1,
            "message": "Jumps (Freehand Jump Squat) and heavy leg lifts (Barbell Deadlift) on the same day (week 1, "
            "day 1): do the jumps first, while fresh, and keep them few.",
        },
    ],
    "substitutions": [
        {
            "exercise_id": 282,
            "substitute_id": 95,
            "substitute_name": "Bodyweight Squat",
            "why": "Works the quadriceps and spares the knee.",
        }
    ],
    "warm_up": _WARM_UP,
    "cool_down": _COOL_DOWN,
    "required_changes": [
        "Replace exercise 282 (Freehand Jump Squat) with exercise 95 (Bodyweight Squat): it loads the knee."
    ],
    "reasoning": [
        _step(
            "Checked each exercise and each day",
            "3 exercises over 1 day(s): limitations, level, heavy hinges and jumps on one day, sets per muscle per "
            "day (over 10: moderate, over 16: high).",
            findings={"limitation:high": 1, "combination:moderate": 1},
            unknown_ids=[],
        ),
        _step(
            "Not approved: the plan must change",
            "1 high-severity warning(s), 1 required change(s).",
            risk_level="high",
        ),
    ],
}
INJURY_RESPONSE = OpenApiExample(
    "Not approved: a substitution and a risky combination",
    value=_finished(
        "injury_risk",
        {"exercises": _PLANNED, "limitations": ["knee"], "language": "en"},
        {"engine": "rules", **_INJURY_REVIEW},
        [_record("injury_prevention", _INJURY_REVIEW, 48)],
        ["injury_prevention"],
    ),
    response_only=True,
    status_codes=["200"],
)

NUTRITION_BODY = {
    "age": 30,
    "sex": "male",
    "weight_kg": 80,
    "height_cm": 180,
    "activity_level": "moderate",
    "goal": "fat_loss",
}
NUTRITION_REQUEST = OpenApiExample("30-year-old man, fat loss", value=NUTRITION_BODY, request_only=True)
_GUIDANCE = {
    "bmr_kcal": 1780,
    "maintenance_kcal": 2759,
    "target_calories": 2207,
    "macros": {"protein_g": 176, "carbs_g": 209, "fat_g": 74},
    "protein_g_per_kg": 2.2,
    "guidance": [
        "Spread your 176 g of protein over 3 to 4 meals, about 44 to 59 g each (meat, fish, eggs, dairy, tofu, "
        "legumes).",
        "Drink about 2.8 L of water a day, plus about 0.5 L per hour of training or heat.",
    ],
    "disclaimer": "General information, not medical advice. If you have a medical condition, are pregnant or "
    "breastfeeding, take medication, or have or had an eating disorder, see a doctor or a registered dietitian "
    "before changing how you eat.",
    "reasoning": [
        _step(
            "Estimated the energy need",
            "Mifflin-St Jeor gives 1780 kcal at rest; x 1.55 (moderately_active) = 2759 kcal a day.",
            bmr_kcal=1780,
            activity_factor=1.55,
            maintenance_kcal=2759,
        ),
        _step(
            "Adjusted the calories for the goal",
            "Goal fat_loss: -20% of maintenance = 2207 kcal.",
            goal="fat_loss",
            adjustment=-0.2,
            floor_kcal=1500,
            target_calories=2207,
        ),
        _step(
            "Split the calories into macros",
            "Protein 2.2 g/kg for fat_loss = 176 g; fat 30% = 74 g; carbohydrates the rest = 209 g (2206 kcal).",
            fat_share=0.3,
            macro_kcal=2206,
        ),
    ],
}
NUTRITION_RESPONSE = OpenApiExample(
    "Calories and macros",
    value=_finished(
        "nutrition",
        {
            "age": 30,
            "sex": "male",
            "weight_kg": 80.0,
            "height_cm": 180.0,
            "activity_level": "moderately_active",
            "goal": "fat_loss",
            "language": "en",
        },
        {"engine": "rules", **_GUIDANCE},
        [_record("nutrition_advisor", _GUIDANCE, 3)],
        ["nutrition_advisor"],
    ),
    response_only=True,
    status_codes=["200"],
)
NUTRITION_MISSING = OpenApiExample(
    "Missing numbers",
    value=problem(
        400,
        "Invalid input. weight_kg: Needed: your weight in kg; it is not in the profile either.",
        errors={"weight_kg": ["Needed: your weight in kg; it is not in the profile either."]},
    ),
    response_only=True,
    status_codes=["400"],
)

_ANALYSIS = {
    "has_history": False,
    "workouts_count": 0,
    "streak_days": 0,
    "adherence": None,
    "recommendations": ["Start with 2 to 3 full-body sessions a week on fixed days; 30 minutes is enough."],
    "reasoning": [
        _step(
            "Read the workouts",
            "0 training days between 2026-01-01 and 2026-03-01.",
            source="logs",
            workouts=0,
        )
    ],
}
_MESSAGE = {
    "message": "Welcome to MovoAI! The hardest step is the first one: one short session is enough to start the "
    "habit. Log it, and I will track your streak and your progress from there.",
    "tone": "welcome",
    "accountability": [
        "Book Saturday 18:00 (or your usual time) for your next session.",
        "Keep it to 20 to 30 minutes: a full-body session of 4 to 5 exercises.",
        "Log it right after (sets, reps, weight) so your progress can be tracked.",
    ],
    "streak_days": 0,
    "adherence": None,
    "reasoning": [
        _step("Tone: welcome", "No workout logged yet.", streak_days=0, workouts_this_week=0),
        _step(
            "Next actions",
            "A booked day for the next session, then a small target for the week.",
            actions=3,
            rest_recommended=False,
        ),
    ],
}
MOTIVATION_RESPONSE = OpenApiExample(
    "No history yet: a welcome",
    value=_finished(
        "motivation",
        {"language": "en"},
        {"engine": "rules", **_MESSAGE},
        [_record("progress_analyst", _ANALYSIS, 74), _record("motivation_coach", _MESSAGE, 2)],
        ["progress_analyst", "motivation_coach"],
    ),
    response_only=True,
    status_codes=["200"],
)

# ---------------------------------------------------------------- feedback

FEEDBACK_REQUEST = OpenApiExample(
    "A negative verdict on a plan",
    value={
        "agent_type": "workout_planner",
        "rating": "negative",
        "text": "Too many lunges for me.",
        "execution_id": EXECUTION_ID,
        "exercise_ids": [371],
    },
    request_only=True,
)
FEEDBACK_RESPONSE = OpenApiExample(
    "Stored",
    value={
        "id": 18,
        "agent_type": "workout_planner",
        "positive": False,
        "rating": "negative",
        "text": "Too many lunges for me.",
        "execution_id": EXECUTION_ID,
        "exercise_ids": [371],
        "variant": "A",
        "created_at": "2026-03-02T08:20:11.502311Z",
    },
    response_only=True,
    status_codes=["201"],
)


def _stats_row(**numbers: Any) -> dict[str, Any]:
    return {
        "executions": 0,
        "succeeded": 0,
        "failed": 0,
        "success_rate": None,
        "failure_rate": None,
        "fallback_rate": None,
        "p50_ms": None,
        "p95_ms": None,
        "llm_calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "tokens": 0,
        "cost_usd": "0.000000",
        "feedback_count": 0,
        "positive_feedback": 0,
        "positive_rate": None,
        **numbers,
    }


_PLANNER = _stats_row(
    executions=40,
    runs=46,
    succeeded=38,
    failed=2,
    success_rate=0.95,
    failure_rate=0.05,
    rules_rate=0.087,
    fallback_rate=0.0435,
    p50_ms=2140.0,
    p95_ms=5210.5,
    llm_calls=44,
    input_tokens=88120,
    output_tokens=30412,
    tokens=118532,
    cost_usd="0.419544",
    feedback_count=12,
    positive_feedback=9,
    positive_rate=0.75,
)
_GENERATION = _stats_row(
    executions=40,
    succeeded=38,
    failed=2,
    success_rate=0.95,
    failure_rate=0.05,
    fallback_rate=0.05,
    p50_ms=9120.0,
    p95_ms=16040.2,
    llm_calls=170,
    input_tokens=301220,
    output_tokens=98120,
    tokens=399340,
    cost_usd="1.387400",
    feedback_count=3,
    positive_feedback=2,
    positive_rate=0.6667,
)
STATS_RESPONSE = OpenApiExample(
    "The last 30 days",
    value={
        "since": "2026-02-01T08:00:00Z",
        "until": "2026-03-03T08:00:00Z",
        "agents": {
            "workout_planner": {
                **_PLANNER,
                "variants": {
                    "A": {**_PLANNER, "executions": 21, "runs": 24, "feedback_count": 7, "positive_rate": 0.7143},
                    "B": {**_PLANNER, "executions": 19, "runs": 22, "feedback_count": 5, "positive_rate": 0.8},
                },
            },
        },
        "workflows": {"plan_generation": {**_GENERATION, "variants": {"A": _GENERATION}}},
    },
    response_only=True,
    status_codes=["200"],
)

# ---------------------------------------------------------------- problems


def _problem_example(name: str, status: int, detail: str, **kwargs: Any) -> OpenApiExample:
    return OpenApiExample(name, value=problem(status, detail, **kwargs), response_only=True, status_codes=[str(status)])


BAD_DAYS = _problem_example(
    "Seven training days",
    400,
    "Invalid input. days_per_week: At most 6 training days a week: every week of a plan keeps at least one rest "
    "day for recovery.",
    errors={
        "days_per_week": [
            "At most 6 training days a week: every week of a plan keeps at least one rest day for recovery."
        ]
    },
)
UNAUTHORIZED = _problem_example("No token", 401, "Authentication credentials were not provided.")
NOT_FOUND = _problem_example("Not the user's", 404, f"No execution {EXECUTION_ID} among this user's.")
LIMIT = _problem_example(
    "Too many at once",
    429,
    "You already have 2 agent executions queued or running (the limit is 2); wait for one to finish.",
)
NO_CURRENT_PLAN = _problem_example(
    "No current plan",
    409,
    "There is no current plan to optimise: this user follows no plan. Assign one (POST /api/v1/users/me/plans) or "
    "generate one (POST /api/v1/ai/agents/generate-plan) first.",
)
NOT_PAUSED = _problem_example("Not paused", 409, "This execution is succeeded; only a paused execution can be resumed.")
FORBIDDEN = _problem_example("Not staff", 403, "You do not have permission to perform this action.")
