"""The NAPAS 247 bank list (market/data/napas_banks.json): each bank's VietQR code, short name, full Vietnamese
name and BIN, the six digits a VietQR code names the bank by."""
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "napas_banks.json"


@dataclass(frozen=True)
class Bank:
    code: str
    short_name: str
    name: str
    bin: str

    @property
    def label(self) -> str:
        return f"{self.short_name} — {self.name}"


@cache
def all_banks() -> tuple[Bank, ...]:
    rows = json.loads(DATA.read_text(encoding="utf-8"))["banks"]
    return tuple(Bank(r["code"], r["short_name"], r["name"], r["bin"]) for r in rows)


def by_code(code: str | None) -> Bank | None:
    return next((b for b in all_banks() if b.code == code), None)


def by_bin(bin: str | None) -> Bank | None:
    return next((b for b in all_banks() if b.bin == bin), None)
