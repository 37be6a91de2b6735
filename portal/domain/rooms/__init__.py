"""The cohort Q&A rooms: membership, messages, questions, moderation."""
