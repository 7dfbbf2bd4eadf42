"""The acupuncture point catalogue and the normaliser for what practitioners type."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduling.records.points import (
    CATALOGUE,
    MERIDIAN_ALIASES,
    WHO_MERIDIAN_COUNTS,
    Point,
    UnknownPoint,
    normalise_point,
    normalise_points,
    search_points,
    suggest,
)

WHO_COUNTS = {
    "LU": 11,
    "LI": 20,
    "ST": 45,
    "SP": 21,
    "HT": 9,
    "SI": 19,
    "BL": 67,
    "KI": 27,
    "PC": 9,
    "TE": 23,
    "GB": 44,
    "LR": 14,
    "GV": 28,
    "CV": 24,
}

# Every spelling the clinic's practitioners use, per WHO meridian code.
ALIASES = {
    "LU": ["LU"],
    "LI": ["LI"],
    "ST": ["ST"],
    "SP": ["SP"],
    "HT": ["HT", "H"],
    "SI": ["SI"],
    "BL": ["BL", "UB"],
    "KI": ["KI", "K", "KID"],
    "PC": ["PC", "P"],
    "TE": ["TE", "SJ", "TH", "TW", "TB"],
    "GB": ["GB"],
    "LR": ["LR", "LV", "LIV"],
    "GV": ["GV", "DU"],
    "CV": ["CV", "REN", "RN"],
}

WHO_POINTS = [p for p in CATALOGUE.values() if p.system == "WHO"]
TUNG_POINTS = [p for p in CATALOGUE.values() if p.system == "TUNG"]


def _alias_cases():
    for meridian, aliases in ALIASES.items():
        for alias, sep, case, number in itertools.product(
            aliases, ["", "-", " "], ["upper", "lower"], [1, WHO_COUNTS[meridian]]
        ):
            text = f"{alias}{sep}{number}"
            text = text.upper() if case == "upper" else text.lower()
            yield pytest.param(text, f"{meridian}{number}", id=repr(text))


# --- the catalogue ---------------------------------------------------------------------------


def test_catalogue_holds_exactly_the_361_who_points():
    assert len(WHO_POINTS) == 361


def test_each_meridian_has_its_who_point_count():
    counted = {m: sum(1 for p in WHO_POINTS if p.meridian == m) for m in WHO_COUNTS}
    assert counted == WHO_COUNTS
    assert WHO_MERIDIAN_COUNTS == WHO_COUNTS


def test_who_points_run_in_meridian_order_then_number_then_tung():
    codes = list(CATALOGUE)
    expected_who = [f"{m}{n}" for m, count in WHO_COUNTS.items() for n in range(1, count + 1)]
    assert codes[:361] == expected_who
    assert all(CATALOGUE[code].system == "TUNG" for code in codes[361:])


def test_every_who_point_has_its_meridian_fields_filled():
    names = {
        "LU": "Lung",
        "LI": "Large Intestine",
        "ST": "Stomach",
        "SP": "Spleen",
        "HT": "Heart",
        "SI": "Small Intestine",
        "BL": "Bladder",
        "KI": "Kidney",
        "PC": "Pericardium",
        "TE": "Triple Energizer",
        "GB": "Gallbladder",
        "LR": "Liver",
        "GV": "Governor Vessel",
        "CV": "Conception Vessel",
    }
    for point in WHO_POINTS:
        assert point.code == f"{point.meridian}{point.number}"
        assert point.meridian_name == names[point.meridian]
        assert point.name, f"{point.code} has no pinyin name"
        assert point.name.isalpha() and point.name[0].isupper()


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("LI15", "Jianyu"),
        ("TE14", "Jianliao"),
        ("GB30", "Huantiao"),
        ("GB29", "Juliao"),
        ("BL40", "Weizhong"),
        ("GB34", "Yanglingquan"),
        ("ST36", "Zusanli"),
        ("LR3", "Taichong"),
        ("LI4", "Hegu"),
        ("GV20", "Baihui"),
        ("BL23", "Shenshu"),
        ("BL54", "Zhibian"),
        ("SP6", "Sanyinjiao"),
        ("LU11", "Shaoshang"),
        ("BL67", "Zhiyin"),
        ("KI27", "Shufu"),
        ("GB44", "Zuqiaoyin"),
        ("CV24", "Chengjiang"),
        ("GV28", "Yinjiao"),
        ("TE23", "Sizhukong"),
    ],
)
def test_hip_and_landmark_points_have_their_pinyin_names(code, name):
    assert CATALOGUE[code].name == name


def test_label_joins_code_and_name_for_pickers():
    assert CATALOGUE["TE14"].label == "TE14 Jianliao"
    assert CATALOGUE["TUNG-88.12"].label == "TUNG-88.12 Ming Huang"
    assert Point("X1", "WHO", "X", "1", "", "X").label == "X1"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("TUNG-88.12", "Ming Huang"),
        ("TUNG-88.13", "Tian Huang"),
        ("TUNG-88.14", "Qi Huang"),
        ("TUNG-22.04", "Da Bai"),
        ("TUNG-22.05", "Ling Gu"),
        ("TUNG-77.18", "Shen Guan"),
    ],
)
def test_master_tung_points_are_a_separate_system(code, name):
    point = CATALOGUE[code]
    assert (point.system, point.meridian, point.meridian_name) == ("TUNG", "", "Master Tung")
    assert point.name == name
    assert point.code == f"TUNG-{point.number}"


def test_points_are_frozen():
    with pytest.raises(AttributeError):
        CATALOGUE["LI4"].name = "Changed"  # type: ignore[misc]


# --- normalise_point -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), list(_alias_cases()))
def test_every_alias_separator_and_case_normalises_to_the_who_code(text, code):
    assert normalise_point(text) == code


def test_alias_table_in_the_module_matches_the_clinic_list():
    assert {m: sorted(a) for m, a in MERIDIAN_ALIASES.items()} == {
        m: sorted(a) for m, a in ALIASES.items()
    }


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SJ-14", "TE14"),
        ("sj14", "TE14"),
        ("Lv-3", "LR3"),
        ("Ht 1", "HT1"),
        ("GB-30", "GB30"),
        ("Du20", "GV20"),
        ("Ren 6", "CV6"),
        ("UB40", "BL40"),
        ("K3", "KI3"),
        ("P6", "PC6"),
        ("LI-15", "LI15"),
        ("tw5", "TE5"),
        ("TB5", "TE5"),
        ("TH5", "TE5"),
        ("Liv3", "LR3"),
        ("H7", "HT7"),
        ("RN12", "CV12"),
        ("ST 036", "ST36"),
        ("st.36", "ST36"),
        ("  gb 34  ", "GB34"),
        ("Kid-1", "KI1"),
        ("TE14 Jianliao", "TE14"),
        ("sj14 jianliao", "TE14"),
    ],
)
def test_common_spellings_normalise(text, code):
    assert normalise_point(text) == code


@pytest.mark.parametrize(
    "text", ["Tung 88.12", "tung88.12", "TUNG-88.12", "88.12", "Tung 88.12 Ming Huang"]
)
def test_master_tung_forms_normalise(text):
    assert normalise_point(text) == "TUNG-88.12"


def test_every_catalogue_code_and_label_normalises_to_itself():
    for code, point in CATALOGUE.items():
        assert normalise_point(code) == code
        assert normalise_point(point.label.lower()) == code


def test_a_point_past_the_end_of_its_meridian_is_rejected_with_the_last_point_first():
    with pytest.raises(UnknownPoint) as caught:
        normalise_point("LI21")
    error = caught.value
    assert error.text == "LI21"
    assert error.suggestions[0] == "LI20"
    assert all(code.startswith("LI") and code in CATALOGUE for code in error.suggestions)
    assert "LI has 20 points" in str(error)
    assert "Did you mean LI20" in str(error)


def test_an_unknown_meridian_is_rejected_with_same_numbered_points():
    with pytest.raises(UnknownPoint) as caught:
        normalise_point("XX1")
    error = caught.value
    assert error.suggestions == ["LU1", "LI1", "ST1"]
    assert 'no meridian "XX"' in str(error)


def test_point_zero_is_rejected_with_point_one_first():
    with pytest.raises(UnknownPoint) as caught:
        normalise_point("ST0")
    assert caught.value.suggestions[0] == "ST1"
    assert "ST has 45 points" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L3", ["LU3", "LI3", "LR3"]),
        ("S36", ["ST36", "BL36", "GB36"]),
        ("G20", ["GB20", "GV20"]),
    ],
)
def test_a_single_letter_naming_several_meridians_is_refused_not_guessed(text, expected):
    with pytest.raises(UnknownPoint) as caught:
        normalise_point(text)
    assert caught.value.suggestions[: len(expected)] == expected
    assert "could be more than one meridian" in str(caught.value)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_entry_is_rejected(text):
    with pytest.raises(UnknownPoint) as caught:
        normalise_point(text)
    assert caught.value.suggestions == []
    assert str(caught.value).startswith("No acupuncture point given")


def test_an_unknown_tung_number_is_rejected_with_tung_suggestions():
    with pytest.raises(UnknownPoint) as caught:
        normalise_point("Tung 99.99")
    error = caught.value
    assert error.suggestions
    assert all(CATALOGUE[code].system == "TUNG" for code in error.suggestions)
    assert "99.99" in str(error)


def test_a_meridian_without_a_number_asks_for_the_number():
    with pytest.raises(UnknownPoint) as caught:
        normalise_point("ST")
    assert "ST1 to ST45" in str(caught.value)


def test_a_label_whose_name_belongs_to_another_point_is_rejected():
    with pytest.raises(UnknownPoint) as caught:
        normalise_point("TE14 Hegu")
    assert caught.value.suggestions == ["TE14"]
    assert "TE14 is Jianliao" in str(caught.value)


@pytest.mark.parametrize("text", ["foo", "LI4a", "LI 4 5", "TUNG 5", "LI١", "88.1"])
def test_other_malformed_text_is_rejected(text):
    with pytest.raises(UnknownPoint) as caught:
        normalise_point(text)
    assert caught.value.text == text
    assert all(code in CATALOGUE for code in caught.value.suggestions)


@given(st.text(max_size=20))
def test_any_text_either_normalises_to_a_catalogue_code_or_raises_unknown_point(text):
    try:
        code = normalise_point(text)
    except UnknownPoint as error:
        assert all(code in CATALOGUE for code in error.suggestions)
    else:
        assert code in CATALOGUE


# --- normalise_points ------------------------------------------------------------------------


def test_normalise_points_keeps_order_and_drops_duplicates():
    assert normalise_points(["SJ-14", "LI4", "te14", "Du20", "li-4"]) == ["TE14", "LI4", "GV20"]


def test_normalise_points_reads_a_string_as_a_comma_separated_list():
    assert normalise_points("LI4, SJ-14; Tung 88.12\nDu20,") == [
        "LI4",
        "TE14",
        "TUNG-88.12",
        "GV20",
    ]


def test_normalise_points_of_nothing_is_empty():
    assert normalise_points([]) == []


def test_normalise_points_reports_every_bad_entry_in_order():
    with pytest.raises(UnknownPoint) as caught:
        normalise_points(["LI4", "LI21", "ST36", "XX1"])
    error = caught.value
    assert [e.text for e in error.errors] == ["LI21", "XX1"]
    assert error.text == "LI21, XX1"
    assert error.suggestions[0] == "LI20"
    assert "LU1" in error.suggestions
    assert "LI21" in str(error) and "XX1" in str(error)


def test_normalise_points_with_one_bad_entry_raises_that_entrys_error():
    with pytest.raises(UnknownPoint) as caught:
        normalise_points(["LI4", "LI21"])
    assert caught.value.text == "LI21"
    assert caught.value.errors == (caught.value,)


# --- suggest ---------------------------------------------------------------------------------


def test_suggest_finds_points_by_pinyin_name():
    assert suggest("Hegu") == ["LI4"]
    assert suggest("zusanli") == ["ST36"]
    assert suggest("Ming Huang") == ["TUNG-88.12"]
    # Two WHO points share the name Juliao; both are offered.
    assert suggest("juliao") == ["ST3", "GB29"]
    assert suggest("Zusanly")[0] == "ST36"


def test_suggest_respects_the_limit():
    assert len(suggest("XX1", limit=5)) == 5
    assert suggest("XX1", limit=0) == []


def test_suggest_for_a_valid_point_is_that_point():
    assert suggest("sj 14") == ["TE14"]


# --- search_points ---------------------------------------------------------------------------


def test_search_ranks_code_prefix_matches_before_name_matches():
    codes = [p.code for p in search_points("li", limit=40)]
    assert codes[:20] == [f"LI{n}" for n in range(1, 21)]
    # Names starting with "Li" (LU7 Lieque, ST45 Lidui ...) follow the LI codes.
    assert "LU7" in codes[20:]
    assert "ST45" in codes[20:]


def test_search_puts_the_exact_point_first_and_understands_aliases():
    codes = [p.code for p in search_points("sj1")]
    assert codes[0] == "TE1"
    assert set(codes) == {"TE1", *(f"TE{n}" for n in range(10, 20))}


def test_search_matches_pinyin_names_case_insensitively():
    assert [p.code for p in search_points("HEGU")] == ["LI4"]
    assert [p.code for p in search_points("ming huang")][0] == "TUNG-88.12"


def test_search_matches_names_containing_the_query_after_names_starting_with_it():
    codes = [p.code for p in search_points("sanli", limit=50)]
    assert codes == ["LI10", "ST36", "TUNG-77.22", "TUNG-77.23"]
    found = search_points("yin", limit=100)
    starting = [i for i, p in enumerate(found) if p.name.lower().startswith("yin")]
    containing = [i for i, p in enumerate(found) if not p.name.lower().startswith("yin")]
    assert CATALOGUE["SP6"] in found  # Sanyinjiao contains "yin"
    assert starting and containing
    assert max(starting) < min(containing)


def test_search_finds_tung_points_by_number_prefix():
    assert [p.code for p in search_points("88.1")] == [
        "TUNG-88.12",
        "TUNG-88.13",
        "TUNG-88.14",
        "TUNG-88.17",
        "TUNG-88.18",
        "TUNG-88.19",
    ]


def test_search_respects_the_limit_and_ignores_blank_queries():
    assert len(search_points("b", limit=5)) == 5
    assert search_points("") == []
    assert search_points("  -  ") == []


def test_an_exact_name_ranks_before_names_it_begins():
    codes = [p.code for p in search_points("huantiao")]
    assert codes[0] == "GB30"
    # "huan" alone is ambiguous (Huangmen BL51, Huantiao GB30): both are offered, none assumed.
    assert {"BL51", "GB30"} <= {p.code for p in search_points("huan")}
