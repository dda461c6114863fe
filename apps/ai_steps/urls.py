from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import GenerateStepsView, StepGenerationJobViewSet

router = SimpleRouter()
router.register("ai/jobs", StepGenerationJobViewSet, basename="ai-job")

urlpatterns = [
    path("dreams/<int:dream_id>/generate-steps/", GenerateStepsView.as_view(), name="dream-generate-steps"),
    *router.urls,
]
