"""Learning: courses, lessons and quizzes, the points ledger, rewards, the leaderboard."""
