"""Appointments: services, staff schedules, slot claims, booking, reminders and analytics."""
