"""The per-user version token (apps/core/user_version.py): replaced once per
committed transaction that changed the user, at once outside a transaction,
before the writer's own read, and never for a rolled-back change."""
import pytest
from django.core.cache import cache
from django.db import transaction

from apps.core import user_version
from apps.core.user_version import AUTH_VERSION_KEY, VERSION_KEY, user_version_bump, user_version_settle


@pytest.fixture
def replaced(monkeypatch):
    """The user ids whose token was replaced, in order."""
    calls = []
    real = user_version._replace

    def spy(user_id, **kwargs):
        calls.append(user_id)
        real(user_id, **kwargs)

    monkeypatch.setattr(user_version, "_replace", spy)
    return calls


def token(user_id):
    return cache.get(VERSION_KEY.format(user_id))


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_token_is_replaced_at_once(replaced):
    user_version_bump(7)
    first = token(7)
    user_version_bump(7)
    assert replaced == [7, 7]
    assert token(7) not in (None, first)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_replaces_each_changed_user_s_token_once_at_commit(replaced):
    with transaction.atomic():
        for _ in range(3):
            user_version_bump(7)
        user_version_bump(8)
        user_version_bump(None)
        assert replaced == []  # nothing before the commit: others keep reading the committed state
    assert sorted(replaced) == [7, 8]
    assert token(7) is not None and token(8) is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_owes_nothing(replaced):
    with transaction.atomic():
        try:
            with transaction.atomic():
                user_version_bump(7)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert replaced == []
    with pytest.raises(RuntimeError), transaction.atomic():
        user_version_bump(7)
        raise RuntimeError("roll back")
    assert replaced == []
    with transaction.atomic():
        user_version_bump(7)  # a new transaction owes its own replacement
    assert replaced == [7]


@pytest.mark.django_db(transaction=True)
def test_the_writer_s_own_read_in_its_transaction_sees_a_new_token(replaced):
    with transaction.atomic():
        user_version_settle(7)  # nothing changed yet: nothing to do
        assert replaced == []
        user_version_bump(7)
        user_version_bump(7)
        user_version_settle(7)
        after_first_write = token(7)
        assert replaced == [7]
        user_version_settle(7)  # no change since: the token stays
        assert replaced == [7]
        user_version_bump(7)
        user_version_settle(7)
        assert replaced == [7, 7] and token(7) != after_first_write
    assert replaced == [7, 7, 7]  # and once more at commit


@pytest.mark.django_db(transaction=True)
def test_only_a_change_to_the_user_row_replaces_the_auth_token():
    user_version_bump(7, user_row=True)
    auth, profile = cache.get(AUTH_VERSION_KEY.format(7)), token(7)
    with transaction.atomic():
        user_version_bump(7)  # a wallet, task, inventory... change
    assert cache.get(AUTH_VERSION_KEY.format(7)) == auth and token(7) != profile
    with transaction.atomic():
        user_version_bump(7)
        user_version_bump(7, user_row=True)
        user_version_bump(7)
    assert cache.get(AUTH_VERSION_KEY.format(7)) != auth
