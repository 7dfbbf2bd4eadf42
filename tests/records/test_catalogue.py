from __future__ import annotations

from collections import Counter

import pytest

from scheduling.records.models import AcupuncturePoint

WHO_COUNTS = {
    "LU": 11, "LI": 20, "ST": 45, "SP": 21, "HT": 9, "SI": 19, "BL": 67,
    "KI": 27, "PC": 9, "TE": 23, "GB": 44, "LR": 14, "GV": 28, "CV": 24,
}  # fmt: skip


@pytest.mark.django_db
def test_point_table_holds_exactly_the_361_who_points_after_migrate():
    who = AcupuncturePoint.objects.filter(system="WHO")
    assert who.count() == 361
    assert Counter(who.values_list("meridian", flat=True)) == WHO_COUNTS
    te14 = AcupuncturePoint.objects.get(code="TE14")
    assert (te14.meridian, te14.number, te14.name) == ("TE", "14", "Jianliao")


@pytest.mark.django_db
def test_point_table_keeps_master_tung_points_as_their_own_system():
    tung = AcupuncturePoint.objects.get(code="TUNG-88.12")
    assert tung.system == "TUNG"
    assert tung.meridian == ""
    assert not AcupuncturePoint.objects.filter(system="TUNG", code__regex=r"^[A-Z]{2}\d").exists()


def test_point_search_answers_staff_with_codes_and_labels(client_as, receptionist):
    response = client_as(receptionist).get("/records/points/", {"q": "sj14"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert first == {"code": "TE14", "label": "TE14 Jianliao"}


def test_point_search_finds_points_by_name(client_as, practitioner):
    response = client_as(practitioner.user).get("/records/points/", {"q": "huantiao"})
    assert [r["code"] for r in response.json()["results"]] == ["GB30"]


@pytest.mark.django_db
def test_point_search_is_for_staff_only(client):
    response = client.get("/records/points/", {"q": "LI4"})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
