"""The stats part of `me/export/`: every counter and every day of activity."""
from .boards import board_forget
from .models import DailyActivity, StatCounter


def export(user) -> dict:
    return {
        "counters": dict(StatCounter.objects.filter(user=user).order_by("key").values_list("key", "value")),
        "daily_activity": DailyActivity.objects.filter(user=user)
        .order_by("date")
        .values("date", "tasks_completed", "task_completions", "habit_check_ins", "quit_logs", "xp_earned", "coins_earned")
        .iterator(chunk_size=500),
    }


def on_delete(user) -> None:
    """Take the player off every leaderboard their rows count in, once the deletion
    commits (the rows cascade with the user; the boards in Redis are told here)."""
    days = DailyActivity.objects.filter(user=user).values_list("date", flat=True).distinct()
    board_forget(user_id=user.pk, days=days)
