"""Follow-ups (工单): one validator for the API and the CLI, and the service behind both."""
