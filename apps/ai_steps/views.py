from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import ErrorSerializer

from .models import StepGenerationJob
from .selectors import job_list_for_user
from .serializers import GenerateStepsInputSerializer, StepGenerationJobSerializer
from .services import job_create
from .tasks import runs_inline


class GenerateStepsView(APIView):
    """`POST dreams/{id}/generate-steps/`: ask the AI for step proposals, as a background job."""

    throttle_scope = "ai"

    @swagger_auto_schema(
        operation_summary="Ask the AI for step proposals",
        operation_description="Answers 202 with a job at once; the model is called by a background job. Poll "
        "`GET ai/jobs/{id}/` until `succeeded` (its `steps` are proposals: post the ones you keep to "
        "`dreams/{id}/steps/bulk/`) or `failed` (`error` says why; nothing is saved). No AI configured: "
        "503 `ai_unavailable`, no job. Rate-limited per user (THROTTLE_AI).",
        request_body=GenerateStepsInputSerializer,
        responses={202: StepGenerationJobSerializer, 404: ErrorSerializer, 503: ErrorSerializer},
    )
    def post(self, request, dream_id: int):
        data = GenerateStepsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = job_create(user=request.user, dream_id=dream_id, **data.validated_data)
        if runs_inline():
            job.refresh_from_db()  # the job may have run already: answer how it ended
        return Response(StepGenerationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class StepGenerationJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`GET ai/jobs/{id}/`: one of the user's jobs (someone else's is a 404)."""

    serializer_class = StepGenerationJobSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StepGenerationJob.objects.none()
        return job_list_for_user(user=self.request.user)

    @swagger_auto_schema(operation_summary="A step-generation job", responses={200: StepGenerationJobSerializer})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
