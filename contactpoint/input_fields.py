"""What the model fields of checked input (``clean_text.NameField``,
``date_bounds.BoundedDateField``) share: their own form field by default, and a plain
Django field in migrations (the database column is the same)."""

from __future__ import annotations

from typing import Any

from django import forms


class CheckedInputField:
    """Mixed in before a Django model field class; a subclass names ``input_form_class``
    (its form field) and ``migration_path`` (the plain field it stands for)."""

    input_form_class: type[forms.Field]
    migration_path: str

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super().formfield(  # type: ignore[misc]
            form_class=form_class or self.input_form_class,
            choices_form_class=choices_form_class,
            **kwargs,
        )

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        return name, self.migration_path, args, kwargs
