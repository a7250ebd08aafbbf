"""How pages handle their small POST forms, shared by every app: validate, call the service, say what was
done and redirect; or show the page again with the errors, the form's or the service's, beside the
fields (400)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect


def errors_beside_fields(form, exc: ValidationError, extra: dict | None = None) -> list[str]:
    """Put a service's errors beside the form's fields (or into `extra`'s lists by name); return those
    no field shows, which are also added as the form's non-field errors."""
    rest: list[str] = []
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
    for field, errors in by_field.items():
        messages_ = [message for error in errors for message in error.messages]
        if field in form.fields:
            for message in messages_:
                form.add_error(field, message)
        elif extra is not None and field in extra:
            extra[field].extend(messages_)
        else:
            rest.extend(messages_)
    for message in rest:
        form.add_error(None, message)
    return rest


def post_form(
    request, form, *, write: Callable[[dict], str], done: str, again: Callable[[], HttpResponse]
) -> HttpResponse:
    """A valid form goes to `write(data)` (a service call returning the success message) and redirects
    to `done`; on errors `again()` renders the page with them."""
    if form.is_valid():
        try:
            message = write(form.cleaned_data)
        except ValidationError as exc:
            errors_beside_fields(form, exc)
        else:
            messages.success(request, message)
            return redirect(done)
    return again()
