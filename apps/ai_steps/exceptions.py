from apps.core.errors import ServiceUnavailable


class AIUnavailable(ServiceUnavailable):
    code = "ai_unavailable"
    default_detail = "AI step generation is not configured on this server."
