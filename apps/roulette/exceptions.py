from apps.core.errors import Conflict, ServiceUnavailable


class AlreadySpun(Conflict):
    code = "already_spun"
    default_detail = "You already spun the roulette today. Come back tomorrow."


class RouletteUnavailable(ServiceUnavailable):
    code = "roulette_unavailable"
    default_detail = "The roulette has no prizes right now."
