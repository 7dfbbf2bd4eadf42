"""Time off or a closure shortened or removed frees time, which goes to the wait list too."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from clinic.models import Closure, TimeOff
from scheduling.services.availability import time_off_delete, uncovered
from scheduling.waitlist.matching import Wishes, candidate_starts
from scheduling.waitlist.models import Offer
from tests.reminders.conftest import NEW_YORK, at

pytestmark = pytest.mark.django_db


def test_removed_time_off_is_offered_to_each_entry_in_turn(waiting, practitioner):
    bea_entry, carl_entry = waiting
    time_off = TimeOff.objects.create(
        practitioner=practitioner, start=at(2027, 3, 4, 8), end=at(2027, 3, 4, 13)
    )
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        time_off_delete(time_off=time_off)

    offers = {o.entry_id: o.starts_at for o in Offer.objects.all()}
    # Bea first, at the first time she wants; Carl at the first time left that Mei is free
    # (Ana's visit takes 10:00 to 10:45).
    assert offers == {bea_entry.pk: at(2027, 3, 4, 9), carl_entry.pk: at(2027, 3, 4, 10, 45)}


def test_a_shortened_closure_frees_its_days_for_everyone(waiting, api_as, manager):
    bea_entry, _carl_entry = waiting
    closure = Closure.objects.create(start_date=date(2027, 3, 4), end_date=date(2027, 3, 5))
    with time_machine.travel(at(2027, 2, 20, 12), tick=False):
        response = api_as(manager).patch(
            f"/api/v1/closures/{closure.pk}/", {"start_date": "2027-03-05"}, format="json"
        )

    assert response.status_code == 200
    assert Offer.objects.get(entry=bea_entry).starts_at == at(2027, 3, 4, 9)


def test_a_time_off_moved_later_frees_only_what_it_no_longer_covers():
    old = (at(2027, 3, 4, 8), at(2027, 3, 4, 13))

    assert uncovered(old, (at(2027, 3, 4, 10), at(2027, 3, 4, 13))) == [
        (at(2027, 3, 4, 8), at(2027, 3, 4, 10))
    ]
    assert uncovered(old, old) == []
    assert uncovered(old, None) == [old]


def test_candidate_times_fit_the_wished_window_and_the_freed_stretch():
    wishes = Wishes(None, (), time(9), time(10), date(2027, 3, 31))
    starts = candidate_starts(
        wishes,
        datetime(2027, 3, 4, 9, 15, tzinfo=NEW_YORK),
        datetime(2027, 3, 5, 23, tzinfo=NEW_YORK),
        timedelta(minutes=45),
        NEW_YORK,
    )

    assert [f"{s:%d %H:%M}" for s in starts] == ["04 09:15", "05 09:00", "05 09:15"]
