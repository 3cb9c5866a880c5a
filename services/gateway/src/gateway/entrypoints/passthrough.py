"""Handing a service's answer to the caller as it is: status, body, content type and Retry-After."""

from fastapi import Response

from gateway.domain.replies import ServiceReply


def passthrough(reply: ServiceReply) -> Response:
    response = Response(content=reply.content, status_code=reply.status_code, media_type=reply.content_type)
    if reply.retry_after is not None:
        response.headers["Retry-After"] = reply.retry_after
    return response


def created_id(reply: ServiceReply) -> str | None:
    """The ``id`` of what a service just created (for the audit entry), if it says."""
    if reply.status_code != 201:
        return None
    try:
        body = reply.json()
    except ValueError:
        return None
    return str(body["id"]) if isinstance(body, dict) and "id" in body else None
