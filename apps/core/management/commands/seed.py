"""`manage.py seed`: load every app's default data. Idempotent.

Each app that has seed data provides `apps/<app>/seed.py` with a `run(stdout)`
function; they run in INSTALLED_APPS order inside one transaction.
"""
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core.registry import app_modules


class Command(BaseCommand):
    help = "Load the default catalog (achievements, shop items, ...). Running it again changes nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            for _label, module in app_modules("seed"):
                module.run(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Seed data is in place."))
