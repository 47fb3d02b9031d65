import datetime

import pytest
from django.contrib.auth import get_user_model

from adoption.barriers.models import Barrier
from adoption.core.pagination import BadCursor, keyset_page
from tests.factories import BarrierFactory, InnovationFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEWEST_FIRST = ("-identified_on", "-public_id")
DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def barriers():
    """Thirty barriers over six days, five a day, so pages end inside a day."""
    innovation, organisation = InnovationFactory(), OrganisationFactory()
    return [
        BarrierFactory(
            innovation=innovation,
            organisation=organisation,
            identified_on=DAY - datetime.timedelta(days=n % 6),
        )
        for n in range(30)
    ]


def newest_first(rows):
    return sorted(rows, key=lambda row: (row.identified_on, row.public_id), reverse=True)


def every_page_forward(queryset, order, size):
    pages = [keyset_page(queryset, order=order, size=size)]
    while pages[-1].next_cursor:
        pages.append(keyset_page(queryset, order=order, after=pages[-1].next_cursor, size=size))
    return pages


def every_page_back(queryset, order, size, cursor):
    pages = [keyset_page(queryset, order=order, before=cursor, size=size)]
    while pages[-1].previous_cursor:
        pages.append(
            keyset_page(queryset, order=order, before=pages[-1].previous_cursor, size=size)
        )
    return pages


def test_keyset_page_visits_every_row_once_forward(barriers):
    pages = every_page_forward(Barrier.objects.all(), NEWEST_FIRST, size=7)

    assert [row.pk for page in pages for row in page.rows] == [
        row.pk for row in newest_first(barriers)
    ]
    assert [len(page.rows) for page in pages] == [7, 7, 7, 7, 2]
    assert pages[0].previous_cursor is None
    assert pages[-1].next_cursor is None


def test_keyset_page_visits_every_row_once_back(barriers):
    forward = every_page_forward(Barrier.objects.all(), NEWEST_FIRST, size=7)

    back = every_page_back(
        Barrier.objects.all(), NEWEST_FIRST, size=7, cursor=forward[-1].previous_cursor
    )

    assert [row.pk for page in reversed(back) for row in page.rows] == [
        row.pk for row in newest_first(barriers)[:28]
    ]
    assert [[row.pk for row in page.rows] for page in back] == [
        [row.pk for row in page.rows] for page in reversed(forward[:-1])
    ]


def test_keyset_page_boundary_inside_a_day_keeps_the_rest_of_the_day(barriers):
    first = keyset_page(Barrier.objects.all(), order=NEWEST_FIRST, size=3)

    second = keyset_page(
        Barrier.objects.all(), order=NEWEST_FIRST, after=first.next_cursor, size=3
    )

    same_day = newest_first(row for row in barriers if row.identified_on == DAY)
    assert [row.pk for row in first.rows] == [row.pk for row in same_day[:3]]
    assert [row.pk for row in second.rows] == [row.pk for row in same_day[3:]] + [
        newest_first(barriers)[5].pk
    ]


def test_keyset_page_cursor_is_the_date_and_public_id(barriers):
    page = keyset_page(Barrier.objects.all(), order=NEWEST_FIRST, size=4)

    last = page.rows[-1]
    assert page.next_cursor == f"{last.identified_on.isoformat()}.{last.public_id}"


def test_keyset_page_reads_a_cursor_written_by_hand(barriers):
    # As bookmarked from the register: the rows older than this barrier, same day first.
    newest = newest_first(barriers)
    cursor = f"{DAY.isoformat()}.{newest[2].public_id}"

    page = keyset_page(Barrier.objects.all(), order=NEWEST_FIRST, after=cursor, size=4)

    assert [row.pk for row in page.rows] == [row.pk for row in newest[3:7]]


def test_keyset_page_orders_by_any_pair_of_columns():
    users = [UserFactory(last_name=name) for name in ["Khan", "Adams", "Khan", "Brown", "Adams"]]
    order = ("last_name", "username")

    pages = every_page_forward(get_user_model().objects.all(), order, size=2)

    expected = sorted(users, key=lambda user: (user.last_name, user.username))
    assert [user.pk for page in pages for user in page.rows] == [user.pk for user in expected]
    assert pages[0].next_cursor == f"Adams.{expected[1].username}"


def test_keyset_page_of_nothing_has_no_cursors():
    page = keyset_page(Barrier.objects.none(), order=NEWEST_FIRST)

    assert (page.rows, page.next_cursor, page.previous_cursor) == ([], None, None)


@pytest.mark.parametrize(
    "cursor",
    [
        "yesterday",
        "2026-02-30.0123456789abcdef",
        "2026-01-01",
        ".0123456789abcdef",
        "2026-01-01.",
        "2026-01-01." + "a" * 40,
        "0123456789abcdef.2026-01-01",
    ],
)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_keyset_page_refuses_a_bad_cursor(cursor, direction):
    with pytest.raises(BadCursor, match="is not a page position"):
        keyset_page(Barrier.objects.all(), order=NEWEST_FIRST, **{direction: cursor})


def test_keyset_page_refuses_after_and_before_together():
    cursor = "2026-01-01.0123456789abcdef"

    with pytest.raises(BadCursor, match="either after or before"):
        keyset_page(Barrier.objects.all(), order=NEWEST_FIRST, after=cursor, before=cursor)
