# ruff: noqa: E501 (the rows are a table: one line per cell row reads best)
"""Who may do what, written once as data: object type x action x channel x role.

Each ``Row`` is one URL (a route of the portal, the admin or the API) tried with one method
on one object of the world (``access_world``). ``allowed`` names the roles that get through;
``away`` the roles sent on to their own work place (as ``/my/`` does for city staff); every
other role must be refused with 403 or 404 (a visitor may instead be sent to sign in).
"Own-only" is two rows: the same route on A's object and on B's.

Besides, no answer to a role may carry a name or token of an object on the other side of
that role's boundary (``FOREIGN``), denials included.

A new URL pattern needs a row here (or an entry in ``EXEMPT`` with the reason), or
``test_every_url_pattern_has_a_row`` fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contactpoint import roles
from tests.security.access_world import ROLES

ALL = frozenset(ROLES)
SIGNED_IN = ALL - {"anonymous"}
STAKEHOLDERS = frozenset({"stakeholder A", "stakeholder B"})
STAFF = SIGNED_IN - STAKEHOLDERS
DEPARTMENTS = frozenset({"department X", "department Y"})
MANAGERS = frozenset({"manager 1", "manager 2"})
ACCOUNT_STAFF = MANAGERS | {"team lead", "admin"}
DASHBOARD_READERS = STAFF
NOBODY: frozenset[str] = frozenset()

# Names (access_world.NAMES) and tokens no answer to the role may contain.
_SIDE_A = ("org_a", "contact_a", "offer_a", "agreement_token")
_SIDE_B = ("org_b", "contact_b", "offer_b")
_DRAFTS = ("draft_x", "draft_y")
_CONTACTS = ("contact_a", "contact_b")
FOREIGN: dict[str, tuple[str, ...]] = {
    "anonymous": (*_SIDE_A, *_SIDE_B, *_DRAFTS, "survey_token"),
    "stakeholder A": (*_SIDE_B, *_DRAFTS, "survey_token"),
    "stakeholder B": (*_SIDE_A, *_DRAFTS, "survey_token"),
    "department X": (*_SIDE_B, *_CONTACTS, "draft_y", "agreement_token", "survey_token"),
    "department Y": (*_SIDE_A, *_CONTACTS, "draft_x", "survey_token"),
    "manager 1": ("survey_token",),
    "manager 2": ("survey_token",),
    "team lead": ("survey_token",),
    "cabinet": (*_CONTACTS, "agreement_token", "survey_token"),
    # The legal office runs the survey: it reads the invitees' addresses (contact A).
    "legal": ("contact_b", "survey_token"),
    "admin": ("survey_token",),
}


@dataclass(frozen=True)
class Row:
    route: str  # the URL name this row covers ("namespace:name")
    obj: str  # object type
    action: str  # list, read, create, change, delete, transition, export
    channel: str  # html, admin, api
    url: str  # str.format()-ed with w=the world
    allowed: frozenset[str]
    method: str = "GET"
    away: frozenset[str] = NOBODY
    data: Any = None
    # A private link: whoever holds it reads what it points at (leak check off).
    capability: bool = False
    # Admin actions: the state the action changes ("world attribute.field"). A person
    # without the action gets the changelist back with nothing done, or a 403/404.
    effect: str = ""

    @property
    def id(self) -> str:
        run = (
            f" {self.data['action']}"
            if isinstance(self.data, dict) and "action" in self.data
            else ""
        )
        return f"{self.channel} {self.method} {self.url}{run} ({self.obj} {self.action})"


def html(route, obj, action, url, allowed, **extra) -> Row:
    return Row(route, obj, action, "html", url, frozenset(allowed), **extra)


def api(route, obj, action, url, allowed, **extra) -> Row:
    return Row(f"{route}", obj, action, "api", "/api/v1/" + url, frozenset(allowed), **extra)


def admin(model, obj, action, suffix, allowed, **extra) -> Row:
    """A row for ``/admin/<app>/<model>/<suffix>``; its URL name follows Django's own."""
    words = [part for part in suffix.split("/") if part and not part.startswith("{")]
    words = [w for w in words if not re.fullmatch(r"[0-9a-f-]{8,}|[0-9]+", w)]
    name = "_".join(words).replace("-", "_") or "changelist"
    if name == "password":
        name = "password_change"
    return Row(
        f"admin:{model.replace('.', '_')}_{name}",
        obj,
        action,
        "admin",
        f"/admin/{model.replace('.', '/')}/{suffix}",
        frozenset(allowed),
        **extra,
    )


# fmt: off
PUBLIC_PAGES = [
    html("home", "site", "read", "/", ALL),
    html("privacy", "site", "read", "/privacy/", ALL),
    html("accessibility", "site", "read", "/accessibility/", ALL),
    html("health", "site", "read", "/health/", ALL),
    html("set_language", "site", "change", "/i18n/setlang/", ALL, method="POST"),
    html("api-schema", "api", "read", "/api/schema/", ALL),
    html("api-docs", "api", "read", "/api/docs/", ALL),
    html("api-root", "api", "list", "/api/v1/", ALL),
    # Personal API tokens: city staff hold their own; revoking another's (or none) is a 404.
    html("api_tokens", "api token", "list", "/api-tokens/", STAFF),
    html("api_tokens_revoke", "api token", "delete", "/api-tokens/999999/revoke/", NOBODY, method="POST"),
]

NEED_PAGES = [
    html("needs:list", "need", "list", "/needs/", ALL),
    html("needs:detail", "need published", "read", "/needs/{w.need_x.pk}/", ALL),
    # The public page shows public needs only: drafts are read in the workspace or the admin.
    html("needs:detail", "need draft", "read", "/needs/{w.draft_x.pk}/", NOBODY),
    html("needs:workspace", "need", "list", "/workspace/", {*DEPARTMENTS, "admin"}),
    html("needs:workspace_create", "need draft", "create", "/workspace/needs/new/", {*DEPARTMENTS, "admin"}),
    html(
        "needs:workspace_create",
        "need draft",
        "create",
        "/workspace/needs/new/",
        {*DEPARTMENTS, "admin"},
        method="POST",
        data={},
    ),
    html("needs:workspace_edit", "need draft", "change", "/workspace/needs/{w.draft_x.pk}/edit/", {"department X", "admin"}),
    html("needs:workspace_edit", "need draft", "change", "/workspace/needs/{w.draft_y.pk}/edit/", {"department Y", "admin"}, method="POST", data={}),
    html("needs:workspace_publish", "need draft", "transition", "/workspace/needs/{w.draft_x.pk}/publish/", {"department X", "admin"}, method="POST"),
    html("needs:workspace_review", "need published", "transition", "/workspace/needs/{w.need_y.pk}/review/", {"department Y", "admin"}, method="POST"),
    html("needs:workspace_close", "need published", "transition", "/workspace/needs/{w.need_x.pk}/close/", {"department X", "admin"}),
]

OFFER_PAGES = [
    html("offers:new", "offer", "create", "/offers/new/", ALL),
    html("offers:new", "offer", "create", "/offers/new/", ALL, method="POST", data={}),
    html("offers:thanks", "offer", "read", "/offers/thanks/", ALL),
    html("offers:track", "offer", "read", "/offers/track/{w.offer_a.tracking_token}/", ALL, capability=True),
    html("offers:track", "offer", "read", "/offers/track/not-a-token/", NOBODY),
    html("offers:track_withdraw", "offer", "transition", "/offers/track/not-a-token/withdraw/", NOBODY, method="POST"),
    html("offers:track_withdraw", "offer", "transition", "/offers/track/{w.offer_b.tracking_token}/withdraw/", ALL, method="POST", capability=True),
    html("offers:my_area", "organisation", "list", "/my/", STAKEHOLDERS, away=STAFF),
    html("offers:my_organisation_edit", "organisation", "change", "/my/organisations/{w.org_a.pk}/", {"stakeholder A"}),
    html("offers:my_organisation_edit", "organisation", "change", "/my/organisations/{w.org_b.pk}/", {"stakeholder B"}, method="POST", data={}),
    html("offers:my_contact_new", "contact", "create", "/my/organisations/{w.org_a.pk}/contacts/new/", {"stakeholder A"}),
    html("offers:my_contact_new", "contact", "create", "/my/organisations/{w.org_b.pk}/contacts/new/", {"stakeholder B"}, method="POST", data={}),
    html("offers:my_contact_edit", "contact", "change", "/my/organisations/{w.org_a.pk}/contacts/{w.contact_a.pk}/", {"stakeholder A"}),
    html("offers:my_contact_edit", "contact", "change", "/my/organisations/{w.org_b.pk}/contacts/{w.contact_b.pk}/", {"stakeholder B"}, method="POST", data={}),
    # B's contact through A's organisation: nobody, whatever their own rights.
    html("offers:my_contact_edit", "contact", "change", "/my/organisations/{w.org_a.pk}/contacts/{w.contact_b.pk}/", NOBODY),
    html("offers:my_offer_withdraw", "offer", "transition", "/my/offers/{w.offer_a.pk}/withdraw/", {"stakeholder A"}, method="POST"),
    html("offers:my_consent_withdraw", "contact", "change", "/my/consents/{w.consent_b.pk}/withdraw/", {"stakeholder B"}, method="POST"),
    html("offers:my_export", "organisation", "export", "/my/export/", STAKEHOLDERS),
    html("offers:my_erasure", "contact", "delete", "/my/erasure/", STAKEHOLDERS),
    html("offers:my_erasure", "contact", "delete", "/my/erasure/", STAKEHOLDERS, method="POST", data={}),
]

MATCH_PAGES = [
    html("matching:my_matches", "match", "list", "/my/matches/", STAKEHOLDERS, away=STAFF),
    html("matching:my_match_detail", "match", "read", "/my/matches/{w.match_1.pk}/", {"stakeholder A"}),
    html("matching:my_match_detail", "match", "read", "/my/matches/{w.match_2.pk}/", {"stakeholder B"}),
    html("matching:my_match_decline", "match", "transition", "/my/matches/{w.match_1.pk}/decline/", {"stakeholder A"}, method="POST", data={}),
    html("matching:workspace_matches", "match", "list", "/workspace/matches/", {*DEPARTMENTS, "admin"}),
    html("matching:team", "match", "list", "/team/", {"team lead", "admin"}),
    html("matching:overview", "match", "list", "/overview/", {*MANAGERS, "team lead", "cabinet", "legal", "admin"}),
]

AGREEMENT_STAFF = {*ACCOUNT_STAFF, "legal"}
VADEMECUM_PAGES = [
    html("vademecum:index", "template version", "list", "/vademecum/", ALL),
    html("vademecum:guide", "template version", "read", "/vademecum/guide/", ALL),
    html("vademecum:companies", "template version", "read", "/vademecum/companies/", ALL),
    html("vademecum:detail", "template version", "read", "/vademecum/{w.template.slug}/", ALL),
    html("vademecum:compare", "template version", "read", "/vademecum/{w.template.slug}/compare/?from={w.version.number}&to={w.version.number}", ALL),
    html("vademecum:blank_pdf", "template version", "export", "/vademecum/{w.template.slug}/v{w.version.number}/pdf/", ALL),
    html("vademecum:workspace", "template version", "list", "/vademecum/workspace/", {"legal", "admin"}),
    html("vademecum:version_edit", "template version", "change", "/vademecum/workspace/versions/{w.version.pk}/", {"legal", "admin"}),
    html("vademecum:version_new_draft", "template version", "create", "/vademecum/workspace/versions/{w.version.pk}/new-draft/", {"legal", "admin"}, method="POST"),
    html("vademecum:version_approve", "template version", "transition", "/vademecum/workspace/versions/{w.version.pk}/approve/", {"legal", "admin"}, method="POST"),
    html("vademecum:version_publish", "template version", "transition", "/vademecum/workspace/versions/{w.version.pk}/publish/", {"legal", "admin"}, method="POST"),
    html("vademecum:version_retire", "template version", "transition", "/vademecum/workspace/versions/{w.version.pk}/retire/", {"legal", "admin"}, method="POST"),
    html("vademecum:agreement_new", "agreement", "create", "/vademecum/agreements/new/{w.match_1.pk}/", {"manager 1", "team lead", "admin"}),
    html("vademecum:agreement_new", "agreement", "create", "/vademecum/agreements/new/{w.match_2.pk}/", {"manager 2", "team lead", "admin"}, method="POST", data={}),
    html("vademecum:agreement_detail", "agreement", "read", "/vademecum/agreements/{w.agreement.token}/", AGREEMENT_STAFF),
    html("vademecum:agreement_sign", "agreement", "transition", "/vademecum/agreements/{w.agreement.token}/sign/", {"manager 1", "team lead", "legal", "admin"}, method="POST", data={}),
    html("vademecum:agreement_pdf", "agreement", "export", "/vademecum/agreements/{w.agreement.token}/pdf/", {*AGREEMENT_STAFF, "stakeholder A"}),
    html("vademecum:my_agreements", "agreement", "list", "/my/agreements/", STAKEHOLDERS, away=STAFF),
]

STATEMENT_READERS = ACCOUNT_STAFF
MONITORING_PAGES = [
    html("monitoring:dashboard", "kpi export", "read", "/dashboard/", DASHBOARD_READERS),
    html("monitoring:dashboard_csv", "kpi export", "export", "/dashboard/export.csv", DASHBOARD_READERS),
    html("monitoring:dashboard_pdf", "kpi export", "export", "/dashboard/export.pdf", DASHBOARD_READERS),
    html("monitoring:annual_report_pdf", "kpi export", "export", "/dashboard/annual-report.pdf", DASHBOARD_READERS),
    html("monitoring:propose_topic", "survey response", "create", "/dashboard/topics/propose/", {*DEPARTMENTS, "admin"}, method="POST", data={}),
    html("monitoring:statements", "company statement", "list", "/dashboard/statements/", STATEMENT_READERS),
    html("monitoring:statement", "company statement", "read", "/dashboard/statements/{w.org_a.pk}/{w.statement_year}/", STATEMENT_READERS),
    html("monitoring:statement", "company statement", "transition", "/dashboard/statements/{w.org_a.pk}/{w.statement_year}/", {"team lead", "admin"}, method="POST"),
    html("monitoring:statement_file", "company statement", "export", "/dashboard/statements/{w.org_a.pk}/{w.statement_year}/statement.csv", STATEMENT_READERS),
    html("monitoring:my_statements", "company statement", "list", "/my/statements/", STAKEHOLDERS, away=STAFF),
    html("monitoring:my_statement", "company statement", "read", "/my/statements/{w.org_a.pk}/{w.statement_year}/", {"stakeholder A"}),
    html("monitoring:my_statement_file", "company statement", "export", "/my/statements/{w.org_a.pk}/{w.statement_year}/statement.csv", {"stakeholder A"}),
    html("monitoring:showcase", "impact record", "list", "/showcase/", ALL),
    html("monitoring:survey_response", "survey response", "create", "/survey/{w.survey_token}/", ALL, capability=True),
    html("monitoring:survey_response", "survey response", "create", "/survey/0000000000000000000000000000000000000000000000000000000000000000/", NOBODY),
    html("monitoring:confirm_delivery", "impact record", "transition", "/impact/confirm/not-a-token/", NOBODY),
    html("offers:retention_keep", "contact", "change", "/my/keep/not-a-token/", NOBODY, method="POST"),
]

NEED_WRITERS = {*DEPARTMENTS, "admin"}
API_ROUTES = [
    api("api-root", "api", "list", "", ALL),
    api("need-list", "need", "list", "needs/", ALL),
    api("need-list", "need draft", "create", "needs/", NEED_WRITERS, method="POST", data={}),
    api("need-detail", "need published", "read", "needs/{w.need_y.pk}/", ALL),
    api("need-detail", "need draft", "read", "needs/{w.draft_x.pk}/", {"department X", *MANAGERS, "team lead", "cabinet", "legal", "admin"}),
    api("need-detail", "need draft", "change", "needs/{w.draft_x.pk}/", {"department X", "admin"}, method="PATCH", data={}),
    api("need-publish", "need draft", "transition", "needs/{w.draft_y.pk}/publish/", {"department Y", "admin"}, method="POST"),
    api("need-review", "need published", "transition", "needs/{w.need_x.pk}/review/", {"department X", "admin"}, method="POST"),
    api("need-close", "need published", "transition", "needs/{w.need_x.pk}/close/", {"department X", "admin"}, method="POST", data={}),
    api("offer-list", "offer", "list", "offers/", SIGNED_IN),
    api("offer-list", "offer", "create", "offers/", ALL, method="POST", data={}),
    api("offer-detail", "offer", "read", "offers/{w.offer_a.pk}/", {"stakeholder A", *ACCOUNT_STAFF}),
    api("offer-detail", "offer", "read", "offers/{w.offer_b.pk}/", {"stakeholder B", *ACCOUNT_STAFF}),
    api("organisation-list", "organisation", "list", "organisations/", ACCOUNT_STAFF),
    api("organisation-list", "organisation", "create", "organisations/", ACCOUNT_STAFF, method="POST", data={}),
    api("organisation-detail", "organisation", "read", "organisations/{w.org_a.pk}/", ACCOUNT_STAFF),
    api("organisation-detail", "organisation", "change", "organisations/{w.org_b.pk}/", ACCOUNT_STAFF, method="PATCH", data={}),
    api("match-list", "match", "list", "matches/", ACCOUNT_STAFF),
    api("match-detail", "match", "read", "matches/{w.match_1.pk}/", ACCOUNT_STAFF),
    api("match-transition", "match", "transition", "matches/{w.match_1.pk}/transition/", {"manager 1", "team lead", "admin"}, method="POST", data={}),
    api("match-reassign", "match", "transition", "matches/{w.match_1.pk}/reassign/", {"team lead", "admin"}, method="POST", data={}),
    api("match-hand-over", "match", "transition", "matches/{w.match_2.pk}/hand-over/", {"manager 2", "team lead", "admin"}, method="POST", data={}),
    api("vademecum-template-list", "template version", "list", "vademecum/templates/", ALL),
    api("vademecum-template-detail", "template version", "read", "vademecum/templates/{w.template.slug}/", ALL),
    api("vademecum-version-list", "template version", "list", "vademecum/versions/", ALL),
    api("vademecum-version-detail", "template version", "read", "vademecum/versions/{w.version.pk}/", ALL),
    api("vademecum-agreement-list", "agreement", "list", "vademecum/agreements/", SIGNED_IN),
    api("vademecum-agreement-detail", "agreement", "read", "vademecum/agreements/{w.agreement.token}/", {*AGREEMENT_STAFF, "stakeholder A"}),
    api("kpi-list", "kpi export", "export", "kpis/", DASHBOARD_READERS),
    api("impact-record-list", "impact record", "list", "impact-records/", AGREEMENT_STAFF),
    api("impact-record-detail", "impact record", "read", "impact-records/{w.impact.pk}/", AGREEMENT_STAFF),
]

# --- Admin: the object types of the portal, by hand --------------------------------------------

READ_ALL_STAFF = {*ACCOUNT_STAFF, "legal"}
NEED_READERS = {*DEPARTMENTS, *ACCOUNT_STAFF}
MATCH_ACTORS_1 = {"manager 1", "team lead", "admin"}
ADMIN_ROWS = [
    admin("stakeholders.organisation", "organisation", "list", "", ACCOUNT_STAFF),
    admin("stakeholders.organisation", "organisation", "create", "add/", ACCOUNT_STAFF),
    admin("stakeholders.organisation", "organisation", "read", "{w.org_a.pk}/change/", ACCOUNT_STAFF),
    admin("stakeholders.organisation", "organisation", "read", "{w.org_a.pk}/history/", ACCOUNT_STAFF),
    admin("stakeholders.organisation", "organisation", "delete", "{w.org_b.pk}/delete/", {"admin"}),
    admin("stakeholders.organisation", "organisation", "export", "export/", ACCOUNT_STAFF),
    admin("stakeholders.organisation", "organisation", "create", "import/", ACCOUNT_STAFF),
    admin("stakeholders.organisation", "organisation", "create", "import/confirm/", ACCOUNT_STAFF, method="POST", data={}),
    admin("stakeholders.organisation", "organisation", "change", "merge/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "list", "", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "create", "add/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "read", "{w.contact_a.pk}/change/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "read", "{w.contact_a.pk}/history/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "delete", "{w.contact_b.pk}/delete/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "export", "export/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "create", "import/", ACCOUNT_STAFF),
    admin("stakeholders.contactperson", "contact", "create", "import/confirm/", ACCOUNT_STAFF, method="POST", data={}),
    admin("stakeholders.offer", "offer", "list", "", ACCOUNT_STAFF),
    admin("stakeholders.offer", "offer", "create", "add/", NOBODY),
    admin("stakeholders.offer", "offer", "read", "{w.offer_a.pk}/change/", ACCOUNT_STAFF),
    admin("stakeholders.offer", "offer", "read", "{w.offer_a.pk}/history/", ACCOUNT_STAFF),
    admin("stakeholders.offer", "offer", "delete", "{w.offer_b.pk}/delete/", {"admin"}),
    admin("needs.need", "need", "list", "", NEED_READERS),
    admin("needs.need", "need draft", "create", "add/", {*DEPARTMENTS, "admin"}),
    admin("needs.need", "need draft", "read", "{w.draft_x.pk}/change/", {"department X", *ACCOUNT_STAFF}),
    admin("needs.need", "need draft", "read", "{w.draft_y.pk}/history/", {"department Y", *ACCOUNT_STAFF}),
    admin("needs.need", "need published", "delete", "{w.need_x.pk}/delete/", {"admin"}),
    admin("matching.match", "match", "list", "", {*DEPARTMENTS, *ACCOUNT_STAFF}),
    admin("matching.match", "match", "create", "add/", NOBODY),
    admin("matching.match", "match", "read", "{w.match_1.pk}/change/", {"department X", *ACCOUNT_STAFF}),
    admin("matching.match", "match", "read", "{w.match_2.pk}/history/", {"department Y", *ACCOUNT_STAFF}),
    admin("matching.match", "match", "delete", "{w.match_1.pk}/delete/", NOBODY),
    admin("matching.match", "match", "transition", "{w.match_1.pk}/transition/", MATCH_ACTORS_1, method="POST", data={}),
    admin("matching.match", "match", "transition", "{w.match_1.pk}/reassign/", {"team lead", "admin"}, method="POST", data={}),
    admin("matching.match", "match", "transition", "{w.match_1.pk}/hand-over/", MATCH_ACTORS_1, method="POST", data={}),
    admin("matching.match", "match", "transition", "{w.match_1.pk}/split/", MATCH_ACTORS_1, method="POST", data={}),
    admin("matching.match", "match", "transition", "{w.match_1.pk}/contact/", MATCH_ACTORS_1, method="POST", data={}),
    admin("matching.match", "match", "transition", "{w.match_1.pk}/promote/", ACCOUNT_STAFF, method="POST", data={}),
    admin("vademecum.agreement", "agreement", "list", "", READ_ALL_STAFF),
    admin("vademecum.agreement", "agreement", "read", "{w.agreement.pk}/change/", READ_ALL_STAFF),
    admin("vademecum.agreement", "agreement", "create", "add/", NOBODY),
    admin("vademecum.agreement", "agreement", "delete", "{w.agreement.pk}/delete/", NOBODY),
    admin("vademecum.templateversion", "template version", "list", "", READ_ALL_STAFF),
    admin("vademecum.templateversion", "template version", "read", "{w.version.pk}/change/", READ_ALL_STAFF),
    admin("vademecum.templateversion", "template version", "create", "add/", NOBODY),
    admin("vademecum.templateversion", "template version", "delete", "{w.version.pk}/delete/", NOBODY),
    admin("monitoring.collaboration", "impact record", "list", "", READ_ALL_STAFF),
    admin("monitoring.collaboration", "impact record", "read", "{w.impact.pk}/change/", READ_ALL_STAFF),
    admin("monitoring.collaboration", "impact record", "delete", "{w.impact.pk}/delete/", NOBODY),
    # Evidence files download only for who reads the record; an unknown file is a 404 to all.
    Row("admin:monitoring_evidence_download", "impact record", "export", "admin", "/admin/monitoring/collaboration/evidence/999999/download/", NOBODY),
    admin("monitoring.surveyinvitation", "survey response", "list", "", {"legal", "admin"}),
    admin("monitoring.surveyinvitation", "survey response", "read", "{w.invitation.pk}/change/", {"legal", "admin"}),
    admin("monitoring.surveyinvitation", "survey response", "delete", "{w.invitation.pk}/delete/", {"admin"}),
    admin("monitoring.surveycampaign", "survey response", "list", "", {"legal", "admin"}),
    admin("monitoring.surveycampaign", "survey response", "change", "{w.campaign.pk}/change/", {"legal", "admin"}),
]
# The other admin pages name no object of the world: a missing one is 404 to everybody.
ADMIN_ROWS += [
    admin("auth.user", "user", "change", "{w.users[admin].pk}/password/", {"admin"}),
    admin("stakeholders.importjob", "organisation", "create", "00000000-0000-0000-0000-000000000000/progress/", NOBODY),
    admin("stakeholders.importjob", "organisation", "create", "00000000-0000-0000-0000-000000000000/report/", NOBODY),
    admin("stakeholders.organisationmerge", "organisation", "change", "999999/undo/", NOBODY, method="POST"),
]


def action(model, obj, name, target, allowed, effect="") -> Row:
    """An admin action run from the changelist on one object of the world."""
    return admin(
        model,
        obj,
        "transition" if effect else "export",
        "",
        allowed,
        method="POST",
        data={"action": name, "_selected_action": "{w." + target + ".pk}", "index": "0"},
        effect=effect,
    )


ADMIN_ACTION_ROWS = [
    action("needs.need", "need draft", "publish_selected", "draft_x", {"department X", "admin"}, effect="draft_x.status"),
    action("needs.need", "need published", "close_selected", "need_y", {"department Y", "admin"}, effect="need_y.status"),
    action("stakeholders.offer", "offer", "withdraw_selected", "offer_b", ACCOUNT_STAFF, effect="offer_b.status"),
    action("stakeholders.consent", "contact", "withdraw_selected", "consent_a", ACCOUNT_STAFF, effect="consent_a.withdrawn_at"),
    action("stakeholders.contactperson", "contact", "export_csv", "contact_a", ACCOUNT_STAFF),
    action("stakeholders.organisation", "organisation", "export_csv", "org_b", ACCOUNT_STAFF),
]
ADMIN_SITE_ROWS = [
    html("admin:index", "site", "list", "/admin/", STAFF),
    html("admin:app_list", "site", "list", "/admin/stakeholders/", ACCOUNT_STAFF),
    html("admin:app_list", "site", "list", "/admin/needs/", NEED_READERS),
    html("admin:autocomplete", "organisation", "list", "/admin/autocomplete/?app_label=stakeholders&model_name=offer&field_name=organisation&term=Matrice", ACCOUNT_STAFF),
    html("admin:view_on_site", "site", "read", "/admin/r/0/0/", NOBODY),
    html("admin:password_change", "site", "change", "/admin/password_change/", STAFF),
    html("admin:password_change_done", "site", "read", "/admin/password_change/done/", STAFF),
    html("admin:jsi18n", "site", "read", "/admin/jsi18n/", STAFF),
]

# fmt: on

ROLE_OF = {
    "department X": roles.DEPARTMENT,
    "department Y": roles.DEPARTMENT,
    "manager 1": roles.ACCOUNT_MANAGER,
    "manager 2": roles.ACCOUNT_MANAGER,
    "team lead": roles.TEAM_LEAD,
    "cabinet": roles.CABINET,
    "legal": roles.LEGAL,
}
# Admin classes that narrow the model permissions further (their own rule, named here).
ADMIN_READERS_OVERRIDE: dict[str, frozenset[str]] = {
    # Imports are read by whoever may add organisations or contacts.
    "stakeholders.importjob": ACCOUNT_STAFF,
    # Merges are read by whoever may change organisations.
    "stakeholders.organisationmerge": ACCOUNT_STAFF,
    # Consent wording is read by whoever reads the consents given (account staff).
    "stakeholders.consenttext": ACCOUNT_STAFF,
}


def admin_rows_from_grants() -> list[Row]:
    """Registry and configuration models: the admin follows the model permissions each app
    grants to its roles (``contactpoint.roles.grant``), superusers everything; stakeholders
    and visitors never get in. Their object pages are covered by the same model rule."""
    from django.contrib import admin as django_admin

    by_hand = {row.route.removesuffix("_changelist") for row in ADMIN_ROWS}
    rows = []
    for model in django_admin.site._registry:
        app_label, name = model._meta.app_label, model._meta.model_name
        if f"admin:{app_label}_{name}" in by_hand:
            continue
        wanted = {f"{app_label}.view_{name}", f"{app_label}.change_{name}"}
        readers = {"admin"} | {
            who for who, role in ROLE_OF.items() if roles._GRANTS.get(role, set()) & wanted
        }
        label = f"{app_label}.{name}"
        readers = set(ADMIN_READERS_OVERRIDE.get(label, readers))
        rows.append(admin(label, "configuration", "list", "", readers))
    return rows


def all_rows() -> list[Row]:
    return [
        *PUBLIC_PAGES,
        *NEED_PAGES,
        *OFFER_PAGES,
        *MATCH_PAGES,
        *VADEMECUM_PAGES,
        *MONITORING_PAGES,
        *API_ROUTES,
        *ADMIN_ROWS,
        *ADMIN_ACTION_ROWS,
        *ADMIN_SITE_ROWS,
        *admin_rows_from_grants(),
    ]


# URL names that need no row, each with the reason.
EXEMPT_PREFIXES = {
    "account_": "allauth's sign-in, sign-up and password pages: about one's own account only",
    "mfa_": "allauth's second-factor pages: about one's own authenticators only",
}
EXEMPT = {
    "admin:login": "the admin's sign-in (allauth's, with rate limits and second factor)",
    "admin:logout": "signing out",
    "admin:": "the admin's redirects from an object's bare URL and its catch-all 404",
}
