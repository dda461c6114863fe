from django.apps import AppConfig


class AiStepsConfig(AppConfig):
    name = "apps.ai_steps"
    label = "ai_steps"
    verbose_name = "AI steps"
