from .services import jobs_fail_stale


def run_daily(*, now) -> str:
    return f"{jobs_fail_stale(now=now)} stale step-generation jobs failed"
