"""Candidate tags: HR's labels on candidates (技术类, 关注职业发展), used to filter and target."""
