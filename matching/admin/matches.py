"""The match queue and a match's page: the list, the read-only story and its actions.

The match change page is read-only; every change goes through an action (advance,
decline, reassign, hand over, split, contact) that calls one service in ``lifecycle``.
Actions are for the assigned manager and team leads; other managers read, departments
read the matches on their own needs, and nobody else gets in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import (
    QuerySet,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from contactpoint.admin_scope import (
    NotFoundOutsideScope,
    ReadOnlyAdmin,
    act_on_each,
    admin_page,
    object_pages,
)

from .. import attention, emails, forms, lifecycle, permissions, routing, sla
from ..models import (
    Match,
    Stage,
)
from .filters import DecisionFilter, QueueFilter, SlaFilter, sla_rank
from .rows import admin_url, form_field, score_rows, timeline_rows, with_dates

# --- Matches -------------------------------------------------------------------------------


@admin.register(Match)
class MatchAdmin(NotFoundOutsideScope, ReadOnlyAdmin):
    """Read-only: a match changes only through the actions and pages below."""

    list_display = (
        "need_column",
        "offer_column",
        "score_column",
        "stage_column",
        "age_column",
        "sla_column",
        "manager_column",
        "reason_column",
    )
    list_display_links = ("need_column",)
    list_filter = (
        QueueFilter,
        "stage",
        SlaFilter,
        DecisionFilter,
        "other_candidate",
        ("need__area", admin.RelatedOnlyFieldListFilter),
        ("manager", admin.RelatedOnlyFieldListFilter),
    )
    actions = ("promote_selected",)
    search_fields = ("need__title", "offer__title", "offer__organisation__legal_name")
    list_select_related = ("need__area", "need__department", "offer__organisation", "manager")
    list_per_page = 50
    # No "N of M" count over the whole table: one query less on every page of the queue.
    show_full_result_count = False
    fields = (
        "need",
        "offer",
        "organisation",
        "stage",
        "quantity",
        "allocated",
        "score_column",
        "manager",
        "assigned_at",
        "first_contact_due",
        "contacted_at",
        "created_at",
        "stage_changed_at",
    )
    readonly_fields = fields
    change_form_template = "admin/matching/match/change_form.html"

    class Media:
        css = {"all": ("css/matching-admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            Match.objects.visible_to(request.user)
            .select_related(*self.list_select_related)
            .annotate(sla_rank=sla_rank(timezone.localdate()))
        )

    def get_ordering(self, request: HttpRequest):
        return ("sla_rank", "first_contact_due", "-score", "-id")

    @admin.display(description=_("need"), ordering="need__title")
    def need_column(self, obj: Match) -> str:
        return obj.need.title

    @admin.display(
        description=_("offer / organisation"), ordering="offer__organisation__legal_name"
    )
    def offer_column(self, obj: Match) -> str:
        return format_html(
            '<strong>{}</strong><br><span class="cp-muted">{}</span>',
            obj.offer.organisation.legal_name,
            obj.offer.title,
        )

    @admin.display(description=_("score"), ordering="score")
    def score_column(self, obj: Match) -> str:
        return number_format(obj.score, 2)

    @admin.display(description=_("stage"), ordering="stage")
    def stage_column(self, obj: Match) -> str:
        stage = format_html(
            '<span class="cp-stage cp-stage--{}">{}</span>', obj.stage, obj.get_stage_display()
        )
        decision = attention.decision_label(obj)
        if decision:
            return format_html('{}<br><span class="cp-decision">{}</span>', stage, decision)
        if obj.other_candidate and obj.is_open:
            return format_html(
                '{}<br><span class="cp-muted">{}</span>', stage, gettext("other candidate")
            )
        return stage

    @admin.display(description=_("age"), ordering="created_at")
    def age_column(self, obj: Match) -> str:
        days = (timezone.now() - obj.created_at) // timedelta(days=1)
        if days < 1:
            return gettext("today")
        return ngettext("%(days)s day", "%(days)s days", days) % {"days": days}

    @admin.display(description=_("first contact"), ordering="first_contact_due")
    def sla_column(self, obj: Match) -> str:
        state = sla.sla_state(obj)
        label = sla.SLA_LABELS[state]
        if state in (sla.SlaState.ON_TIME, sla.SlaState.DUE_TODAY, sla.SlaState.LATE):
            due = (
                date_format(obj.first_contact_due, "SHORT_DATE_FORMAT")
                if obj.first_contact_due
                else ""
            )
            return format_html(
                '<span class="cp-sla cp-sla--{}">{}</span> <span class="cp-muted">{}</span>',
                state,
                label,
                due,
            )
        return format_html('<span class="cp-sla cp-sla--{}">{}</span>', state, label)

    @admin.display(description=_("account manager"), ordering="manager__last_name")
    def manager_column(self, obj: Match) -> str:
        if obj.manager is None:
            return format_html('<span class="cp-sla cp-sla--late">{}</span>', gettext("Unassigned"))
        return obj.manager.get_full_name() or obj.manager.email

    @admin.display(description=_("routing"))
    def reason_column(self, obj: Match) -> str:
        rule = (obj.routing_reason or {}).get("rule", "")
        return str(routing.RULE_LABELS.get(rule, rule))

    @admin.display(description=_("organisation"))
    def organisation(self, obj: Match) -> str:
        return obj.offer.organisation.legal_name

    # --- The change page: why, who, history, timeline, and the actions ---------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        match = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if match is not None:
            context.update(self.match_context(request, match))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def match_context(self, request: HttpRequest, match: Match) -> dict[str, Any]:
        user = request.user
        staff = permissions.is_match_staff(user)
        may_act = staff and permissions.can_act(user, match)
        context: dict[str, Any] = {
            "match": match,
            "is_match_staff": staff,
            "may_act": may_act,
            "decision_label": attention.decision_label(match),
            "may_promote": staff and match.other_candidate and match.stage == Stage.PROPOSED,
            "sla_state": sla.sla_state(match),
            "sla_label": sla.SLA_LABELS[sla.sla_state(match)],
            "score_rows": score_rows(match.score_parts),
            "timeline": timeline_rows(match, public_only=not staff),
        }
        if staff:
            organisation = match.offer.organisation
            context.update(
                {
                    "routing_text": routing.describe_reason(match.routing_reason),
                    "routing_candidates": with_dates(routing.candidate_rows(match.routing_reason)),
                    "routing_rule": (match.routing_reason or {}).get("rule", ""),
                    "organisation": organisation,
                    "organisation_url": admin_url(
                        "admin:stakeholders_organisation_change", organisation.pk
                    ),
                    "interactions": list(
                        organisation.interactions.select_related("staff").order_by("-date", "-id")[
                            :5
                        ]
                    ),
                    "previous_matches": list(
                        Match.objects.filter(offer__organisation=organisation)
                        .exclude(pk=match.pk)
                        .select_related("need", "offer", "manager")
                        .order_by("-created_at")[:10]
                    ),
                    # The offer's other candidates, best first, each promotable in one click.
                    "other_candidates": list(
                        Match.objects.open()
                        .filter(offer_id=match.offer_id, other_candidate=True)
                        .exclude(pk=match.pk)
                        .select_related("need")
                        .order_by("-score", "-pk")
                    ),
                }
            )
        if may_act:
            targets = lifecycle.targets_for(user, match)
            next_stage = lifecycle.NEXT_STAGE.get(match.stage)
            context.update(
                {
                    "next_stage": next_stage if next_stage in targets else None,
                    "next_stage_label": Stage(next_stage).label if next_stage else "",
                    "transition_form": forms.TransitionForm(match=match, user=user),
                    "reassign_form": forms.ReassignForm(match=match)
                    if permissions.is_team_lead(user)
                    else None,
                    "hand_over_form": forms.HandOverForm(match=match)
                    if match.manager_id is not None
                    else None,
                    "split_form": forms.SplitForm(match=match)
                    if match.is_open and not match.allocated
                    else None,
                }
            )
        return context

    # --- Action pages ---------------------------------------------------------------------

    def get_urls(self):
        pages = {
            "transition": self.transition_view,
            "reassign": self.reassign_view,
            "hand-over": self.hand_over_view,
            "split": self.split_view,
            "contact": self.contact_view,
            "promote": self.promote_view,
        }
        return [*object_pages(self, pages), *super().get_urls()]

    def _action_match(self, request: HttpRequest, object_id: str) -> Match:
        """The match if the user may see it (else 404); acting rights are checked apart."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Match.objects.visible_to(request.user).select_related(
                "need__area", "need__department", "offer__organisation", "offer__contact", "manager"
            ),
            pk=object_id,
        )

    def _render_action(
        self,
        request: HttpRequest,
        match: Match,
        *,
        title: str,
        form: Any = None,
        status: int = 200,
        template: str = "admin/matching/match/action.html",
        **extra: Any,
    ) -> TemplateResponse:
        return admin_page(
            self,
            request,
            template,
            title=title,
            status=status,
            match=match,
            original=match,
            form=form,
            change_url=reverse("admin:matching_match_change", args=[match.pk]),
            **extra,
        )

    def _refuse(self, request: HttpRequest, match: Match, message: Any) -> TemplateResponse:
        messages.error(request, message)
        return self._render_action(request, match, title=gettext("Not allowed"), status=403)

    def _done(self, request: HttpRequest, match: Match, message: str) -> HttpResponseRedirect:
        messages.success(request, message)
        return HttpResponseRedirect(reverse("admin:matching_match_change", args=[match.pk]))

    def _run_form_action(
        self,
        request: HttpRequest,
        match: Match,
        *,
        form: Any,
        title: str,
        run: Any,
        done: Any,
        error_field: str,
    ) -> HttpResponse:
        """Shared path of the action pages: a valid POST calls ``run(cleaned_data)`` (one
        lifecycle service); a refusal is a 403, a domain error lands on its field, and
        success goes back to the match with ``done()``'s message."""
        if request.method == "POST" and form.is_valid():
            try:
                run(form.cleaned_data)
            except lifecycle.NotPermitted as exc:
                return self._refuse(request, match, exc.message)
            except lifecycle.MatchError as exc:
                form.add_error(form_field(form, exc.field, error_field), exc.message)
            else:
                return self._done(request, match, done())
        status = 400 if request.method == "POST" else 200
        return self._render_action(request, match, title=title, form=form, status=status)

    def _form_action_view(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        make_form: Any,
        title: str,
        run: Any,
        done: Any,
        error_field: str,
        lead_only: str = "",
    ) -> HttpResponse:
        """One action page: the match (else 404), the acting right (the team lead's when
        ``lead_only`` gives the refusal), ``make_form(data, match)``, then ``run(match,
        data)`` through :meth:`_run_form_action`; ``done(match)`` says what changed."""
        match = self._action_match(request, object_id)
        if lead_only and not permissions.is_team_lead(request.user):
            return self._refuse(request, match, lead_only)
        if not lead_only and not permissions.can_act(request.user, match):
            return self._refuse(request, match, permissions.NOT_PERMITTED_MESSAGE)
        form = make_form(request.POST if request.method == "POST" else None, match)
        return self._run_form_action(
            request,
            match,
            form=form,
            title=title,
            run=lambda data: run(match, data),
            done=lambda: done(match),
            error_field=error_field,
        )

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        def done(match: Match) -> str:
            match.refresh_from_db()
            return gettext("The match is now “%(stage)s”.") % {"stage": match.get_stage_display()}

        return self._form_action_view(
            request,
            object_id,
            make_form=lambda data, match: forms.TransitionForm(
                data, match=match, user=request.user
            ),
            title=gettext("Change the stage"),
            run=lambda match, data: lifecycle.transition(
                match=match, to_stage=data["to_stage"], actor=request.user, note=data["note"]
            ),
            done=done,
            error_field="to_stage",
        )

    def reassign_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._form_action_view(
            request,
            object_id,
            lead_only=gettext("Only a team lead can reassign a match."),
            make_form=lambda data, match: forms.ReassignForm(data, match=match),
            title=gettext("Reassign the match"),
            run=lambda match, data: lifecycle.reassign(
                match=match, manager=data["manager"], actor=request.user, note=data["note"]
            ),
            done=lambda match: gettext("The match has been reassigned."),
            error_field="manager",
        )

    def hand_over_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._form_action_view(
            request,
            object_id,
            make_form=lambda data, match: forms.HandOverForm(data, match=match),
            title=gettext("Hand the match over"),
            run=lambda match, data: lifecycle.hand_over(
                match=match, manager=data["manager"], actor=request.user, note=data["note"]
            ),
            done=lambda match: gettext("The match has been handed over."),
            error_field="manager",
        )

    def split_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._form_action_view(
            request,
            object_id,
            make_form=lambda data, match: forms.SplitForm(data, match=match),
            title=gettext("Split the quantity"),
            run=lambda match, data: lifecycle.split_quantity(
                match=match, quantity=data["quantity"], actor=request.user
            ),
            done=lambda match: gettext("The quantity has been split."),
            error_field="quantity",
        )

    def promote_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Route one of an offer's other candidates (one click, POST only)."""
        match = self._action_match(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:matching_match_change", args=[match.pk]))
        try:
            routing.promote_candidate(match=match, actor=request.user)
        except lifecycle.NotPermitted as exc:
            return self._refuse(request, match, exc.message)
        except lifecycle.MatchError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("admin:matching_match_change", args=[match.pk]))
        return self._done(request, match, gettext("The match has been promoted and routed."))

    @admin.action(description=_("Promote the selected other candidates"))
    def promote_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        if not permissions.is_match_staff(request.user):
            raise PermissionDenied
        act_on_each(
            self,
            request,
            queryset.filter(other_candidate=True, stage=Stage.PROPOSED).order_by("pk"),
            lambda match: routing.promote_candidate(match=match, actor=request.user),
            lambda n: (
                ngettext(
                    "%(n)d match promoted and routed.", "%(n)d matches promoted and routed.", n
                )
                % {"n": n}
            ),
        )

    def contact_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Write to the stakeholder: a draft in their language, a preview, then send."""
        match = self._action_match(request, object_id)
        if not permissions.can_act(request.user, match):
            return self._refuse(request, match, permissions.NOT_PERMITTED_MESSAGE)
        recipient = emails.stakeholder_recipient(match.offer)
        title = gettext("Contact the stakeholder")
        template = "admin/matching/match/contact.html"
        if recipient is None:
            messages.error(request, gettext("The offer has no e-mail address to write to."))
            return self._render_action(request, match, title=title, template=template, status=400)
        if request.method != "POST":
            subject, body = emails.contact_draft(
                match=match, sender=request.user, recipient=recipient
            )
            form = forms.ContactForm(initial={"subject": subject, "body": body})
            return self._render_action(
                request, match, title=title, form=form, template=template, recipient=recipient
            )
        form = forms.ContactForm(request.POST)
        action = request.POST.get("action")
        if action not in ("preview", "send"):  # "edit": back to the form, text kept
            return self._render_action(
                request, match, title=title, form=form, template=template, recipient=recipient
            )
        if form.is_valid() and action == "preview":
            return self._render_action(
                request,
                match,
                title=title,
                form=form,
                template=template,
                recipient=recipient,
                preview=form.cleaned_data,
            )
        if form.is_valid():
            try:
                lifecycle.contact_stakeholder(
                    match=match,
                    actor=request.user,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except lifecycle.NotPermitted as exc:
                return self._refuse(request, match, exc.message)
            except lifecycle.MatchError as exc:
                form.add_error(form_field(form, exc.field, "body"), exc.message)
            else:
                return self._done(
                    request,
                    match,
                    gettext("The e-mail to %(email)s is on its way.") % {"email": recipient.email},
                )
        return self._render_action(
            request,
            match,
            title=title,
            form=form,
            template=template,
            recipient=recipient,
            status=400,
        )
