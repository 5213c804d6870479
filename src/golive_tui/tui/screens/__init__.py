"""Full screens of the app (main, help; setup lives beside them)."""
