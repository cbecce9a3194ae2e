from __future__ import annotations

from django.tasks import task


@task()
def delivery_send_task(delivery_id: int):
    from .services import delivery_send

    return delivery_send(delivery_id=delivery_id)
