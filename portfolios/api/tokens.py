"""/api/tokens/: the requesting user's own API tokens. Listing and revoking work with any credential; making
one needs a signed-in browser session (a token or a password cannot mint more tokens)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios import tokens
from portfolios.api.errors import service_errors
from portfolios.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at"]


class NewApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The token's key: shown in this answer only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Your API tokens (never another user's): list them, make one (from a signed-in session; the key is in
    that answer only), revoke one (DELETE)."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return tokens.tokens_active(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: NewApiTokenSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        if not isinstance(request.successful_authenticator, tokens.VerifiedSessionAuthentication):
            raise PermissionDenied("Make tokens from a signed-in session (Settings → API tokens).")
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            made = tokens.token_create(user=request.user, name=serializer.validated_data["name"])  # type: ignore[arg-type]
        answer = NewApiTokenSerializer(made.token).data
        answer["key"] = made.key
        return Response(answer, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.token_revoke(user=self.request.user, token_id=instance.pk)
