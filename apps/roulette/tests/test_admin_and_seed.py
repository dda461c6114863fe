"""The wheel's admin (odds shown as players see them), the spins' read-only admin, the seed."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from apps.roulette.models import RouletteSegment, RouletteSpin

from .factories import SegmentFactory, boost_item

pytestmark = pytest.mark.django_db


def test_seed_has_segments_of_every_kind_and_a_second_run_changes_nothing():
    call_command("seed", stdout=io.StringIO())
    segments = list(RouletteSegment.objects.all())
    assert {s.kind for s in segments} == {"coins", "xp", "crystals", "item"}
    assert all(s.item.type == "boost" for s in segments if s.kind == "item")
    for s in segments:
        s.full_clean()

    out = io.StringIO()
    call_command("seed", stdout=out)
    assert "roulette: 0 segment(s) created" in out.getvalue()
    assert RouletteSegment.objects.count() == len(segments)


def test_the_admin_lists_segments_with_their_probability(admin_client):
    common = SegmentFactory(label="Common", weight=3)
    SegmentFactory(label="Rare", weight=1)
    SegmentFactory(label="Off", weight=50, is_active=False)

    page = admin_client.get("/admin/roulette/roulettesegment/").content.decode()

    assert "75.00 %" in page and "25.00 %" in page
    assert admin_client.get(f"/admin/roulette/roulettesegment/{common.pk}/change/").status_code == 200


def test_an_item_prize_must_be_a_boost():
    from apps.shop.models import Item

    avatar = Item.objects.create(name="Hat", type="avatar", price_coins=10)
    with pytest.raises(ValidationError):
        RouletteSegment(label="Hat", kind="item", amount=1, item=avatar, weight=1).full_clean()
    with pytest.raises(ValidationError):
        RouletteSegment(label="Coins", kind="coins", amount=1, item=boost_item(), weight=1).full_clean()
    RouletteSegment(label="Boost", kind="item", amount=1, item=boost_item(), weight=1).full_clean()


def test_spins_are_read_only_in_the_admin(admin_client, make_user):
    user = make_user("spinner")
    segment = SegmentFactory()
    from conftest import client_for

    assert client_for(user).post("/api/v1/roulette/spin/").status_code == 200
    spin = RouletteSpin.objects.get()
    assert spin.segment_id == segment.pk
    assert admin_client.get("/admin/roulette/roulettespin/").status_code == 200
    assert admin_client.get(f"/admin/roulette/roulettespin/{spin.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/roulette/roulettespin/{spin.pk}/delete/", {"post": "yes"}).status_code == 403
    assert RouletteSpin.objects.count() == 1
