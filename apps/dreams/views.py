from django.utils.decorators import method_decorator
from drf_yasg.utils import no_body, swagger_auto_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.filtering import FilterOnlyWhenAskedMixin
from apps.core.idempotency import idempotent
from apps.core.response_cache import cached_per_user
from apps.core.schema import ErrorSerializer, page_serializer
from apps.tasks.serializers import TaskSerializer

from .filters import DreamFilter
from .models import Dream
from .selectors import dream_list_for_user, dream_steps
from .serializers import (
    DreamCompleteResultSerializer,
    DreamCreateInputSerializer,
    DreamSerializer,
    DreamStepInputSerializer,
    DreamStepsBulkInputSerializer,
    DreamStepsBulkResultSerializer,
    DreamUpdateInputSerializer,
)
from .services import dream_complete, dream_create, dream_delete, dream_step_add, dream_steps_add, dream_update


@method_decorator(
    name="list",
    decorator=swagger_auto_schema(
        operation_summary="My dreams",
        operation_description="Newest first, each with its progress. Filter: `status`.",
        responses={400: ErrorSerializer},  # 200: the paginated list, generated from serializer_class
    ),
)
@method_decorator(
    name="retrieve",
    decorator=swagger_auto_schema(operation_summary="One of my dreams", responses={200: DreamSerializer, 404: ErrorSerializer}),
)
class DreamViewSet(FilterOnlyWhenAskedMixin, viewsets.ModelViewSet):
    """`dreams/`: the user's own dreams (someone else's is a 404). No PUT: edits are PATCH."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    serializer_class = DreamSerializer
    filterset_class = DreamFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dream.objects.none()
        if self.action in ("list", "retrieve"):
            return dream_list_for_user(user=self.request.user)
        return Dream.objects.filter(user=self.request.user)

    def _one(self, pk) -> Dream:
        return dream_list_for_user(user=self.request.user).get(pk=pk)

    # Every write to a dream or a task replaces the user's cache token, so a cached page
    # never outlives a change to a dream or its steps.
    @cached_per_user()
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Create a dream",
        request_body=DreamCreateInputSerializer,
        responses={201: DreamSerializer, 400: ErrorSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = DreamCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dream = dream_create(user=request.user, **data.validated_data)
        return Response(DreamSerializer(dream).data, status=status.HTTP_201_CREATED)

    @swagger_auto_schema(
        operation_summary="Edit a dream",
        operation_description="Title, description, target date, status. `status` may be `active` or `abandoned` "
        "(also from `completed`: that reopens the dream, and completing it again pays nothing more); `completed` "
        "only through `complete/` (400 here).",
        request_body=DreamUpdateInputSerializer,
        responses={200: DreamSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        data = DreamUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        dream = dream_update(user=request.user, dream_id=int(kwargs["pk"]), **data.validated_data)
        return Response(DreamSerializer(self._one(dream.pk)).data)

    def update(self, request, *args, **kwargs):  # PUT is not offered (see http_method_names)
        return self.partial_update(request, *args, **kwargs)

    @swagger_auto_schema(
        operation_summary="Delete a dream",
        operation_description="Its steps stay as plain tasks (`dream` becomes null), with what their completions earned.",
        responses={204: "Deleted", 404: ErrorSerializer},
    )
    def destroy(self, request, *args, **kwargs):
        dream_delete(user=request.user, dream_id=int(kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @swagger_auto_schema(
        method="get",
        operation_summary="A dream's steps",
        operation_description="The tasks of this dream, in the order they were added (paginated).",
        responses={200: page_serializer(TaskSerializer), 404: ErrorSerializer},
    )
    @swagger_auto_schema(
        method="post",
        operation_summary="Add a step to a dream",
        operation_description="Creates an open task with `dream` set.",
        request_body=DreamStepInputSerializer,
        responses={201: TaskSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def steps(self, request, pk=None):
        if request.method == "POST":
            data = DreamStepInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            task = dream_step_add(user=request.user, dream_id=int(pk), **data.validated_data)
            return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(dream_steps(dream=self.get_object()))
        return self.get_paginated_response(TaskSerializer(page, many=True).data)

    @swagger_auto_schema(
        operation_summary="Add several steps at once",
        operation_description="1 to 20 steps (e.g. the proposals of `generate-steps`), all or none: one invalid "
        "step and nothing is created.",
        request_body=DreamStepsBulkInputSerializer,
        responses={201: DreamStepsBulkResultSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path="steps/bulk")
    def steps_bulk(self, request, pk=None):
        data = DreamStepsBulkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tasks = dream_steps_add(user=request.user, dream_id=int(pk), steps=data.validated_data["steps"])
        return Response({"steps": TaskSerializer(tasks, many=True).data}, status=status.HTTP_201_CREATED)

    @swagger_auto_schema(
        operation_summary="Complete a dream",
        operation_description="Needs at least one step and every step completed, else 409 `steps_incomplete`; "
        "already completed: 409 `already_completed`. The first completion pays the dream reward (200 XP, "
        "100 coins by default) and counts `dreams_completed`; completing a reopened dream pays nothing more. "
        "Accepts `Idempotency-Key`.",
        request_body=no_body,
        responses={
            200: DreamCompleteResultSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
            422: ErrorSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        dream, summary = dream_complete(user=request.user, dream_id=int(pk))
        return Response({"dream": DreamSerializer(dream).data, "rewards": summary.as_dict()})
