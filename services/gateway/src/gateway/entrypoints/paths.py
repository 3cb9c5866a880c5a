"""Where each part of the public API lives."""

AUTH = "/api/v1/auth"
ADMIN = "/api/v1/admin"
LEARNER = "/api/v1/learner"
INTEGRATIONS = "/api/v1/integrations"  # what LMS integrations alone reach (not admins)
