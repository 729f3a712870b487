"""Signed webhooks to a CRM: endpoints, events, a persistent delivery queue (docs/crm.md)."""
