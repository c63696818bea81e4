"""/api/imports/: a CSV ledger file imported the way the Import page does it. Uploading keeps the file and
previews it (every row, new account and asset, and line-numbered error) without saving anything; the
preview can be run again with other asset classes or, for a brokerage CSV, another column mapping;
confirming imports it, all or nothing. Large files run in a worker: poll the job until it is finished."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portfolios.api.assets import CLASS_CHOICES
from portfolios.api.errors import service_errors
from portfolios.api.parsers import PARSERS
from portfolios.api.schema import ID_PATTERN, OBJECT_ID
from portfolios.api.serializers import TextOnly
from portfolios.forms import ImportUploadForm
from portfolios.import_tasks import (
    import_job_asset_classes,
    import_job_columns,
    import_job_confirm,
    import_job_create,
    import_job_mapping,
    import_job_progress,
)
from portfolios.importers.brokerage import MEANINGS, REQUIRED
from portfolios.importers.brokerage import SYNONYMS as MAPPING_MEANINGS
from portfolios.models import ImportJob, Portfolio, User
from portfolios.models.ledger import BasisMethod


class ImportUploadSerializer(TextOnly, serializers.Serializer):
    """The Import page's form: a file and the portfolio it goes to, an existing one or a new one."""

    file = serializers.FileField(
        help_text="A CSV file (UTF-8), at most 20 MB: Lotwise's format or an exchange's or broker's export."
    )
    portfolio = serializers.IntegerField(required=False, help_text="id of one of your portfolios")
    new_portfolio = serializers.CharField(
        required=False, max_length=100, help_text="…or the name of a portfolio the import creates"
    )
    basis_method = serializers.ChoiceField(
        choices=BasisMethod.choices,
        required=False,
        help_text="The basis method of accounts the file names that do not exist yet (default fifo).",
    )


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="line of the file (0: the file as a whole)")
    field = serializers.CharField()
    message = serializers.CharField()


class NewAssetSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    asset_class = serializers.CharField()
    name = serializers.CharField()
    note = serializers.CharField(help_text="why to check the class; empty when the catalogue settles it")
    private = serializers.BooleanField()
    chosen = serializers.BooleanField(help_text="you chose the class")


class SkippedSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


class ImportSummarySerializer(serializers.Serializer):
    """The preview (or, once confirmed, the import) of a finished run; empty before the first one."""

    portfolio = serializers.CharField(required=False)
    portfolio_id = serializers.IntegerField(required=False, allow_null=True)
    rows = serializers.IntegerField(required=False)
    new = serializers.IntegerField(required=False, help_text="rows that become transactions")
    duplicates = serializers.IntegerField(required=False, help_text="rows already in the ledger")
    accounts_created = serializers.ListField(child=serializers.CharField(), required=False)
    assets_created = serializers.ListField(child=serializers.CharField(), required=False)
    new_assets = NewAssetSerializer(many=True, required=False)
    lots = serializers.IntegerField(required=False, allow_null=True)
    preview = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text="the first rows as they will be recorded",
    )
    seconds = serializers.FloatField(required=False)
    format = serializers.CharField(required=False)
    format_label = serializers.CharField(required=False)
    source_rows = serializers.IntegerField(required=False, allow_null=True)
    skipped = SkippedSerializer(many=True, required=False)
    skipped_count = serializers.IntegerField(required=False)
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)


class MappingRowSerializer(serializers.Serializer):
    meaning = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    column = serializers.CharField(allow_blank=True, help_text="the file's column read for it")


class MappingStepSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField(), help_text="the file's columns")
    rows = MappingRowSerializer(many=True)
    chosen = serializers.BooleanField(help_text="you mapped the columns (else they were detected)")


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    portfolio_name = serializers.CharField()
    portfolio = serializers.IntegerField(allow_null=True, help_text="the portfolio, once imported")
    basis_method = serializers.CharField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    progress = serializers.IntegerField(help_text="percent")
    confirmed = serializers.BooleanField(help_text="false: the status is the preview's")
    finished = serializers.BooleanField()
    imported = serializers.BooleanField(help_text="confirmed and done: the rows are in the ledger")
    row_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    errors = LineErrorSerializer(  # type: ignore[assignment]
        many=True, help_text="the first 500 errors"
    )
    summary = ImportSummarySerializer()
    mapping_step = MappingStepSerializer(
        allow_null=True, help_text="a brokerage CSV still in preview: its columns and their meanings"
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AssetClassesSerializer(TextOnly, serializers.Serializer):
    asset_classes = serializers.DictField(
        child=serializers.ChoiceField(choices=CLASS_CHOICES),
        required=False,
        help_text="symbol -> class, for the new assets the preview lists (`summary.new_assets`)",
    )


class MappingSerializer(TextOnly, serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        help_text=f'meaning -> the file\'s column ("" for one the file lacks); meanings: '
        f"{', '.join(MAPPING_MEANINGS)}",
    )


def _mapping_step(job: ImportJob) -> dict[str, Any] | None:
    if not job.finished:
        return None
    found = import_job_columns(job)
    if found is None:
        return None
    columns, suggested = found
    current = job.mapping or (job.summary or {}).get("mapping") or suggested
    rows = [
        {
            "meaning": meaning,
            "label": MEANINGS.get(meaning, meaning),
            "required": meaning in REQUIRED,
            "column": current.get(meaning, ""),
        }
        for meaning in MAPPING_MEANINGS
    ]
    return {"columns": columns, "rows": rows, "chosen": bool(job.mapping)}


def job_json(job: ImportJob) -> dict[str, Any]:
    return ImportJobSerializer(
        {
            "id": job.pk,
            "filename": job.filename,
            "portfolio_name": job.portfolio_name,
            "portfolio": job.portfolio_id,
            "basis_method": job.basis_method,
            "status": job.status,
            "progress": import_job_progress(job),
            "confirmed": job.confirmed,
            "finished": job.finished,
            "imported": job.confirmed and job.status == ImportJob.Status.DONE,
            "row_count": job.row_count,
            "error_count": job.error_count,
            "errors": job.errors or [],
            "summary": job.summary or {},
            "mapping_step": _mapping_step(job),
            "created_at": job.created_at,
            "updated_at": job.updated_at,
        }
    ).data


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


@extend_schema_view(
    list=extend_schema(description="Your imports, newest first."),
    retrieve=extend_schema(
        parameters=[OBJECT_ID], description="An import: its status and progress, and the preview or result."
    ),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    parser_classes = PARSERS

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ImportJobSerializer

    def get_queryset(self) -> QuerySet[ImportJob]:
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        # The file can be megabytes; nothing here needs it.
        return ImportJob.objects.filter(owner=_user(self.request)).defer("content")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([job_json(job) for job in page or []])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(job_json(self.get_object()))

    def _job(self) -> ImportJob:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportJobSerializer},
        description="Upload a file: it is kept and previewed (a dry run, nothing saved). A small file's "
        "preview is in the answer; a large one's runs in a worker (status queued or running).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = _user(request)
        ImportUploadSerializer(data=request.data).is_valid(raise_exception=True)
        fields = {
            k: request.data[k] for k in ("portfolio", "new_portfolio", "basis_method") if k in request.data
        }
        fields.setdefault("basis_method", BasisMethod.FIFO)
        form = ImportUploadForm(fields, request.FILES, portfolios=list(Portfolio.objects.filter(owner=user)))
        if not form.is_valid():
            raise serializers.ValidationError(
                {field: [str(m) for m in messages] for field, messages in form.errors.items()}
            )
        job = import_job_create(
            user=user,
            content=form.cleaned_data["file"],
            portfolio_name=form.cleaned_data["portfolio_name"],
            basis_method=form.cleaned_data["basis_method"],
            filename=form.filename,
        )
        return Response(job_json(job), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OBJECT_ID],
        request={"application/json": AssetClassesSerializer},
        responses={200: ImportJobSerializer},
        description="Import the previewed file for real, once, if its preview finished without errors; "
        "with `asset_classes`, the new assets get those classes. A large file imports in a worker.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        job = self._job()
        given = AssetClassesSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        classes = given.validated_data.get("asset_classes") or {}
        with service_errors():
            if classes:
                job = import_job_asset_classes(job=job, classes=classes, confirm=True)
            else:
                job = import_job_confirm(job=job)
        return Response(job_json(job))

    @extend_schema(
        parameters=[OBJECT_ID],
        request={"application/json": AssetClassesSerializer},
        responses={200: ImportJobSerializer},
        description="Preview the file again with these classes for its new assets.",
    )
    @action(detail=True, methods=["post"])
    def reclassify(self, request: Request, pk: str | None = None) -> Response:
        job = self._job()
        given = AssetClassesSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors():
            job = import_job_asset_classes(
                job=job, classes=given.validated_data.get("asset_classes") or {}, confirm=False
            )
        return Response(job_json(job))

    @extend_schema(
        parameters=[OBJECT_ID],
        request={"application/json": MappingSerializer},
        responses={200: ImportJobSerializer},
        description="A brokerage CSV: read these columns for these meanings, and preview it again.",
    )
    @action(detail=True, methods=["post"])
    def mapping(self, request: Request, pk: str | None = None) -> Response:
        job = self._job()
        given = MappingSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with service_errors():
            job = import_job_mapping(job=job, mapping=given.validated_data["mapping"])
        return Response(job_json(job))
