"""Demo template workout plans, written as compact weekly specs and expanded week by week.

Each plan lists its training days once (day of the week -> exercises as ``(slug, sets, dose, rest)``,
where ``dose`` is a rep count or a duration such as ``"30s"``). ``template_plans()`` expands the specs
into one row per week, day and exercise, applying a double progression (reps or seconds first, then a
set) in cycles; plans of 8 weeks or more deload every fourth week.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Goal = Literal["strength", "muscle_gain", "fat_loss", "mobility", "endurance"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
EquipmentSetting = Literal["home", "dumbbells", "gym"]

# (exercise slug, base sets, base reps (int) or duration ("45s"), rest in seconds)
Move = tuple[str, int, int | str, int]

DELOAD_EVERY_WEEKS = 4  # plans of DELOAD_MIN_WEEKS+ weeks: weeks 4, 8, 12 are deloads
DELOAD_MIN_WEEKS = 8
DELOAD_FACTOR = 0.6  # a deload keeps about 60% of the sets (or of the time, for single long efforts)
LONG_EFFORT_SECONDS = 300  # a 20-minute run grows longer, never into a second run


@dataclass(frozen=True)
class Note:
    en: str
    fr: str


@dataclass(frozen=True)
class PlanSpec:
    slug: str
    name_en: str
    name_fr: str
    description_en: str
    description_fr: str
    goal: Goal
    difficulty: Difficulty
    weeks: int
    equipment_setting: EquipmentSetting
    featured_order: int | None
    days: Mapping[int, Sequence[Move]]
    notes: Mapping[str, Note] = field(default_factory=dict)


DELOAD_NOTE = Note(
    "Deload week: fewer sets and lighter loads or an easier pace, so your body absorbs the last three weeks.",
    "Semaine de décharge : moins de séries, des charges plus légères ou une allure plus facile, "
    "pour assimiler le travail des trois dernières semaines.",
)
ADD_2_5_KG = Note(
    "Add 2.5 kg next session when all reps of every set are clean.",
    "Ajoutez 2,5 kg à la séance suivante dès que toutes les répétitions de chaque série sont propres.",
)
ADD_5_KG = Note(
    "Add 5 kg next session when all reps of every set are clean.",
    "Ajoutez 5 kg à la séance suivante dès que toutes les répétitions de chaque série sont propres.",
)
HEAVY_TRIPLES = Note(
    "Work up to heavy triples at about 85% of your max; add 2.5 kg each week you hit every rep.",
    "Montez jusqu'à des triplés lourds vers 85 % de votre maximum ; ajoutez 2,5 kg chaque semaine "
    "où toutes les répétitions passent.",
)
NEXT_DUMBBELL = Note(
    "Increase to the next dumbbell once you reach the top of the rep target with two reps in reserve.",
    "Passez à l'haltère supérieur dès que vous atteignez l'objectif de répétitions en gardant deux "
    "répétitions en réserve.",
)
SLOW_ECCENTRIC = Note(
    "Lower for three seconds; once that is easy, elevate your feet or add a backpack.",
    "Descendez en trois secondes ; quand cela devient facile, surélevez les pieds ou ajoutez un sac à dos.",
)
TABLE_ROW = Note(
    "Use a sturdy table or a low bar; walk your feet forward to make it harder.",
    "Utilisez une table solide ou une barre basse ; avancez les pieds pour corser l'exercice.",
)
STRAIGHT_LINE = Note(
    "Keep a straight line from head to heels and stop the set as soon as your hips sag.",
    "Gardez la tête, le bassin et les talons alignés, et arrêtez la série dès que le bassin s'affaisse.",
)
EASY_PACE = Note(
    "Conversational pace: alternate running and brisk walking as needed, you should still be able to talk.",
    "Allure conversationnelle : alternez course et marche rapide si besoin, vous devez pouvoir parler.",
)
INTERVALS = Note(
    "Hard but controlled effort; recover at an easy pace during the rest.",
    "Effort soutenu mais maîtrisé ; récupérez à allure très facile pendant la pause.",
)
LONG_STEADY = Note(
    "Long steady effort at a pace you could hold for an hour.",
    "Effort long et régulier, à une allure que vous pourriez tenir une heure.",
)
CIRCUIT = Note(
    "Move straight to the next exercise; rest only after the whole circuit.",
    "Enchaînez directement l'exercice suivant ; ne récupérez qu'à la fin du circuit.",
)
BREATHE = Note(
    "Breathe slowly and ease a little deeper on each exhale; never force into pain.",
    "Respirez lentement et gagnez un peu d'amplitude à chaque expiration, sans jamais forcer dans la douleur.",
)
ROLL_SLOWLY = Note(
    "Roll slowly and pause on tender spots for a few breaths.",
    "Roulez lentement et marquez une pause de quelques respirations sur les zones sensibles.",
)
SOFT_LANDING = Note(
    "Land softly with bent knees; quality before speed.",
    "Réceptionnez-vous en douceur, genoux fléchis : la qualité avant la vitesse.",
)


PLAN_SPECS: tuple[PlanSpec, ...] = (
    PlanSpec(
        slug="beginner-full-body-strength",
        name_en="Beginner Full-Body Strength",
        name_fr="Force full-body débutant",
        description_en=(
            "Three full-body sessions a week built around the squat, bench press, deadlift and overhead press. "
            "You keep the reps low, rest well and add a little weight whenever every rep looks clean. "
            "Every fourth week is a lighter deload so your joints and technique keep up with your strength."
        ),
        description_fr=(
            "Trois séances complètes par semaine, centrées sur les mouvements de base : squat, développé couché, "
            "soulevé de terre et développé militaire. Les séries restent courtes, la récupération est généreuse "
            "et la charge augmente dès que la technique est maîtrisée. Une semaine de décharge toutes les quatre "
            "semaines laisse aux articulations le temps de suivre vos progrès."
        ),
        goal="strength",
        difficulty="beginner",
        weeks=8,
        equipment_setting="gym",
        featured_order=1,
        days={
            1: [
                ("barbell-squat", 3, 5, 150),
                ("barbell-bench-press-medium-grip", 3, 5, 150),
                ("bent-over-barbell-row", 3, 8, 120),
                ("triceps-pushdown", 2, 10, 60),
                ("plank", 3, "30s", 60),
            ],
            3: [
                ("barbell-deadlift", 3, 5, 180),
                ("standing-military-press", 3, 5, 150),
                ("wide-grip-lat-pulldown", 3, 10, 90),
                ("barbell-curl", 2, 10, 60),
                ("dead-bug", 3, 10, 45),
            ],
            5: [
                ("barbell-squat", 3, 5, 150),
                ("barbell-incline-bench-press-medium-grip", 3, 8, 120),
                ("seated-cable-rows", 3, 10, 90),
                ("barbell-hip-thrust", 3, 10, 90),
                ("side-bridge", 3, "20s", 45),
            ],
        },
        notes={
            "barbell-squat": ADD_5_KG,
            "barbell-deadlift": ADD_5_KG,
            "barbell-bench-press-medium-grip": ADD_2_5_KG,
            "standing-military-press": ADD_2_5_KG,
            "plank": STRAIGHT_LINE,
        },
    ),
    PlanSpec(
        slug="home-bodyweight-strength",
        name_en="Home Bodyweight Strength",
        name_fr="Force au poids du corps à la maison",
        description_en=(
            "No gym, no problem: squats, push-ups, lunges and table rows build real strength in your living room. "
            "Three sessions a week with a rest day between each one. "
            "Reps climb week by week, then you add a set."
        ),
        description_fr=(
            "Pas besoin de salle pour gagner en force : squats, pompes, fentes et tirages sous une table suffisent "
            "pour bâtir une base solide. Trois séances par semaine, toujours séparées par un jour de repos. "
            "Les répétitions augmentent chaque semaine, puis une série s'ajoute pour relancer la progression."
        ),
        goal="strength",
        difficulty="beginner",
        weeks=6,
        equipment_setting="home",
        featured_order=None,
        days={
            1: [
                ("bodyweight-squat", 3, 12, 60),
                ("pushups", 3, 8, 75),
                ("inverted-row", 3, 8, 75),
                ("single-leg-glute-bridge", 2, 10, 45),
                ("plank", 3, "30s", 45),
            ],
            3: [
                ("bodyweight-walking-lunge", 3, 10, 60),
                ("push-ups-with-feet-elevated", 3, 8, 75),
                ("back-flyes-with-bands", 3, 12, 60),
                ("dead-bug", 3, 10, 45),
                ("superman", 2, "20s", 30),
            ],
            5: [
                ("squats-with-bands", 3, 12, 60),
                ("decline-push-up", 3, 8, 75),
                ("inverted-row", 3, 8, 75),
                ("butt-lift-bridge", 3, 12, 45),
                ("side-bridge", 2, "20s", 30),
            ],
        },
        notes={
            "pushups": SLOW_ECCENTRIC,
            "inverted-row": TABLE_ROW,
            "plank": STRAIGHT_LINE,
        },
    ),
    PlanSpec(
        slug="advanced-strength-squat-bench-deadlift",
        name_en="Advanced Strength: Squat, Bench, Deadlift",
        name_fr="Force avancée : squat, développé couché, soulevé de terre",
        description_en=(
            "A 12-week upper/lower program for experienced lifters chasing bigger numbers on the three "
            "competition lifts. Heavy triples open each session, followed by targeted assistance work for the "
            "back, hips and triceps. Volume climbs over three-week waves, and every fourth week is a deload "
            "before the next push."
        ),
        description_fr=(
            "Un cycle de 12 semaines en haut/bas du corps pour pratiquants confirmés qui veulent faire grimper "
            "leurs maxima sur les trois mouvements de force athlétique. Chaque séance commence par des triplés "
            "lourds, suivis d'exercices d'assistance ciblés pour le dos, les hanches et les triceps. Le volume "
            "monte par vagues de trois semaines, puis une semaine de décharge prépare le bloc suivant."
        ),
        goal="strength",
        difficulty="advanced",
        weeks=12,
        equipment_setting="gym",
        featured_order=None,
        days={
            1: [
                ("barbell-full-squat", 5, 3, 210),
                ("romanian-deadlift", 3, 6, 150),
                ("barbell-walking-lunge", 3, 8, 90),
                ("standing-barbell-calf-raise", 3, 12, 60),
                ("hanging-leg-raise", 3, 10, 60),
            ],
            2: [
                ("barbell-bench-press-medium-grip", 5, 3, 210),
                ("bent-over-barbell-row", 4, 6, 120),
                ("standing-military-press", 3, 6, 120),
                ("weighted-pull-ups", 3, 6, 120),
                ("close-grip-barbell-bench-press", 3, 8, 120),
                ("ez-bar-skullcrusher", 3, 10, 75),
            ],
            4: [
                ("barbell-deadlift", 5, 3, 240),
                ("front-barbell-squat", 3, 5, 150),
                ("barbell-hip-thrust", 3, 8, 120),
                ("lying-leg-curls", 3, 10, 75),
                ("barbell-ab-rollout", 3, 8, 60),
            ],
            5: [
                ("standing-military-press", 4, 5, 150),
                ("barbell-incline-bench-press-medium-grip", 4, 6, 150),
                ("t-bar-row-with-handle", 4, 8, 120),
                ("dips-chest-version", 3, 8, 90),
                ("face-pull", 3, 15, 60),
                ("barbell-curl", 3, 10, 60),
            ],
        },
        notes={
            "barbell-full-squat": HEAVY_TRIPLES,
            "barbell-bench-press-medium-grip": HEAVY_TRIPLES,
            "barbell-deadlift": HEAVY_TRIPLES,
            "standing-military-press": ADD_2_5_KG,
            "romanian-deadlift": ADD_5_KG,
        },
    ),
    PlanSpec(
        slug="dumbbell-upper-lower-hypertrophy",
        name_en="Dumbbell Upper/Lower Hypertrophy",
        name_fr="Prise de muscle haut/bas aux haltères",
        description_en=(
            "Four sessions a week alternating upper and lower body, using only a pair of dumbbells and a bench. "
            "Moderate reps, a controlled tempo and short rests keep the muscles under tension. "
            "A deload every fourth week protects your joints while the volume keeps climbing."
        ),
        description_fr=(
            "Quatre séances par semaine en alternant haut et bas du corps, avec seulement une paire d'haltères "
            "et un banc. Des répétitions modérées, un tempo contrôlé et des repos courts maintiennent les muscles "
            "sous tension. Une semaine de décharge toutes les quatre semaines ménage les articulations pendant que "
            "le volume continue de progresser."
        ),
        goal="muscle_gain",
        difficulty="intermediate",
        weeks=8,
        equipment_setting="dumbbells",
        featured_order=3,
        days={
            1: [
                ("dumbbell-bench-press", 4, 10, 90),
                ("one-arm-dumbbell-row", 4, 10, 75),
                ("seated-dumbbell-press", 3, 10, 75),
                ("incline-dumbbell-flyes", 3, 12, 60),
                ("hammer-curls", 3, 12, 60),
                ("standing-dumbbell-triceps-extension", 3, 12, 60),
            ],
            2: [
                ("dumbbell-squat", 4, 10, 90),
                ("stiff-legged-dumbbell-deadlift", 4, 10, 90),
                ("dumbbell-lunges", 3, 10, 75),
                ("dumbbell-hip-thrust", 3, 12, 75),
                ("standing-dumbbell-calf-raise", 3, 15, 45),
                ("plank", 3, "45s", 45),
            ],
            4: [
                ("incline-dumbbell-press", 4, 10, 90),
                ("bent-over-two-dumbbell-row", 4, 10, 75),
                ("arnold-dumbbell-press", 3, 10, 75),
                ("straight-arm-dumbbell-pullover", 3, 12, 60),
                ("side-lateral-raise", 3, 15, 45),
                ("incline-dumbbell-curl", 3, 12, 60),
            ],
            5: [
                ("split-squat-with-dumbbells", 3, 10, 75),
                ("dumbbell-romanian-deadlift", 4, 10, 90),
                ("dumbbell-step-ups", 3, 10, 75),
                ("dumbbell-seated-one-leg-calf-raise", 3, 15, 45),
                ("russian-twist", 3, 20, 45),
            ],
        },
        notes={
            "dumbbell-bench-press": NEXT_DUMBBELL,
            "incline-dumbbell-press": NEXT_DUMBBELL,
            "dumbbell-squat": NEXT_DUMBBELL,
            "dumbbell-romanian-deadlift": NEXT_DUMBBELL,
        },
    ),
    PlanSpec(
        slug="push-pull-legs-hypertrophy",
        name_en="Push/Pull/Legs Hypertrophy",
        name_fr="Hypertrophie push/pull/jambes",
        description_en=(
            "The classic six-day split for experienced lifters: push, pull and legs, each trained twice a week. "
            "Heavy compound lifts come first, then machines and cables finish each muscle group. "
            "Sets and reps rise over three-week blocks, with a deload every fourth week."
        ),
        description_fr=(
            "La répartition incontournable sur six jours pour pratiquants avancés : poussée, tirage et jambes, "
            "chacun travaillé deux fois par semaine. Les mouvements polyarticulaires lourds ouvrent la séance, "
            "puis machines et poulies terminent le travail de chaque groupe musculaire. Séries et répétitions "
            "augmentent par blocs de trois semaines, entrecoupés d'une semaine de décharge."
        ),
        goal="muscle_gain",
        difficulty="advanced",
        weeks=12,
        equipment_setting="gym",
        featured_order=None,
        days={
            1: [
                ("barbell-bench-press-medium-grip", 4, 8, 120),
                ("seated-dumbbell-press", 3, 10, 90),
                ("incline-dumbbell-press", 3, 10, 90),
                ("cable-crossover", 3, 12, 60),
                ("side-lateral-raise", 3, 15, 45),
                ("triceps-pushdown-rope-attachment", 3, 12, 60),
            ],
            2: [
                ("bent-over-barbell-row", 4, 8, 120),
                ("wide-grip-lat-pulldown", 4, 10, 90),
                ("seated-cable-rows", 3, 10, 90),
                ("face-pull", 3, 15, 60),
                ("barbell-curl", 3, 10, 60),
                ("hammer-curls", 3, 12, 60),
            ],
            3: [
                ("barbell-squat", 4, 8, 150),
                ("romanian-deadlift", 3, 10, 120),
                ("leg-press", 3, 12, 90),
                ("lying-leg-curls", 3, 12, 60),
                ("standing-calf-raises", 4, 15, 45),
                ("cable-crunch", 3, 15, 45),
            ],
            4: [
                ("standing-military-press", 4, 8, 120),
                ("barbell-incline-bench-press-medium-grip", 4, 10, 90),
                ("parallel-bar-dip", 3, 10, 90),
                ("incline-cable-flye", 3, 12, 60),
                ("cable-seated-lateral-raise", 3, 15, 45),
                ("ez-bar-skullcrusher", 3, 12, 60),
            ],
            5: [
                ("weighted-pull-ups", 4, 8, 120),
                ("t-bar-row-with-handle", 4, 10, 90),
                ("close-grip-front-lat-pulldown", 3, 12, 75),
                ("reverse-machine-flyes", 3, 15, 45),
                ("ez-bar-curl", 3, 12, 60),
                ("cable-hammer-curls-rope-attachment", 3, 12, 60),
            ],
            6: [
                ("barbell-deadlift", 4, 6, 180),
                ("hack-squat", 3, 10, 120),
                ("barbell-hip-thrust", 3, 10, 90),
                ("seated-leg-curl", 3, 12, 60),
                ("seated-calf-raise", 4, 15, 45),
                ("hanging-leg-raise", 3, 12, 60),
            ],
        },
        notes={
            "barbell-bench-press-medium-grip": ADD_2_5_KG,
            "standing-military-press": ADD_2_5_KG,
            "bent-over-barbell-row": ADD_2_5_KG,
            "barbell-squat": ADD_5_KG,
            "barbell-deadlift": ADD_5_KG,
        },
    ),
    PlanSpec(
        slug="beginner-dumbbell-muscle-builder",
        name_en="Beginner Dumbbell Muscle Builder",
        name_fr="Débuter la prise de muscle aux haltères",
        description_en=(
            "Your first muscle-building program, with nothing more than a pair of dumbbells. "
            "Three full-body sessions a week teach the basic patterns: squat, hinge, press and row. "
            "Reps go up each week, then a set is added."
        ),
        description_fr=(
            "Un premier programme de prise de muscle qui ne demande qu'une paire d'haltères. Trois séances "
            "full-body par semaine pour apprendre les gestes fondamentaux : squat, charnière de hanche, poussée "
            "et tirage. Les répétitions augmentent chaque semaine, puis une série supplémentaire vient s'ajouter."
        ),
        goal="muscle_gain",
        difficulty="beginner",
        weeks=6,
        equipment_setting="dumbbells",
        featured_order=None,
        days={
            1: [
                ("dumbbell-squat", 3, 10, 90),
                ("dumbbell-bench-press", 3, 10, 90),
                ("one-arm-dumbbell-row", 3, 10, 75),
                ("standing-dumbbell-press", 2, 10, 75),
                ("dumbbell-bicep-curl", 2, 12, 60),
                ("plank", 3, "30s", 45),
            ],
            3: [
                ("stiff-legged-dumbbell-deadlift", 3, 10, 90),
                ("incline-dumbbell-press", 3, 10, 90),
                ("bent-over-two-dumbbell-row", 3, 10, 75),
                ("dumbbell-lunges", 2, 10, 75),
                ("tricep-dumbbell-kickback", 2, 12, 60),
                ("dead-bug", 3, 10, 45),
            ],
            5: [
                ("split-squat-with-dumbbells", 3, 10, 75),
                ("dumbbell-bench-press-with-neutral-grip", 3, 10, 90),
                ("dumbbell-incline-row", 3, 10, 75),
                ("side-lateral-raise", 2, 12, 45),
                ("hammer-curls", 2, 12, 60),
                ("crunches", 3, 15, 45),
            ],
        },
        notes={
            "dumbbell-squat": NEXT_DUMBBELL,
            "dumbbell-bench-press": NEXT_DUMBBELL,
            "stiff-legged-dumbbell-deadlift": NEXT_DUMBBELL,
            "plank": STRAIGHT_LINE,
        },
    ),
    PlanSpec(
        slug="home-hiit-fat-burner",
        name_en="Home HIIT Fat Burner",
        name_fr="HIIT brûle-graisse à la maison",
        description_en=(
            "Short, sweaty bodyweight circuits you can do in a living room, three times a week. "
            "Jumps, squats, push-ups and mountain climbers alternate with brief rests to keep your heart rate high. "
            "Each week adds a few seconds or reps, so the sessions grow with your fitness."
        ),
        description_fr=(
            "Des circuits courts et intenses au poids du corps, à faire dans votre salon trois fois par semaine. "
            "Sauts, squats, pompes et mountain climbers s'enchaînent avec des pauses brèves pour garder le cœur "
            "en haut régime. Chaque semaine, quelques secondes ou répétitions de plus font évoluer les séances "
            "avec votre condition physique."
        ),
        goal="fat_loss",
        difficulty="beginner",
        weeks=4,
        equipment_setting="home",
        featured_order=2,
        days={
            1: [
                ("star-jump", 3, "30s", 30),
                ("bodyweight-squat", 3, 15, 30),
                ("incline-push-up", 3, 10, 30),
                ("mountain-climbers", 3, "30s", 30),
                ("butt-lift-bridge", 3, 15, 30),
                ("plank", 3, "30s", 30),
            ],
            3: [
                ("high-knees", 3, "30s", 30),
                ("bodyweight-walking-lunge", 3, 10, 30),
                ("back-flyes-with-bands", 3, 15, 30),
                ("fast-skipping", 3, "30s", 30),
                ("bent-knee-hip-raise", 3, 12, 30),
                ("dead-bug", 3, 10, 30),
            ],
            5: [
                ("no-push-up-burpees", 3, "30s", 45),
                ("squats-with-bands", 3, 15, 30),
                ("pushups", 3, 8, 30),
                ("jump-rope-basic-jumps", 3, "45s", 30),
                ("glute-kickback", 3, 12, 30),
                ("side-bridge", 3, "20s", 30),
            ],
        },
        notes={
            "star-jump": SOFT_LANDING,
            "high-knees": CIRCUIT,
            "no-push-up-burpees": CIRCUIT,
        },
    ),
    PlanSpec(
        slug="dumbbell-fat-loss-conditioning",
        name_en="Dumbbell Fat-Loss Conditioning",
        name_fr="Conditionnement brûle-graisse aux haltères",
        description_en=(
            "Four circuit sessions a week that pair dumbbell strength moves with plyometric bursts. "
            "Rest stays short, so you burn plenty of calories while keeping the muscle you have. "
            "Reps and work intervals grow every week."
        ),
        description_fr=(
            "Quatre séances en circuit par semaine qui associent renforcement aux haltères et efforts explosifs. "
            "Les récupérations restent courtes : vous dépensez beaucoup d'énergie tout en préservant votre masse "
            "musculaire. Répétitions et durées d'effort augmentent de semaine en semaine."
        ),
        goal="fat_loss",
        difficulty="intermediate",
        weeks=6,
        equipment_setting="dumbbells",
        featured_order=None,
        days={
            1: [
                ("dumbbell-squat", 3, 15, 45),
                ("vertical-swing", 3, 15, 45),
                ("dumbbell-rear-lunge", 3, 12, 45),
                ("knee-tuck-jump", 3, "20s", 45),
                ("mountain-climbers", 3, "40s", 30),
                ("plank", 3, "40s", 30),
            ],
            2: [
                ("pushups", 3, 12, 45),
                ("bent-over-two-dumbbell-row", 3, 12, 45),
                ("standing-dumbbell-press", 3, 12, 45),
                ("high-knees", 3, "30s", 30),
                ("russian-twist", 3, 20, 30),
            ],
            4: [
                ("dumbbell-clean", 3, 10, 60),
                ("stiff-legged-dumbbell-deadlift", 3, 12, 45),
                ("dumbbell-step-ups", 3, 10, 45),
                ("split-jump", 3, "20s", 45),
                ("4-count-burpees", 3, "30s", 45),
                ("dead-bug", 3, 12, 30),
            ],
            5: [
                ("dumbbell-floor-press", 3, 12, 45),
                ("one-arm-dumbbell-row", 3, 12, 45),
                ("push-up-to-side-plank", 3, 10, 45),
                ("star-jump", 3, "30s", 30),
                ("side-lateral-raise", 3, 15, 30),
                ("air-bike", 3, 20, 30),
            ],
        },
        notes={
            "dumbbell-squat": CIRCUIT,
            "pushups": CIRCUIT,
            "dumbbell-clean": CIRCUIT,
            "dumbbell-floor-press": CIRCUIT,
            "knee-tuck-jump": SOFT_LANDING,
            "split-jump": SOFT_LANDING,
        },
    ),
    PlanSpec(
        slug="lean-and-strong-gym-conditioning",
        name_en="Lean & Strong Gym Conditioning",
        name_fr="Sèche et puissance en salle",
        description_en=(
            "Five gym sessions a week for advanced trainees who want to get lean without losing strength. "
            "Heavy barbell work is paired with sled pushes, rower sprints and battle ropes at short rest. "
            "Volume builds over three weeks, then a deload week lets you recover."
        ),
        description_fr=(
            "Cinq séances en salle par semaine pour pratiquants avancés qui veulent sécher sans perdre de force. "
            "Le travail lourd à la barre s'associe à des poussées de traîneau, des sprints au rameur et des cordes "
            "ondulatoires, avec peu de récupération. Le volume monte trois semaines durant, puis une semaine de "
            "décharge permet de récupérer."
        ),
        goal="fat_loss",
        difficulty="advanced",
        weeks=8,
        equipment_setting="gym",
        featured_order=None,
        days={
            1: [
                ("barbell-squat", 4, 8, 75),
                ("romanian-deadlift", 3, 10, 75),
                ("barbell-walking-lunge", 3, 12, 60),
                ("rowing-stationary", 5, "60s", 60),
                ("hanging-leg-raise", 3, 12, 45),
            ],
            2: [
                ("barbell-bench-press-medium-grip", 4, 8, 75),
                ("bent-over-barbell-row", 4, 10, 75),
                ("seated-cable-shoulder-press", 3, 12, 60),
                ("battling-ropes", 5, "30s", 30),
                ("pallof-press", 3, 12, 30),
            ],
            3: [
                ("sled-push", 6, "20s", 60),
                ("one-arm-kettlebell-swings", 4, 15, 45),
                ("front-box-jump", 4, 8, 45),
                ("overhead-slam", 4, 12, 30),
                ("running-treadmill", 6, "45s", 45),
                ("cable-crunch", 3, 15, 30),
            ],
            5: [
                ("barbell-deadlift", 4, 6, 90),
                ("clean-and-press", 3, 8, 75),
                ("pullups", 3, 8, 60),
                ("bicycling-stationary", 6, "45s", 45),
                ("farmers-walk", 3, "40s", 60),
                ("plank", 3, "45s", 30),
            ],
            6: [
                ("barbell-incline-bench-press-medium-grip", 4, 10, 75),
                ("seated-cable-rows", 4, 12, 60),
                ("parallel-bar-dip", 3, 12, 60),
                ("face-pull", 3, 15, 45),
                ("elliptical-trainer", 1, "900s", 60),
                ("russian-twist", 3, 20, 30),
            ],
        },
        notes={
            "barbell-squat": ADD_5_KG,
            "barbell-deadlift": ADD_5_KG,
            "barbell-bench-press-medium-grip": ADD_2_5_KG,
            "rowing-stationary": INTERVALS,
            "running-treadmill": INTERVALS,
            "bicycling-stationary": INTERVALS,
            "elliptical-trainer": LONG_STEADY,
        },
    ),
    PlanSpec(
        slug="daily-mobility-flow",
        name_en="Daily Mobility Flow",
        name_fr="Routine mobilité au quotidien",
        description_en=(
            "Short sessions of gentle stretching, six days a week, to loosen your hips, spine and shoulders. "
            "Three routines rotate through the week, all done on the floor with no equipment. "
            "Holds get a little longer every week."
        ),
        description_fr=(
            "De courtes séances d'étirements en douceur, six jours par semaine, pour délier hanches, dos et "
            "épaules. Trois routines se relaient au fil de la semaine, au sol et sans matériel. "
            "Les temps de maintien s'allongent un peu chaque semaine."
        ),
        goal="mobility",
        difficulty="beginner",
        weeks=4,
        equipment_setting="home",
        featured_order=4,
        days={
            1: [
                ("worlds-greatest-stretch", 2, "30s", 15),
                ("kneeling-hip-flexor", 2, "30s", 15),
                ("hamstring-stretch", 2, "30s", 15),
                ("side-lying-groin-stretch", 2, "30s", 15),
                ("ankle-on-the-knee", 2, "30s", 15),
                ("childs-pose", 2, "45s", 15),
            ],
            2: [
                ("cat-stretch", 2, "30s", 15),
                ("arm-circles", 2, "30s", 15),
                ("dynamic-chest-stretch", 2, "30s", 15),
                ("upward-stretch", 2, "30s", 15),
                ("spinal-stretch", 2, "30s", 15),
                ("triceps-stretch", 2, "30s", 15),
            ],
            3: [
                ("inchworm", 2, "30s", 15),
                ("standing-hip-circles", 2, "30s", 15),
                ("runners-stretch", 2, "30s", 15),
                ("middle-back-stretch", 2, "30s", 15),
                ("standing-lateral-stretch", 2, "30s", 15),
                ("hug-knees-to-chest", 2, "45s", 15),
            ],
            4: [
                ("worlds-greatest-stretch", 2, "30s", 15),
                ("kneeling-hip-flexor", 2, "30s", 15),
                ("hamstring-stretch", 2, "30s", 15),
                ("side-lying-groin-stretch", 2, "30s", 15),
                ("ankle-on-the-knee", 2, "30s", 15),
                ("childs-pose", 2, "45s", 15),
            ],
            5: [
                ("cat-stretch", 2, "30s", 15),
                ("arm-circles", 2, "30s", 15),
                ("dynamic-chest-stretch", 2, "30s", 15),
                ("upward-stretch", 2, "30s", 15),
                ("spinal-stretch", 2, "30s", 15),
                ("triceps-stretch", 2, "30s", 15),
            ],
            6: [
                ("inchworm", 2, "30s", 15),
                ("standing-hip-circles", 2, "30s", 15),
                ("runners-stretch", 2, "30s", 15),
                ("middle-back-stretch", 2, "30s", 15),
                ("standing-lateral-stretch", 2, "30s", 15),
                ("hug-knees-to-chest", 2, "45s", 15),
            ],
        },
        notes={
            "worlds-greatest-stretch": BREATHE,
            "cat-stretch": BREATHE,
            "inchworm": BREATHE,
        },
    ),
    PlanSpec(
        slug="mobility-and-recovery-foam-roller",
        name_en="Mobility & Recovery with a Foam Roller",
        name_fr="Mobilité et récupération au rouleau",
        description_en=(
            "Three sessions a week combining foam rolling with deeper stretches for stiff hips, a tight upper back "
            "and tired legs. Ideal alongside a training program or a desk job. "
            "Holds lengthen over the weeks, with a lighter week every fourth week."
        ),
        description_fr=(
            "Trois séances par semaine qui associent auto-massage au rouleau et étirements plus profonds pour des "
            "hanches raides, un haut du dos tendu et des jambes fatiguées. Idéal en complément d'un entraînement "
            "ou d'un travail de bureau. Les temps de maintien s'allongent au fil des semaines, avec une semaine "
            "allégée toutes les quatre semaines."
        ),
        goal="mobility",
        difficulty="intermediate",
        weeks=8,
        equipment_setting="home",
        featured_order=None,
        days={
            1: [
                ("quadriceps-smr", 1, "60s", 15),
                ("piriformis-smr", 1, "60s", 15),
                ("worlds-greatest-stretch", 2, "30s", 15),
                ("groiners", 2, "30s", 15),
                ("pelvic-tilt-into-bridge", 2, "30s", 15),
                ("seated-floor-hamstring-stretch", 2, "45s", 15),
            ],
            3: [
                ("rhomboids-smr", 1, "60s", 15),
                ("latissimus-dorsi-smr", 1, "60s", 15),
                ("cat-stretch", 2, "30s", 15),
                ("chest-stretch-on-stability-ball", 2, "30s", 15),
                ("torso-rotation", 2, "30s", 15),
                ("side-lying-floor-stretch", 2, "30s", 15),
                ("chin-to-chest-stretch", 2, "30s", 15),
            ],
            5: [
                ("iliotibial-tract-smr", 1, "60s", 15),
                ("calves-smr", 1, "60s", 15),
                ("windmills", 2, "30s", 15),
                ("all-fours-quad-stretch", 2, "30s", 15),
                ("adductor-groin", 2, "30s", 15),
                ("standing-gastrocnemius-calf-stretch", 2, "30s", 15),
                ("childs-pose", 2, "45s", 15),
            ],
        },
        notes={
            "quadriceps-smr": ROLL_SLOWLY,
            "rhomboids-smr": ROLL_SLOWLY,
            "iliotibial-tract-smr": ROLL_SLOWLY,
            "worlds-greatest-stretch": BREATHE,
            "cat-stretch": BREATHE,
            "windmills": BREATHE,
        },
    ),
    PlanSpec(
        slug="beginner-cardio-endurance",
        name_en="Beginner Cardio Endurance",
        name_fr="Endurance cardio pour débutants",
        description_en=(
            "Build the engine to run, hike or cycle for longer, starting from zero. "
            "Each session opens with an easy run-walk or rope work, followed by simple bodyweight moves that "
            "protect your knees and back. Run time grows steadily, with an easier week every fourth week."
        ),
        description_fr=(
            "Développez votre endurance pour courir, randonner ou pédaler plus longtemps, même en partant de zéro. "
            "Chaque séance débute par de la course-marche ou de la corde à sauter, suivie de mouvements simples au "
            "poids du corps qui protègent genoux et dos. Le temps de course augmente progressivement, avec une "
            "semaine plus légère toutes les quatre semaines."
        ),
        goal="endurance",
        difficulty="beginner",
        weeks=8,
        equipment_setting="home",
        featured_order=5,
        days={
            1: [
                ("trail-running-walking", 1, "1200s", 60),
                ("bodyweight-squat", 2, 15, 45),
                ("incline-push-up", 2, 10, 45),
                ("butt-lift-bridge", 2, 15, 30),
                ("plank", 2, "30s", 30),
                ("standing-gastrocnemius-calf-stretch", 1, "30s", 15),
            ],
            3: [
                ("jump-rope-basic-jumps", 5, "60s", 60),
                ("bodyweight-walking-lunge", 2, 12, 45),
                ("back-flyes-with-bands", 2, 15, 45),
                ("step-up-with-knee-raise", 2, 10, 45),
                ("dead-bug", 2, 10, 30),
                ("runners-stretch", 1, "30s", 15),
            ],
            5: [
                ("trail-running-walking", 1, "1500s", 60),
                ("squats-with-bands", 2, 15, 45),
                ("incline-push-up-medium", 2, 10, 45),
                ("calf-raises-with-bands", 2, 20, 30),
                ("side-bridge", 2, "20s", 30),
                ("hamstring-stretch", 1, "30s", 15),
            ],
        },
        notes={
            "trail-running-walking": EASY_PACE,
            "jump-rope-basic-jumps": INTERVALS,
            "plank": STRAIGHT_LINE,
        },
    ),
    PlanSpec(
        slug="endurance-engine-gym",
        name_en="Endurance Engine: Cardio Machines & Circuits",
        name_fr="Moteur d'endurance : cardio et circuits en salle",
        description_en=(
            "Ten weeks to raise your aerobic base on the treadmill, rower and bike, with light circuits for "
            "muscular endurance. Intervals, a long steady session and two strength-endurance days fill a five-day "
            "week. Work time rises in three-week waves, each followed by a deload week."
        ),
        description_fr=(
            "Dix semaines pour développer votre caisse sur tapis, rameur et vélo, complétées par des circuits "
            "légers d'endurance musculaire. Fractionné, sortie longue à allure régulière et deux séances de "
            "renforcement en endurance composent une semaine de cinq jours. Le temps de travail augmente par "
            "vagues de trois semaines, chacune suivie d'une semaine de décharge."
        ),
        goal="endurance",
        difficulty="intermediate",
        weeks=10,
        equipment_setting="gym",
        featured_order=None,
        days={
            1: [
                ("running-treadmill", 6, "120s", 60),
                ("leg-press", 3, 20, 45),
                ("lying-leg-curls", 3, 15, 30),
                ("standing-calf-raises", 3, 20, 30),
                ("plank", 3, "45s", 30),
            ],
            2: [
                ("rowing-stationary", 1, "600s", 60),
                ("machine-bench-press", 3, 15, 45),
                ("wide-grip-lat-pulldown", 3, 15, 45),
                ("seated-cable-rows", 3, 15, 45),
                ("leverage-shoulder-press", 2, 15, 45),
                ("pallof-press", 3, 12, 30),
            ],
            4: [
                ("bicycling-stationary", 1, "1800s", 60),
                ("pull-through", 3, 15, 45),
                ("one-arm-kettlebell-swings", 3, 15, 45),
                ("hyperextensions-back-extensions", 3, 15, 45),
                ("standing-cable-wood-chop", 3, 12, 30),
            ],
            5: [
                ("battling-ropes", 6, "30s", 30),
                ("cable-chest-press", 3, 15, 45),
                ("seated-one-arm-cable-pulley-rows", 3, 12, 45),
                ("pushups", 2, 15, 45),
                ("cable-crunch", 3, 15, 30),
            ],
            6: [
                ("running-treadmill", 1, "2400s", 60),
                ("hamstring-stretch", 1, "45s", 15),
                ("standing-hip-flexors", 1, "45s", 15),
                ("calf-stretch-hands-against-wall", 1, "45s", 15),
                ("kneeling-hip-flexor", 1, "45s", 15),
            ],
        },
        notes={
            "running-treadmill": INTERVALS,
            "rowing-stationary": LONG_STEADY,
            "bicycling-stationary": LONG_STEADY,
            "battling-ropes": INTERVALS,
            "leg-press": CIRCUIT,
            "machine-bench-press": CIRCUIT,
        },
    ),
    PlanSpec(
        slug="advanced-dumbbell-endurance-circuits",
        name_en="Advanced Dumbbell Endurance Circuits",
        name_fr="Circuits d'endurance avancés aux haltères",
        description_en=(
            "High-rep dumbbell circuits and plyometric intervals for athletes who need to keep going when others "
            "fade. Four sessions a week, upper and lower body alternating, with rests of thirty seconds or less. "
            "Reps and intervals climb every week."
        ),
        description_fr=(
            "Des circuits aux haltères à hautes répétitions et des intervalles pliométriques pour les sportifs qui "
            "veulent tenir l'effort plus longtemps que les autres. Quatre séances par semaine en alternant haut et "
            "bas du corps, avec des récupérations de trente secondes au maximum. Répétitions et intervalles "
            "augmentent chaque semaine."
        ),
        goal="endurance",
        difficulty="advanced",
        weeks=6,
        equipment_setting="dumbbells",
        featured_order=None,
        days={
            1: [
                ("dumbbell-squat", 4, 20, 30),
                ("dumbbell-lunges", 3, 16, 30),
                ("vertical-swing", 4, 20, 30),
                ("split-jump", 4, "30s", 30),
                ("knee-tuck-jump", 3, "20s", 30),
                ("plank", 3, "60s", 30),
            ],
            2: [
                ("pushups", 4, 20, 30),
                ("bent-over-two-dumbbell-row", 4, 20, 30),
                ("standing-dumbbell-press", 3, 15, 30),
                ("plyo-push-up", 3, 8, 30),
                ("mountain-climbers", 4, "45s", 30),
                ("spell-caster", 3, 12, 30),
            ],
            4: [
                ("dumbbell-clean", 4, 12, 30),
                ("stiff-legged-dumbbell-deadlift", 3, 15, 30),
                ("dumbbell-step-ups", 3, 12, 30),
                ("4-count-burpees", 4, "45s", 30),
                ("star-jump", 4, "30s", 30),
                ("dead-bug", 3, 16, 20),
            ],
            5: [
                ("dumbbell-floor-press", 4, 15, 30),
                ("one-arm-dumbbell-row", 4, 15, 30),
                ("arnold-dumbbell-press", 3, 12, 30),
                ("high-knees", 4, "30s", 30),
                ("russian-twist", 3, 30, 20),
            ],
        },
        notes={
            "dumbbell-squat": CIRCUIT,
            "pushups": CIRCUIT,
            "dumbbell-clean": CIRCUIT,
            "dumbbell-floor-press": CIRCUIT,
            "split-jump": SOFT_LANDING,
        },
    ),
)


def _parse_dose(dose: int | str) -> tuple[int, bool]:
    """(amount, timed) for a spec dose: an int is a rep count, "45s" a duration in seconds."""
    if isinstance(dose, int):
        return dose, False
    match = re.fullmatch(r"(\d+)s", dose)
    if match is None:
        raise ValueError(f"invalid dose {dose!r}: use an int (reps) or a duration such as '45s'")
    return int(match.group(1)), True


def _round_to(value: float, unit: int) -> int:
    return max(unit, int(value / unit + 0.5) * unit)


def _weekly_step(amount: int, *, timed: bool) -> int:
    """What one week adds to the dose: 1-3 reps, or about 10% more time (at least 5 s)."""
    if timed:
        return _round_to(amount * 0.1, 5)
    if amount <= 6:
        return 1
    return 2 if amount <= 12 else 3


def progression(*, sets: int, amount: int, timed: bool, week: int, weeks: int) -> tuple[int, int, bool]:
    """(sets, reps or seconds, is_deload) of one exercise in a given week of a plan.

    Double progression in cycles: within a cycle each week adds reps (or seconds); the next cycle restarts
    the dose with one more set (a single long effort grows its duration instead). Plans of 8+ weeks run
    3-week builds followed by a deload week keeping about 60% of the sets; shorter plans build in 3-week
    cycles without a deload.
    """
    has_deload = weeks >= DELOAD_MIN_WEEKS
    cycle_length = DELOAD_EVERY_WEEKS if has_deload else 3
    cycle, position = divmod(week - 1, cycle_length)
    long_effort = timed and amount >= LONG_EFFORT_SECONDS
    set_cap = 0 if long_effort else (2 if sets <= 2 else 1)
    extra_sets = min(cycle, set_cap)
    shift = cycle - extra_sets  # cycles that could not add a set start from a higher dose
    step = _weekly_step(amount, timed=timed)
    cycle_sets = sets + extra_sets
    if has_deload and position == DELOAD_EVERY_WEEKS - 1:
        deload_sets = max(1, int(cycle_sets * DELOAD_FACTOR + 0.5))
        start_dose = amount + step * shift
        if deload_sets < cycle_sets:
            return deload_sets, start_dose, True
        if timed:
            return cycle_sets, _round_to(start_dose * DELOAD_FACTOR, 5), True
        return cycle_sets, max(1, int(start_dose * DELOAD_FACTOR + 0.5)), True
    return cycle_sets, amount + step * (shift + position), False


def _expand(spec: PlanSpec) -> dict[str, Any]:
    exercises: list[dict[str, Any]] = []
    for week in range(1, spec.weeks + 1):
        for day in sorted(spec.days):
            for order, (slug, base_sets, dose, rest) in enumerate(spec.days[day], start=1):
                amount, timed = _parse_dose(dose)
                sets, week_amount, deload = progression(
                    sets=base_sets, amount=amount, timed=timed, week=week, weeks=spec.weeks
                )
                note = DELOAD_NOTE if deload else spec.notes.get(slug, Note("", ""))
                exercises.append(
                    {
                        "week_number": week,
                        "day_number": day,
                        "order": order,
                        "exercise_slug": slug,
                        "sets": sets,
                        "reps": None if timed else week_amount,
                        "duration_seconds": week_amount if timed else None,
                        "rest_seconds": rest,
                        "notes_en": note.en,
                        "notes_fr": note.fr,
                    }
                )
    return {
        "slug": spec.slug,
        "name_en": spec.name_en,
        "name_fr": spec.name_fr,
        "description_en": spec.description_en,
        "description_fr": spec.description_fr,
        "goal": spec.goal,
        "difficulty": spec.difficulty,
        "weeks": spec.weeks,
        "days_per_week": len(spec.days),
        "equipment_setting": spec.equipment_setting,
        "featured_order": spec.featured_order,
        "exercises": exercises,
    }


def template_plans() -> list[dict[str, Any]]:
    """All demo template plans, fully expanded: one row per week, training day and exercise."""
    return [_expand(spec) for spec in PLAN_SPECS]
