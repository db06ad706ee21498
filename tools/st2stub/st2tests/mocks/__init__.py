"""Stand-in for ``st2tests.mocks``: the services pack tests hand to actions and sensors."""
