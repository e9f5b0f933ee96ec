"""Examples shown in the OpenAPI documentation of /api/v1/ai: real answers of the rules engine on the
demo library (no model configured), shortened (two days of a week, two insights)."""

from drf_spectacular.utils import OpenApiExample

_RECOMMENDATION = {
    "engine": "rules",
    "fallback_reason": "not_configured",
    "fallback_detail": "No language model is configured; the rule-based coach answered.",
    "language": "en",
    "title": "3-day strength plan (full body)",
    "summary": "3 training days a week, full body, for strength at intermediate level: each session takes about "
    "42 minutes or less, warm-up included.",
    "goal": "strength",
    "fitness_level": "intermediate",
    "days_per_week": 3,
    "minutes_per_session": 45,
    "days": [
        {
            "day": 1,
            "name": "Full body A",
            "rest": False,
            "focus": ["quadriceps", "chest", "middle back"],
            "estimated_minutes": 42,
            "exercises": [
                {
                    "exercise_id": 247,
                    "name": "Dumbbell Squat",
                    "sets": 4,
                    "reps": "4-6",
                    "duration_seconds": None,
                    "rest_seconds": 150,
                    "reason": "Squat pattern (quadriceps): a staple of our template plans, uses your "
                    "dumbbell, chosen to spare your knee. 4 x 4-6, 150 s rest: heavy sets "
                    "build strength.",
                },
                {
                    "exercise_id": 222,
                    "name": "Dumbbell Bench Press",
                    "sets": 4,
                    "reps": "4-6",
                    "duration_seconds": None,
                    "rest_seconds": 150,
                    "reason": "Horizontal press (chest): a staple of our template plans, uses your "
                    "dumbbell. 4 x 4-6, 150 s rest: heavy sets build strength.",
                },
            ],
        },
        {"day": 2, "name": "Rest", "rest": True, "focus": [], "estimated_minutes": 0, "exercises": []},
    ],
    "notes": [
        "Warm up for 5 minutes before each session (easy cardio, then light sets of the first exercise).",
        "When every set reaches the top of the rep range, add a little weight (or reps) next time.",
    ],
    "warnings": [
        "The coach does not give medical diagnoses. If you have pain or an injury, see a doctor or a "
        "physiotherapist before training; this plan avoids exercises that load the areas you "
        "mentioned. Stop any exercise that hurts.",
        "Left out for your knee: jumps, lunges and deep knee bends load the knee.",
    ],
    "similar_plans": [
        {
            "plan_id": 1,
            "name": "Beginner Full-Body Strength",
            "goal": "strength",
            "difficulty": "beginner",
            "days_per_week": 3,
            "weeks": 8,
            "similarity": 0.7051,
        }
    ],
    "recommendation_id": 41,
    "cached": True,
}

_ANALYSIS = {
    "engine": "rules",
    "fallback_reason": "not_configured",
    "fallback_detail": "No language model is configured; the rule-based coach answered.",
    "language": "en",
    "period": {"from": "2026-11-02", "to": "2026-11-05"},
    "totals": {
        "workouts": 2,
        "entries": 2,
        "sets": 6,
        "reps": 18,
        "set_reps": 54,
        "volume_kg": 1140,
        "best_weight_kg": 22.5,
        "estimated_1rm_kg": 27.9,
        "duration_minutes": 0,
    },
    "insights": [
        {
            "type": "consistency",
            "title": "Fairly regular training",
            "detail": "2 sessions over 4 days (2026-11-02 to 2026-11-05): 2 sessions a week, trained in 1 "
            "of 1 weeks, longest gap between sessions 3 days.",
            "numbers": {
                "sessions": 2,
                "days": 4,
                "sessions_per_week": 2.0,
                "active_weeks": 1,
                "weeks": 1,
                "longest_gap_days": 3,
            },
        },
        {
            "type": "volume_trend",
            "title": "Training volume",
            "detail": "Total volume 1140 kg (sets x reps x kg) over 1 week(s); two weeks or more of logs show a trend.",
            "numbers": {"volume_kg": 1140, "weeks": [{"week_start": "2026-11-02", "volume_kg": 1140}], "trend": None},
        },
    ],
    "suggestions": [
        {
            "text": "Add pressing work (push-ups, presses) to match your pulling.",
            "reason": "6 pulling sets for 0 pushing sets.",
        },
        {
            "text": "Add exercises for the chest, back, shoulders, quadriceps, hamstrings and glutes.",
            "reason": "No sets for the chest, back, shoulders, quadriceps, hamstrings and glutes in this period.",
        },
        {
            "text": "Next target on 3/4 Sit-Up: 23.5 kg for the same reps.",
            "reason": "Your best is 22.5 kg (estimated 1RM 27.9 kg).",
        },
    ],
    "warnings": [],
    "recommendation_id": 42,
    "cached": True,
}

_SUGGESTIONS = {
    "engine": "rules",
    "fallback_reason": "not_configured",
    "fallback_detail": "No language model is configured; the rule-based coach answered.",
    "language": "en",
    "query": "quadriceps and glutes exercise",
    "filters": {"muscles": ["quadriceps", "glutes"], "equipment": [], "difficulty": None, "avoid": ["knee"]},
    "results": [
        {
            "exercise_id": 301,
            "name": "Glute Kickback",
            "muscles": ["glutes"],
            "equipment": ["body weight"],
            "difficulty": "beginner",
            "similarity": 0.5475,
            "reason": "Works the glutes (primary); no equipment needed; fits 'knee friendly': nothing that "
            "loads your knee; a staple of our template plans.",
        },
        {
            "exercise_id": 739,
            "name": "Squats - With Bands",
            "muscles": ["quadriceps"],
            "equipment": ["resistance band"],
            "difficulty": "beginner",
            "similarity": 0.4972,
            "reason": "Works the quadriceps (primary); equipment: resistance band; fits 'knee friendly': "
            "nothing that loads your knee; a staple of our template plans.",
        },
        {
            "exercise_id": 922,
            "name": "Dumbbell Hip Thrust",
            "muscles": ["glutes", "quadriceps"],
            "equipment": ["dumbbell"],
            "difficulty": None,
            "similarity": 0.4922,
            "reason": "Works the glutes, quadriceps (primary); equipment: dumbbell; fits 'knee friendly': "
            "nothing that loads your knee; a staple of our template plans.",
        },
    ],
    "warnings": [],
    "recommendation_id": 43,
    "cached": True,
}

_CHAT = {
    "session_id": "7e4ae0c6-5271-49c1-ba56-7dee2e46bc02",
    "reply": "Here are 5 exercises from the library for the chest with dumbbell:\n"
    "1. Dumbbell Bench Press (chest · dumbbell · beginner)\n"
    "2. Dumbbell Bench Press with Neutral Grip (chest · dumbbell · beginner)\n"
    "3. Incline Dumbbell Flyes (chest · dumbbell · beginner)\n"
    "4. Incline Dumbbell Press (chest · dumbbell · beginner)\n"
    "5. Straight-Arm Dumbbell Pullover (chest · dumbbell · intermediate)\n"
    'Ask me "how do I do Dumbbell Bench Press?" for step-by-step instructions.',
    "engine": "rules",
    "fallback_reason": "not_configured",
    "fallback_detail": "No language model is configured; the rule-based coach answered.",
    "language": "en",
    "intent": "find_exercises",
    "exercises": [
        {"id": 222, "name": "Dumbbell Bench Press"},
        {"id": 223, "name": "Dumbbell Bench Press with Neutral Grip"},
        {"id": 342, "name": "Incline Dumbbell Flyes"},
        {"id": 344, "name": "Incline Dumbbell Press"},
        {"id": 794, "name": "Straight-Arm Dumbbell Pullover"},
    ],
    "message_count": 2,
}

_CONVERSATION = {
    "session_id": "7e4ae0c6-5271-49c1-ba56-7dee2e46bc02",
    "status": "active",
    "language": "en",
    "user_id": None,
    "started_at": "2026-11-27T21:41:15.149375+00:00",
    "last_message_at": "2026-11-27T21:41:15.200581+00:00",
    "ended_at": None,
    "expires_at": "2026-11-28T21:41:15.200581+00:00",
    "summary": "",
    "message_count": 2,
    "messages": [
        {
            "role": "user",
            "message": "Which exercises for chest with dumbbells?",
            "timestamp": "2026-11-27T21:41:15.198006+00:00",
            "engine": None,
            "fallback_reason": None,
            "intent": "find_exercises",
            "language": "en",
            "exercises": [],
        },
        {
            "role": "assistant",
            "message": "Here are 5 exercises from the library for the chest with dumbbell:\n"
            "1. Dumbbell Bench Press (chest · dumbbell · beginner)\n"
            "2. Dumbbell Bench Press with Neutral Grip (chest · dumbbell · beginner)\n"
            "3. Incline Dumbbell Flyes (chest · dumbbell · beginner)\n"
            "4. Incline Dumbbell Press (chest · dumbbell · beginner)\n"
            "5. Straight-Arm Dumbbell Pullover (chest · dumbbell · intermediate)\n"
            'Ask me "how do I do Dumbbell Bench Press?" for step-by-step instructions.',
            "timestamp": "2026-11-27T21:41:15.200581+00:00",
            "engine": "rules",
            "fallback_reason": "not_configured",
            "intent": "find_exercises",
            "language": "en",
            "exercises": [
                {"id": 222, "name": "Dumbbell Bench Press"},
                {"id": 223, "name": "Dumbbell Bench Press with Neutral Grip"},
                {"id": 342, "name": "Incline Dumbbell Flyes"},
                {"id": 344, "name": "Incline Dumbbell Press"},
                {"id": 794, "name": "Straight-Arm Dumbbell Pullover"},
            ],
        },
    ],
}

_SESSION_STARTED = {
    "session_id": "7e4ae0c6-5271-49c1-ba56-7dee2e46bc02",
    "user_id": None,
    "language": "en",
    "status": "active",
    "started_at": "2026-11-27T21:41:15.149375Z",
}

_SESSION_ENDED = {
    "session_id": "7e4ae0c6-5271-49c1-ba56-7dee2e46bc02",
    "status": "ended",
    "ended_at": "2026-11-27T21:41:15.235688Z",
    "summary": "",
}

RECOMMEND_REQUEST = OpenApiExample(
    "Three days with dumbbells, a sore knee",
    request_only=True,
    value={
        "goals": ["strength"],
        "available_equipment": ["dumbbell"],
        "days_per_week": 3,
        "minutes_per_session": 45,
        "fitness_level": "intermediate",
        "limitations": ["knee"],
    },
)
RECOMMEND_RESPONSE = OpenApiExample("A week (shortened)", response_only=True, value=_RECOMMENDATION)
ANALYZE_REQUEST = OpenApiExample(
    "Workouts given inline",
    request_only=True,
    value={
        "workouts": [
            {"date": "2026-11-02", "exercises": [{"exercise_id": 1, "sets": 3, "reps": 10, "weight_kg": 20}]},
            {"date": "2026-11-05", "exercises": [{"exercise_id": 1, "sets": 3, "reps": 8, "weight_kg": 22.5}]},
        ]
    },
)
ANALYZE_RESPONSE = OpenApiExample("Insights with their numbers (shortened)", response_only=True, value=_ANALYSIS)
SUGGEST_REQUEST = OpenApiExample(
    "Knee-friendly legs",
    request_only=True,
    value={"target_muscles": ["quadriceps", "glutes"], "context": "knee friendly", "limit": 3},
)
SUGGEST_RESPONSE = OpenApiExample("Suggestions with scores and reasons", response_only=True, value=_SUGGESTIONS)
CHAT_REQUEST = OpenApiExample(
    "A question in a session",
    request_only=True,
    value={"message": "Which exercises for chest with dumbbells?", "session_id": _CHAT["session_id"]},
)
CHAT_RESPONSE = OpenApiExample("The coach's answer", response_only=True, value=_CHAT)
SESSION_START_REQUEST = OpenApiExample("Anonymous", request_only=True, value={})
SESSION_START_RESPONSE = OpenApiExample("A new session", response_only=True, value=_SESSION_STARTED)
SESSION_END_RESPONSE = OpenApiExample("Ended", response_only=True, value=_SESSION_ENDED)
CONVERSATION_RESPONSE = OpenApiExample("A conversation", response_only=True, value=_CONVERSATION)
CONVERSATIONS_RESPONSE = OpenApiExample(
    "A user's conversations",
    response_only=True,
    value={
        "results": [
            {key: value for key, value in _CONVERSATION.items() if key != "messages"}
            | {"preview": "Which exercises for chest with dumbbells?"}
        ]
    },
)
