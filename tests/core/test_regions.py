"""Region codes (GB/T 2260): the shipped table, names in Chinese and English, the hierarchy."""

import csv

import pytest

from ipprotect.core import ids, regions


def test_a_county_has_its_chinese_and_english_name_and_its_city_as_parent() -> None:
    xihu = ids.region("330106")
    assert xihu is not None
    assert (xihu.name_zh, xihu.name_en, xihu.level) == ("西湖区", "Xihu District", 3)
    assert xihu.parent_code == "330100"


def test_a_city_sits_under_its_province_and_the_province_under_the_nation() -> None:
    hangzhou = ids.region("330100")
    zhejiang = ids.region("330000")
    assert hangzhou is not None
    assert zhejiang is not None
    assert (hangzhou.name_zh, hangzhou.level, hangzhou.parent_code) == ("杭州市", 2, "330000")
    assert (zhejiang.name_zh, zhejiang.level, zhejiang.parent_code) == ("浙江省", 1, "000000")
    assert "Zhejiang" in zhejiang.name_en


def test_the_nation_is_region_000000_at_level_0() -> None:
    nation = ids.region("000000")
    assert nation is not None
    assert (nation.name_zh, nation.level, nation.parent_code) == ("中华人民共和国", 0, None)


def test_the_nation_has_the_31_mainland_provinces_and_hong_kong_macao_taiwan() -> None:
    provinces = ids.regions_under("000000")
    assert len(provinces) == 34
    assert {"110000", "540000", "650000", "710000", "810000", "820000"} <= {
        p.code for p in provinces
    }


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("150000", "Inner Mongolia Autonomous Region"),
        ("450000", "Guangxi Zhuang Autonomous Region"),
        ("540000", "Tibet Autonomous Region"),
        ("610000", "Shaanxi Province"),
        ("140000", "Shanxi Province"),
    ],
)
def test_provinces_carry_their_official_english_names(code: str, english: str) -> None:
    assert ids.region_name(code, "en") == english


@pytest.mark.parametrize(
    ("code", "english"),
    [
        ("222400", "Yanbian Korean Autonomous Prefecture"),
        ("152500", "Xilinguole League"),
        ("150721", "Arong Banner"),
        ("610100", "Xi'an City"),
        ("310115", "Pudong New Area"),
        ("430100", "Changsha City"),
        ("520100", "Guiyang City"),
    ],
)
def test_cities_and_counties_have_romanised_names_with_translated_suffixes(
    code: str, english: str
) -> None:
    assert ids.region_name(code, "en") == english


def test_children_come_in_code_order_for_pickers() -> None:
    hangzhou = ids.regions_under("330100")
    codes = [r.code for r in hangzhou]
    assert codes == sorted(codes)
    assert "330106" in codes
    assert all(r.parent_code == "330100" and r.level == 3 for r in hangzhou)


def test_a_county_has_no_children_and_an_unknown_code_none() -> None:
    assert ids.regions_under("330106") == []
    assert ids.regions_under("999999") == []


@pytest.mark.parametrize("code", ["330106", "330100", "330000", "000000", "110101"])
def test_known_codes_are_region_codes(code: str) -> None:
    assert ids.is_region_code(code)


@pytest.mark.parametrize("code", ["330199", "990000", "33010", "3301060", "", "abcdef"])
def test_other_strings_are_not_region_codes(code: str) -> None:
    assert not ids.is_region_code(code)
    assert ids.region(code) is None


def test_development_zone_statistical_codes_are_not_region_codes() -> None:
    assert not ids.is_region_code("320576")  # 苏州工业园区, a statistical code only


def test_a_city_without_counties_has_no_stand_in_county_row() -> None:
    dongguan = ids.region("441900")
    assert dongguan is not None
    assert dongguan.level == 2
    assert ids.regions_under("441900") == []


def test_grouping_rows_are_named_after_their_parent() -> None:
    assert ids.region_name("110100", "zh_CN") == "北京市市辖区"
    assert ids.region_name("110100", "en") == "Districts of Beijing Municipality"
    assert ids.region_name("419000", "zh_CN") == "河南省省直辖县级行政区划"


def test_region_names_fall_back_to_english_and_to_the_code() -> None:
    assert ids.region_name("330106", "zh") == "西湖区"
    assert ids.region_name("330106", "fr") == "Xihu District"
    assert ids.region_name("330199", "zh_CN") == "330199"


def test_the_path_runs_from_province_to_county_without_grouping_rows() -> None:
    assert [r.name_zh for r in ids.region_path("330106")] == ["浙江省", "杭州市", "西湖区"]
    assert [r.name_zh for r in ids.region_path("110101")] == ["北京市", "东城区"]
    assert [r.code for r in ids.region_path("110100")] == ["110000", "110100"]
    assert ids.region_path("000000") == []
    assert ids.region_path("330199") == []


def test_every_row_of_the_shipped_table_is_well_formed() -> None:
    with regions.DATA.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    codes = {row["code"] for row in rows}
    assert len(codes) == len(rows) > 3000
    for row in rows:
        assert len(row["code"]) == 6, row
        assert row["code"].isdigit(), row
        assert row["name_zh"], row
        assert row["name_en"], row
        if row["code"] != "000000":
            parent = ids.region(row["parent_code"])
            assert parent is not None, row
            assert parent.level == int(row["level"]) - 1, row
