"""Validate the matching-quality evaluation set (stdlib only).

    python3 benchmarks/data/matching_quality/check.py

Checks the format of ``needs.json`` and ``offers.json``, unique keys, that every area,
department, resource kind, Municipio and NIL exists in the project's reference data
(``needs/data``, ``needs/models.py``), that every relevant or chosen need exists, and that
the case kinds and the tune/holdout halves are balanced; prints counts per kind and half.
Exits with status 1 and a list of problems when something is wrong.
"""

from __future__ import annotations

import collections
import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DATA = ROOT / "needs" / "data"

KINDS = ("direct", "plural", "synonym", "english", "typo", "vague", "unfit", "chosen")
HALVES = ("tune", "holdout")
MIN_NEEDS, MIN_OFFERS, MIN_PER_KIND, MIN_UNFIT = 60, 110, 12, 20

NEED_FIELDS = {
    "key": str,
    "title": str,
    "description": str,
    "area": str,
    "resource_kind": str,
    "quantity": (int, type(None)),
    "municipio": (int, type(None)),
    "nil": (str, type(None)),
    "department": str,
}
OFFER_FIELDS = {
    "key": str,
    "title": str,
    "description": str,
    "resource_kind": str,
    "quantity": (int, type(None)),
    "language": str,
    "kind": str,
    "half": str,
    "relevant": list,
    "chosen_need": (str, type(None)),
}


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def resource_kinds() -> set[str]:
    source = (ROOT / "needs" / "models.py").read_text(encoding="utf-8")
    block = source.split("class ResourceKind", 1)[1].split("\nclass ", 1)[0]
    return set(re.findall(r'^\s+[A-Z_]+ = "([a-z_]+)"', block, flags=re.M))


def check_fields(item: dict, fields: dict, where: str, problems: list[str]) -> bool:
    ok = True
    if set(item) != set(fields):
        problems.append(f"{where}: fields {sorted(item)} != {sorted(fields)}")
        ok = False
    for name, kind in fields.items():
        value = item.get(name)
        if name in item and (not isinstance(value, kind) or isinstance(value, bool)):
            problems.append(f"{where}: {name}={value!r} has the wrong type")
            ok = False
        if isinstance(value, str) and not value.strip():
            problems.append(f"{where}: {name} is empty")
            ok = False
    return ok


def keyed_items(
    items: list, label: str, fields: dict, prefix: str, problems: list[str]
) -> Iterator[tuple[str, dict]]:
    """Each well-formed object of ``items`` with where it stands (``label[i] key``); its key
    must be ``prefix`` and three digits, and not used before in ``items``."""
    keys: set[str] = set()
    for i, item in enumerate(items):
        where = f"{label}[{i}] {item.get('key', '?')}"
        if not isinstance(item, dict) or not check_fields(item, fields, where, problems):
            continue
        if not re.fullmatch(rf"{prefix}\d{{3}}", item["key"]):
            problems.append(f"{where}: key must look like {prefix}001")
        if item["key"] in keys:
            problems.append(f"{where}: duplicate key")
        keys.add(item["key"])
        yield where, item


def main() -> int:
    problems: list[str] = []
    needs = json.loads((HERE / "needs.json").read_text(encoding="utf-8"))
    offers = json.loads((HERE / "offers.json").read_text(encoding="utf-8"))
    if not isinstance(needs, list) or not isinstance(offers, list):
        print("needs.json and offers.json must each hold a JSON list")
        return 1

    areas = {row["slug"] for row in read_csv("intervention_areas.csv")}
    departments = {row["slug"] for row in read_csv("departments.csv")}
    municipi = {int(row["number"]) for row in read_csv("milan_municipi.csv")}
    nil_municipi = {
        row["name"]: {int(m) for m in row["municipi"].split(";")}
        for row in read_csv("milan_nil.csv")
    }
    kinds_of_resource = resource_kinds()
    if not kinds_of_resource:
        problems.append("could not read ResourceKind from needs/models.py")

    # needs
    need_keys: dict[str, dict] = {}
    for where, need in keyed_items(needs, "needs", NEED_FIELDS, "n", problems):
        need_keys[need["key"]] = need
        if need["area"] not in areas:
            problems.append(f"{where}: unknown area {need['area']!r}")
        if need["department"] not in departments:
            problems.append(f"{where}: unknown department {need['department']!r}")
        if need["resource_kind"] not in kinds_of_resource:
            problems.append(f"{where}: unknown resource kind {need['resource_kind']!r}")
        if need["quantity"] is not None and need["quantity"] < 1:
            problems.append(f"{where}: quantity must be >= 1")
        if need["municipio"] is not None and need["municipio"] not in municipi:
            problems.append(f"{where}: unknown municipio {need['municipio']!r}")
        if need["nil"] is not None:
            if need["nil"] not in nil_municipi:
                problems.append(f"{where}: unknown NIL {need['nil']!r}")
            elif need["municipio"] not in nil_municipi[need["nil"]]:
                where_nil = f"NIL {need['nil']!r} is not in municipio {need['municipio']}"
                problems.append(f"{where}: {where_nil}")
    titles = collections.Counter(n.get("title") for n in needs if isinstance(n, dict))
    problems += [f"needs: title used twice: {t!r}" for t, c in titles.items() if c > 1]

    # offers
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for where, offer in keyed_items(offers, "offers", OFFER_FIELDS, "o", problems):
        if offer["resource_kind"] not in kinds_of_resource:
            problems.append(f"{where}: unknown resource kind {offer['resource_kind']!r}")
        if offer["quantity"] is not None and offer["quantity"] < 1:
            problems.append(f"{where}: quantity must be >= 1")
        if offer["language"] not in ("it", "en"):
            problems.append(f"{where}: language must be it or en")
        kind, half, relevant = offer["kind"], offer["half"], offer["relevant"]
        if kind not in KINDS:
            problems.append(f"{where}: unknown kind {kind!r}")
        if half not in HALVES:
            problems.append(f"{where}: unknown half {half!r}")
        counts[(kind, half)] += 1
        if len(set(relevant)) != len(relevant):
            problems.append(f"{where}: a need is listed twice in relevant")
        for key in relevant:
            if key not in need_keys:
                problems.append(f"{where}: relevant need {key!r} does not exist")
        if kind == "unfit" and relevant:
            problems.append(f"{where}: an unfit offer has no relevant need")
        if kind != "unfit" and not relevant:
            problems.append(f"{where}: a {kind} offer needs at least one relevant need")
        if kind == "english" and offer["language"] != "en":
            problems.append(f"{where}: an english offer must have language en")
        if kind not in ("english", "unfit") and offer["language"] != "it":
            problems.append(f"{where}: a {kind} offer is written in Italian")
        chosen = offer["chosen_need"]
        if kind == "chosen":
            if chosen is None:
                problems.append(f"{where}: a chosen offer names its chosen_need")
            elif chosen not in need_keys:
                problems.append(f"{where}: chosen need {chosen!r} does not exist")
            elif not relevant or relevant[0] != chosen:
                problems.append(f"{where}: the chosen need comes first in relevant")
        elif chosen is not None:
            problems.append(f"{where}: only chosen offers set chosen_need")

    # sizes and balance
    if len(needs) < MIN_NEEDS:
        problems.append(f"{len(needs)} needs, at least {MIN_NEEDS} expected")
    if len(offers) < MIN_OFFERS:
        problems.append(f"{len(offers)} offers, at least {MIN_OFFERS} expected")
    for kind in KINDS:
        total = counts[(kind, "tune")] + counts[(kind, "holdout")]
        least = MIN_UNFIT if kind == "unfit" else MIN_PER_KIND
        if total < least:
            problems.append(f"kind {kind}: {total} offers, at least {least} expected")
        if abs(counts[(kind, "tune")] - counts[(kind, "holdout")]) > 1:
            tune, holdout = counts[(kind, "tune")], counts[(kind, "holdout")]
            problems.append(f"kind {kind}: halves unbalanced {tune}/{holdout}")
    labelled = {k for o in offers if isinstance(o, dict) for k in o.get("relevant", [])}
    unused = set(need_keys) - labelled

    print(f"{len(needs)} needs, {len(offers)} offers")
    print(f"{'kind':<10}{'tune':>6}{'holdout':>9}{'total':>7}")
    for kind in KINDS:
        t, h = counts[(kind, "tune")], counts[(kind, "holdout")]
        print(f"{kind:<10}{t:>6}{h:>9}{t + h:>7}")
    t, h = (
        sum(v for (k, hv), v in counts.items() if hv == "tune"),
        sum(v for (k, hv), v in counts.items() if hv == "holdout"),
    )
    print(f"{'all':<10}{t:>6}{h:>9}{t + h:>7}")
    multi = sum(1 for o in offers if isinstance(o, dict) and len(o.get("relevant", [])) > 1)
    print(f"offers with more than one relevant need: {multi}")
    print(f"needs no offer is relevant to (distractors): {len(unused)}")

    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print(" -", problem)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
