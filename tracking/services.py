"""Writes to a user's assigned plans and workout logs.

Every write bumps the user's cache version on commit (progress and plan progress are recomputed).
Logs carry a client-made UUID: recording the same id again returns the stored log and creates
nothing, so the frontend can retry offline writes safely, even concurrently.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from movoai import cache_keys
from movoai.errors import Conflict
from plans.models import PlanExercise, WorkoutPlan
from plans.selectors import plan_usable_by
from plans.services import plan_copy
from tracking import selectors
from tracking.models import UserPlan, UserWorkoutLog

# status -> the statuses it may move to. A completed plan is finished: assign it again to redo it.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    UserPlan.Status.ACTIVE: {UserPlan.Status.PAUSED, UserPlan.Status.COMPLETED},
    UserPlan.Status.PAUSED: {UserPlan.Status.ACTIVE, UserPlan.Status.COMPLETED},
    UserPlan.Status.COMPLETED: set(),
}
EARLIEST_LOG_DATE = datetime.date(2000, 1, 1)
LOG_FIELDS = (
    "date_performed",
    "sets_completed",
    "reps_completed",
    "weight_kg",
    "duration_seconds",
    "rpe",
    "notes",
)


def _user_data_changed(user: User) -> None:
    transaction.on_commit(lambda: cache_keys.user_data_changed(user.id))


# ---- assigned plans --------------------------------------------------------------------------------


@transaction.atomic
def user_plan_assign(
    *,
    user: User,
    plan_id: int,
    start_date: datetime.date,
    status: str = UserPlan.Status.ACTIVE,
    client_id: uuid.UUID | None = None,
) -> UserPlan:
    """Assign a template (or one of the user's own plans) to the user, active from start_date."""
    plan = plan_usable_by(plan_id=plan_id, user=user)
    if plan is None:
        raise Http404(f"No plan with id {plan_id} that this user can follow.")
    user_plan = UserPlan.objects.create(
        user=user,
        plan=plan,
        start_date=start_date,
        status=status,
        completed_at=timezone.now() if status == UserPlan.Status.COMPLETED else None,
        client_id=client_id,
    )
    _user_data_changed(user)
    return user_plan


def user_plan_record(
    *, user: User, plan_id: int, start_date: datetime.date | None, client_id: uuid.UUID | None
) -> tuple[UserPlan, bool]:
    """Assign a plan, once per client id; (assignment, created). With a client id already used by
    this user, the stored assignment is returned and nothing is created, even when two retries race,
    so an offline queue can resend until it gets an answer. The same id for another plan (or
    another explicit start date) is a 409: that is a second assignment, which needs its own id.
    start_date None means the user's today."""
    if client_id is not None:
        stored = _user_plan_by_client_id(user=user, client_id=client_id)
        if stored is not None:
            return _same_assignment(stored, plan_id=plan_id, start_date=start_date), False
    try:
        with transaction.atomic():  # a savepoint: the unique index decides between racing retries
            created = user_plan_assign(
                user=user,
                plan_id=plan_id,
                start_date=start_date or selectors.user_today(user=user),
                client_id=client_id,
            )
    except IntegrityError:
        stored = _user_plan_by_client_id(user=user, client_id=client_id) if client_id is not None else None
        if stored is None:
            raise
        return _same_assignment(stored, plan_id=plan_id, start_date=start_date), False
    return created, True


def _user_plan_by_client_id(*, user: User, client_id: uuid.UUID) -> UserPlan | None:
    return UserPlan.objects.filter(user=user, client_id=client_id).first()


def _same_assignment(stored: UserPlan, *, plan_id: int, start_date: datetime.date | None) -> UserPlan:
    if stored.plan_id != plan_id or (start_date is not None and stored.start_date != start_date):
        raise Conflict(
            f"The id {stored.client_id} already assigned plan {stored.plan_id} starting {stored.start_date}: "
            "a different assignment needs a new id."
        )
    return stored


@transaction.atomic
def user_plan_set_status(*, user_plan: UserPlan, status: str) -> UserPlan:
    """Move an assignment to another status, along the allowed transitions only (setting the
    status it already has changes nothing). completed_at is set when it is completed."""
    if status == user_plan.status:
        return user_plan
    if status not in STATUS_TRANSITIONS[user_plan.status]:
        allowed = ", ".join(sorted(STATUS_TRANSITIONS[user_plan.status])) or "none"
        raise Conflict(f"A {user_plan.status} plan cannot become {status} (allowed: {allowed}).")
    user_plan.status = status
    user_plan.completed_at = timezone.now() if status == UserPlan.Status.COMPLETED else None
    user_plan.save(update_fields=["status", "completed_at", "updated_at"])
    _user_data_changed(user_plan.user)
    return user_plan


@transaction.atomic
def user_plan_remove(*, user_plan: UserPlan) -> None:
    """Remove an assignment. Its logs stay in the user's history (they lose the link only)."""
    user = user_plan.user
    user_plan.delete()
    _user_data_changed(user)


def user_plan_copy(*, user_plan: UserPlan) -> WorkoutPlan:
    """Fork the assignment's plan into a custom plan owned by the user, which they can edit and assign."""
    return plan_copy(plan=user_plan.plan, owner=user_plan.user)


# ---- workout logs ----------------------------------------------------------------------------------


@dataclass
class LogInput:
    """A validated log as the API received it (counts already range-checked by the serializer)."""

    plan_exercise_id: int
    date_performed: datetime.date
    id: uuid.UUID | None = None
    user_plan_id: int | None = None
    sets_completed: int | None = None
    reps_completed: int | None = None
    weight_kg: Decimal | None = None
    duration_seconds: int | None = None
    rpe: int | None = None
    notes: str = ""


@dataclass
class ResolvedLog:
    plan_exercise: PlanExercise
    user_plan_id: int | None
    values: dict[str, Any] = field(default_factory=dict)


def _resolve(*, user: User, data: LogInput) -> ResolvedLog:
    """Check a log against what the user follows; every failure names its field."""
    errors: dict[str, list[str]] = {}
    plan_exercise = selectors.plan_exercise_for_user(user=user, plan_exercise_id=data.plan_exercise_id)
    if plan_exercise is None:
        errors["plan_exercise_id"] = [
            f"Plan exercise {data.plan_exercise_id} is not in a plan this user has assigned or owns."
        ]
    latest = selectors.user_today(user=user) + datetime.timedelta(days=1)
    if data.date_performed > latest:
        errors["date_performed"] = [f"Must not be after {latest.isoformat()} (one day ahead of the user's today)."]
    elif data.date_performed < EARLIEST_LOG_DATE:
        errors["date_performed"] = [f"Must not be before {EARLIEST_LOG_DATE.isoformat()}."]
    user_plan_id: int | None = None
    if plan_exercise is not None:
        if data.user_plan_id is not None:
            user_plan = selectors.user_plan_get(user=user, user_plan_id=data.user_plan_id)
            if user_plan is None or user_plan.plan_id != plan_exercise.plan_id:
                errors["user_plan_id"] = [
                    f"Assigned plan {data.user_plan_id} is not this user's assignment of the plan exercise's plan."
                ]
            user_plan_id = data.user_plan_id
        else:
            user_plan_id = plan_exercise.default_user_plan_id  # type: ignore[attr-defined]
    if errors:
        raise ValidationError(errors)
    assert plan_exercise is not None
    values = {name: getattr(data, name) for name in LOG_FIELDS}
    values["notes"] = values["notes"] or ""
    return ResolvedLog(plan_exercise=plan_exercise, user_plan_id=user_plan_id, values=values)


def _existing(*, user: User, log_id: uuid.UUID) -> UserWorkoutLog | None:
    """The stored log with this id when it is this user's; a 409 when the id is another user's."""
    stored = UserWorkoutLog.objects.select_related("exercise").filter(id=log_id).first()
    if stored is not None and stored.user_id != user.id:
        raise Conflict(f"The id {log_id} is already used by another log.")
    return stored


def _insert(*, user: User, log_id: uuid.UUID, resolved: ResolvedLog) -> tuple[UserWorkoutLog, bool]:
    """Insert, or return the log stored under the same id first (a retry, or a concurrent request
    with the same id): one statement, INSERT ... ON CONFLICT DO NOTHING, which needs neither a
    savepoint nor a look-up first; the look-up happens only when the id was taken."""
    log = UserWorkoutLog(
        id=log_id,
        user=user,
        user_plan_id=resolved.user_plan_id,
        plan_exercise=resolved.plan_exercise,
        exercise=resolved.plan_exercise.exercise,
        **resolved.values,
    )
    # Django's own INSERT (field preparation, auto_now values), with RETURNING added: bulk_create's
    # ignore_conflicts cannot say whether the row went in.
    query = InsertQuery(UserWorkoutLog, on_conflict=OnConflict.IGNORE)
    query.insert_values(UserWorkoutLog._meta.concrete_fields, [log])
    connection = connections[router.db_for_write(UserWorkoutLog)]
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING 1", params)
        inserted = cursor.fetchone() is not None
    if inserted:
        log._state.adding = False
        log._state.db = connection.alias
        return log, True
    stored = _existing(user=user, log_id=log_id)
    if stored is None:  # the conflicting row was deleted in between: nothing is stored
        raise Conflict(f"The log {log_id} was deleted while it was being stored; send it again.")
    return stored, False


def workout_log_record(*, user: User, data: LogInput) -> tuple[UserWorkoutLog, bool]:
    """Store a workout log; (log, created). The same client id again returns the stored log, even
    when the log would not be accepted now (its plan removed since). No transaction: the checks
    are reads and the insert is one statement (three queries for a new log, with the user's)."""
    log_id = data.id or uuid.uuid4()
    try:
        resolved = _resolve(user=user, data=data)
    except ValidationError:
        stored = _existing(user=user, log_id=log_id) if data.id is not None else None
        if stored is not None:
            return stored, False
        raise
    log, created = _insert(user=user, log_id=log_id, resolved=resolved)
    if created:
        _user_data_changed(user)
    return log, created


class BatchInvalid(ValidationError):
    """A batch with bad items: nothing was stored. `items` reports each bad item by index and id."""

    def __init__(self, items: list[dict[str, Any]], field_name: str) -> None:
        errors = {
            f"{field_name}.{item['index']}.{name}": messages
            for item in items
            for name, messages in item["errors"].items()
        }
        super().__init__(errors)
        self.items = items


def _resolve_all(*, user: User, items: list[LogInput], field_name: str) -> list[tuple[LogInput, ResolvedLog | None]]:
    resolved: list[tuple[LogInput, ResolvedLog | None]] = []
    bad: list[dict[str, Any]] = []
    for index, data in enumerate(items):
        if data.id is not None:
            try:
                if _existing(user=user, log_id=data.id) is not None:
                    resolved.append((data, None))  # a replay: stored already
                    continue
            except Conflict as conflict:
                bad.append({"index": index, "id": str(data.id), "errors": {"id": [str(conflict.detail)]}})
                continue
        try:
            resolved.append((data, _resolve(user=user, data=data)))
        except ValidationError as error:
            bad.append({"index": index, "id": str(data.id) if data.id else None, "errors": error.message_dict})
    if bad:
        raise BatchInvalid(bad, field_name)
    return resolved


@transaction.atomic
def workout_log_record_batch(*, user: User, items: list[LogInput]) -> list[tuple[UserWorkoutLog, bool]]:
    """Store many logs from offline storage, all or nothing: when any item is invalid nothing is
    stored and BatchInvalid names every bad item. Idempotent per log id."""
    results: list[tuple[UserWorkoutLog, bool]] = []
    for data, resolved in _resolve_all(user=user, items=items, field_name="logs"):
        log_id = data.id or uuid.uuid4()
        if resolved is None:
            stored = _existing(user=user, log_id=log_id)
            assert stored is not None
            results.append((stored, False))
        else:
            results.append(_insert(user=user, log_id=log_id, resolved=resolved))
    if any(created for _, created in results):
        _user_data_changed(user)
    return results


@transaction.atomic
def workout_log_update(*, log: UserWorkoutLog, data: LogInput) -> UserWorkoutLog:
    """Replace a log's content (PUT), checked like a new log."""
    resolved = _resolve(user=log.user, data=data)
    log.plan_exercise = resolved.plan_exercise
    log.exercise = resolved.plan_exercise.exercise
    if log.user_plan_id != resolved.user_plan_id:
        user_plan_field = UserWorkoutLog._meta.get_field("user_plan")
        if user_plan_field.is_cached(log):
            user_plan_field.delete_cached_value(log)
        log.user_plan_id = resolved.user_plan_id
    for name, value in resolved.values.items():
        setattr(log, name, value)
    log.save()
    _user_data_changed(log.user)
    return log


@transaction.atomic
def workout_log_delete(*, log: UserWorkoutLog) -> None:
    user = log.user
    log.delete()
    _user_data_changed(user)


# ---- guest data ------------------------------------------------------------------------------------


@dataclass
class GuestPlan:
    client_id: uuid.UUID
    plan_id: int
    start_date: datetime.date
    status: str = UserPlan.Status.ACTIVE


@dataclass
class MigrationReport:
    plans_created: int = 0
    plans_existing: int = 0
    logs_created: int = 0
    logs_existing: int = 0


@transaction.atomic
def guest_data_migrate(
    *, user: User, plans: list[GuestPlan], logs: list[tuple[LogInput, uuid.UUID | None]]
) -> MigrationReport:
    """Merge what a guest kept in localStorage (assigned plans and logs, with their client ids)
    into the user, all or nothing. Idempotent: an assignment already merged (same client id) or a
    log already stored (same id) is left as it is, so running it twice changes nothing. A log
    names its assignment by the assignment's client id (or a server id)."""
    report = MigrationReport()
    client_ids = {p.client_id for p in plans} | {client_plan_id for _, client_plan_id in logs if client_plan_id}
    by_client_id: dict[uuid.UUID, UserPlan] = {
        up.client_id: up
        for up in UserPlan.objects.filter(user=user, client_id__in=client_ids)
        if up.client_id is not None
    }
    plan_errors: list[dict[str, Any]] = []
    for index, guest_plan in enumerate(plans):
        if guest_plan.client_id in by_client_id:
            report.plans_existing += 1
            continue
        try:
            by_client_id[guest_plan.client_id] = user_plan_assign(
                user=user,
                plan_id=guest_plan.plan_id,
                start_date=guest_plan.start_date,
                status=guest_plan.status,
                client_id=guest_plan.client_id,
            )
        except Http404 as missing:
            plan_errors.append({"index": index, "id": str(guest_plan.client_id), "errors": {"plan_id": [str(missing)]}})
            continue
        report.plans_created += 1
    if plan_errors:
        raise BatchInvalid(plan_errors, "plans")

    items: list[LogInput] = []
    unknown_plans: list[dict[str, Any]] = []
    for index, (data, client_plan_id) in enumerate(logs):
        if client_plan_id is not None:
            if client_plan_id not in by_client_id:
                message = f"No assigned plan with client id {client_plan_id} in this payload or merged before."
                unknown_plans.append({"index": index, "id": str(data.id), "errors": {"client_plan_id": [message]}})
                continue
            data.user_plan_id = by_client_id[client_plan_id].id
        items.append(data)
    if unknown_plans:
        raise BatchInvalid(unknown_plans, "workout_logs")
    try:
        resolved_items = _resolve_all(user=user, items=items, field_name="workout_logs")
    except BatchInvalid as invalid:
        # a log that named its assignment by client id: the error names the field the guest sent
        for item in invalid.items:
            if logs[item["index"]][1] is not None and "user_plan_id" in item["errors"]:
                item["errors"]["client_plan_id"] = item["errors"].pop("user_plan_id")
        raise BatchInvalid(invalid.items, "workout_logs") from invalid
    for data, resolved in resolved_items:
        if resolved is None:
            report.logs_existing += 1
            continue
        _, created = _insert(user=user, log_id=data.id or uuid.uuid4(), resolved=resolved)
        report.logs_created += int(created)
        report.logs_existing += int(not created)
    if report.plans_created or report.logs_created:
        _user_data_changed(user)
    return report
