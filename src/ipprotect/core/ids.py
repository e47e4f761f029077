"""(being written)"""


def is_region_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()
