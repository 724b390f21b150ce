"""The plan's monitoring framework (Part 2e) as indicator rows, loaded by a data migration.

Codes are the keys ``monitoring.kpis`` computes; names, baselines and targets are data that
another city edits in the admin. IRIS+ codes only where their definition was checked.
"""

from __future__ import annotations

from typing import Any

PLAN_INDICATORS: list[dict[str, Any]] = [
    {
        "code": "people_trained",
        "name": "Persone formate",
        "name_en": "People trained",
        "definition": "City staff who attended at least one capacity-building session in the "
        "year, counted once by e-mail.",
        "unit": "persone",
        "level": "programme",
        "baseline": 0,
        "target": 20,
        "source": "Training registers",
        "sdg_target": "17.17",
        "iris_code": "PI2998",
    },
    {
        "code": "departments_trained",
        "name": "Direzioni con almeno una persona formata",
        "name_en": "Departments with at least one trained person",
        "definition": "Share of departments with at least one person trained (target: all "
        "departments, with at least 15 people trained overall).",
        "unit": "%",
        "level": "programme",
        "baseline": 0,
        "target": 100,
        "source": "Training registers",
        "sdg_target": "17.17",
    },
    {
        "code": "projects_started",
        "name": "Progetti avviati con diverse modalità di coinvolgimento",
        "name_en": "Projects started with different engagement methods",
        "definition": "Collaborations that entered delivery in the year, by engagement method.",
        "unit": "progetti",
        "level": "programme",
        "baseline": 0,
        "target": 8,
        "source": "Portal data",
        "sdg_target": "17.17",
    },
    {
        "code": "organisations_registered",
        "name": "Organizzazioni registrate",
        "name_en": "Organisations registered",
        "definition": "Active organisations in the centralised stakeholder database at the end "
        "of the year.",
        "unit": "organizzazioni",
        "level": "programme",
        "source": "Stakeholder registry",
    },
    {
        "code": "organisations_with_consent",
        "name": "Organizzazioni con consenso valido",
        "name_en": "Organisations with current consent",
        "definition": "Share of registered organisations with at least one contact whose "
        "consent to be contacted is not withdrawn.",
        "unit": "%",
        "level": "programme",
        "target": 100,
        "source": "Stakeholder registry",
    },
    {
        "code": "organisations_reviewed",
        "name": "Profili aggiornati nell'anno",
        "name_en": "Profiles reviewed in the year",
        "definition": "Share of registered organisations whose profile was updated in the "
        "last 12 months before the end of the year.",
        "unit": "%",
        "level": "programme",
        "target": 100,
        "source": "Stakeholder registry",
    },
    {
        "code": "evaluations_done",
        "name": "Valutazioni sui progetti completati",
        "name_en": "Evaluations done on completed projects",
        "definition": "Share of collaborations completed in the year with an impact evaluation.",
        "unit": "%",
        "level": "programme",
        "target": 100,
        "source": "Impact records",
        "sdg_target": "17.17",
    },
    {
        "code": "cross_department",
        "name": "Collaborazioni trasversali tra direzioni",
        "name_en": "Cross-department collaborations",
        "definition": "Collaborations started in the year involving two or more departments.",
        "unit": "collaborazioni",
        "level": "programme",
        "source": "Impact records",
    },
    {
        "code": "funnel_offers",
        "name": "Offerte ricevute",
        "name_en": "Offers received",
        "definition": "Offers submitted in the year.",
        "unit": "offerte",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "funnel_matched",
        "name": "Offerte abbinate",
        "name_en": "Offers matched",
        "definition": "Offers of the year with at least one match.",
        "unit": "offerte",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "funnel_contacted",
        "name": "Offerte con primo contatto",
        "name_en": "Offers contacted",
        "definition": "Offers of the year whose proposer was contacted about a match.",
        "unit": "offerte",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "funnel_agreed",
        "name": "Offerte con accordo",
        "name_en": "Offers agreed",
        "definition": "Offers of the year with a match that reached the agreement.",
        "unit": "offerte",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "funnel_delivered",
        "name": "Offerte in realizzazione",
        "name_en": "Offers delivered",
        "definition": "Offers of the year with a match that entered delivery.",
        "unit": "offerte",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "funnel_completed",
        "name": "Offerte completate",
        "name_en": "Offers completed",
        "definition": "Offers of the year with a completed collaboration.",
        "unit": "offerte",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "days_to_first_contact",
        "name": "Giorni mediani dall'offerta al primo contatto",
        "name_en": "Median days from offer to first contact",
        "definition": "Median of the days between an offer of the year and its first contact.",
        "unit": "giorni",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "days_to_agreement",
        "name": "Giorni mediani dall'offerta all'accordo",
        "name_en": "Median days from offer to agreement",
        "definition": "Median of the days between an offer of the year and its first agreement.",
        "unit": "giorni",
        "level": "programme",
        "source": "Portal data",
    },
    {
        "code": "needs_covered",
        "name": "Fabbisogni coperti",
        "name_en": "Needs covered",
        "definition": "Share of the needs published in the year that are covered, fully or in "
        "part (by area, Municipio and NIL in the details).",
        "unit": "%",
        "level": "output",
        "source": "Needs catalogue",
        "sdg_target": "10.2",
    },
    {
        "code": "stale_needs",
        "name": "Fabbisogni non aggiornati",
        "name_en": "Stale needs",
        "definition": "Open needs not reviewed by their department for longer than the "
        "review period (today).",
        "unit": "fabbisogni",
        "level": "programme",
        "target": 0,
        "source": "Needs catalogue",
    },
    {
        "code": "survey_response_rate",
        "name": "Tasso di risposta all'indagine annuale",
        "name_en": "Annual survey response rate",
        "definition": "Share of the people invited to the year's survey who answered.",
        "unit": "%",
        "level": "programme",
        "source": "Annual survey",
    },
    {
        "code": "impact_beneficiaries",
        "name": "Beneficiari raggiunti",
        "name_en": "Beneficiaries reached",
        "definition": "Sum of the actual beneficiaries of collaborations started in the year "
        "(each person counted once per collaboration).",
        "unit": "persone",
        "level": "output",
        "source": "Impact records",
        "sdg_target": "10.2",
        "iris_code": "PI4060",
    },
    {
        "code": "impact_devices",
        "name": "Dispositivi consegnati",
        "name_en": "Devices delivered",
        "definition": "Sum of the devices actually delivered.",
        "unit": "dispositivi",
        "level": "output",
        "source": "Impact records",
        "sdg_target": "4.a",
        "iris_code": "PI8329",
    },
    {
        "code": "impact_pupils",
        "name": "Alunni nei laboratori",
        "name_en": "Pupils in workshops",
        "definition": "Sum of the pupils who actually took part in workshops.",
        "unit": "alunni",
        "level": "output",
        "source": "Impact records",
        "sdg_target": "4.4",
    },
    {
        "code": "impact_volunteer_hours",
        "name": "Ore di volontariato",
        "name_en": "Volunteer hours",
        "definition": "Sum of the employee volunteer hours actually given.",
        "unit": "ore",
        "level": "input",
        "source": "Impact records",
        "sdg_target": "17.17",
        "iris_code": "OI8429",
    },
    {
        "code": "impact_value_in_kind",
        "name": "Valore dei beni in natura",
        "name_en": "Value in kind",
        "definition": "Sum of the value in kind actually given, at cost to the company.",
        "unit": "euro",
        "level": "input",
        "source": "Impact records",
        "sdg_target": "17.17",
    },
]


def load(Indicator: Any) -> int:
    """Create the missing indicators; never overwrite one edited in the admin."""
    created = 0
    for order, row in enumerate(PLAN_INDICATORS):
        _obj, was_created = Indicator.objects.get_or_create(
            code=row["code"], defaults={**row, "order": order}
        )
        created += was_created
    return created
