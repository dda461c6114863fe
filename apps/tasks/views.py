from django.utils.decorators import method_decorator
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.errors import InsufficientFunds, NotFound
from apps.core.filtering import FilterOnlyWhenAskedMixin
from apps.core.idempotency import idempotent
from apps.core.response_cache import cached_per_user
from apps.core.schema import error_responses

from .exceptions import TaskAlreadyCompleted, TaskNotCompleted, TaskReopenWindowClosed
from .filters import TaskFilter
from .models import Task
from .selectors import task_list_for_user
from .serializers import TaskInputSerializer, TaskRewardResultSerializer, TaskSerializer
from .services import task_complete, task_create, task_delete, task_reopen, task_update


def _result(task, summary) -> Response:
    # TaskRewardResultSerializer's shape; `as_dict()` is already the rewards object's.
    return Response({"task": TaskSerializer(task).data, "rewards": summary.as_dict()})


@method_decorator(
    name="list",
    decorator=swagger_auto_schema(
        operation_summary="My tasks",
        operation_description="Filters: status, difficulty, dream, overdue=true, due_before/due_after (inclusive), "
        "search (title/description); ordering=deadline|-deadline|created_at|-created_at|difficulty|-difficulty "
        "(unknown value: 400). Default: newest first.",
    ),  # 200: the paginated list of serializer_class; 400, 404 (a page past the last): apps/core/schema.py
)
@method_decorator(
    name="retrieve",
    decorator=swagger_auto_schema(operation_summary="One of my tasks", responses={200: TaskSerializer}),
)
class TaskViewSet(FilterOnlyWhenAskedMixin, viewsets.ModelViewSet):
    """`tasks/`: the user's own tasks (someone else's is a 404). No PUT: edits are PATCH."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    serializer_class = TaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        return task_list_for_user(user=self.request.user)

    @cached_per_user()
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Create a task",
        operation_description="`dream`, when given, must be one of my dreams: another player's (or none) is a 404.",
        request_body=TaskInputSerializer,
        responses={201: TaskSerializer, **error_responses((404, "not_found", "The `dream` is not one of yours."))},
    )
    def create(self, request, *args, **kwargs):
        data = TaskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = task_create(user=request.user, **data.to_service_kwargs())
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @swagger_auto_schema(
        operation_summary="Edit a task",
        operation_description="Title, description, difficulty, deadline, dream. Editing a completed task never "
        "changes what its completion earned; status changes only via complete/reopen. A `dream` that is not "
        "one of mine: 404. A completed task keeps its dream: moving it is 409 `already_completed` (reopen first).",
        request_body=TaskInputSerializer,
        responses={200: TaskSerializer, **error_responses(NotFound, TaskAlreadyCompleted)},
    )
    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        data = TaskInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        task = task_update(task=task, **data.to_service_kwargs())
        return Response(TaskSerializer(task).data)

    def update(self, request, *args, **kwargs):  # PUT is not offered (see http_method_names)
        return self.partial_update(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Delete a task",
        operation_description="What a completed task earned stays (the ledger keeps its history).",
        responses={204: "Deleted"},
    )
    def destroy(self, request, *args, **kwargs):
        task_delete(task=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @swagger_auto_schema(
        operation_summary="Complete a task",
        operation_description="Pays the difficulty's reward (+25 % on time, boosted); past the daily cap the "
        "task still completes but earns nothing (`rewards.capped`). Accepts `Idempotency-Key`.",
        request_body=no_body,
        responses={200: TaskRewardResultSerializer, **error_responses(NotFound, TaskAlreadyCompleted)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        # The service looks the task up among the user's own (404 otherwise) under its row lock.
        return _result(*task_complete(user=request.user, task_id=int(pk)))

    @swagger_auto_schema(
        operation_summary="Reopen a completed task",
        operation_description="Only on the local day it was completed (else 409 `reopen_window_closed`). Takes "
        "back the completion's own reward (negative `rewards.xp`/`coins`); level-up, milestone and achievement "
        "rewards stay. Coins already spent: 409 `insufficient_funds`, nothing changed. An open task: 409 "
        "`not_completed`. Accepts `Idempotency-Key`.",
        request_body=no_body,
        responses={
            200: TaskRewardResultSerializer,
            **error_responses(NotFound, TaskNotCompleted, TaskReopenWindowClosed, InsufficientFunds),
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request, pk=None):
        return _result(*task_reopen(user=request.user, task_id=int(pk)))
