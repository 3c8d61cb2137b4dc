"""The AWS side of the export ports: S3 multipart uploads and presigned links, the jobs queue, and
the export-kind registry (core.areas) resolved to the owning area's rows function."""

from __future__ import annotations

import json
import secrets
from typing import Any

from chalicelib.core import aws
from chalicelib.core.areas import export_kind
from chalicelib.core.config import provisioned, queue_url
from chalicelib.core.lazy import resolve
from chalicelib.exports.area import EXPORTS_BUCKET, EXPORTS_QUEUE
from chalicelib.exports.domain import Job
from chalicelib.exports.models import JobTable
from chalicelib.exports.ports import Ports, RowsFunction


def bucket() -> str:
    return provisioned(EXPORTS_BUCKET.env_name)


class S3Upload:
    def __init__(self, key: str, content_type: str) -> None:
        self.s3 = aws.client("s3")
        self.key = key
        self.upload_id: str = self.s3.create_multipart_upload(
            Bucket=bucket(), Key=key, ContentType=content_type, ServerSideEncryption="AES256"
        )["UploadId"]
        self.parts: list[dict[str, Any]] = []

    def part(self, data: bytes) -> None:
        number = len(self.parts) + 1
        answer = self.s3.upload_part(
            Bucket=bucket(), Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> None:
        self.s3.complete_multipart_upload(
            Bucket=bucket(), Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        S3Files().abort(self.key, self.upload_id)


class S3Files:
    def start(self, key: str, content_type: str) -> S3Upload:
        return S3Upload(key, content_type)

    def abort(self, key: str, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        try:
            aws.client("s3").abort_multipart_upload(Bucket=bucket(), Key=key, UploadId=upload_id)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "NoSuchUpload":
                raise

    def download_url(self, key: str, filename: str, seconds: int) -> str:
        url: str = aws.client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket(),
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=seconds,
        )
        return url


def enqueue(job: Job) -> None:
    aws.client("sqs").send_message(
        QueueUrl=queue_url(EXPORTS_QUEUE.suffix),
        MessageBody=json.dumps({"merchantId": job.merchant_id, "jobId": job.id}),
    )


def kind(name: str) -> tuple[tuple[str, ...], RowsFunction] | None:
    declared = export_kind(name)
    if declared is None:
        return None
    return declared.columns, lambda m, s, e: resolve(declared.rows)(m, s, e)


def live_ports() -> Ports:
    return Ports(jobs=JobTable(), files=S3Files(), enqueue=enqueue, kind=kind, new_random=lambda: secrets.token_hex(4))
