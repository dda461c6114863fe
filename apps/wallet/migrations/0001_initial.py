# The models that lived in `progression` until its migration 0003, with the same tables:
# state only, nothing changes in the database.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("progression", "0003_move_wallet_to_wallet_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Wallet",
                    fields=[
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="wallet", serialize=False, to=settings.AUTH_USER_MODEL)),
                        ("xp", models.BigIntegerField(default=0)),
                        ("coins", models.BigIntegerField(default=0)),
                        ("crystals", models.BigIntegerField(default=0)),
                        ("max_level_rewarded", models.PositiveIntegerField(default=1)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "progression_wallet",
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("xp__gte", 0)), name="wallet_xp_non_negative"),
                            models.CheckConstraint(condition=models.Q(("coins__gte", 0)), name="wallet_coins_non_negative"),
                            models.CheckConstraint(condition=models.Q(("crystals__gte", 0)), name="wallet_crystals_non_negative"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="LedgerEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("currency", models.CharField(choices=[("xp", "Xp"), ("coins", "Coins"), ("crystals", "Crystals")], max_length=8)),
                        ("amount", models.BigIntegerField()),
                        ("balance_after", models.BigIntegerField()),
                        ("reason", models.CharField(max_length=64)),
                        ("ref", models.CharField(blank=True, max_length=100)),
                        ("created_at", models.DateTimeField(db_index=True)),
                        ("user", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="ledger", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "progression_ledgerentry",
                        "verbose_name_plural": "ledger entries",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["user", "-created_at", "-id"], name="ledger_user_created_idx")],
                        "constraints": [models.CheckConstraint(condition=models.Q(("balance_after__gte", 0)), name="ledger_balance_non_negative")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
