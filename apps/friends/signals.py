from django.dispatch import Signal

user_blocked = Signal()  # sent inside the block transaction: blocker_id, blocked_id
