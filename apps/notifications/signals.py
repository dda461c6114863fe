"""Signals of the notifications app: how higher apps (live events) learn of new rows."""
from django.dispatch import Signal

# Sent once the rows are inserted (after the change they report has committed), with
# `notifications`: the created Notification objects, ids and created_at set.
notifications_created = Signal()
