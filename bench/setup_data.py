"""Create the bench users and each scenario's data, and write tokens and ids as JSON.

Run by bench/run.py with the bench environment (DATABASE_URL etc.):

    python bench/setup_data.py OUT.json healthz me token

Idempotent: users and rows are created only when missing. Access tokens are
minted fresh each run (valid 15 minutes, which covers a bench run).
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dreamtrack.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402
from scenarios import BENCH_PASSWORD, BENCH_USERS, SCENARIOS  # noqa: E402


def bench_user(username: str):
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(
            username=username, email=f"{username}@bench.invalid", password=BENCH_PASSWORD
        )
    elif not user.check_password(BENCH_PASSWORD):
        # A previous run or a test changed it: the token scenario needs this one.
        user.set_password(BENCH_PASSWORD)
        user.save(update_fields=["password"])
    return user


def main(out_path: str, names: list[str]) -> None:
    users = [bench_user(name) for name in BENCH_USERS]
    base_vars = [
        {
            "username": u.get_username(),
            "password": BENCH_PASSWORD,
            "user_id": u.pk,
            "access": str(RefreshToken.for_user(u).access_token),
        }
        for u in users
    ]
    result = {}
    for scenario in SCENARIOS:
        if scenario.name not in names:
            continue
        count = len(users) if scenario.per_user else 1
        per_user = []
        for user, variables in zip(users[:count], base_vars[:count], strict=False):
            extra = scenario.setup(user) if scenario.setup else {}
            per_user.append({**variables, **extra})
        result[scenario.name] = per_user
    Path(out_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
