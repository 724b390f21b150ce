"""Validate the vademecum data files (placeholders, templates, guide). Standard library only.

Run from anywhere:  python3 vademecum/data/check.py
Exits with status 1 and lists every problem when something is wrong.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LANGS = ("it", "en")

# slug -> engagement method: the eight templates the vademecum must have.
TEMPLATES = {
    "donazione-beni": "donation_in_kind",
    "erogazione-liberale": "cash_donation",
    "sponsorizzazione": "sponsorship",
    "protocollo-intesa": "mou",
    "patto-collaborazione": "collaboration_pact",
    "volontariato-impresa": "corporate_volunteering",
    "pro-bono": "pro_bono",
    "comodato-uso": "free_loan",
}
PLACEHOLDER_GROUPS = {
    "organisation",
    "need",
    "offer",
    "match",
    "agreement",
    "city",
    "communication",
}
TEMPLATE_KEYS = {
    "slug": str,
    "engagement_method": str,
    "title": dict,
    "summary": dict,
    "when_to_use": dict,
    "not_for": dict,
    "legal_basis": list,
    "city_checks": list,
    "obligations_city": list,
    "obligations_partner": list,
    "documents_required": list,
    "typical_timing": dict,
    "communication_plan": dict,
    "clauses": list,
}
BILINGUAL_FIELDS = (
    "title",
    "summary",
    "when_to_use",
    "not_for",
    "typical_timing",
    "communication_plan",
)
BILINGUAL_LISTS = ("city_checks", "obligations_city", "obligations_partner", "documents_required")
# Clauses every template has; "parti_premesse" must come first.
COMMON_CLAUSES = (
    "parti_premesse",
    "oggetto",
    "obblighi_comune",
    "durata",
    "comunicazione",
    "responsabilita_assicurazione",
    "protezione_dati",
    "conflitto_anticorruzione",
    "recesso_risoluzione",
    "controversie",
)
MIN_CLAUSES, MAX_CLAUSES = 10, 16
MAX_SENTENCES = 5
NOTICE = {
    "it": "Testo di esempio, non costituisce consulenza legale",
    "en": "Sample text, not legal advice",
}
SOURCES = range(1, 19)
# Choices of the models the guide's prefill reads (needs.models.ResourceKind, Organisation.Kind).
PREFILL_SOURCES = {
    "Offer.resource_kind": {"goods", "funding", "expertise", "volunteering", "spaces"},
    "Organisation.kind": {
        "company",
        "foundation",
        "association",
        "university",
        "third_sector",
        "network",
        "public_body",
    },
}  # the numbered source list of the domain brief

PLACEHOLDER = re.compile(r"\{\{ ([a-z_]+\.[a-z_]+) \}\}")
NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# A sentence ends with . ! or ? followed by the end of the text, or by a space and a capital
# letter or an opening quote (so "art. 8", "D.Lgs. 36/2023" and "n. {{ x }}" do not count).
SENTENCE_END = re.compile(r"[.!?](?=$|\s+[A-ZÀÈÉÌÒÙ«\"“])")

errors: list[str] = []


def fail(where: str, message: str) -> None:
    errors.append(f"{where}: {message}")


def load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(str(path.relative_to(HERE)), f"cannot read JSON ({exc})")
        return None


def bilingual(where: str, value: Any) -> bool:
    if not isinstance(value, dict):
        fail(where, "must be an object with 'it' and 'en'")
        return False
    ok = True
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            fail(where, f"'{lang}' text missing or empty")
            ok = False
    return ok


def strings(value: Any, where: str):
    """Every string inside value, with a path for messages."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{where}[{index}]")


def template_syntax(where: str, text: str, allowed: set[str], *, placeholders: bool) -> list[str]:
    """Check that text uses only `{{ name }}` placeholders from the list; return the names."""
    names = PLACEHOLDER.findall(text)
    rest = PLACEHOLDER.sub("", text)
    for token in ("{{", "}}", "{%", "%}", "{#", "#}", "{", "}"):
        if token in rest:
            fail(where, f"template syntax other than '{{{{ name }}}}' placeholders: {token!r}")
            break
    for name in names:
        if not placeholders:
            fail(where, f"placeholder {{{{ {name} }}}} outside a clause body")
        elif name not in allowed:
            fail(where, f"unknown placeholder {{{{ {name} }}}}")
    return names


def named_items(
    items: list[Any], where: str, field: str, pattern: re.Pattern[str], expected: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of ``items`` whose ``field`` matches ``pattern``, with that name; an item
    that is not an object or has a bad name is a problem (at ``where[index]``) and skipped."""
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            fail(f"{where}[{index}]", "must be an object")
            continue
        name = item.get(field)
        if not isinstance(name, str) or not pattern.match(name):
            hint = f" (expected {expected})" if expected else ""
            fail(f"{where}[{index}]", f"bad {field} {name!r}{hint}")
            continue
        yield name, item


def keyed_objects(items: list[Any], where: str) -> Iterator[tuple[str, Any]]:
    """Each object of ``items`` with where it stands (``where[index]``); one that is not an
    object is a problem and skipped, a missing, odd or repeated ``key`` a problem only."""
    keys: set[str] = set()
    for index, item in enumerate(items):
        w = f"{where}[{index}]"
        if not isinstance(item, dict):
            fail(w, "must be an object")
            continue
        key = item.get("key")
        if not isinstance(key, str) or key in keys:
            fail(w, f"bad or duplicate key {key!r}")
        keys.add(str(key))
        yield w, item


def check_placeholders() -> set[str]:
    data = load(HERE / "placeholders.json")
    names: set[str] = set()
    if not isinstance(data, list) or not data:
        fail("placeholders.json", "must be a non-empty list")
        return names
    for name, item in named_items(data, "placeholders.json", "name", NAME, "group.field"):
        where = f"placeholders.json {name}"
        if name.split(".")[0] not in PLACEHOLDER_GROUPS:
            fail(where, f"group must be one of {sorted(PLACEHOLDER_GROUPS)}")
        if name in names:
            fail(where, "duplicate name")
        names.add(name)
        bilingual(f"{where} label", item.get("label"))
        for field in ("source", "example"):
            if not isinstance(item.get(field), str) or not item[field].strip():
                fail(where, f"'{field}' missing or empty")
    return names


def sentences(text: str) -> int:
    return len(SENTENCE_END.findall(text.strip()))


def check_template(path: Path, allowed: set[str]) -> dict[str, Any] | None:
    where = f"templates/{path.name}"
    tpl = load(path)
    if not isinstance(tpl, dict):
        fail(where, "must be an object")
        return None
    for field, kind in TEMPLATE_KEYS.items():
        if not isinstance(tpl.get(field), kind):
            fail(where, f"'{field}' missing or not a {kind.__name__}")
    if errors and any(e.startswith(where) for e in errors):
        return None
    slug = tpl["slug"]
    if slug != path.stem:
        fail(where, f"slug {slug!r} differs from the file name")
    if slug not in TEMPLATES:
        fail(where, f"unknown slug {slug!r}")
    elif tpl["engagement_method"] != TEMPLATES[slug]:
        fail(where, f"engagement_method must be {TEMPLATES[slug]!r}")
    for field in BILINGUAL_FIELDS:
        bilingual(f"{where} {field}", tpl[field])
    for field in BILINGUAL_LISTS:
        if not tpl[field]:
            fail(where, f"'{field}' is empty")
        for index, item in enumerate(tpl[field]):
            bilingual(f"{where} {field}[{index}]", item)
    if not tpl["legal_basis"]:
        fail(where, "'legal_basis' is empty")
    for index, item in enumerate(tpl["legal_basis"]):
        w = f"{where} legal_basis[{index}]"
        bilingual(w, item)
        if not isinstance(item, dict) or not isinstance(item.get("verified"), bool):
            fail(w, "'verified' must be true or false")
            continue
        sources = item.get("sources", [])
        check_sources(w, sources)
        if item["verified"] and isinstance(sources, list) and not sources:
            fail(w, "a verified legal basis must name its source")
    for lang in LANGS:
        if NOTICE[lang] not in tpl["summary"].get(lang, ""):
            fail(f"{where} summary", f"'{lang}' lacks the sample notice")

    clauses = tpl["clauses"]
    if not MIN_CLAUSES <= len(clauses) <= MAX_CLAUSES:
        fail(where, f"{len(clauses)} clauses, expected {MIN_CLAUSES}-{MAX_CLAUSES}")
    keys: list[str] = []
    for key, clause in named_items(clauses, f"{where} clauses", "key", KEY):
        w = f"{where} clause {key}"
        if key in keys:
            fail(w, "duplicate key")
        keys.append(key)
        bilingual(f"{w} heading", clause.get("heading"))
        if not bilingual(f"{w} body", clause.get("body")):
            continue
        used = {}
        for lang in LANGS:
            body = clause["body"][lang]
            used[lang] = sorted(
                set(template_syntax(f"{w} body.{lang}", body, allowed, placeholders=True))
            )
            count = sentences(body)
            if not 1 <= count <= MAX_SENTENCES:
                fail(f"{w} body.{lang}", f"{count} sentences, expected 1-{MAX_SENTENCES}")
        if used["it"] != used["en"]:
            fail(w, f"Italian and English use different placeholders: {used['it']} / {used['en']}")
    missing = [key for key in COMMON_CLAUSES if key not in keys]
    if missing:
        fail(where, f"missing clauses: {', '.join(missing)}")
    if keys and keys[0] != "parti_premesse":
        fail(where, "the first clause must be 'parti_premesse'")
    partner = [key for key in keys if key.startswith("obblighi_") and key != "obblighi_comune"]
    if len(partner) != 1:
        fail(where, "needs exactly one 'obblighi_<partner>' clause besides 'obblighi_comune'")
    if clauses and isinstance(clauses[0], dict) and isinstance(clauses[0].get("body"), dict):
        for lang in LANGS:
            if not clauses[0]["body"].get(lang, "").startswith(NOTICE[lang]):
                fail(f"{where} first clause", f"'{lang}' does not open with the sample notice")
    # Placeholders belong in clause bodies only; the rest is guidance shown as it is.
    for w, text in strings({k: v for k, v in tpl.items() if k != "clauses"}, where):
        template_syntax(w, text, allowed, placeholders=False)
    for index, clause in enumerate(clauses):
        if isinstance(clause, dict):
            for w, text in strings(clause.get("heading"), f"{where} clauses[{index}].heading"):
                template_syntax(w, text, allowed, placeholders=False)
    return tpl


def check_sources(where: str, sources: Any) -> None:
    if not isinstance(sources, list) or any(s not in SOURCES for s in sources):
        fail(where, "'sources' must list numbers of the brief's sources (1-18)")


def matches(when: dict[str, list[str]], answers: dict[str, str]) -> bool:
    return all(answers.get(question) in options for question, options in when.items())


def recommend(rules: list[dict[str, Any]], answers: dict[str, str]) -> dict[str, Any] | None:
    for rule in rules:
        if matches(rule["when"], answers):
            return rule
    return None


def check_condition(where: str, when: Any, options: dict[str, list[str]]) -> bool:
    if not isinstance(when, dict):
        fail(where, "'when' must be an object")
        return False
    ok = True
    for question, values in when.items():
        if question not in options:
            fail(where, f"unknown question {question!r}")
            ok = False
        elif (
            not isinstance(values, list)
            or not values
            or any(v not in options[question] for v in values)
        ):
            fail(where, f"bad options for {question!r}: {values!r}")
            ok = False
    return ok


def check_guide(slugs: set[str]) -> dict[str, int]:
    guide = load(HERE / "guide.json")
    counts = {"questions": 0, "rules": 0, "warnings": 0, "cases": 0, "combinations": 0}
    if not isinstance(guide, dict):
        fail("guide.json", "must be an object")
        return counts
    bilingual("guide.json notice", guide.get("notice"))
    for w, text in strings(guide, "guide.json"):
        template_syntax(w, text, set(), placeholders=False)

    options: dict[str, list[str]] = {}
    questions_ok = True
    for index, question in enumerate(guide.get("questions") or []):
        w = f"guide.json questions[{index}]"
        key = question.get("key") if isinstance(question, dict) else None
        if not isinstance(key, str) or not KEY.match(key) or key in options:
            fail(w, f"bad or duplicate key {key!r}")
            questions_ok = False
            continue
        bilingual(f"{w} text", question.get("text"))
        if "help" in question:
            bilingual(f"{w} help", question["help"])
        values = []
        for option in question.get("options") or []:
            value = option.get("value") if isinstance(option, dict) else None
            if not isinstance(value, str) or not KEY.match(value) or value in values:
                fail(w, f"bad or duplicate option {value!r}")
                questions_ok = False
                continue
            values.append(value)
            bilingual(f"{w} option {value}", option.get("label"))
        if len(values) < 2:
            fail(w, "needs at least two options")
            questions_ok = False
        options[key] = values
    counts["questions"] = len(options)

    for index, prefill in enumerate(guide.get("prefill") or []):
        w = f"guide.json prefill[{index}]"
        if not isinstance(prefill, dict):
            fail(w, "must be an object")
            continue
        question, source, mapping = (
            prefill.get("question"),
            prefill.get("source"),
            prefill.get("map"),
        )
        if question not in options:
            fail(w, f"unknown question {question!r}")
        elif source not in PREFILL_SOURCES:
            fail(w, f"unknown source {source!r}")
        elif not isinstance(mapping, dict):
            fail(w, "'map' must be an object")
        else:
            for choice, answer in mapping.items():
                if choice not in PREFILL_SOURCES[source]:
                    fail(w, f"{choice!r} is not a value of {source}")
                if answer not in options[question]:
                    fail(w, f"{answer!r} is not an option of {question!r}")

    rules = guide.get("rules") or []
    valid_rules = []
    for w, rule in keyed_objects(rules, "guide.json rules"):
        ok = check_condition(w, rule.get("when"), options)
        recommended = rule.get("recommend")
        if not isinstance(recommended, list) or len(set(recommended)) != len(recommended):
            fail(w, "'recommend' must be a list of distinct slugs")
            ok = False
        else:
            for slug in recommended:
                if slug not in slugs:
                    fail(w, f"recommends unknown template {slug!r}")
                    ok = False
        bilingual(f"{w} because", rule.get("because"))
        check_sources(w, rule.get("sources", []))
        if ok:
            valid_rules.append(rule)
    counts["rules"] = len(rules)

    warnings = guide.get("warnings") or []
    for w, warning in keyed_objects(warnings, "guide.json warnings"):
        check_condition(w, warning.get("when"), options)
        bilingual(f"{w} text", warning.get("text"))
        check_sources(w, warning.get("sources", []))
        if not isinstance(warning.get("verified"), bool):
            fail(w, "'verified' must be true or false")
    counts["warnings"] = len(warnings)

    # Every combination of answers must reach a rule, and every rule must win somewhere.
    if questions_ok and options and len(valid_rules) == len(rules):
        winners: set[str] = set()
        questions = list(options)
        for combo in itertools.product(*(options[q] for q in questions)):
            combination = dict(zip(questions, combo, strict=True))
            counts["combinations"] += 1
            rule = recommend(valid_rules, combination)
            if rule is None:
                fail("guide.json rules", f"no rule matches {combination}")
                break
            winners.add(rule["key"])
        for rule in valid_rules:
            if rule["key"] not in winners:
                fail(f"guide.json rule {rule['key']}", "never chosen: earlier rules shadow it")

    cases = guide.get("cases") or []
    if len(cases) < 15:
        fail("guide.json cases", f"{len(cases)} cases, at least 15 expected")
    for index, case in enumerate(cases):
        w = f"guide.json cases[{index}]"
        if not isinstance(case, dict):
            fail(w, "must be an object")
            continue
        if "description" in case:
            bilingual(f"{w} description", case["description"])
        answers = case.get("answers")
        if not isinstance(answers, dict) or set(answers) != set(options):
            fail(w, "'answers' must answer every question exactly once")
            continue
        if any(answers[q] not in options[q] for q in options):
            fail(w, f"invalid answer in {answers}")
            continue
        expected = case.get("expected")
        if not isinstance(expected, list) or any(slug not in slugs for slug in expected):
            fail(w, f"'expected' must list existing slugs, got {expected!r}")
            continue
        rule = recommend(valid_rules, answers)
        got = rule["recommend"] if rule else None
        if got != expected:
            fail(
                w,
                f"expected {expected}, first matching rule "
                f"{rule['key'] if rule else None!r} recommends {got}",
            )
        if "warnings" in case:
            fired = [
                warning["key"]
                for warning in warnings
                if isinstance(warning, dict) and matches(warning.get("when") or {}, answers)
            ]
            if sorted(case["warnings"]) != sorted(fired):
                fail(w, f"expected warnings {sorted(case['warnings'])}, got {sorted(fired)}")
    counts["cases"] = len(cases)
    return counts


def main() -> int:
    allowed = check_placeholders()
    paths = sorted((HERE / "templates").glob("*.json"))
    templates = [tpl for tpl in (check_template(p, allowed) for p in paths) if tpl]
    slugs = [tpl["slug"] for tpl in templates]
    for slug in sorted({slug for slug in slugs if slugs.count(slug) > 1}):
        fail("templates", f"slug {slug!r} used more than once")
    for slug in TEMPLATES:
        if not (HERE / "templates" / f"{slug}.json").exists():
            fail("templates", f"missing template {slug!r}")
    counts = check_guide(set(slugs))

    clauses = sum(len(tpl["clauses"]) for tpl in templates)
    bases = [item for tpl in templates for item in tpl["legal_basis"]]
    unverified = sum(1 for item in bases if not item.get("verified"))
    used = {
        name
        for tpl in templates
        for clause in tpl["clauses"]
        for lang in LANGS
        for name in PLACEHOLDER.findall(clause["body"][lang])
    }
    words = sum(len(clause["body"]["it"].split()) for tpl in templates for clause in tpl["clauses"])
    print(f"placeholders: {len(allowed)} ({len(used & allowed)} used in clause bodies)")
    print(
        f"templates: {len(templates)}, clauses: {clauses} "
        f"({clauses / max(len(templates), 1):.1f} per template, "
        f"{words // max(len(templates), 1)} Italian words per template)"
    )
    print(f"legal bases: {len(bases)}, of which unverified: {unverified}")
    print(
        f"guide: {counts['questions']} questions, {counts['rules']} rules, "
        f"{counts['warnings']} warnings, {counts['cases']} cases, "
        f"{counts['combinations']} answer combinations checked"
    )
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for error in errors:
            print(f"  - {error}", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
