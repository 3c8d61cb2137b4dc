"""Notifications to customers and staff: published to SQS, recorded in the recipient's inbox
exactly once, and delivered on the recipient's channels."""
