"""Nutrition advisor: daily calories and macros from a profile and a goal, with basic food guidance.

Calories: basal metabolic rate by Mifflin-St Jeor (coach.metrics), times the activity factor, then
the goal's adjustment: fat loss -20 % (never below 1500 kcal for men, 1200 for women, nor above
maintenance), muscle gain +10 %, every other goal maintenance; no deficit or surplus under 18.
Macros: protein 1.6 to 2.2 g/kg by goal (at most 35 % of the calories, which matters for heavy
people), fat 25 to 30 % of the calories, carbohydrates the rest; 4/4/9 kcal per gram, so the macros
add up to the target within a few kcal.

Never medical advice: the disclaimer says so, and no diet for a condition is given. A model may
word the guidance; `check` rejects its calories or macros when they stray more than 10 % from the
formula or do not add up.
"""

from __future__ import annotations

import json
import math
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from coach import metrics
from coach.agents.base import NUTRITION_ADVISOR, Agent, AgentContext, AgentOutput, step
from coach.validation import goal_codes

GoalKind = Literal["fat_loss", "muscle_gain", "strength", "endurance", "general_fitness", "maintenance", "mobility"]
ActivityLevel = Literal["sedentary", "lightly_active", "moderately_active", "very_active", "extra_active"]

# Plan goal codes and coach goal codes (and "maintenance") to one vocabulary.
GOAL_KINDS: dict[str, GoalKind] = {
    "fat_loss": "fat_loss",
    "weight_loss": "fat_loss",
    "muscle_gain": "muscle_gain",
    "hypertrophy": "muscle_gain",
    "strength": "strength",
    "endurance": "endurance",
    "general_fitness": "general_fitness",
    "maintenance": "maintenance",
    "mobility": "mobility",
}
CALORIE_ADJUSTMENT: dict[GoalKind, float] = {"fat_loss": -0.20, "muscle_gain": 0.10}
PROTEIN_G_PER_KG: dict[GoalKind, float] = {
    "fat_loss": 2.2,
    "muscle_gain": 2.0,
    "strength": 1.8,
    "endurance": 1.6,
    "general_fitness": 1.6,
    "maintenance": 1.6,
    "mobility": 1.6,
}
FAT_SHARE: dict[GoalKind, float] = {"muscle_gain": 0.25, "endurance": 0.25}
DEFAULT_FAT_SHARE = 0.30
MAX_PROTEIN_SHARE = 0.35
# The lowest daily target a fat-loss goal may set; a gender other than male or female gets the higher.
CALORIE_FLOORS = {"male": 1500, "female": 1200}
DEFAULT_CALORIE_FLOOR = 1500
ADULT_AGE = 18
WATER_ML_PER_KG = 35
KCAL_PER_G = {"protein": 4, "carbs": 4, "fat": 9}
MODEL_TOLERANCE = 0.10  # a model's numbers may differ this much from the formula
SUM_TOLERANCE = 0.02  # the macros' calories against the target
MAX_TEXT_CHARS = 600


def goal_kind(goal: str) -> GoalKind | None:
    """The nutrition goal for a plan or coach goal code (or a word goal_codes understands)."""
    code = goal.strip().lower()
    if code in GOAL_KINDS:
        return GOAL_KINDS[code]
    found = goal_codes([goal])
    return GOAL_KINDS.get(found[0]) if found else None


class NutritionInput(BaseModel):
    age: int = Field(ge=metrics.AGE_RANGE[0], le=metrics.AGE_RANGE[1])
    sex: Literal["male", "female", "other", "prefer_not_to_say"] = Field(
        description="male or female; another value uses the average of the two equations and the higher floor"
    )
    weight_kg: float = Field(ge=metrics.WEIGHT_KG_RANGE[0], le=metrics.WEIGHT_KG_RANGE[1])
    height_cm: float = Field(ge=metrics.HEIGHT_CM_RANGE[0], le=metrics.HEIGHT_CM_RANGE[1])
    activity_level: ActivityLevel
    goal: str = Field(
        description="fat_loss/weight_loss, muscle_gain/hypertrophy, strength, endurance, general_fitness, "
        "maintenance or mobility"
    )

    @field_validator("goal")
    @classmethod
    def _known_goal(cls, value: str) -> str:
        if goal_kind(value) is None:
            raise ValueError(f"unknown goal {value!r}; one of: {', '.join(GOAL_KINDS)}")
        return value


class Macros(BaseModel):
    protein_g: int = Field(ge=0)
    carbs_g: int = Field(ge=0)
    fat_g: int = Field(ge=0)


class NutritionGuidance(AgentOutput):
    bmr_kcal: int = Field(description="Basal metabolic rate, Mifflin-St Jeor")
    maintenance_kcal: int = Field(description="BMR x activity factor")
    target_calories: int = Field(description="Maintenance adjusted for the goal, with safe floors")
    macros: Macros
    protein_g_per_kg: float
    guidance: list[str] = Field(description="Basic food guidance, in the language asked")
    disclaimer: str = Field(description="Not medical advice; when to see a doctor or dietitian")


def _macro_kcal(macros: Macros) -> int:
    return (
        macros.protein_g * KCAL_PER_G["protein"]
        + macros.carbs_g * KCAL_PER_G["carbs"]
        + macros.fat_g * KCAL_PER_G["fat"]
    )


def _number(value: float, ctx: AgentContext) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if ctx.language == "fr" else text


class NutritionAdvisor(Agent[NutritionInput, NutritionGuidance]):
    name = NUTRITION_ADVISOR
    purpose = (
        "Estimates daily calories and macros from the profile and goal (Mifflin-St Jeor x activity factor, goal "
        "adjustment with safe floors) with basic food guidance; never medical advice."
    )
    prompt = (
        "You are MovoAI's nutrition advisor. The numbers are computed for you (Mifflin-St Jeor, activity factor, "
        "goal adjustment with safe floors, protein by goal, fat 25-30 %, carbohydrates the rest): copy them into "
        "the NutritionGuidance unchanged. Write 4 to 6 short pieces of basic food guidance (protein at each meal, "
        "hydration, vegetables, timing around training, the goal) and a disclaimer saying this is not medical "
        "advice and that people with a medical condition, pregnancy or an eating disorder should see a doctor or "
        "a dietitian. Never prescribe a diet for a condition, supplements or medication. Add a reasoning step "
        "for each decision. Write in the language asked."
    )
    input_model = NutritionInput
    output_model = NutritionGuidance
    max_tokens = 1536

    def rules(self, data: NutritionInput, ctx: AgentContext) -> NutritionGuidance:
        kind = goal_kind(data.goal) or "maintenance"
        basal = metrics.bmr(weight_kg=data.weight_kg, height_cm=data.height_cm, age=data.age, gender=data.sex)
        assert basal is not None  # the input's ranges are the formula's
        maintenance = metrics.daily_energy_need(bmr_kcal=basal.kcal, daily_activity=data.activity_level)
        assert maintenance is not None
        factor = metrics.ACTIVITY_FACTORS[data.activity_level]
        reasoning = [
            step(
                ctx.t("Estimated the energy need", "Besoin énergétique estimé"),
                ctx.t(
                    f"Mifflin-St Jeor gives {basal.kcal} kcal at rest; x {factor} ({data.activity_level}) = "
                    f"{maintenance} kcal a day.",
                    f"Mifflin-St Jeor donne {basal.kcal} kcal au repos ; x {_number(factor, ctx)} "
                    f"({data.activity_level}) = {maintenance} kcal par jour.",
                ),
                bmr_kcal=basal.kcal,
                sex_constant=basal.sex_constant,
                activity_factor=factor,
                maintenance_kcal=maintenance,
            )
        ]
        guidance: list[str] = []

        adjustment = CALORIE_ADJUSTMENT.get(kind, 0.0)
        if adjustment and data.age < ADULT_AGE:
            adjustment = 0.0
            guidance.append(
                ctx.t(
                    "Under 18, eat for growth: no calorie deficit or surplus; ask a doctor or dietitian before "
                    "changing how much you eat.",
                    "Avant 18 ans, mangez pour grandir : ni déficit ni surplus calorique ; demandez l'avis d'un "
                    "médecin ou d'un diététicien avant de changer vos quantités.",
                )
            )
        target = round(maintenance * (1 + adjustment))
        floor = CALORIE_FLOORS.get(data.sex, DEFAULT_CALORIE_FLOOR)
        floored = kind == "fat_loss" and target < floor
        if floored:
            target = min(maintenance, floor)
            guidance.append(
                ctx.t(
                    f"Your target is held at {target} kcal, the safe minimum: do not eat less without medical "
                    "supervision.",
                    f"Votre objectif est maintenu à {target} kcal, le minimum sûr : ne mangez pas moins sans suivi "
                    "médical.",
                )
            )
        reasoning.append(
            step(
                ctx.t("Adjusted the calories for the goal", "Calories ajustées à l'objectif"),
                ctx.t(
                    f"Goal {kind}: {round(adjustment * 100):+d}% of maintenance"
                    + (f", held at the floor of {floor} kcal" if floored else "")
                    + f" = {target} kcal.",
                    f"Objectif {kind} : {round(adjustment * 100):+d} % de l'entretien"
                    + (f", maintenu au plancher de {floor} kcal" if floored else "")
                    + f" = {target} kcal.",
                ),
                goal=kind,
                adjustment=adjustment,
                floor_kcal=floor if kind == "fat_loss" else None,
                floored=floored,
                target_calories=target,
            )
        )

        per_kg = PROTEIN_G_PER_KG[kind]
        protein = round(per_kg * data.weight_kg)
        protein_cap = math.floor(target * MAX_PROTEIN_SHARE / KCAL_PER_G["protein"])
        capped = protein > protein_cap
        protein = min(protein, protein_cap)
        fat_share = FAT_SHARE.get(kind, DEFAULT_FAT_SHARE)
        fat = round(target * fat_share / KCAL_PER_G["fat"])
        carbs = max(
            0, round((target - protein * KCAL_PER_G["protein"] - fat * KCAL_PER_G["fat"]) / KCAL_PER_G["carbs"])
        )
        macros = Macros(protein_g=protein, carbs_g=carbs, fat_g=fat)
        protein_per_kg = round(protein / data.weight_kg, 2)
        reasoning.append(
            step(
                ctx.t("Split the calories into macros", "Répartition en macronutriments"),
                ctx.t(
                    f"Protein {per_kg} g/kg for {kind}"
                    + (f", capped at {round(MAX_PROTEIN_SHARE * 100)}% of the calories" if capped else "")
                    + f" = {protein} g; fat {round(fat_share * 100)}% = {fat} g; carbohydrates the rest = {carbs} g "
                    f"({_macro_kcal(macros)} kcal).",
                    f"Protéines {_number(per_kg, ctx)} g/kg pour {kind}"
                    + (f", plafonnées à {round(MAX_PROTEIN_SHARE * 100)} % des calories" if capped else "")
                    + f" = {protein} g ; lipides {round(fat_share * 100)} % = {fat} g ; glucides le reste = "
                    f"{carbs} g ({_macro_kcal(macros)} kcal).",
                ),
                protein_g_per_kg_goal=per_kg,
                protein_capped=capped,
                fat_share=fat_share,
                macro_kcal=_macro_kcal(macros),
            )
        )
        guidance = self._guidance(kind, data, macros, ctx) + guidance
        return NutritionGuidance(
            bmr_kcal=basal.kcal,
            maintenance_kcal=maintenance,
            target_calories=target,
            macros=macros,
            protein_g_per_kg=protein_per_kg,
            guidance=guidance,
            disclaimer=self.disclaimer(ctx),
            reasoning=reasoning,
        )

    def _guidance(self, kind: GoalKind, data: NutritionInput, macros: Macros, ctx: AgentContext) -> list[str]:
        low, high = round(macros.protein_g / 4), round(macros.protein_g / 3)
        water = round(data.weight_kg * WATER_ML_PER_KG / 1000, 1)
        lines = [
            ctx.t(
                f"Spread your {macros.protein_g} g of protein over 3 to 4 meals, about {low} to {high} g each "
                "(meat, fish, eggs, dairy, tofu, legumes).",
                f"Répartissez vos {macros.protein_g} g de protéines sur 3 à 4 repas, environ {low} à {high} g "
                "chacun (viande, poisson, œufs, laitages, tofu, légumineuses).",
            ),
            ctx.t(
                f"Drink about {_number(water, ctx)} L of water a day, plus about 0.5 L per hour of training or heat.",
                f"Buvez environ {_number(water, ctx)} L d'eau par jour, plus environ 0,5 L par heure "
                "d'entraînement ou de chaleur.",
            ),
            ctx.t(
                "Fill half your plate with vegetables at lunch and dinner and eat fruit every day.",
                "Remplissez la moitié de l'assiette de légumes au déjeuner et au dîner, et mangez des fruits chaque "
                "jour.",
            ),
            ctx.t(
                "Eat a meal with carbohydrates and protein 1 to 3 hours before training, and protein within about "
                "2 hours after.",
                "Prenez un repas avec glucides et protéines 1 à 3 heures avant l'entraînement, et des protéines dans "
                "les 2 heures qui suivent.",
            ),
        ]
        goal_lines: dict[GoalKind, tuple[str, str]] = {
            "fat_loss": (
                "Aim to lose about 0.5 to 1% of your body weight a week; if you lose faster or feel drained, eat "
                "a little more.",
                "Visez une perte d'environ 0,5 à 1 % de votre poids par semaine ; si vous perdez plus vite ou vous "
                "sentez épuisé, mangez un peu plus.",
            ),
            "muscle_gain": (
                "Aim to gain about 0.25 to 0.5% of your body weight a week; if the waist grows fast, trim 100 to "
                "200 kcal.",
                "Visez une prise d'environ 0,25 à 0,5 % de votre poids par semaine ; si le tour de taille augmente "
                "vite, retirez 100 à 200 kcal.",
            ),
            "endurance": (
                "On sessions longer than 90 minutes, take 30 to 60 g of carbohydrates per hour.",
                "Pour les séances de plus de 90 minutes, prenez 30 à 60 g de glucides par heure.",
            ),
        }
        english, french = goal_lines.get(
            kind,
            (
                "Weigh yourself once a week; if your weight drifts, adjust by 100 to 200 kcal a day.",
                "Pesez-vous une fois par semaine ; si le poids dérive, ajustez de 100 à 200 kcal par jour.",
            ),
        )
        return [*lines, ctx.t(english, french)]

    @staticmethod
    def disclaimer(ctx: AgentContext) -> str:
        return ctx.t(
            "General information, not medical advice. If you have a medical condition, are pregnant or "
            "breastfeeding, take medication, or have or had an eating disorder, see a doctor or a registered "
            "dietitian before changing how you eat.",
            "Informations générales, pas un avis médical. En cas de maladie, de grossesse ou d'allaitement, de "
            "traitement médicamenteux, ou de trouble du comportement alimentaire (actuel ou passé), consultez un "
            "médecin ou un diététicien avant de changer votre alimentation.",
        )

    # -- model

    def user_message(self, data: NutritionInput, ctx: AgentContext) -> str:
        language = "French" if ctx.language == "fr" else "English"
        computed = self.rules(data, ctx).model_dump(mode="json", exclude={"guidance", "reasoning", "disclaimer"})
        return (
            f"Answer in {language}. Profile and goal:\n{data.model_dump_json()}\n"
            f"Computed numbers (copy them):\n{json.dumps(computed)}"
        )

    def check(self, output: NutritionGuidance, data: NutritionInput, ctx: AgentContext) -> list[str]:
        formula = self.rules(data, ctx)
        problems: list[str] = []
        pairs = {
            "bmr_kcal": (output.bmr_kcal, formula.bmr_kcal),
            "maintenance_kcal": (output.maintenance_kcal, formula.maintenance_kcal),
            "target_calories": (output.target_calories, formula.target_calories),
            "protein_g": (output.macros.protein_g, formula.macros.protein_g),
            "carbs_g": (output.macros.carbs_g, formula.macros.carbs_g),
            "fat_g": (output.macros.fat_g, formula.macros.fat_g),
        }
        for field, (given, expected) in pairs.items():
            if abs(given - expected) > MODEL_TOLERANCE * expected:
                problems.append(f"{field} {given} is more than 10% from the formula's {expected}")
        floor = CALORIE_FLOORS.get(data.sex, DEFAULT_CALORIE_FLOOR)
        if output.target_calories < min(floor, formula.target_calories):
            problems.append(f"target_calories {output.target_calories} is under the safe floor {floor}")
        macro_kcal = _macro_kcal(output.macros)
        if (
            output.target_calories <= 0
            or abs(macro_kcal - output.target_calories) > SUM_TOLERANCE * output.target_calories
        ):
            problems.append(f"the macros make {macro_kcal} kcal, not {output.target_calories}")
        if abs(output.protein_g_per_kg * data.weight_kg - output.macros.protein_g) > MODEL_TOLERANCE * max(
            1, output.macros.protein_g
        ):
            problems.append(f"protein_g_per_kg {output.protein_g_per_kg} does not match protein_g")
        if not output.guidance or any(not line.strip() or len(line) > MAX_TEXT_CHARS for line in output.guidance):
            problems.append("no guidance, or an empty or overlong line")
        if not output.disclaimer.strip():
            problems.append("no disclaimer")
        return problems


AGENT = NutritionAdvisor()
