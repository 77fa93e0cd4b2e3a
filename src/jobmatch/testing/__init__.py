"""Test helpers that stand in for the outside world: a fake job board (`jobmatch.testing.board`) serving LinkedIn's
guest pages and the Greenhouse, Lever and Ashby board APIs."""
