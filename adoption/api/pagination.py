"""API pages are keyset pages: a page deep in a million barriers costs what the first does, and
nothing ever counts the whole list.

A list is ordered by its view's `ordering` (the default: newest first by id), which must be
unique, ending in a unique field. A cursor carries the ordering values of the row it starts
after, so the next page is an index range scan from that row, with no offset; a cursor is
checked against the fields' types before it reaches the database.
"""

from base64 import b64decode
from urllib import parse

from django.core.exceptions import ValidationError as FieldValueError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination


def reversed_ordering(ordering):
    return tuple(order[1:] if order.startswith("-") else f"-{order}" for order in ordering)


def after(ordering, values):
    """A condition for the rows after `values` in `ordering`: the first field bounds an index
    range scan, the rest break ties, field by field."""
    beyond, ties = Q(), Q()
    for order, value in zip(ordering, values, strict=True):
        name, lookup = order.lstrip("-"), "lt" if order.startswith("-") else "gt"
        beyond |= ties & Q(**{f"{name}__{lookup}": value})
        ties &= Q(**{name: value})
    first, lookup = ordering[0].lstrip("-"), "lte" if ordering[0].startswith("-") else "gte"
    return Q(**{f"{first}__{lookup}": values[0]}) & beyond


class KeysetPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"  # newest first; views with a natural order name their own
    invalid_cursor_message = (
        "This is not a page of this list: follow the next or previous link as given, "
        "or leave the cursor out for the first page."
    )

    def get_page_size(self, request):
        """The page size asked for, from 1 to `max_page_size`; a 400 naming it otherwise, rather
        than a page of another size than the script expects."""
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        if text.isascii() and text.isdigit() and 1 <= int(text) <= self.max_page_size:
            return int(text)
        message = f"Enter a whole number from 1 to {self.max_page_size:,}, or leave it out."
        raise ValidationError({self.page_size_query_param: [message]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"How many records a page holds: {self.page_size} unless you ask for "
                    f"from 1 to {self.max_page_size:,}."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.fields = [queryset.model._meta.get_field(o.lstrip("-")) for o in self.ordering]
        self.cursor = self.decode_cursor(request)

        backwards = self.cursor is not None and self.cursor.reverse
        ordering = reversed_ordering(self.ordering) if backwards else self.ordering
        queryset = queryset.order_by(*ordering)
        if self.cursor is not None:
            queryset = queryset.filter(after(ordering, self.cursor.position))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        if backwards:
            self.page.reverse()
        # Going back, the rows after this page are where the cursor came from.
        self.has_next = backwards or more
        self.has_previous = more if backwards else self.cursor is not None
        return self.page

    def get_next_link(self):
        if not (self.has_next and self.page):
            return None
        return self.encode_cursor(
            Cursor(offset=0, reverse=False, position=self.position_of(self.page[-1]))
        )

    def get_previous_link(self):
        if not (self.has_previous and self.page):
            return None
        return self.encode_cursor(
            Cursor(offset=0, reverse=True, position=self.position_of(self.page[0]))
        )

    def position_of(self, row):
        return [field.value_to_string(row) for field in self.fields]

    def decode_cursor(self, request):
        """The cursor in the query string; a 400 naming it unless it is one this list made."""
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            tokens = parse.parse_qs(
                b64decode(encoded, validate=True).decode("ascii"),
                strict_parsing=True,
                max_num_fields=len(self.fields) + 1,
            )
            (backwards,) = tokens.pop("r", ["0"])
            backwards = {"0": False, "1": True}[backwards]
            if tokens.keys() != {"p"}:
                raise ValueError(tokens)
            texts = zip(self.fields, tokens["p"], strict=True)  # one value for each field
            position = [self.field_value(field, text) for field, text in texts]
        except (ValueError, KeyError, FieldValueError):
            message = {self.cursor_query_param: [self.invalid_cursor_message]}
            raise ValidationError(message) from None
        return Cursor(offset=0, reverse=backwards, position=position)

    @staticmethod
    def field_value(field, text):
        """`text` as a value of `field`; raises unless the field could hold it."""
        if "\x00" in text or text in field.empty_values:
            raise ValueError(text)
        value = field.to_python(text)
        field.run_validators(value)
        return value
