from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import InsufficientFunds, NotFound
from apps.core.filtering import FilterOnlyWhenAskedMixin
from apps.core.idempotency import idempotent
from apps.core.localday import local_date
from apps.core.query import DATE_RANGE_PARAMS, DateRangeQuerySerializer
from apps.core.response_cache import cached_per_user
from apps.core.schema import ErrorSerializer, error_responses

from .exceptions import (
    CheckInUndoWindowClosed,
    HabitAlreadyCheckedIn,
    HabitArchived,
    HabitNotCheckedIn,
    NotABuildHabit,
    NotAQuitHabit,
    QuitDaySettled,
)
from .filters import HabitFilter
from .models import Habit
from .selectors import habit_history, habit_list_for_user, habits_with_metrics
from .serializers import (
    HabitCheckInInputSerializer,
    HabitCheckInUndoQuerySerializer,
    HabitHistoryDaySerializer,
    HabitInputSerializer,
    HabitRewardResultSerializer,
    HabitSerializer,
    QuitLogInputSerializer,
    QuitLogResultSerializer,
    QuitLogSerializer,
)
from .services import habit_check_in, habit_check_in_undo, habit_create, habit_delete, habit_update, quit_log_create
from .settlement import quit_days_settle_for_user

UNDO_PARAMS = [
    openapi.Parameter("date", openapi.IN_QUERY, type=openapi.TYPE_STRING, format=openapi.FORMAT_DATE,
                      description="The day of the check-in to undo (default: today)."),
]


def _shown(habit: Habit, user, *, recent: dict | None = None) -> dict:
    return HabitSerializer(habits_with_metrics([habit], user=user, recent=recent)[0]).data


def _check_in_result(result, user) -> dict:
    # HabitRewardResultSerializer's shape; `as_dict()` is already the rewards object's.
    habit = _shown(result.habit, user, recent={result.habit.pk: result.recent})
    return {"habit": habit, "rewards": result.rewards.as_dict()}


def _next_health_milestone(data):
    """A cached list lasts no longer than the first health milestone it shows as ahead."""
    times = [
        parse_datetime(habit["metrics"]["health"]["next"]["at"])
        for habit in data.get("results", [])
        if habit["metrics"].get("health") and habit["metrics"]["health"]["next"]
    ]
    return min(times, default=None)


@method_decorator(
    name="list",
    decorator=swagger_auto_schema(
        operation_summary="My habits, with their metrics",
        operation_description="Archived habits are left out unless `archived` is given. Filters: kind, "
        "archived=true|false, search (title/description). Oldest first. Quit days that are over are "
        "settled first (rewards, clean streak), as on every habits request.",
        responses={400: ErrorSerializer},  # 200: the paginated list, generated from serializer_class
    ),
)
class HabitViewSet(FilterOnlyWhenAskedMixin, viewsets.ModelViewSet):
    """`habits/`: the user's own habits to build and to quit (someone else's is a 404). No PUT: edits are PATCH."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    serializer_class = HabitSerializer
    filterset_class = HabitFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Habit.objects.none()
        habits = habit_list_for_user(user=self.request.user)
        if self.action == "list" and not self.request.query_params.get("archived"):  # absent or empty
            habits = habits.filter(archived=False)
        return habits

    @cached_per_user(expires=_next_health_milestone)
    def list(self, request, *args, **kwargs):
        quit_days_settle_for_user(user=request.user)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        habits = habits_with_metrics(page, user=request.user)
        return self.get_paginated_response(HabitSerializer(habits, many=True).data)

    @swagger_auto_schema(operation_summary="One of my habits", responses={200: HabitSerializer, 404: ErrorSerializer})
    def retrieve(self, request, *args, **kwargs):
        quit_days_settle_for_user(user=request.user)
        return Response(_shown(self.get_object(), request.user))

    @swagger_auto_schema(
        operation_summary="Create a habit",
        operation_description="`kind`: build (check-ins on a schedule) or quit (logged units, settled per local "
        "day; its schedule is daily). It starts on your local today.",
        request_body=HabitInputSerializer,
        responses={201: HabitSerializer, 400: ErrorSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = HabitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        habit = habit_create(user=request.user, **data.to_service_kwargs())
        return Response(_shown(habit, request.user), status=status.HTTP_201_CREATED)

    @swagger_auto_schema(
        operation_summary="Edit a habit",
        operation_description="Any field but `kind`; a `schedule` is sent whole. A new schedule or target counts "
        "the streak again from the check-ins; what they paid stays. `archived: true` keeps the history and "
        "leaves the habit out of lists.",
        request_body=HabitInputSerializer,
        responses={200: HabitSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        habit = self.get_object()
        data = HabitInputSerializer(data=request.data, partial=True, context={"habit": habit})
        data.is_valid(raise_exception=True)
        habit = habit_update(user=request.user, habit_id=habit.pk, **data.to_service_kwargs())
        return Response(_shown(habit, request.user))

    def update(self, request, *args, **kwargs):  # PUT is not offered (see http_method_names)
        return self.partial_update(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Delete a habit and its history",
        operation_description="What it earned stays (the ledger keeps it). To keep the history, archive it instead.",
        responses={204: "Deleted", 404: ErrorSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        habit_delete(habit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @swagger_auto_schema(
        method="post",
        operation_summary="Check in a habit to build",
        operation_description="For today (default) or yesterday, in your local day. Pays the difficulty's reward "
        "(boosted) up to `target_per_day` check-ins a day (then 409 `already_checked_in`), makes the day active "
        "for the daily streak. A day outside the schedule counts and pays but earns no habit streak. "
        "A quit habit: 400 `not_a_build_habit`; archived: 409 `habit_archived`. Accepts `Idempotency-Key`.",
        request_body=HabitCheckInInputSerializer,
        responses={
            201: HabitRewardResultSerializer,
            **error_responses(NotFound, NotABuildHabit, HabitArchived, HabitAlreadyCheckedIn),
        },
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    @idempotent
    def check_in(self, request, pk=None):
        data = HabitCheckInInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = habit_check_in(user=request.user, habit_id=int(pk), day=data.validated_data.get("date"))
        return Response(_check_in_result(result, request.user), status=status.HTTP_201_CREATED)

    @swagger_auto_schema(
        operation_summary="Undo a check-in",
        operation_description="The latest check-in of `date` (default today), on the local day it was made (else "
        "409 `undo_window_closed`; none: 409 `not_checked_in`). Its own reward is taken back (negative "
        "`rewards.xp`/`coins`); coins already spent: 409 `insufficient_funds`, nothing changed.",
        manual_parameters=UNDO_PARAMS,
        responses={
            200: HabitRewardResultSerializer,
            **error_responses(
                NotFound, NotABuildHabit, HabitArchived, HabitNotCheckedIn, CheckInUndoWindowClosed, InsufficientFunds
            ),
        },
    )
    @check_in.mapping.delete
    @idempotent
    def check_in_undo(self, request, pk=None):
        query = HabitCheckInUndoQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = habit_check_in_undo(user=request.user, habit_id=int(pk), day=query.validated_data.get("date"))
        return Response(_check_in_result(result, request.user))

    @swagger_auto_schema(
        operation_summary="Log a habit to quit",
        operation_description="`count` units (0 reports a clean day) at `occurred_at` (default now; at most 48 "
        "hours ago, never in the future: 400). A day already settled is closed: 409 `day_settled`. Makes its day "
        "active for the daily streak; each local day with a log pays once it is settled (after it ends), in "
        "this response when this request settles it. A build habit: 400 `not_a_quit_habit`. Accepts "
        "`Idempotency-Key`.",
        request_body=QuitLogInputSerializer,
        responses={201: QuitLogResultSerializer, **error_responses(NotFound, NotAQuitHabit, HabitArchived, QuitDaySettled)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def logs(self, request, pk=None):
        data = QuitLogInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        log, habit, summary = quit_log_create(user=request.user, habit_id=int(pk), **data.validated_data)
        return Response(
            {"log": QuitLogSerializer(log).data, "habit": _shown(habit, request.user), "rewards": summary.as_dict()},
            status=status.HTTP_201_CREATED,
        )

    @swagger_auto_schema(
        operation_summary="A habit's days",
        operation_description="One entry per local day from `from` to `to` (at most 366). Build: check-ins and "
        "whether the target was reached. Quit: units logged, whether logged, settled, and clean (`done`).",
        manual_parameters=DATE_RANGE_PARAMS,
        responses={200: HabitHistoryDaySerializer(many=True), 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        quit_days_settle_for_user(user=request.user)
        habit = self.get_object()
        query = DateRangeQuerySerializer(data=request.query_params, context={"today": local_date(request.user)})
        query.is_valid(raise_exception=True)
        return Response(HabitHistoryDaySerializer(habit_history(habit=habit, **query.validated_data), many=True).data)
