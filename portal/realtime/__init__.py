"""The Q&A room in real time: connections and the fan-out hub (in memory or through Redis)."""
