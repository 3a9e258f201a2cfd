# The registration list: one module a line (its folder under src/modules/). Adding a service
# means a folder, a line here, its proto and its paths in api/openapi.yaml
# (docs/adding-a-service.md).
set(CB_MODULES
  counter  # the example module: a route, a durable timer and a subscriber
  kyc      # KYC verifications and KYB ownership (ADR 0018)
  payments # the payments orchestrator (ADR 0019)
)
