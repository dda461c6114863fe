"""Signals the friends app sends for apps above it (trades cancel their pending trades).

`user_blocked(blocker_id, blocked_id)`: sent inside the block's transaction, after both
users' wallets are locked (the first locks of the global order, apps/wallet/locks.py), so
a receiver may lock what follows in that order; an exception it raises rolls the block back.
"""
import django.dispatch

user_blocked = django.dispatch.Signal()
