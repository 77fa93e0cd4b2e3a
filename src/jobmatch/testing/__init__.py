"""Test helpers that stand in for the outside world: a fake LinkedIn job board (`jobmatch.testing.board`)."""
