"""The laws the calculator knows and the rule ids it reads for each (src/ipprotect/rules/
damages.toml): `damages.<law>.methods`, `.statutory_range`, `.punitive_multiplier` and, where
the law distinguishes conduct, `.conduct`, `.statutory_conduct` and `.punitive_conduct`."""

from enum import StrEnum

from ipprotect.web.i18n import N_


class Law(StrEnum):
    PATENT = "patent"  # 专利法
    TRADEMARK = "trademark"  # 商标法
    COPYRIGHT = "copyright"  # 著作权法
    UNFAIR_COMPETITION = "unfair_competition"  # 反不正当竞争法
    SEED = "seed"  # 种子法 (plant varieties, 植物新品种)


LAWS = tuple(law.value for law in Law)

LAW_NAMES = {
    "patent": N_("Patent Law"),
    "trademark": N_("Trademark Law"),
    "copyright": N_("Copyright Law"),
    "unfair_competition": N_("Anti-Unfair Competition Law"),
    "seed": N_("Seed Law (plant varieties)"),
}


def rule_id(law: str, name: str) -> str:
    return f"damages.{law}.{name}"
