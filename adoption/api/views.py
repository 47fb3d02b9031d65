"""The read API: every list is filtered by the same filter sets as the pages, limited by the
same access policy, and paged by cursor; dashboards are built by the same code as the pages."""

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, routers, viewsets
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated, ValidationError
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from adoption.accounts.policy import access_for
from adoption.api import serializers
from adoption.api.reference import api_reference
from adoption.barriers import selectors
from adoption.barriers.filters import (
    AdoptionFilter,
    BarrierFilter,
    EnablerActionFilter,
)
from adoption.barriers.models import PUBLIC_ID_PATTERN, Adoption, EnablerAction
from adoption.core.parameters import StrictParameters
from adoption.dashboards import pages
from adoption.dashboards.filters import DashboardFilters
from adoption.registry.filters import InnovationFilter, OrganisationFilter
from adoption.registry.models import Innovation, Organisation, Pathway

# What a list's pages take beside its filters (adoption/api/pagination.py).
PAGE_PARAMETERS = ("cursor", "page_size")


class ListViewSet(StrictParameters, mixins.ListModelMixin, viewsets.GenericViewSet):
    filter_backends = [DjangoFilterBackend]

    def accepted_parameters(self):
        if self.action != "list":
            return ()
        filterset = getattr(self, "filterset_class", None)
        return (*(filterset.base_filters if filterset else ()), *PAGE_PARAMETERS)


class ReadOnlyViewSet(mixins.RetrieveModelMixin, ListViewSet):
    """A list, and each of its records at its own URL by the code people use for it."""


class OrganisationViewSet(ReadOnlyViewSet):
    """NHS organisations: regions, ICBs, trusts, PCNs and practices, by ODS code."""

    queryset = Organisation.objects.select_related("region", "icb", "parent", "rolls_up_to")
    serializer_class = serializers.OrganisationSerializer
    filterset_class = OrganisationFilter
    lookup_field = "ods_code"
    lookup_value_regex = "[A-Za-z0-9]{3,6}"
    ordering = "ods_code"

    def get_object(self):
        self.kwargs["ods_code"] = self.kwargs["ods_code"].upper()
        return super().get_object()


class InnovationViewSet(ReadOnlyViewSet):
    """Proven innovations whose spread Spreadwatch follows."""

    queryset = Innovation.objects.prefetch_related("pathways")
    serializer_class = serializers.InnovationSerializer
    filterset_class = InnovationFilter
    lookup_field = "slug"
    ordering = "slug"


class PathwayViewSet(ReadOnlyViewSet):
    """Care pathways and the organisation type that delivers each step."""

    queryset = Pathway.objects.prefetch_related("steps")
    serializer_class = serializers.PathwaySerializer
    lookup_field = "slug"
    ordering = "slug"


class AdoptionViewSet(ListViewSet):
    """Each organisation's adoption of each innovation and the stage it has reached: one per
    innovation and organisation, so filter by both to find one."""

    queryset = Adoption.objects.select_related("innovation", "organisation")
    serializer_class = serializers.AdoptionSerializer
    filterset_class = AdoptionFilter


class BarrierViewSet(ReadOnlyViewSet):
    """Barriers to adoption. Confidential barriers appear only to their own organisation and to
    the national team."""

    serializer_class = serializers.BarrierSerializer
    filterset_class = BarrierFilter
    ordering = ("-identified_on", "-public_id")
    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN

    def get_queryset(self):
        # The register's barriers, in the register's order: newest first by day identified.
        return (
            selectors.register_queryset(access_for(self.request))
            .select_related("pathway", "savings_organisation")
            .prefetch_related("partners")
        )


class EnablerActionViewSet(ReadOnlyViewSet):
    """What was done about barriers (pooled budgets, risk-sharing, national funding …) and
    whether it worked. Actions on a confidential barrier are as confidential as it is."""

    serializer_class = serializers.EnablerActionSerializer
    filterset_class = EnablerActionFilter
    ordering = ("-started_on", "-public_id")
    lookup_field = "public_id"
    lookup_value_regex = PUBLIC_ID_PATTERN

    def get_queryset(self):
        return access_for(self.request).visible_actions(
            EnablerAction.objects.select_related(
                "enabler_type", "innovation", "organisation"
            ).annotate(barrier_public_id=F("barrier__public_id"))
        )


def _parameter_schema(filter_):
    """The schema of a filter's value, from the form field it validates with: a code or slug
    for a record, one of its choices, or an ISO date."""
    field = filter_.field
    if isinstance(field, forms.ModelChoiceField):
        return {"type": "string"}
    if isinstance(field, forms.ChoiceField):
        values = [value for value, _ in field.choices if value != ""]
        if all(isinstance(value, int) for value in values):
            return {"type": "integer", "enum": values}
        return {"type": "string", "enum": [str(value) for value in values]}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    return {"type": "string", **({"maxLength": field.max_length} if field.max_length else {})}


def _filter_parameters(*filtersets):
    seen = {}
    for filterset in filtersets:
        for name, filter_ in filterset.base_filters.items():
            seen.setdefault(name, filter_)
    return [
        OpenApiParameter(
            name,
            _parameter_schema(filter_),
            description=str(filter_.label or name.replace("_", " ").capitalize()),
        )
        for name, filter_ in seen.items()
    ]


GROUP_BY_PARAMETER = OpenApiParameter(
    "group_by",
    OpenApiTypes.STR,
    enum=["region", "icb", "org_type"],
    description="Compare by region (default), ICB or organisation type.",
)
DASHBOARD_PARAMETERS = _filter_parameters(AdoptionFilter, BarrierFilter)


class DashboardView(StrictParameters, APIView):
    """A national dashboard's tables, exactly as the page shows and downloads them."""

    build = None  # a function of `pages`, as a staticmethod: (filters, *objects) -> Page
    with_grouping = False

    def accepted_parameters(self):
        return (
            *(["group_by"] if self.with_grouping else []),
            *AdoptionFilter.base_filters,
            *BarrierFilter.base_filters,
        )

    def filters(self, request):
        filters = DashboardFilters(request, with_grouping=self.with_grouping)
        if not filters.is_valid():
            raise ValidationError(filters.form.errors)
        return filters

    def objects(self, **kwargs):
        return ()

    @extend_schema(parameters=DASHBOARD_PARAMETERS)
    def get(self, request, **kwargs):
        filters = self.filters(request)
        page = self.build(filters, *self.objects(**kwargs))
        return Response(serializers.DashboardSerializer(page).data)


@extend_schema(
    parameters=[GROUP_BY_PARAMETER], responses=serializers.dashboard_serializer("spread")
)
class SpreadDashboard(DashboardView):
    """Where spread is stalling: funnels, adoption by innovation and place, the stall flags and
    the barriers over-represented where it stalls."""

    build = staticmethod(pages.spread)
    with_grouping = True


@extend_schema(
    parameters=[GROUP_BY_PARAMETER], responses=serializers.dashboard_serializer("barriers")
)
class BarriersDashboard(DashboardView):
    """Barrier heatmap, severity ranking, quarterly trend and time to resolve."""

    build = staticmethod(pages.barriers)
    with_grouping = True


@extend_schema(responses=serializers.dashboard_serializer("savings"))
class SavingsDashboard(DashboardView):
    """Who bears the cost and where the savings land."""

    build = staticmethod(pages.savings)


@extend_schema(responses=serializers.dashboard_serializer("what_worked"))
class WhatWorkedDashboard(DashboardView):
    """Which enablers resolved which barriers, and progress by route of arrival."""

    build = staticmethod(pages.what_worked)


@extend_schema(
    parameters=[GROUP_BY_PARAMETER], responses=serializers.dashboard_serializer("innovation")
)
class InnovationDashboard(DashboardView):
    """One innovation's S-curve and stage by place."""

    build = staticmethod(pages.innovation)
    with_grouping = True

    def objects(self, slug):
        innovation = Innovation.find(slug)
        if innovation is None:
            raise Http404("No innovation has this slug.")
        return (innovation,)


@extend_schema(responses=serializers.dashboard_serializer("organisation"))
class OrganisationDashboard(DashboardView):
    """One organisation's adoptions against its ICB and region peers."""

    build = staticmethod(pages.organisation)

    def objects(self, ods_code):
        queryset = Organisation.objects.select_related("icb", "region")
        return (get_object_or_404(queryset, ods_code=ods_code.upper()),)


class ApiRoot(StrictParameters, routers.APIRootView):
    """The API's endpoints, by name."""


class Schema(StrictParameters, SpectacularAPIView):
    """The OpenAPI schema, as YAML or (`?format=json`) JSON."""

    def accepted_parameters(self):
        return ("format", "lang")


class ApiDocs(StrictParameters, APIView):
    """The API reference as a page of the service: every endpoint, its filters and the fields
    it answers with, read from the OpenAPI schema, so it is never out of date."""

    renderer_classes = [TemplateHTMLRenderer]
    schema = None  # not itself part of the API

    def handle_exception(self, exc):
        # A page of the service: a visitor who is not signed in is sent to sign in, as on
        # every other page, not answered with the API's bare 401.
        if isinstance(exc, NotAuthenticated | AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)

    def options(self, request, *args, **kwargs):
        # The page has no metadata to describe, and its renderer draws only the page itself.
        return HttpResponse(headers={"Allow": ", ".join(self.allowed_methods)})

    def get(self, request):
        schema = SchemaGenerator().get_schema(request=request, public=True)
        return Response(
            {"title": "API reference", **api_reference(schema)}, template_name="api/docs.html"
        )
