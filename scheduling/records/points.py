"""The acupuncture point catalogue and the normaliser for what practitioners type.

Codes follow the WHO Standard Acupuncture Point Locations (2008): meridian code and number with no
separator (``LU1``, ``TE14``, ``GV20``). Practitioners trained on older texts write ``SJ-14``,
``Lv 3`` or ``Du20``; those are accepted and stored in the WHO form so that one point is never
counted as two in reports. Master Tung's extra points keep their own numbering (``88.12``) and live
in a separate system with codes ``TUNG-<number>``.

Pure module: no Django, no database, no clock.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

WHO = "WHO"
TUNG = "TUNG"
TUNG_MERIDIAN_NAME = "Master Tung"


def _names(spaced: str) -> tuple[str, ...]:
    """Return the pinyin names in a space-separated run, point 1 first."""
    return tuple(spaced.split())


# Pinyin names in WHO (2008) spelling, point 1 first; the list length is the meridian's point
# count, so the table and the counts cannot drift apart.
_WHO_TABLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "LU",
        "Lung",
        _names("Zhongfu Yunmen Tianfu Xiabai Chize Kongzui Lieque Jingqu Taiyuan Yuji Shaoshang"),
    ),
    (
        "LI",
        "Large Intestine",
        _names(
            "Shangyang Erjian Sanjian Hegu Yangxi Pianli Wenliu Xialian Shanglian Shousanli"
            " Quchi Zhouliao Shouwuli Binao Jianyu Jugu Tianding Futu Kouheliao Yingxiang"
        ),
    ),
    (
        "ST",
        "Stomach",
        _names(
            "Chengqi Sibai Juliao Dicang Daying Jiache Xiaguan Touwei Renying Shuitu"
            " Qishe Quepen Qihu Kufang Wuyi Yingchuang Ruzhong Rugen Burong Chengman"
            " Liangmen Guanmen Taiyi Huaroumen Tianshu Wailing Daju Shuidao Guilai Qichong"
            " Biguan Futu Yinshi Liangqiu Dubi Zusanli Shangjuxu Tiaokou Xiajuxu Fenglong"
            " Jiexi Chongyang Xiangu Neiting Lidui"
        ),
    ),
    (
        "SP",
        "Spleen",
        _names(
            "Yinbai Dadu Taibai Gongsun Shangqiu Sanyinjiao Lougu Diji Yinlingquan Xuehai"
            " Jimen Chongmen Fushe Fujie Daheng Fuai Shidou Tianxi Xiongxiang Zhourong Dabao"
        ),
    ),
    (
        "HT",
        "Heart",
        _names("Jiquan Qingling Shaohai Lingdao Tongli Yinxi Shenmen Shaofu Shaochong"),
    ),
    (
        "SI",
        "Small Intestine",
        _names(
            "Shaoze Qiangu Houxi Wangu Yanggu Yanglao Zhizheng Xiaohai Jianzhen Naoshu"
            " Tianzong Bingfeng Quyuan Jianwaishu Jianzhongshu Tianchuang Tianrong Quanliao"
            " Tinggong"
        ),
    ),
    (
        "BL",
        "Bladder",
        _names(
            "Jingming Cuanzhu Meichong Quchai Wuchu Chengguang Tongtian Luoque Yuzhen Tianzhu"
            " Dazhu Fengmen Feishu Jueyinshu Xinshu Dushu Geshu Ganshu Danshu Pishu"
            " Weishu Sanjiaoshu Shenshu Qihaishu Dachangshu Guanyuanshu Xiaochangshu"
            " Pangguangshu Zhonglushu Baihuanshu"
            " Shangliao Ciliao Zhongliao Xialiao Huiyang Chengfu Yinmen Fuxi Weiyang Weizhong"
            " Fufen Pohu Gaohuang Shentang Yixi Geguan Hunmen Yanggang Yishe Weicang"
            " Huangmen Zhishi Baohuang Zhibian Heyang Chengjin Chengshan Feiyang Fuyang Kunlun"
            " Pucan Shenmai Jinmen Jinggu Shugu Zutonggu Zhiyin"
        ),
    ),
    (
        "KI",
        "Kidney",
        _names(
            "Yongquan Rangu Taixi Dazhong Shuiquan Zhaohai Fuliu Jiaoxin Zhubin Yingu"
            " Henggu Dahe Qixue Siman Zhongzhu Huangshu Shangqu Shiguan Yindu Futonggu"
            " Youmen Bulang Shenfeng Lingxu Shencang Yuzhong Shufu"
        ),
    ),
    (
        "PC",
        "Pericardium",
        _names("Tianchi Tianquan Quze Ximen Jianshi Neiguan Daling Laogong Zhongchong"),
    ),
    (
        "TE",
        "Triple Energizer",
        _names(
            "Guanchong Yemen Zhongzhu Yangchi Waiguan Zhigou Huizong Sanyangluo Sidu Tianjing"
            " Qinglengyuan Xiaoluo Naohui Jianliao Tianliao Tianyou Yifeng Chimai Luxi Jiaosun"
            " Ermen Erheliao Sizhukong"
        ),
    ),
    (
        "GB",
        "Gallbladder",
        _names(
            "Tongziliao Tinghui Shangguan Hanyan Xuanlu Xuanli Qubin Shuaigu Tianchong Fubai"
            " Touqiaoyin Wangu Benshen Yangbai Toulinqi Muchuang Zhengying Chengling Naokong"
            " Fengchi Jianjing Yuanye Zhejin Riyue Jingmen Daimai Wushu Weidao Juliao Huantiao"
            " Fengshi Zhongdu Xiyangguan Yanglingquan Yangjiao Waiqiu Guangming Yangfu"
            " Xuanzhong Qiuxu Zulinqi Diwuhui Xiaxi Zuqiaoyin"
        ),
    ),
    (
        "LR",
        "Liver",
        _names(
            "Dadun Xingjian Taichong Zhongfeng Ligou Zhongdu Xiguan Ququan Yinbao Zuwuli"
            " Yinlian Jimai Zhangmen Qimen"
        ),
    ),
    (
        "GV",
        "Governor Vessel",
        _names(
            "Changqiang Yaoshu Yaoyangguan Mingmen Xuanshu Jizhong Zhongshu Jinsuo Zhiyang"
            " Lingtai Shendao Shenzhu Taodao Dazhui Yamen Fengfu Naohu Qiangjian Houding"
            " Baihui Qianding Xinhui Shangxing Shenting Suliao Shuigou Duiduan Yinjiao"
        ),
    ),
    (
        "CV",
        "Conception Vessel",
        _names(
            "Huiyin Qugu Zhongji Guanyuan Shimen Qihai Yinjiao Shenque Shuifen Xiawan"
            " Jianli Zhongwan Shangwan Juque Jiuwei Zhongting Danzhong Yutang Zigong Huagai"
            " Xuanji Tiantu Lianquan Chengjiang"
        ),
    ),
)

# Only the Tung points whose number and name are settled across the main Tung texts; a
# practitioner needing another one gets a clear "unknown point" rather than a guessed entry.
_TUNG_TABLE: tuple[tuple[str, str], ...] = (
    ("11.24", "Fu Ke"),
    ("22.01", "Chong Zi"),
    ("22.02", "Chong Xian"),
    ("22.04", "Da Bai"),
    ("22.05", "Ling Gu"),
    ("66.03", "Huo Ying"),
    ("66.04", "Huo Zhu"),
    ("66.05", "Men Jin"),
    ("77.17", "Tian Huang"),
    ("77.18", "Shen Guan"),
    ("77.19", "Di Huang"),
    ("77.21", "Ren Huang"),
    ("77.22", "Ce San Li"),
    ("77.23", "Ce Xia San Li"),
    ("88.12", "Ming Huang"),
    ("88.13", "Tian Huang"),
    ("88.14", "Qi Huang"),
    ("88.17", "Si Ma Zhong"),
    ("88.18", "Si Ma Shang"),
    ("88.19", "Si Ma Xia"),
    ("88.25", "Zhong Jiu Li"),
)

# Every spelling accepted for a meridian, the WHO code included. Single letters that name more
# than one meridian (L, S, B) are deliberately absent: guessing would record the wrong point.
MERIDIAN_ALIASES: dict[str, tuple[str, ...]] = {
    "LU": ("LU",),
    "LI": ("LI",),
    "ST": ("ST",),
    "SP": ("SP",),
    "HT": ("HT", "H"),
    "SI": ("SI",),
    "BL": ("BL", "UB"),
    "KI": ("KI", "K", "KID"),
    "PC": ("PC", "P"),
    "TE": ("TE", "SJ", "TH", "TW", "TB"),
    "GB": ("GB",),
    "LR": ("LR", "LV", "LIV"),
    "GV": ("GV", "DU"),
    "CV": ("CV", "REN", "RN"),
}

_ALIAS_TO_MERIDIAN: dict[str, str] = {
    alias: meridian for meridian, aliases in MERIDIAN_ALIASES.items() for alias in aliases
}


@dataclass(frozen=True)
class Point:
    """One acupuncture point as shown in pickers and stored on session records."""

    code: str
    system: str
    meridian: str
    number: str
    name: str
    meridian_name: str

    @property
    def label(self) -> str:
        """Return the code followed by the pinyin name, e.g. "TE14 Jianliao"."""
        return f"{self.code} {self.name}" if self.name else self.code


def _build_catalogue() -> dict[str, Point]:
    """Return the catalogue: WHO points in meridian order, then Tung points by number."""
    catalogue: dict[str, Point] = {}
    for meridian, meridian_name, names in _WHO_TABLE:
        for number, name in enumerate(names, start=1):
            code = f"{meridian}{number}"
            catalogue[code] = Point(code, WHO, meridian, str(number), name, meridian_name)
    for number, name in sorted(_TUNG_TABLE, key=lambda row: _tung_sort_key(row[0])):
        code = f"{TUNG}-{number}"
        catalogue[code] = Point(code, TUNG, "", number, name, TUNG_MERIDIAN_NAME)
    return catalogue


def _tung_sort_key(number: str) -> tuple[int, int]:
    """Return a numeric sort key for a Tung number such as "88.12"."""
    whole, _, part = number.partition(".")
    return int(whole), int(part or 0)


CATALOGUE: dict[str, Point] = _build_catalogue()
WHO_MERIDIAN_COUNTS: dict[str, int] = {meridian: len(names) for meridian, _, names in _WHO_TABLE}
MERIDIAN_NAMES: dict[str, str] = {meridian: name for meridian, name, _ in _WHO_TABLE}
_MERIDIAN_ORDER: dict[str, int] = {meridian: i for i, meridian in enumerate(WHO_MERIDIAN_COUNTS)}
_TUNG_BY_NUMBER: dict[str, Point] = {p.number: p for p in CATALOGUE.values() if p.system == TUNG}

# Separators people put between the meridian and the number: "SJ-14", "Lv 3", "ST.36", "GB_30".
_SEP = r"[\s\-._]*"
# A pinyin name may follow the code, as in a picker label: "TE14 Jianliao".
_NAME = r"(?:\s+(?P<name>[A-Z][A-Z \-']*))?"
# ASCII only: a look-alike digit or letter from another script is a typo to reject, not a point.
_WHO_RE = re.compile(rf"^(?P<letters>[A-Z]+){_SEP}(?P<digits>[0-9]+){_NAME}$", re.ASCII)
_TUNG_RE = re.compile(
    rf"^(?:(?:TUNG|T){_SEP})?(?P<number>[0-9]{{1,4}}\.[0-9]{{1,3}}){_NAME}$", re.ASCII
)
_TUNG_WORD_RE = re.compile(rf"^TUNG{_SEP}", re.ASCII)


class UnknownPoint(ValueError):
    """Raised for text that names no point in the catalogue.

    ``text`` is what was typed, ``suggestions`` are catalogue codes to offer instead (best first,
    possibly empty) and ``reason`` says in a few words what is wrong. ``errors`` holds one
    UnknownPoint per bad entry: just this one for a single point, each of them when
    :func:`normalise_points` found several.
    """

    def __init__(
        self,
        text: str,
        suggestions: Iterable[str] = (),
        *,
        reason: str = "",
        errors: Iterable[UnknownPoint] = (),
    ) -> None:
        self.text = text
        self.suggestions = list(suggestions)
        self.reason = reason
        self.errors: tuple[UnknownPoint, ...] = tuple(errors) or (self,)
        super().__init__(self._message())

    def _message(self) -> str:
        """Return the human message: what was typed, why it is wrong, what to use instead."""
        if len(self.errors) > 1 or self.errors[0] is not self:
            return "; ".join(str(error) for error in self.errors)
        if not self.text.strip():
            message = "No acupuncture point given"
        else:
            message = f'Unknown acupuncture point "{self.text}"'
        if self.reason:
            message += f" ({self.reason})"
        message += "."
        if self.suggestions:
            message += f" Did you mean {_or_list(self.suggestions)}?"
        return message


def _or_list(items: list[str]) -> str:
    """Return "A", "A or B", "A, B or C"."""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _squash(text: str) -> str:
    """Return text upper-cased with runs of whitespace made single and the ends trimmed."""
    return " ".join(text.upper().split())


def _same_name(typed: str, name: str) -> bool:
    """Return whether a typed pinyin name matches a catalogue name, ignoring case and spacing."""
    return re.sub(r"[\s\-']", "", typed).lower() == re.sub(r"[\s\-']", "", name).lower()


def normalise_point(text: str) -> str:
    """Return the catalogue code for a typed point, or raise UnknownPoint with suggestions.

    Accepts, in any case, a WHO code or one of the usual meridian aliases (SJ/TH/TW/TB, LV/LIV,
    H, DU, REN/RN, UB, K/KID, P) followed by the point number, with an optional space, hyphen,
    dot or underscore between them and leading zeros: ``SJ-14``, ``lv3``, ``ST 036``. A picker
    label with the pinyin name after the code (``TE14 Jianliao``) is accepted when the name
    matches. Master Tung points are accepted as ``Tung 88.12``, ``TUNG-88.12`` or ``88.12``.
    """
    squashed = _squash(text)
    if not squashed:
        raise UnknownPoint(text, reason="enter a code such as LI4, SJ-14 or Tung 88.12")

    tung = _TUNG_RE.match(squashed)
    if tung:
        point = _TUNG_BY_NUMBER.get(tung["number"])
        if point is None:
            raise UnknownPoint(
                text,
                suggest(text),
                reason=f"no Master Tung point {tung['number']} in the catalogue",
            )
        return _checked_against_name(text, point, tung["name"])

    who = _WHO_RE.match(squashed)
    if who is None:
        meridian = _ALIAS_TO_MERIDIAN.get(squashed)
        if meridian:
            count = WHO_MERIDIAN_COUNTS[meridian]
            raise UnknownPoint(
                text, reason=f"add the point number, {meridian}1 to {meridian}{count}"
            )
        raise UnknownPoint(
            text, suggest(text), reason="expected a code such as LI4, SJ-14 or Tung 88.12"
        )
    letters, number = who["letters"], int(who["digits"])
    meridian = _ALIAS_TO_MERIDIAN.get(letters)
    if meridian is None:
        starting = {m for alias, m in _ALIAS_TO_MERIDIAN.items() if alias.startswith(letters)}
        if letters == TUNG:
            reason = "Master Tung points are written like Tung 88.12"
        elif len(starting) > 1:
            reason = f'"{letters}" could be more than one meridian'
        else:
            reason = f'no meridian "{letters}"'
        raise UnknownPoint(text, suggest(text), reason=reason)
    count = WHO_MERIDIAN_COUNTS[meridian]
    if not 1 <= number <= count:
        raise UnknownPoint(text, suggest(text), reason=f"{meridian} has {count} points")
    return _checked_against_name(text, CATALOGUE[f"{meridian}{number}"], who["name"])


def _checked_against_name(text: str, point: Point, typed_name: str | None) -> str:
    """Return the point's code unless a name typed after the code belongs to another point."""
    if typed_name and not _same_name(typed_name, point.name):
        # A label whose name is not this point's means the code or the name is a typo; storing
        # either one could record the wrong point.
        raise UnknownPoint(text, [point.code], reason=f"{point.code} is {point.name or 'unnamed'}")
    return point.code


def _split_entries(text: str) -> list[str]:
    """Return the entries of a comma, semicolon or newline separated list, blanks dropped."""
    return [entry for entry in re.split(r"[,;\n]", text) if entry.strip()]


def normalise_points(texts: Iterable[str] | str) -> list[str]:
    """Return the catalogue codes for typed points, in order, each code once.

    A single string is read as a comma, semicolon or newline separated list (``"LI4, SJ-14"``),
    with blank entries ignored, so that a form field can be passed as it is and a string is never
    taken apart character by character. Every entry is checked before anything is returned: when
    one or more are unknown, one UnknownPoint is raised whose ``errors`` lists every bad entry in
    input order, whose ``text`` joins the bad entries with ", " and whose ``suggestions`` merges
    their suggestions.
    """
    entries = _split_entries(texts) if isinstance(texts, str) else list(texts)
    codes: list[str] = []
    errors: list[UnknownPoint] = []
    for entry in entries:
        try:
            code = normalise_point(entry)
        except UnknownPoint as error:
            errors.append(error)
            continue
        if code not in codes:
            codes.append(code)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        merged = list(dict.fromkeys(code for error in errors for code in error.suggestions))
        raise UnknownPoint(", ".join(e.text for e in errors), merged, errors=errors)
    return codes


def _meridian_likeness(letters: str, meridian: str) -> tuple[bool, float]:
    """Return how much typed letters look like a meridian's code or aliases (higher is closer)."""
    aliases = MERIDIAN_ALIASES[meridian]
    is_prefix = any(alias.startswith(letters) for alias in aliases)
    ratio = max(difflib.SequenceMatcher(None, letters, alias).ratio() for alias in aliases)
    return is_prefix, ratio


def _suggest_who(letters: str, number: int) -> list[str]:
    """Return WHO codes close to a meridian-and-number that is not in the catalogue."""
    meridian = _ALIAS_TO_MERIDIAN.get(letters)
    if meridian is not None:
        count = WHO_MERIDIAN_COUNTS[meridian]
        nearest = min(max(number, 1), count)
        # After the nearest end of the meridian, numbers one keystroke away ("21" -> "2", "1").
        typos = difflib.get_close_matches(
            str(number), [str(n) for n in range(1, count + 1)], n=3, cutoff=0.6
        )
        numbers = [nearest, *(int(typo) for typo in typos)]
        return [f"{meridian}{n}" for n in dict.fromkeys(numbers)]
    ranked = sorted(
        WHO_MERIDIAN_COUNTS,
        key=lambda m: (*(-x for x in _meridian_likeness(letters, m)), _MERIDIAN_ORDER[m]),
    )
    return [f"{m}{number}" for m in ranked if 1 <= number <= WHO_MERIDIAN_COUNTS[m]]


def _suggest_tung(number: str) -> list[str]:
    """Return Tung codes whose number looks like, or is numerically near, the typed number."""
    numbers = list(_TUNG_BY_NUMBER)
    alike = difflib.get_close_matches(number, numbers, n=len(numbers), cutoff=0.6)
    typed = float(number)
    near = sorted(numbers, key=lambda n: (abs(float(n) - typed), _tung_sort_key(n)))
    return [_TUNG_BY_NUMBER[n].code for n in dict.fromkeys([*alike, *near])]


def _suggest_by_name(text: str) -> list[str]:
    """Return the codes whose pinyin name is the text, or else those whose name resembles it."""
    typed = re.sub(r"[\s\-']", "", text).lower()
    if not typed:
        return []
    exact = [p.code for p in CATALOGUE.values() if p.name and _same_name(typed, p.name)]
    if exact:
        return exact
    squashed_names: dict[str, list[str]] = {}
    for point in CATALOGUE.values():
        if point.name:
            key = re.sub(r"[\s\-']", "", point.name).lower()
            squashed_names.setdefault(key, []).append(point.code)
    close = difflib.get_close_matches(typed, list(squashed_names), n=5, cutoff=0.75)
    return list(dict.fromkeys(code for name in close for code in squashed_names[name]))


def suggest(text: str, limit: int = 3) -> list[str]:
    """Return up to ``limit`` catalogue codes the typed text most likely meant, best first.

    A known meridian with a number out of range suggests the nearest end of that meridian first
    (``LI21`` -> ``LI20``); an unknown or ambiguous meridian suggests meridians that look alike
    and have that number (``L3`` -> ``LU3``, ``LI3``, ``LR3``); a pinyin name suggests its points
    (``Hegu`` -> ``LI4``); an unknown Tung number suggests Tung points near it. Text that already
    names a point suggests that point alone.
    """
    if limit <= 0:
        return []
    squashed = _squash(text)
    if not squashed:
        return []
    codes: list[str] = []
    tung = _TUNG_RE.match(squashed)
    who = _WHO_RE.match(squashed)
    if tung:
        codes = _suggest_tung(tung["number"])
    elif who and who["letters"] != TUNG:
        letters, number = who["letters"], int(who["digits"])
        meridian = _ALIAS_TO_MERIDIAN.get(letters)
        if meridian and 1 <= number <= WHO_MERIDIAN_COUNTS[meridian]:
            codes = [f"{meridian}{number}"]
        else:
            codes = _suggest_who(letters, number)
    elif _TUNG_WORD_RE.match(squashed):
        codes = [p.code for p in _TUNG_BY_NUMBER.values()]
    else:
        codes = _suggest_by_name(text)
        if not codes:
            compact = re.sub(r"[\s\-._]", "", squashed)
            codes = difflib.get_close_matches(compact, list(CATALOGUE), n=limit, cutoff=0.6)
    return codes[:limit]


def _code_prefixes(query: str) -> list[str]:
    """Return the code prefixes a type-ahead query stands for ("sj1" -> "SJ1", "TE1")."""
    squashed = _squash(query)
    compact = re.sub(r"[\s\-._]", "", squashed)
    prefixes = [compact] if compact else []
    who = re.match(r"^([A-Z]+)([0-9]*)$", compact)
    if who:
        meridian = _ALIAS_TO_MERIDIAN.get(who[1])
        digits = str(int(who[2])) if who[2] else ""
        if meridian:
            prefixes.append(f"{meridian}{digits}")
    tung = re.match(rf"^(?:TUNG|T){_SEP}([0-9][0-9.]*)$|^([0-9][0-9.]*)$", squashed)
    if tung:
        prefixes.append(f"{TUNG}-{tung[1] or tung[2]}")
    return list(dict.fromkeys(prefixes))


def search_points(query: str, limit: int = 20) -> list[Point]:
    """Return points matching a type-ahead query on code or pinyin name, best first.

    Matching ignores case, spaces and hyphens and understands meridian aliases (``sj1`` finds
    ``TE1``, ``TE10`` ...). Order: the exact point the query normalises to, then the point whose
    name is exactly the query, then code-prefix matches, then names starting with the query, then
    names containing it; catalogue order within each group.
    """
    if limit <= 0 or not query.strip():
        return []
    ranked: list[Point] = []
    with contextlib.suppress(UnknownPoint):
        ranked.append(CATALOGUE[normalise_point(query)])
    prefixes = _code_prefixes(query)
    typed_name = re.sub(r"[\s\-']", "", query).lower()
    points = list(CATALOGUE.values())
    named = [(p, re.sub(r"[\s\-']", "", p.name).lower()) for p in points if p.name]
    if typed_name:
        ranked += [p for p, name in named if name == typed_name]
    ranked += [p for p in points if any(p.code.startswith(prefix) for prefix in prefixes)]
    if typed_name:
        ranked += [p for p, name in named if name.startswith(typed_name)]
        ranked += [p for p, name in named if typed_name in name]
    return list(dict.fromkeys(ranked))[:limit]


def catalogue_rows(model) -> list:
    """Return one unsaved `model` instance per catalogue point, in catalogue order.

    The AcupuncturePoint table is filled from this by its data migration, and refilled after a
    test database is flushed; `model` is passed in so this module stays free of the ORM.
    """
    return [
        model(
            code=point.code,
            system=point.system,
            meridian=point.meridian,
            number=point.number,
            name=point.name,
            position=position,
        )
        for position, point in enumerate(CATALOGUE.values(), start=1)
    ]
