# Wallet and LedgerEntry moved to the `wallet` app (apps/wallet/migrations/0001_initial.py),
# keeping their tables: this only removes them from progression's model state.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("progression", "0002_user_fk_no_own_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="LedgerEntry"),
                migrations.DeleteModel(name="Wallet"),
            ],
            database_operations=[],
        ),
    ]
