"""What a project has already accepted: waivers (in tos-check.yaml, with a reason, an approver and an expiry
date) and baselines (a file of the findings that existed when it was made). Accepted findings stay in every
report, marked; they only stop failing the run (design.md 3: findings ─▶ waivers/baseline ─▶ reporters)."""
