"""Components of the pages that an ``{% include %}`` cannot express alone.

``{% breadcrumb _("Home") home_url _("Open needs") list_url current=need.title %}``: the
trail to the page, as pairs of link text and address, then the page itself.

``{% nav_link "needs:list" _("Open needs") prefix="/needs/" %}``: an item of the main menu
(to a URL name or an address), the current page when the address is the link's own (or,
with ``prefix``, starts with it); ``place`` is written as ``data-place``.

``{% fields form.email form.phone col="col-md-6" %}``: form fields (components/field.html),
each in a grid column of that class when ``col`` is given.

``{% table _("Name") _("Scope") caption=_("Your tokens") %}<tr>...</tr>{% endtable %}``: a
table with its column headers and the enclosed rows; with ``rows=tokens
empty=_("You have no tokens.")``, that sentence in a paragraph instead when ``rows`` is empty.

``{% fieldset legend=_("Where and when") %}{% fields ... %}{% endfieldset %}``: form fields
under a legend, in a grid row.

``{% reuse_block "heading" %}``: a block of the page rendered once more, so a layout can show
the heading a page writes once both in the title and in the h1 (templates/_page.html).

``{% card icon="it-pa" title=_("One door") %}<p>...</p>{% endcard %}``: a component whose
template receives the keyword arguments (``args``: the others, in order) and what the tags
enclose, as ``body``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.shortcuts import resolve_url
from django.template.base import FilterExpression, NodeList, Parser, Token, token_kwargs
from django.template.context import Context
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.inclusion_tag("components/breadcrumb.html")
def breadcrumb(*trail: Any, current: Any, label: Any = "") -> dict[str, Any]:
    """``trail`` alternates text and URL; ``label`` names the navigation landmark."""
    if len(trail) % 2:
        raise template.TemplateSyntaxError("breadcrumb takes pairs of text and URL")
    links = list(zip(trail[::2], trail[1::2], strict=True))
    return {"links": links, "current": current, "label": label or gettext("Breadcrumb")}


@register.inclusion_tag("components/nav_link.html", takes_context=True)
def nav_link(
    context: Context, to: str, label: str, prefix: str = "", place: str = ""
) -> dict[str, Any]:
    """``to`` is a URL name or an address, as for ``redirect()``."""
    href = resolve_url(to)
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path.startswith(prefix) if prefix else path == href
    return {"href": href, "label": label, "place": place, "current": current}


@register.inclusion_tag("components/fields.html")
def fields(*bound_fields: Any, col: str = "") -> dict[str, Any]:
    """The fields in order, each wrapped in ``<div class="{col}">`` when ``col`` is given."""
    return {"fields": bound_fields, "col": col}


class SlotNode(template.Node):
    """Renders a component template with its arguments and the enclosed content (``body``),
    in the including page's context as ``{% include %}`` does."""

    def __init__(
        self,
        template_name: str,
        args: list[FilterExpression],
        kwargs: dict[str, FilterExpression],
        nodelist: NodeList,
        defaults: dict[str, Any],
    ) -> None:
        self.template_name = template_name
        self.args = args
        self.kwargs = kwargs
        self.nodelist = nodelist
        self.defaults = defaults

    def render(self, context: Context) -> SafeString:
        assert context.template is not None  # inside a page being rendered
        component = context.template.engine.get_template(self.template_name)
        values = dict(self.defaults)
        values.update((name, value.resolve(context)) for name, value in self.kwargs.items())
        values["args"] = [arg.resolve(context) for arg in self.args]
        values["body"] = self.nodelist.render(context)
        with context.push(**values):
            return component.render(context)


def slot_tag(
    name: str,
    template_name: str,
    defaults: dict[str, Any] | None = None,
    together: tuple[str, ...] = (),
) -> None:
    """Registers ``{% name arg key=value %}...{% endname %}`` for ``template_name``; a
    keyword left out takes its value from ``defaults``; the keywords in ``together`` are
    given all or none."""

    def compile_tag(parser: Parser, token: Token) -> SlotNode:
        bits = token.split_contents()[1:]
        args = []
        while bits and "=" not in bits[0]:
            args.append(parser.compile_filter(bits.pop(0)))
        kwargs = token_kwargs(bits, parser, support_legacy=False)
        if bits:
            raise template.TemplateSyntaxError(f"{name}: arguments first, then key=value")
        given = [keyword for keyword in together if keyword in kwargs]
        if given and len(given) != len(together):
            raise template.TemplateSyntaxError(f"{name}: {', '.join(together)} go together")
        nodelist = parser.parse((f"end{name}",))
        parser.delete_first_token()
        return SlotNode(template_name, args, kwargs, nodelist, defaults or {})

    register.tag(name, compile_tag)


slot_tag("card", "components/card.html")
slot_tag("fieldset", "components/fieldset.html", {"class": "mb-4", "legend_class": "h4 mb-5"})
slot_tag("step", "components/step.html")
slot_tag(
    "table",
    "components/table.html",
    {"class": "table", "responsive": True},
    together=("rows", "empty"),
)


class ReuseBlockNode(template.Node):
    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, context: Context) -> SafeString | str:
        block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
        block = block_context.get_block(self.name) if block_context else None
        if block is None:
            return ""
        with context.push(block=block):
            return block.nodelist.render(context)


@register.tag
def reuse_block(parser: Parser, token: Token) -> ReuseBlockNode:
    """``{% reuse_block "name" %}``: the page's version of a block its layout shows already."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("reuse_block takes one quoted block name")
    return ReuseBlockNode(bits[1][1:-1])
