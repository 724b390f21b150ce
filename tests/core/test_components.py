"""The template components of contactpoint/templatetags/components.py, rendered for real."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.template import TemplateSyntaxError, engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation


def render(source: str, **context: object) -> str:
    return engines["django"].from_string("{% load i18n components %}" + source).render(context)


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(html.split()))


def test_the_table_heads_its_columns_and_holds_the_rows():
    html = squeeze(
        render(
            '{% table "Name" "Scope" caption="Tokens" actions="Actions" id="t" %}'
            "{% for row in rows %}<tr><td>{{ row }}</td></tr>{% endfor %}{% endtable %}",
            rows=["a<b"],
        )
    )
    assert html == (
        '<div class="table-responsive"><table class="table" id="t">'
        '<caption class="visually-hidden">Tokens</caption>'
        '<thead><tr><th scope="col">Name</th><th scope="col">Scope</th>'
        '<th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>'
        "<tbody><tr><td>a&lt;b</td></tr></tbody></table></div>"
    )


def test_a_table_without_class_or_wrapper_when_asked():
    html = squeeze(render('{% table "Date" class="" responsive=False %}{% endtable %}'))
    assert html.startswith('<table><thead><tr><th scope="col">Date</th>')
    assert "table-responsive" not in html


def test_an_empty_table_gives_way_to_its_sentence():
    source = (
        '{% table "Name" rows=rows empty=sentence %}'
        "{% for row in rows %}<tr><td>{{ row }}</td></tr>{% endfor %}{% endtable %}"
    )
    sentence = "No tokens & no keys."
    assert squeeze(render(source, rows=[], sentence=sentence)) == "<p>No tokens &amp; no keys.</p>"
    filled = squeeze(render(source, rows=["a"], sentence=sentence))
    assert filled.startswith('<div class="table-responsive"><table class="table">')
    assert "<tbody><tr><td>a</td></tr></tbody>" in filled and "No tokens" not in filled


def test_an_empty_sentence_without_its_rows_is_refused():
    with pytest.raises(TemplateSyntaxError):
        render('{% table "Name" empty="Nothing." %}{% endtable %}')


def test_a_fieldset_puts_its_fields_in_a_row_under_the_legend():
    html = squeeze(render('{% fieldset legend="When" %}<p>x</p>{% endfieldset %}'))
    assert html == (
        '<fieldset class="mb-4"><legend class="h4 mb-5">When</legend>'
        '<div class="row"><p>x</p></div></fieldset>'
    )
    other = squeeze(
        render('{% fieldset legend="When" class="mt-2" legend_class="h5" %}{% endfieldset %}')
    )
    assert other.startswith('<fieldset class="mt-2"><legend class="h5">When</legend>')


def test_the_menu_marks_the_current_page_only():
    request = RequestFactory().get("/needs/12/")
    source = '{% nav_link "needs:list" "Needs" prefix="/needs/" %}{% nav_link "/" "Home" %}'
    html = squeeze(render(source, request=request))
    assert html == (
        '<li class="nav-item"><a class="nav-link active" href="/needs/" aria-current="page">'
        "<span>Needs</span></a></li>"
        '<li class="nav-item"><a class="nav-link" href="/" ><span>Home</span></a></li>'
    )


def test_the_breadcrumb_links_each_step_and_marks_the_page():
    with translation.override("en"):
        trail = '{% breadcrumb "Home" "/" "Needs" "/needs/" current=title %}'
        html = squeeze(render(trail, title="A & B"))
    assert html == (
        '<nav class="breadcrumb-container" aria-label="Breadcrumb"><ol class="breadcrumb">'
        '<li class="breadcrumb-item"><a href="/">Home</a><span class="separator">/</span></li>'
        '<li class="breadcrumb-item"><a href="/needs/">Needs</a>'
        '<span class="separator">/</span></li>'
        '<li class="breadcrumb-item active" aria-current="page">A &amp; B</li></ol></nav>'
    )


def test_a_breadcrumb_step_without_its_address_is_refused():
    with pytest.raises(TemplateSyntaxError):
        render('{% breadcrumb "Home" current="Page" %}')


def test_fields_stand_in_columns_only_when_a_column_is_given():
    class Form(forms.Form):
        email = forms.EmailField(label="E-mail")
        phone = forms.CharField(label="Phone", required=False)

    form = Form()
    in_columns = render('{% fields form.email form.phone col="col-md-6" %}', form=form)
    assert in_columns.count('<div class="col-md-6">') == 2
    assert 'for="id_email"' in in_columns and 'for="id_phone"' in in_columns
    assert "col-md-6" not in render("{% fields form.email %}", form=form)


@pytest.mark.django_db
def test_a_page_writes_its_heading_once_for_the_title_and_the_h1(settings):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override("en"):
        html = render_to_string("monitoring/confirm_done.html", request=request)
    title = " ".join(re.search(r"<title>(.*?)</title>", html, re.S).group(1).split())
    assert (
        title == f"Delivery confirmed - {settings.CONTACTPOINT_NAME} - {settings.CONTACTPOINT_CITY}"
    )
    assert re.findall(r"<h1>(.*?)</h1>", html) == ["Delivery confirmed"]
