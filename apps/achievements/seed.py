"""Default achievement catalog. Idempotent: keyed on `code` (update_or_create
semantics), and a row already equal to its definition is not written at all,
so a second run changes nothing (and does not drop the cached catalog)."""
from django.db import transaction

from .models import Achievement

# (code, title, description, trigger, threshold, xp, coins, crystals)
CATALOG = [
    ("first-task", "First Step", "Complete your first task.", "tasks_completed", 1, 20, 10, 0),
    ("tasks-10", "Getting Things Done", "Complete 10 tasks.", "tasks_completed", 10, 50, 25, 0),
    ("tasks-50", "Taskmaster", "Complete 50 tasks.", "tasks_completed", 50, 150, 75, 0),
    ("tasks-100", "Centurion", "Complete 100 tasks.", "tasks_completed", 100, 300, 150, 5),
    ("tasks-500", "Unstoppable", "Complete 500 tasks.", "tasks_completed", 500, 1000, 500, 20),
    ("streak-3", "Warming Up", "Keep a 3-day streak.", "longest_streak", 3, 30, 15, 0),
    ("streak-7", "One Week Strong", "Keep a 7-day streak.", "longest_streak", 7, 75, 40, 0),
    ("streak-30", "Habit Formed", "Keep a 30-day streak.", "longest_streak", 30, 300, 150, 5),
    ("streak-100", "Triple Digits", "Keep a 100-day streak.", "longest_streak", 100, 1000, 500, 10),
    ("streak-365", "A Whole Year", "Keep a 365-day streak.", "longest_streak", 365, 3000, 1500, 50),
    ("level-5", "Rising Star", "Reach level 5.", "level", 5, 0, 50, 0),
    ("level-10", "Seasoned", "Reach level 10.", "level", 10, 0, 150, 2),
    ("level-25", "Veteran", "Reach level 25.", "level", 25, 0, 500, 10),
    ("quit-first-log", "First Log", "Log a quit habit for the first time.", "quit_logs", 1, 10, 10, 0),
    ("quit-first-clean-day", "First Smoke-Free Day", "Finish a logged day with zero.", "quit_clean_days", 1, 50, 50, 0),
    ("quit-clean-7", "7-Day Smoke-Free Streak", "7 clean days in a row.", "quit_clean_streak", 7, 300, 300, 0),
    ("quit-clean-30", "30-Day Smoke-Free Streak", "30 clean days in a row.", "quit_clean_streak", 30, 1000, 1000, 0),
    ("first-dream", "Dream Come True", "Complete your first dream.", "dreams_completed", 1, 100, 50, 0),
    ("dreams-5", "Dream Maker", "Complete 5 dreams.", "dreams_completed", 5, 500, 250, 5),
    ("habit-first-check-in", "First Check-In", "Check in a habit for the first time.", "habit_check_ins", 1, 10, 5, 0),
    ("habit-check-ins-10", "Creature of Habit", "Check in habits 10 times.", "habit_check_ins", 10, 50, 25, 0),
    ("habit-check-ins-100", "Second Nature", "Check in habits 100 times.", "habit_check_ins", 100, 300, 150, 5),
    ("habit-streak-7", "Seven in a Row", "Keep a habit's streak for 7 of its days (or weeks).", "habit_streak", 7, 75, 40, 0),
    ("habit-streak-30", "Thirty in a Row", "Keep a habit's streak for 30 of its days (or weeks).", "habit_streak", 30, 300, 150, 5),
    ("first-friend", "Better Together", "Make your first friend.", "friends", 1, 20, 10, 0),
    ("friends-10", "Circle of Ten", "Have 10 friends at once.", "friends", 10, 100, 50, 0),
    ("first-trade", "Fair Deal", "Complete your first trade with a friend.", "trades_completed", 1, 20, 10, 0),
    ("trades-10", "Trader", "Complete 10 trades.", "trades_completed", 10, 100, 50, 0),
]

FIELDS = ("title", "description", "trigger", "threshold", "reward_xp", "reward_coins", "reward_crystals", "sort_order")


def run(stdout) -> None:
    created = updated = unchanged = 0
    with transaction.atomic():
        for order, (code, title, description, trigger, threshold, xp, coins, crystals) in enumerate(CATALOG):
            wanted = dict(zip(FIELDS, (title, description, trigger, threshold, xp, coins, crystals, order * 10), strict=True))
            achievement = Achievement.objects.filter(code=code).first()
            if achievement is None:
                Achievement.objects.create(code=code, **wanted)
                created += 1
                continue
            changed = [f for f, v in wanted.items() if getattr(achievement, f) != v]
            if not changed:
                unchanged += 1
                continue
            for f in changed:
                setattr(achievement, f, wanted[f])
            achievement.save(update_fields=changed)
            updated += 1
    stdout.write(f"achievements: {created} created, {updated} updated, {unchanged} unchanged")
