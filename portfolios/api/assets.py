"""/api/assets/: the assets you hold or made, the bundled catalogue, a private asset of your own, and an
asset's class (which decides whether the wash-sale rule applies, so changing it recomputes your lots).
The same services as the Assets page; another user's private asset is a 404."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios import catalogue
from portfolios.api.errors import service_errors
from portfolios.api.filters import QueryFilter
from portfolios.api.parsers import JSONParser
from portfolios.api.schema import ID_PATTERN, OBJECT_ID
from portfolios.api.serializers import TextOnly
from portfolios.assets import (
    CHOOSABLE_CLASSES,
    AssetError,
    asset_class_alternatives,
    asset_class_change,
    asset_lookup,
    asset_save,
    assets_of_owner,
    assets_visible,
)
from portfolios.models import Asset, AssetClass, User
from portfolios.models.ledger import SYMBOL_HELP

CLASS_CHOICES = [(c, AssetClass(c).label) for c in CHOOSABLE_CLASSES]


class AssetSerializer(serializers.ModelSerializer):
    label = serializers.CharField(  # type: ignore[assignment]
        read_only=True, help_text='The symbol with its class: "T (stock)".'
    )
    price_source = serializers.CharField(
        read_only=True, help_text='The feed that quotes it ("coingecko", "yahoo"); empty: none yet.'
    )
    shared = serializers.SerializerMethodField(help_text="A catalogue asset, shared by every user.")
    class_choices = serializers.SerializerMethodField(
        help_text="The classes `POST /api/assets/{id}/class/` accepts for it: any for your own asset; "
        "for a shared one, the catalogue's other entries for its symbol."
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "symbol",
            "name",
            "asset_class",
            "label",
            "shared",
            "price_source",
            "price_source_id",
            "class_choices",
        ]
        read_only_fields = fields

    def get_shared(self, asset: Asset) -> bool:
        return asset.owner_id is None

    def get_class_choices(self, asset: Asset) -> list[str]:
        if asset.owner_id is not None:
            return [c for c in CHOOSABLE_CLASSES if c != asset.asset_class]
        return [e.asset_class for e in asset_class_alternatives(asset=asset)]


class AssetCreateSerializer(TextOnly, serializers.Serializer):
    symbol = serializers.CharField(max_length=40, help_text=f"A symbol is {SYMBOL_HELP}")
    asset_class = serializers.ChoiceField(
        choices=CLASS_CHOICES,
        required=False,
        help_text="Needed for a symbol the catalogue does not list, or lists in more than one class.",
    )


class AssetClassSerializer(TextOnly, serializers.Serializer):
    asset_class = serializers.ChoiceField(choices=CLASS_CHOICES)


class CatalogueEntrySerializer(serializers.Serializer):
    symbol = serializers.CharField()
    asset_class = serializers.CharField()
    name = serializers.CharField()
    price_source = serializers.CharField()
    price_source_id = serializers.CharField()


class AssetFilter(QueryFilter):
    symbol = serializers.CharField(required=False, max_length=40, help_text="this symbol (any case)")
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False)


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


@extend_schema_view(
    list=extend_schema(
        parameters=[AssetFilter],
        description="The assets in your ledgers and the ones you made, shared catalogue assets included.",
    ),
    retrieve=extend_schema(
        parameters=[OBJECT_ID], description="An asset you can see: a catalogue asset, or one of your own."
    ),
    create=extend_schema(
        request=AssetCreateSerializer,
        responses={200: AssetSerializer, 201: AssetSerializer},
        description="The asset a symbol (and class) names for you, stored if new (201) or as it was "
        "(200). A symbol outside the catalogue makes an asset of your own, which nobody else sees.",
    ),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssetSerializer
    lookup_value_regex = ID_PATTERN
    parser_classes = [JSONParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Asset.objects.none()
        if self.action == "list":
            return assets_of_owner(owner=_user(self.request))
        return assets_visible(user=_user(self.request)).order_by("symbol", "asset_class", "id")

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        if self.action != "list":
            return queryset
        chosen = AssetFilter.read(self.request)
        if chosen.get("symbol"):
            queryset = queryset.filter(symbol__iexact=chosen["symbol"].strip())
        if chosen.get("asset_class"):
            queryset = queryset.filter(asset_class=chosen["asset_class"])
        return queryset

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = AssetCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            found = asset_lookup(
                user=_user(request),
                symbol=given.validated_data["symbol"],
                asset_class=given.validated_data.get("asset_class"),
            )
        except AssetError as exc:
            hint = " Send its asset_class too." if exc.kind in ("ambiguous", "unknown") else ""
            raise serializers.ValidationError({"symbol": [exc.message + hint]}) from exc
        created = found.pk is None
        asset = asset_save(found)
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(AssetSerializer(asset).data, status=answer)

    @extend_schema(
        parameters=[OBJECT_ID],
        request=AssetClassSerializer,
        responses={200: AssetSerializer},
        description="Count the asset as another class in all your portfolios, and recompute your lots. "
        "Your own asset changes; for a shared one your transactions move to the catalogue's entry for the "
        "symbol in that class. Answers with the asset your ledger now uses.",
    )
    @action(detail=True, methods=["post"], url_path="class")
    def change_class(self, request: Request, pk: str | None = None) -> Response:
        asset = get_object_or_404(assets_visible(user=_user(request)), pk=pk)
        given = AssetClassSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors():
            used = asset_class_change(
                owner=_user(request), asset=asset, asset_class=given.validated_data["asset_class"]
            )
        return Response(AssetSerializer(used).data)

    @extend_schema(
        parameters=[AssetFilter],
        responses={200: CatalogueEntrySerializer(many=True)},
        description="The bundled catalogue: the coins, funds and stocks Lotwise knows, with their price feed.",
    )
    @action(detail=False, methods=["get"])
    def catalogue(self, request: Request) -> Response:
        chosen = AssetFilter.read(request)
        wanted = catalogue.normalize_symbol(chosen["symbol"]) if chosen.get("symbol") else None
        rows = [
            e
            for e in catalogue.entries()
            if (wanted is None or e.symbol == wanted)
            and (not chosen.get("asset_class") or e.asset_class == chosen["asset_class"])
        ]
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        data = CatalogueEntrySerializer(page, many=True).data
        return self.get_paginated_response(data)
