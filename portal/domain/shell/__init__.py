"""The candidate app's shell: the tab bar, its unread badges and the home page's next step."""
