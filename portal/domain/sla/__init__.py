"""The answer SLA: policy and calendar, deadlines, tracker, figures, the deadline watch."""
