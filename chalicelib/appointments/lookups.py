"""Finding what a request names (or answering 404) and who may act on it (or answering 403):
shared by every appointment use case."""

from __future__ import annotations

from chalicelib.appointments.domain import Appointment, Service, Staff
from chalicelib.appointments.ports import Repository
from chalicelib.core.auth import Principal
from chalicelib.core.errors import Forbidden, NotFound, ValidationError


def require_service(repo: Repository, service_id: str) -> Service:
    found = repo.get_service(service_id) if service_id else None
    if found is None:
        raise NotFound(f"Service '{service_id}' does not exist.", code="SERVICE_NOT_FOUND", field="serviceId")
    return found


def require_staff(repo: Repository, staff_id: str) -> Staff:
    found = repo.get_staff(staff_id) if staff_id else None
    if found is None:
        raise NotFound(f"Staff member '{staff_id}' does not exist.", code="STAFF_NOT_FOUND", field="staffId")
    return found


def require_appointment(repo: Repository, appointment_id: str) -> Appointment:
    found = repo.get_appointment(appointment_id)
    if found is None:
        raise NotFound(f"Appointment '{appointment_id}' does not exist.", code="APPOINTMENT_NOT_FOUND")
    return found


def require_offering(service: Service, staff: Staff) -> None:
    if service.id not in staff.service_ids or staff.store_id != service.store_id:
        raise ValidationError(
            f"{staff.name} does not offer {service.name}.", code="STAFF_NOT_OFFERING", field="staffId"
        )


def ensure_can_see(principal: Principal, appt: Appointment) -> bool:
    """Owner, the store's staff, the merchant's admin; returns whether the caller acts as staff."""
    if principal.can_staff(appt.store_id, appt.merchant_id):
        return True
    if principal.user_id != appt.user_id:
        raise Forbidden("This appointment is not yours.")
    return False


def ensure_manages(principal: Principal, staff: Staff) -> None:
    principal.ensure_staff_of(staff.store_id, staff.merchant_id)
